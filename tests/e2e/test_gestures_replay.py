"""Zero false triggers: the gesture detector over every sample and every shared real clip.

None of the catalogue's exercises may ever produce a gesture. Each video goes through the real
pose model once into a pose track (about 15 ms a frame), shared with the other tests of the
session (conftest.video_track). The figures
(frames checked, triggers, and the longest part of a hold any exercise reached) are printed for
the closing note with `pytest -s`.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from posecoach.live.gestures import GESTURES, GestureDetector
from posecoach.sources.tracks import load_track

from conftest import REALCLIPS, REALCLIPS_MORE, SAMPLES, realclips_manifest, samples_manifest

pytestmark = pytest.mark.e2e

VIDEOS = ([SAMPLES / clip["file"] for clip in samples_manifest()]
          + [clip["path"] for folder in (REALCLIPS, REALCLIPS_MORE) for clip in realclips_manifest(folder)])
VIDEOS = [v for v in VIDEOS if Path(v).is_file()]
TOTALS: dict[str, int] = defaultdict(int)


@pytest.mark.parametrize("video", VIDEOS, ids=lambda v: Path(v).stem)
def test_no_exercise_recording_makes_a_gesture(video, video_track):
    detector = GestureDetector()
    fired, frames, closest = [], 0, 0.0
    for frame, pose in load_track(video_track(Path(video))).poses():
        reading = detector.update(pose, frame.t_s)
        frames += 1
        closest = max(closest, reading.progress)
        if reading.fired is not None:
            fired.append((round(frame.t_s, 2), reading.fired.value))
    TOTALS["videos"] += 1
    TOTALS["frames"] += frames
    TOTALS["triggers"] += len(fired)
    print(f"{Path(video).name}: {frames} frames, {len(fired)} triggers, closest hold {closest:.0%}")
    assert fired == [], f"{Path(video).name} made gestures at {fired}"
    assert frames > 0


def test_every_gesture_needs_a_deliberate_hold():
    assert min(g.hold_s for g in GESTURES) >= 1.0


def teardown_module(module):
    if TOTALS:
        print(f"\ngestures: {TOTALS['videos']} videos, {TOTALS['frames']} frames, {TOTALS['triggers']} triggers")
