"""The generic tracker stepped frame by frame on synthetic measurement sequences."""

import numpy as np
import pytest

from posecoach.exercise.catalogue import load_exercise
from posecoach.exercise.events import (
    CannotSee,
    HoldEnded,
    HoldTargetReached,
    PhaseEntered,
    RepCompleted,
    SideChanged,
    WrongView,
)
from posecoach.exercise.spec import ExerciseSpec
from posecoach.exercise.tracker import ExerciseTracker

from conftest import fake_measurements

FPS = 30


def profile(points: list[tuple[float, float]], noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """A piecewise-linear angle trace sampled at 30 fps: [(t_s, value), ...]."""
    t = np.arange(0, points[-1][0], 1 / FPS)
    values = np.interp(t, [p[0] for p in points], [p[1] for p in points])
    return values + np.random.default_rng(seed).normal(0, noise, t.shape) if noise else values


def run(spec, traces: dict, dropouts: tuple[tuple[float, float], ...] = ()) -> list:
    tracker = ExerciseTracker(spec)
    first = next(iter(traces.values()))
    n = len(next(iter(first.values())) if isinstance(first, dict) else first)
    events = []
    for i in range(n):
        t = i / FPS
        values = {k: (v[i] if not isinstance(v, dict) else {s: v[s][i] for s in v}) for k, v in traces.items()}
        hidden = any(a <= t < b for a, b in dropouts)
        m = None if hidden else fake_measurements(values)
        events += tracker.update(m, t)
    return events + tracker.finish()


def of(kind, events):
    return [e for e in events if isinstance(e, kind)]


def bridge_reps(n: int, hold_s: float = 3.0, rise_s: float = 0.6) -> list[tuple[float, float]]:
    points, t = [(0.0, 130.0)], 1.0
    for _ in range(n):
        points += [(t, 130.0), (t + rise_s, 175.0), (t + rise_s + hold_s, 175.0),
                   (t + 2 * rise_s + hold_s, 130.0)]
        t += 2 * rise_s + hold_s + 1.5
    return points + [(t, 130.0)]


def test_clean_reps_count_with_holds(bridge):
    events = run(bridge, {"hip": profile(bridge_reps(3)), "knee": profile([(0, 90), (30, 90)])})
    reps = of(RepCompleted, events)
    assert len(reps) == 3
    holds = of(HoldEnded, events)
    assert len(holds) == 3
    # The hold is the still top (settle_speed): from settling at 175 (the rise from the enter
    # threshold, 160, is left out) to below exit (154): the lowering, 0.28 s, is too short to
    # be a steady move out of the band.
    for hold in holds:
        assert hold.duration_s == pytest.approx(3.0 + 0.6 * (21 / 45), abs=0.1)
    assert all(r.good for r in reps)
    assert [e.phase for e in of(PhaseEntered, events)][:3] == ["down", "up", "down"]


def test_a_recording_that_starts_at_the_rep_s_target_counts_the_return(bridge):
    # Already up in the bridge when the recording starts, then down, then one more full rep.
    trace = profile([(0, 175), (2, 175), (2.6, 130), (4, 130), (4.6, 175), (7, 175), (7.6, 130), (9, 130)])
    events = run(bridge, {"hip": trace, "knee": profile([(0, 90), (9, 90)])})
    reps = of(RepCompleted, events)
    assert len(reps) == 2
    assert reps[0].start_s == pytest.approx(0.0)
    assert reps[0].end_s == pytest.approx(2 + 0.6 * (175 - 145) / 45, abs=0.05)  # back below 145: down


def test_only_the_first_phase_of_a_recording_may_be_the_target(bridge):
    # Down, up, then a long dropout, up again and down: the up after the dropout is no new start.
    trace = profile([(0, 130), (1, 130), (1.6, 175), (3, 175), (3.6, 130), (5, 130)])
    events = run(bridge, {"hip": trace, "knee": profile([(0, 90), (5, 90)])})
    assert len(of(RepCompleted, events)) == 1


def test_a_hold_with_settle_within_is_only_its_settled_part():
    # A forward bend folding slowly from 100 to 20 degrees, hanging, then a half lift to 60.
    bend = load_exercise("forward_bend")
    trace = profile([(0, 175), (1, 175), (1.5, 100), (4, 20), (6.5, 20), (7, 60), (9, 60), (10, 175), (11, 175)])
    events = run(bend, {"hip": trace, "knee": profile([(0, 170), (11, 170)])})
    (hold,) = of(HoldEnded, events)
    # From 35 degrees on the way down (within 15 of the deepest, 20) to 35 on the half lift.
    assert hold.start_s == pytest.approx(1.5 + 2.5 * 65 / 80, abs=0.05)
    assert hold.end_s == pytest.approx(6.5 + 0.5 * 15 / 40, abs=0.05)


def test_a_hold_with_settle_speed_is_the_time_still_in_the_position(bridge):
    # The shipped bridge (settle_speed 20 deg/s): a rise through a straight line (an unsigned angle
    # peaks at 178 on the way and comes back to 170), a still top with one-frame spikes, a slow
    # drift (5 deg/s), then a steady lowering. The hold is from settling at 170 (1.6 s) to where
    # the lowering starts (6 s): not the rise from 160, not the lowering down to 154.
    trace = profile([(0, 130), (1, 130), (1.3, 178), (1.6, 170), (4, 170), (5, 175), (6, 175), (6.8, 130),
                     (8, 130)], noise=0.5, seed=1)
    trace[int(1.8 * FPS)] = trace[int(3 * FPS)] = 179.0  # one stray frame just after settling, one later
    events = run(bridge, {"hip": trace, "knee": profile([(0, 90), (8, 90)])})
    (hold,) = of(HoldEnded, events)
    assert hold.start_s == pytest.approx(1.6, abs=0.25)
    assert hold.end_s == pytest.approx(6.0, abs=0.25)
    assert len(of(RepCompleted, events)) == 1


def test_a_lowering_that_slows_for_a_moment_still_ends_the_hold_where_it_starts(bridge):
    # Lowered at 30 deg/s, then 18 for a quarter of a second (just under the settle speed of 20),
    # then 30 again out of the band: one lowering, so the hold ends at 5 s, not where the second
    # leg starts (the same hold read by two workers moved its end by 0.5 s this way).
    trace = profile([(0, 130), (1, 130), (1.5, 170), (5, 170), (5.2, 164), (5.45, 159.5), (6.0, 143), (7, 130),
                     (8, 130)])
    events = run(bridge, {"hip": trace, "knee": profile([(0, 90), (8, 90)])})
    (hold,) = of(HoldEnded, events)
    assert hold.end_s == pytest.approx(5.0, abs=0.15)


def live_hold_s(spec, traces: dict) -> tuple[list[float], list]:
    """The hold time the person sees at each frame (the tracker's status), and the events."""
    tracker, shown, events = ExerciseTracker(spec), [], []
    n = len(next(iter(traces.values())))
    for i in range(n):
        events += tracker.update(fake_measurements({k: v[i] for k, v in traces.items()}), i / FPS)
        shown.append(max(tracker.status.hold_s.values()))
    return shown, events + tracker.finish()


def test_the_live_hold_timer_counts_the_settled_hold_the_report_gives(bridge):
    # A noisy rise, a 4 s top, a lowering: the timer shows nothing for the rise, then the time since
    # the settled start, which at the hold's end is what the ended hold reports; the target (3 s) is reached
    # 3 s after the settled start, not 3 s after the hip first crossed into the top band.
    trace = profile([(0, 130), (1, 130), (1.8, 172), (5.8, 172), (6.6, 130), (8, 130)], noise=0.5, seed=2)
    shown, events = live_hold_s(bridge, {"hip": trace, "knee": profile([(0, 90), (8, 90)])})
    (hold,) = of(HoldEnded, events)
    (reached,) = of(HoldTargetReached, events)
    assert reached.t_s == pytest.approx(hold.start_s + 3.0, abs=1.5 / FPS)
    assert shown[round(hold.end_s * FPS)] == pytest.approx(hold.duration_s, abs=1.5 / FPS)
    entered = next(e.t_s for e in of(PhaseEntered, events) if e.phase == "up")
    assert shown[round(entered * FPS)] == 0.0  # rising through the band: not held yet
    assert all(b >= a or b == 0.0 for a, b in zip(shown, shown[1:], strict=False))  # never counts back


def test_the_live_timer_of_a_deepening_fold_starts_again_from_the_deepest_so_far():
    # Folding on from 100 to 20 over 2.5 s then hanging: the hang is timed from 35 degrees on the
    # way down, within 15 of the deepest, as the ended hold says; while still folding, little is timed.
    bend = load_exercise("forward_bend")
    trace = profile([(0, 175), (1, 175), (1.5, 100), (4, 20), (22, 20), (23, 175), (24, 175)])
    shown, events = live_hold_s(bend, {"hip": trace, "knee": profile([(0, 170), (24, 170)])})
    (hold,) = of(HoldEnded, events)
    assert shown[round(3.0 * FPS)] < 0.6  # still folding at 3 s
    assert shown[round(hold.end_s * FPS)] == pytest.approx(hold.duration_s, abs=1.5 / FPS)
    (reached,) = of(HoldTargetReached, events)
    assert reached.t_s == pytest.approx(hold.start_s + 15.0, abs=1.5 / FPS)


def test_a_hold_that_never_settles_lasts_no_time(bridge):
    # Straight up through the band and straight down (60 deg/s each way): no still top.
    trace = profile([(0, 130), (1, 130), (1.75, 175), (2.5, 130), (4, 130)])
    events = run(bridge, {"hip": trace, "knee": profile([(0, 90), (4, 90)])})
    (hold,) = of(HoldEnded, events)
    assert hold.duration_s == 0.0
    (rep,) = of(RepCompleted, events)
    assert rep.hold_s == 0.0


def test_jitter_around_a_threshold_gives_no_phantom_reps(bridge):
    # Hovering at 157 +- 3 degrees: between exit (154) and enter (160) of "up", and noisy.
    trace = profile([(0, 130), (1, 130), (1.5, 157), (10, 157), (10.5, 130), (12, 130)], noise=2.0)
    events = run(bridge, {"hip": trace, "knee": profile([(0, 90), (12, 90)])})
    assert of(RepCompleted, events) == []


def test_noise_on_a_real_rep_still_counts_once(bridge):
    trace = profile(bridge_reps(1), noise=2.5, seed=3)
    events = run(bridge, {"hip": trace, "knee": profile([(0, 90), (10, 90)])})
    assert len(of(RepCompleted, events)) == 1


def test_a_dropout_counts_nothing_and_a_short_one_does_not_break_the_hold(bridge):
    trace = profile(bridge_reps(1, hold_s=4.0))
    knee = profile([(0, 90), (10, 90)])
    # 0.3 s without a person during the hold: under the 0.5 s grace period.
    events = run(bridge, {"hip": trace, "knee": knee}, dropouts=((3.0, 3.3),))
    assert len(of(RepCompleted, events)) == 1
    assert len(of(HoldEnded, events)) == 1
    assert of(HoldEnded, events)[0].duration_s > 4.0


def test_a_long_dropout_splits_the_hold_and_warns(bridge):
    trace = profile(bridge_reps(1, hold_s=5.0))
    events = run(bridge, {"hip": trace, "knee": profile([(0, 90), (10, 90)])}, dropouts=((2.5, 4.0),))
    first, second = of(HoldEnded, events)
    assert first.end_s <= 2.5 + 1 / FPS
    assert second.start_s == pytest.approx(4.0, abs=1 / FPS)  # resumes when seen again, no overlap
    assert len(of(CannotSee, events)) == 1
    assert len(of(RepCompleted, events)) == 1


def test_movement_during_a_dropout_is_not_counted(bridge):
    # The whole rep happens while the person is out of view.
    trace = profile(bridge_reps(1))
    events = run(bridge, {"hip": trace, "knee": profile([(0, 90), (10, 90)])}, dropouts=((0.9, 7.0),))
    assert of(RepCompleted, events) == []


@pytest.mark.parametrize("rise_s", [0.25, 2.5])
def test_slow_and_fast_reps_both_count(bridge, rise_s):
    events = run(bridge, {"hip": profile(bridge_reps(2, hold_s=3.5, rise_s=rise_s)),
                          "knee": profile([(0, 90), (40, 90)])})
    assert len(of(RepCompleted, events)) == 2


def test_a_wobble_out_of_the_top_and_back_keeps_the_rep(bridge):
    # Up, sag below the exit threshold for a whole second, back up, then down: one rep.
    points = [(0, 130), (1, 130), (1.6, 175), (3, 175), (3.3, 148), (4.3, 148), (4.6, 175),
              (6, 175), (6.6, 130), (8, 130)]
    events = run(bridge, {"hip": profile(points), "knee": profile([(0, 90), (8, 90)])})
    (rep,) = of(RepCompleted, events)
    assert len(of(HoldEnded, events)) == 2
    assert rep.start_s == pytest.approx(1.3, abs=0.1)


def test_short_hold_counts_the_rep_but_reports_the_shortfall(bridge):
    events = run(bridge, {"hip": profile(bridge_reps(1, hold_s=1.0)), "knee": profile([(0, 90), (10, 90)])})
    (rep,) = of(RepCompleted, events)
    assert rep.issues == ("short_hold",)
    assert rep.hold_s == pytest.approx(1.0 + 0.6 * (21 / 45), abs=0.1)  # still at the top, and the lowering


def test_rep_reaches_check_flags_a_low_bridge(bridge):
    points = [(0, 130), (1, 130), (1.6, 162), (5, 162), (5.6, 130), (7, 130)]
    events = run(bridge, {"hip": profile(points), "knee": profile([(0, 90), (7, 90)])})
    (rep,) = of(RepCompleted, events)
    assert "checks.0" in rep.issues


def test_a_form_issue_is_reported_during_the_phase(bridge):
    knee = profile([(0, 90), (30, 90)])
    knee[(np.arange(len(knee)) / FPS > 2.0) & (np.arange(len(knee)) / FPS < 4.0)] = 140
    events = run(bridge, {"hip": profile(bridge_reps(1)), "knee": knee})
    issues = [e for e in events if type(e).__name__ == "FormIssue"]
    assert [i.check for i in issues] == ["checks.1"]
    assert of(RepCompleted, events)[0].issues == ("checks.1",)


def test_no_clock_same_counts_at_any_frame_rate(bridge):
    results = []
    for fps in (15, 30, 60):
        points = bridge_reps(2)
        t = np.arange(0, points[-1][0], 1 / fps)
        trace = np.interp(t, [p[0] for p in points], [p[1] for p in points])
        tracker, reps = ExerciseTracker(bridge), 0
        for ti, v in zip(t, trace, strict=True):
            reps += len(of(RepCompleted, tracker.update(fake_measurements({"hip": v, "knee": 90}), ti)))
        results.append(reps)
    assert results == [2, 2, 2]


def _knee_to_chest() -> ExerciseSpec:
    return ExerciseSpec.model_validate({
        "id": "k2c", "name": "k2c", "position": "supine", "view": "side", "setup": "s",
        "instructions": ["i"], "sides": "each",
        "required_landmarks": ["{side}_hip", "{side}_knee"],
        "measurements": {"hip": {"kind": "joint_angle",
                                 "points": ["{side}_shoulder", "{side}_hip", "{side}_knee"]}},
        "phases": {"rest": {"bands": [{"measurement": "hip", "enter_above": 110, "exit_below": 100}]},
                   "pulled": {"bands": [{"measurement": "hip", "enter_below": 75, "exit_above": 85}]}},
        "rep": {"sequence": ["rest", "pulled", "rest"]},
        "hold": {"phase": "pulled"},
    })


def test_unilateral_exercise_counts_each_side():
    spec = _knee_to_chest()
    left = [(0, 130), (1, 130), (2, 60), (6, 60), (7, 130), (8, 130), (9, 60), (13, 60), (14, 130), (40, 130)]
    right = [(0, 130), (20, 130), (21, 60), (25, 60), (26, 130), (40, 130)]
    events = run(spec, {"hip": {"left": profile(left), "right": profile(right)}})
    reps = of(RepCompleted, events)
    assert [r.side for r in reps] == ["left", "left", "right"]
    assert [h.side for h in of(HoldEnded, events)] == ["left", "left", "right"]


def test_bilateral_follows_the_better_seen_side_without_flipping(bridge):
    tracker = ExerciseTracker(bridge)
    events = []
    for i in range(60):
        m = fake_measurements({"hip": 130, "knee": 90})
        # Right side briefly looks better, for less than the switch time.
        better_right = 20 <= i < 30
        m.side_visibility["right"] = np.float64(1.0 if better_right else 0.5)
        events += tracker.update(m, i / FPS)
    assert [e.side for e in of(SideChanged, events)] == ["left"]


def test_facing_the_camera_for_a_side_view_exercise_is_flagged(bridge):
    tracker = ExerciseTracker(bridge)
    events = []
    for i in range(90):
        events += tracker.update(fake_measurements({"hip": 130, "knee": 90}, view_ratio=0.8), i / FPS)
    (wrong,) = of(WrongView, events)
    assert wrong.message == bridge.setup  # lying down, the camera moves: to where the file says


def test_standing_and_facing_the_camera_for_a_side_view_exercise_says_turn():
    tracker = ExerciseTracker(load_exercise("squat_to_chair"))
    events = []
    for i in range(90):
        events += tracker.update(fake_measurements({"knee": 170}, view_ratio=0.8), i / FPS)
    (wrong,) = of(WrongView, events)
    assert wrong.message == "Turn so your side faces the camera"
    assert wrong.t_s == pytest.approx(1.5, abs=0.05)


def test_hidden_landmarks_are_named(bridge):
    tracker = ExerciseTracker(bridge)
    events = []
    for i in range(30):
        m = fake_measurements({"hip": None, "knee": None},
                              hidden={"left": ["left_knee", "left_ankle"], "right": ["right_knee"]})
        events += tracker.update(m, i / FPS)
    (unseen,) = of(CannotSee, events)
    assert unseen.message == "I can't see your left knee, left ankle: move so your whole body is in the frame"


def test_dwell_at_15_fps_confirms_on_the_frame_that_reaches_it(bridge):
    tracker = ExerciseTracker(bridge)
    entered = []
    for i in range(12):
        t_s = i / 15  # frame times that do not add up exactly in floating point
        for e in tracker.update(fake_measurements({"hip": 130, "knee": 90}), t_s):
            if isinstance(e, PhaseEntered):
                entered.append(i)
    assert entered == [3]  # 3/15 s = 0.2 s of dwell
