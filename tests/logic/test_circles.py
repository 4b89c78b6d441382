"""Circles: the shipped hip circles stepped over synthetic side-to-side traces (what a front
camera sees), and per-direction counting over synthetic sway traces seen all round (a fixture)."""

import numpy as np
import pytest

from posecoach.exercise.catalogue import load_exercise, load_exercise_file
from posecoach.exercise.checks import TOO_FAST, issue_messages
from posecoach.exercise.events import RepCompleted
from posecoach.exercise.phases import CycleSequence
from posecoach.exercise.tracker import ExerciseTracker

from conftest import ROOT, fake_measurements

FPS = 30
ALL_ROUND = load_exercise_file(ROOT / "tests" / "data" / "circles_from_above.toml")


def run(spec, values: dict[str, np.ndarray]) -> list[RepCompleted]:
    tracker = ExerciseTracker(spec)
    events = []
    for i in range(len(next(iter(values.values())))):
        events += tracker.update(fake_measurements({k: v[i] for k, v in values.items()}), i / FPS)
    return [e for e in events + tracker.finish() if isinstance(e, RepCompleted)]


# --- hip circles from the front: one circle is one swing from a side to the other and back ----

def swings(turns: float, start: str = "right", period_s: float = 3.0, size: float = 0.16,
           noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """Sideways shift of the hips (+ = right) seen from the front: 1 s still, 1 s out to the
    `start` side, `turns` circles from there, 1 s back to the middle, 1 s still."""
    sign = 1.0 if start == "right" else -1.0
    ramp = np.linspace(0, 1, FPS + 1)[1:]
    circles = np.cos(np.linspace(0, 2 * np.pi * turns, int(turns * period_s * FPS) + 1))
    trace = sign * size * np.concatenate([np.zeros(FPS), ramp, circles, circles[-1] * ramp[::-1], np.zeros(FPS)])
    return trace + np.random.default_rng(seed).normal(0, noise, trace.shape)


def count(exercise: str, sway: np.ndarray) -> list[RepCompleted]:
    # Standing facing the camera, knees soft: the hips 0.4 torso lengths wide, the knees at 170.
    return run(load_exercise(exercise), {"sway": sway, "hips_wide": np.full_like(sway, 0.4),
                                         "knee": np.full_like(sway, 170.0)})


@pytest.mark.parametrize("exercise,size", [("hip_circles_big", 0.16), ("hip_circles_small", 0.1)])
@pytest.mark.parametrize("start", ["right", "left"])
@pytest.mark.parametrize("noise", [0.0, 0.01])
def test_circles_begun_on_either_side_count_one_each(exercise, size, start, noise):
    # 5 one way then 5 the other: from the front both ways look the same.
    reps = count(exercise, swings(10, start, size=size, noise=noise))
    assert len(reps) == 10
    assert all(r.good for r in reps), [r.issues for r in reps]
    assert all(r.direction is None for r in reps)


def test_a_circle_is_timed_from_leaving_its_side():
    reps = count("hip_circles_big", swings(3, period_s=4.0))
    assert len(reps) == 3
    # The clock runs while away from the side the circle began on: about 0.6 of a 4 s circle.
    assert all(2.0 < r.duration_s < 3.0 for r in reps)


def test_quick_circles_are_counted_with_the_cue():
    reps = count("hip_circles_big", swings(4, period_s=1.5))
    assert len(reps) == 4
    assert all(TOO_FAST in r.issues for r in reps)
    assert issue_messages(load_exercise("hip_circles_big"))[TOO_FAST] == "Slower: take about 3 s for each circle"


def test_circles_at_the_asked_pace_get_no_tempo_cue():
    assert not any(TOO_FAST in r.issues for r in count("hip_circles_big", swings(4, period_s=3.0)))


@pytest.mark.parametrize("exercise", ["hip_circles_big", "hip_circles_small"])
def test_standing_still_or_swaying_to_one_side_counts_nothing(exercise):
    t = np.arange(12 * FPS) / FPS
    assert count(exercise, np.random.default_rng(1).normal(0, 0.01, t.shape).clip(-0.025, 0.025)) == []
    assert count(exercise, 0.3 * np.abs(np.sin(np.pi * t / 1.5))) == []  # out to the right and back
    assert count(exercise, 0.04 * np.sin(2 * np.pi * t / 3)) == []  # hardly moving
    assert count(exercise, swings(0.5)) == []  # half a circle: right, over to the left, stop


def test_small_circles_count_in_big_ones_with_the_cue():
    reps = count("hip_circles_big", swings(4, "left", size=0.09))
    cues = load_exercise("hip_circles_big").checks
    assert len(reps) == 4
    assert all(set(r.issues) == {"checks.0", "checks.1"} for r in reps)
    assert {c.cue for c in cues} == {
        f"Make the circles bigger: take your hips further to your {side}, as far as is comfortable"
        for side in ("right", "left")}


def test_a_circle_short_on_one_side_gets_that_side_cue():
    sway = swings(4, "right")
    sway[sway < 0] *= 0.5  # only 0.08 to the left
    reps = count("hip_circles_big", sway)
    assert len(reps) == 4 and all(r.issues == ("checks.1",) for r in reps)


def test_big_circles_in_small_ones_get_the_cue():
    reps = count("hip_circles_small", swings(4, size=0.2))
    assert len(reps) == 4
    assert all(r.issues == ("checks.0",) for r in reps)


# --- circles seen all round: per direction (a test fixture; no shipped exercise) ---------------

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


def count_all_round(way: np.ndarray, reach: np.ndarray) -> list[RepCompleted]:
    from_left = (way + 360) % 360 - 180  # the same direction with the left-right axis reversed
    return run(ALL_ROUND, {"way": way, "way_from_left": from_left, "reach": reach})


@pytest.mark.parametrize("start_deg", [0.0, 20.0, 90.0, 170.0, -100.0])
@pytest.mark.parametrize("noise", [0.0, 1.0])
def test_five_each_way_counted_per_direction_from_any_start(start_deg, noise):
    reps = count_all_round(*circles([5, -5], start_deg, noise=noise))
    assert [r.direction for r in reps] == ["anticlockwise"] * 5 + ["clockwise"] * 5


def test_a_turn_is_timed_and_slow_enough():
    reps = count_all_round(*circles([3], 0.0, period_s=4.0))
    assert len(reps) == 3
    assert all(r.good for r in reps)
    assert all(2.0 < r.duration_s < 4.0 for r in reps)


def test_three_quarters_of_a_circle_is_not_a_circle():
    assert count_all_round(*circles([0.7], 0.0)) == []


def test_swaying_side_to_side_or_standing_still_is_no_turn():
    t = np.arange(10 * FPS) / FPS
    side_to_side = np.where(np.sin(2 * np.pi * t / 3) > 0, 0.0, 180.0)
    reach = 0.3 * np.abs(np.sin(2 * np.pi * t / 3))
    assert count_all_round(side_to_side, reach) == []
    rng = np.random.default_rng(1)
    assert count_all_round(rng.uniform(-180, 180, t.shape), np.full(t.shape, 0.03)) == []
    assert count_all_round(*circles([3, -3], 0.0, reach=0.1)) == []  # too small to enter a quarter


def test_turning_back_half_way_starts_a_turn_the_other_way():
    reps = count_all_round(*circles([0.5, -1.2], 45.0))
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


@pytest.mark.parametrize(
    ("phases", "turns"),
    [
        ("rlrlr", 2),
        ("lrlrl", 2),  # from either side
        ("rrllr", 1),  # re-entering the same side changes nothing
        ("rl", 0),
    ],
)
def test_a_two_phase_cycle_is_a_swing_from_either_side(phases, turns):
    cycle = CycleSequence(list("rl"))
    assert sum(cycle.on_phase(p, 0.0) for p in phases) == turns
