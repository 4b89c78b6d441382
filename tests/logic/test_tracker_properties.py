"""Property-based tests: whatever the measurements, the tracker never crashes or miscounts."""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from posecoach.exercise.catalogue import load_exercise
from posecoach.exercise.events import RepCompleted
from posecoach.exercise.tracker import ExerciseTracker

from conftest import fake_measurements

BRIDGE = load_exercise("glute_bridge")
UP = BRIDGE.phases["up"].bands[0]
DOWN = BRIDGE.phases["down"].bands[0]

angles = st.one_of(st.floats(0, 180), st.just(math.nan))
frames = st.lists(st.tuples(angles, st.floats(0.001, 0.5), st.booleans()), max_size=300)


def replay(stream):
    tracker, t, reps, seen = ExerciseTracker(BRIDGE), 0.0, [], []
    for hip, dt, person in stream:
        t += dt
        m = fake_measurements({"hip": hip, "knee": 90}) if person else None
        for event in tracker.update(m, t):
            if isinstance(event, RepCompleted):
                reps.append((event, list(seen)))
        seen.append((t, hip if person else math.nan))
        assert sum(tracker.status.reps.values()) == len(reps)
    return tracker, reps


@settings(max_examples=200, deadline=None)
@given(frames)
def test_random_streams_never_crash_and_counts_never_decrease(stream):
    tracker, reps = replay(stream)
    counts = [sum(1 for _ in reps[: i + 1]) for i in range(len(reps))]
    assert counts == sorted(counts)
    tracker.finish()


@settings(max_examples=200, deadline=None)
@given(frames)
def test_no_rep_without_crossing_both_thresholds_of_each_phase(stream):
    _, reps = replay(stream)
    previous_end = -1.0
    for rep, history in reps:
        # The rep's down phase was entered at or after the previous rep ended (or the start).
        during = [v for t, v in history if previous_end <= t <= rep.end_s and not math.isnan(v)]
        assert any(v >= UP.enter_above for v in during)
        assert any(v <= DOWN.enter_below for v in during)
        previous_end = rep.end_s


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(DOWN.enter_below + 0.5, UP.enter_above - 0.5), max_size=400))
def test_values_inside_the_gap_never_count(values):
    tracker = ExerciseTracker(BRIDGE)
    for i, hip in enumerate(values):
        assert not [e for e in tracker.update(fake_measurements({"hip": hip, "knee": 90}), i * 0.0333)
                    if isinstance(e, RepCompleted)]
