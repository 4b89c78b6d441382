"""Real people on real clips (../shared/realclips): every exercise file counts them as annotated.

Each clip goes through the real pose model once per session into a recorded track; the counts
come from replaying that track, which gives exactly what replaying the video gives. Reps must
match the annotation exactly, and each annotated hold must be matched by a reported hold whose
start, end and duration are each within the annotation's precision plus margin (1 s).
"""

from pathlib import Path

import pytest

from posecoach import app
from posecoach.exercise.catalogue import load_exercise
from posecoach.exercise.overrides import CONFIG_ENV

from conftest import REALCLIPS, realclips_manifest

pytestmark = pytest.mark.e2e

HOLD_TOLERANCE_S = 1.0
CLIPS = realclips_manifest()


@pytest.fixture(autouse=True)
def no_user_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "config"))


@pytest.fixture(scope="session")
def clip_track(shared_dir, model_path, tmp_path_factory):
    """The pose track of a clip, recorded on first use and kept for the session."""
    folder = tmp_path_factory.mktemp("realclip_tracks")
    tracks: dict[str, Path] = {}

    def track(clip: dict) -> Path:
        if clip["file"] not in tracks:
            out = folder / f"{Path(clip['file']).stem}.npz"
            app.record_track(str(shared_dir / "realclips" / clip["file"]), out,
                             model=app.ModelChoice(path=model_path))
            tracks[clip["file"]] = out
        return tracks[clip["file"]]

    return track


@pytest.fixture(params=CLIPS, ids=[c["exercise_id"] for c in CLIPS])
def clip_report(request, clip_track, model_path):
    clip = request.param
    track = clip_track(clip)
    report = app.replay(str(track), load_exercise(clip["exercise_id"]), model=app.ModelChoice(path=model_path))
    return clip, report


def test_reps_counted_exactly(clip_report):
    clip, report = clip_report
    events = [(r["side"], r["start_s"], r["end_s"]) for r in report["rep_events"]]
    assert report["reps"]["total"] == clip["reps"], f"{clip['file']}: {clip['reps_note']}; counted {events}"


def test_each_annotated_hold_is_reported(clip_report):
    clip, report = clip_report
    for hold in clip["holds"]:
        matches = [h for h in report["holds"]
                   if all(abs(h[k] - hold[k]) <= HOLD_TOLERANCE_S for k in ("start_s", "end_s", "duration_s"))]
        assert matches, f"{clip['file']}: hold {hold['start_s']}-{hold['end_s']} s not in {report['holds']}"


def test_the_clips_are_here_when_shared_is(shared_dir):
    assert CLIPS, f"{REALCLIPS / 'manifest.json'} lists no clips"
    for clip in CLIPS:
        assert (shared_dir / "realclips" / clip["file"]).is_file(), clip["file"]
