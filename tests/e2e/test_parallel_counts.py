"""Counts equal between one worker and two on every sample and shared real clip (issue 18).

The one-worker track is the session's `video_track` (shared with the other tests of a run); each
video is tracked once more, with two workers. A video too short for two segments
(`plan_segments` gives one) is one pass either way, so it is not tracked again. Reps, and the
number and sides of holds, must be equal; hold edges within 0.1 s (a landmark a pixel off at the
seam may move an edge by a frame).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from posecoach import replay
from posecoach.exercise.catalogue import load_exercise
from posecoach.pose.parallel import plan_segments
from posecoach.sources.video import VideoSource

from conftest import REALCLIPS, REALCLIPS_MORE, SAMPLES, realclips_manifest, samples_manifest

pytestmark = pytest.mark.e2e


def _clips() -> list:
    clips = [(SAMPLES / c["file"], c["exercise_id"]) for c in samples_manifest()]
    clips += [(c["path"], c["exercise_id"]) for c in realclips_manifest(REALCLIPS) + realclips_manifest(REALCLIPS_MORE)]
    return [pytest.param(path, exercise, id=f"{path.parent.name}/{path.stem}")
            for path, exercise in clips]


def _report(track: Path, exercise: str) -> dict:
    return replay.replay(f"track:{track}", load_exercise(exercise))


def _holds(report: dict) -> list:
    return [h["side"] for h in report["holds"]]


def _edges(report: dict) -> list:
    return [t for h in report["holds"] for t in (h["start_s"], h["end_s"])]


@pytest.mark.parametrize(("video", "exercise"), _clips())
def test_two_workers_count_what_one_counts(video, exercise, video_track, model_path, tmp_path):
    segments = plan_segments(VideoSource(video).info.frame_count, 2)
    if len(segments) == 1:
        pytest.skip(f"{video.name}: too short for two segments, one pass either way")
    two = tmp_path / "two.npz"
    replay.record_track(str(video), two, model=replay.ModelChoice(path=model_path), workers=2)
    one, two = _report(video_track(video), exercise), _report(two, exercise)
    seam = f"seam at frame {segments[1].start}"
    assert (two["frames"], two["reps"], _holds(two)) == (one["frames"], one["reps"], _holds(one)), seam
    assert _edges(two) == pytest.approx(_edges(one), abs=0.1), seam
