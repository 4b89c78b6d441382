"""Circles counted per direction: the tracker stepped over synthetic sway traces."""

import numpy as np
import pytest

from posecoach.exercise.catalogue import load_exercise
from posecoach.exercise.events import RepCompleted
from posecoach.exercise.phases import CycleSequence
from posecoach.exercise.tracker import ExerciseTracker

from conftest import fake_measurements

FPS = 30


def circles(turns: list[float], start_deg: float = 0.0, period_s: float = 4.0, reach: float = 0.25,
            noise: float = 0.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Direction and reach traces: 1 s still, then turns (+ anticlockwise, - clockwise), 1 s still."""
    angle = [np.full(FPS, start_deg)]
    for turn in turns:
        n = int(abs(turn) * period_s * FPS)
        angle.append(angle[-1][-1] + np.linspace(0, 360 * turn, n + 1)[1:])
    way = np.concatenate(angle + [np.full(FPS, angle[-1][-1])])
    size = np.full(way.shape, reach)
    size[:FPS // 2] = size[-FPS // 2:] = 0.02  # standing in the middle before and after
    rng = np.random.default_rng(seed)
    way = way + rng.normal(0, noise * 5, way.shape)
    size = size + rng.normal(0, noise * 0.02, way.shape)
    return (way + 180) % 360 - 180, size


def count(exercise: str, way: np.ndarray, reach: np.ndarray) -> list[RepCompleted]:
    tracker = ExerciseTracker(load_exercise(exercise))
    events = []
    from_left = (way + 360) % 360 - 180  # the same direction with the left-right axis reversed
    for i, (w, wl, r) in enumerate(zip(way, from_left, reach, strict=True)):
        events += tracker.update(fake_measurements({"way": w, "way_from_left": wl, "reach": r}), i * 1000 / FPS)
    return [e for e in events + tracker.finish() if isinstance(e, RepCompleted)]


@pytest.mark.parametrize("start_deg", [0.0, 20.0, 90.0, 170.0, -100.0])
@pytest.mark.parametrize("noise", [0.0, 1.0])
def test_five_each_way_counted_per_direction_from_any_start(start_deg, noise):
    way, reach = circles([5, -5], start_deg, noise=noise)
    reps = count("hip_circles_big", way, reach)
    assert [r.direction for r in reps] == ["anticlockwise"] * 5 + ["clockwise"] * 5


def test_a_circle_is_timed_and_slow_enough():
    reps = count("hip_circles_big", *circles([3], 0.0, period_s=4.0))
    assert len(reps) == 3
    assert all(r.good for r in reps)
    assert all(2.0 < r.duration_s < 4.0 for r in reps)


def test_three_quarters_of_a_circle_is_not_a_circle():
    assert count("hip_circles_big", *circles([0.7], 0.0)) == []


def test_swaying_side_to_side_or_standing_still_counts_nothing():
    t = np.arange(10 * FPS) / FPS
    side_to_side = np.where(np.sin(2 * np.pi * t / 3) > 0, 0.0, 180.0)
    reach = 0.3 * np.abs(np.sin(2 * np.pi * t / 3))
    assert count("hip_circles_big", side_to_side, reach) == []
    rng = np.random.default_rng(1)
    assert count("hip_circles_big", rng.uniform(-180, 180, t.shape), np.full(t.shape, 0.03)) == []


def test_small_circles_are_too_small_for_big_ones():
    way, reach = circles([3, -3], 0.0, reach=0.1)
    assert count("hip_circles_big", way, reach) == []
    assert [r.direction for r in count("hip_circles_small", way, reach)] == ["anticlockwise"] * 3 + ["clockwise"] * 3


def test_turning_back_half_way_starts_a_turn_the_other_way():
    reps = count("hip_circles_big", *circles([0.5, -1.2], 45.0))
    assert [r.direction for r in reps] == ["clockwise"]


@pytest.mark.parametrize(
    ("phases", "directions"),
    [
        ("abcdabcda", [0, 0]),
        ("bcdab", [0]),  # starting anywhere
        ("adcbadcba", [1, 1]),
        ("abcdcbad", [1]),  # turned back at d: d c b a d is a turn the other way
        ("abdcbad", [1]),  # skipped c: the turn starts again at d
        ("aabbccdda", [0]),  # re-entering the same phase changes nothing
        ("abcd", []),  # not back to the start yet
        ("ababab", []),
    ],
)
def test_cycle_sequence(phases, directions):
    cycle = CycleSequence(list("abcd"))
    done = [cycle.direction for p in phases if cycle.on_phase(p, 0.0)]
    assert done == directions
