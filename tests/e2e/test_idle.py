"""No movement, no count: idle footage gives 0 reps and no hold for every exercise.

Rendered clips of a person walking to and from the camera, walking across it, standing and
turning round, and sitting on a chair (samples/idle/, rendered from exercises/motions/idle/).
Their ground truth needs no model; their videos go through the real model too.
"""

from __future__ import annotations

import json

import pytest

from posecoach import replay
from posecoach.exercise.catalogue import load_all_exercises
from posecoach.exercise.fast import evaluate
from posecoach.tuning.series import track_series

from conftest import SAMPLES
from groundtruth import truth_track

IDLE = SAMPLES / "idle"
CLIPS = json.loads((IDLE / "manifest.json").read_text())["clips"]
EXERCISES = load_all_exercises()


def _name(clip: dict) -> str:
    return clip["file"].removesuffix(".mp4")


def test_the_idle_footage_covers_walking_standing_turning_and_sitting():
    assert {_name(c) for c in CLIPS} >= {"walking_front", "walking_side", "standing_front", "sitting_oblique"}
    assert all(c["exercise_id"] is None and c["reps"] == 0 and c["holds"] == [] for c in CLIPS)


def _counted(report: dict) -> tuple[int, list[dict]]:
    return report["reps"]["total"], report["holds"]


@pytest.mark.parametrize("clip", CLIPS, ids=_name)
def test_idle_ground_truth_counts_nothing_as_any_exercise(clip):
    track = truth_track(clip, IDLE)
    for exercise_id, spec in EXERCISES.items():
        outcome = evaluate(spec, track_series(spec, track))
        holds = [h for side in outcome.sides.values() for h in side.holds]
        assert (outcome.reps, holds) == ([], []), exercise_id


@pytest.mark.e2e
@pytest.mark.parametrize("clip", CLIPS, ids=_name)
def test_idle_video_counts_nothing_as_any_exercise(clip, video_track):
    track = video_track(IDLE / clip["file"])
    counted = {}
    for exercise_id, spec in EXERCISES.items():
        report = replay.replay(str(track), spec)
        assert report["frames_with_pose"] >= 0.8 * report["frames"], exercise_id
        counted[exercise_id] = _counted(report)
    assert {k: v for k, v in counted.items() if v != (0, [])} == {}
