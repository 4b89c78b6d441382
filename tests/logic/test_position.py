"""The body's position gates counting: a rep or hold counts only in its exercise's position.

The rendered samples' ground truth (no model needed) and, when ../shared is here, the real
clips through the real model: each is recognised in its own position and in no other;
replayed as an exercise of another position it counts nothing at all, and as another exercise
of its own position nothing beyond a grace's worth, unless one is declared a look-alike of the other.
"""

from __future__ import annotations

import numpy as np
import pytest

from posecoach.exercise.catalogue import load_all_exercises, load_exercise
from posecoach.exercise.events import WrongPosition
from posecoach.exercise.fast import evaluate
from posecoach.exercise.position import POSITIONS, in_position
from posecoach.pipeline import Coach
from posecoach.tuning.series import track_series

from conftest import samples_manifest
from groundtruth import truth_track
from synthetic import bridge_track

SAMPLES = samples_manifest()
EXERCISES = load_all_exercises()


def _position(clip: dict) -> str:
    return EXERCISES[clip["exercise_id"]].position


def test_every_declared_position_is_one_the_engine_recognises():
    assert {spec.position for spec in EXERCISES.values()} <= set(POSITIONS)


@pytest.mark.parametrize("clip", SAMPLES, ids=lambda c: c["file"].removesuffix(".mp4"))
def test_a_sample_is_in_its_own_position_and_no_other(clip):
    world = truth_track(clip).world
    share = {p: float(in_position(p, world).mean()) for p in POSITIONS}
    own = _position(clip)
    assert share[own] >= 0.98, share
    assert all(v <= 0.01 for p, v in share.items() if p != own), share


@pytest.mark.parametrize("clip", SAMPLES, ids=lambda c: c["file"].removesuffix(".mp4"))
def test_a_sample_counts_nothing_as_an_exercise_of_another_position(clip):
    track = truth_track(clip)
    for exercise_id, spec in EXERCISES.items():
        if spec.position == _position(clip):
            continue
        outcome = evaluate(spec, track_series(spec, track))
        holds = [h for side in outcome.sides.values() for h in side.holds]
        assert (outcome.reps, holds) == ([], []), exercise_id


@pytest.mark.parametrize("clip", SAMPLES, ids=lambda c: c["file"].removesuffix(".mp4"))
def test_a_sample_counts_nothing_as_another_exercise_of_its_position(clip):
    # Within a position only the exercise's declared look-alikes (single and double knee to
    # chest, big and small hip circles) may count; holds under 1 s are a grace's worth.
    own = EXERCISES[clip["exercise_id"]]
    track = truth_track(clip)
    for exercise_id, spec in EXERCISES.items():
        if spec.position != own.position or spec.may_count_on(own):
            continue
        outcome = evaluate(spec, track_series(spec, track))
        holds = [h for side in outcome.sides.values() for h in side.holds if h.end_s - h.start_s >= 1.0]
        assert (outcome.reps, holds) == ([], []), exercise_id


def test_every_look_alike_is_another_exercise_of_the_same_position():
    for spec in EXERCISES.values():
        for other in spec.look_alikes:
            assert other in EXERCISES and other != spec.id, (spec.id, other)
            assert EXERCISES[other].position == spec.position, (spec.id, other)


def test_out_of_position_the_coach_says_which_position_and_counts_nothing():
    # Glute bridges (lying on the back) coached as squats to a chair (standing).
    coach = Coach(load_exercise("squat_to_chair"))
    steps = [coach.step(frame, pose) for frame, pose in bridge_track(reps=2).poses()]
    wrong = [e for s in steps for e in s.events if isinstance(e, WrongPosition)]
    assert [e.message for e in wrong] == ["Stand up for this exercise"]
    assert wrong[0].t_s == pytest.approx(1.5, abs=0.05)  # after the tracker's 1.5 s debounce
    assert steps[-1].status.reps == {None: 0}
    assert any(s.cue is not None and s.cue.message == "Stand up for this exercise" for s in steps)


def test_in_position_the_coach_never_asks_for_it():
    coach = Coach(load_exercise("glute_bridge"))
    events = [e for frame, pose in bridge_track(reps=2).poses() for e in coach.step(frame, pose).events]
    assert not [e for e in events if isinstance(e, WrongPosition)]


def test_unknown_landmarks_are_in_no_position():
    world = np.full((3, 33, 3), np.nan)
    assert not any(in_position(p, world).any() for p in POSITIONS)
