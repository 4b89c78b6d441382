"""The vectorised evaluator against the per-frame ExerciseTracker: the same reps and holds.

Random measurement series (noise around the thresholds, dropouts, unknown values, side
visibility that changes hands, uneven frame times) are fed to both; every rep and hold
must match exactly (side, start, end).
"""

from __future__ import annotations

import numpy as np
import pytest

from posecoach.exercise import fast
from posecoach.exercise.events import HoldEnded, RepCompleted
from posecoach.exercise.measure import Measurements
from posecoach.exercise.spec import ExerciseSpec
from posecoach.exercise.tracker import ExerciseTracker

from groundtruth import replay_counts, rounded_fast_counts


def tracker_counts(spec: ExerciseSpec, series: fast.Series) -> tuple[list, list]:
    """Step the real tracker over the series, one frame at a time."""
    tracker, events = ExerciseTracker(spec), []
    for i, t_s in enumerate(series.t_s):
        m = None
        if series.has_pose[i]:
            m = Measurements({k: np.float64(v[i]) for k, v in series.values.items()},
                             {s: np.float64(v[i]) for s, v in series.side_visibility.items()},
                             np.float64(0.2), {})
        events += tracker.update(m, t_s)
    events += tracker.finish()
    reps = [(e.side, e.start_s, e.end_s, e.direction) for e in events if isinstance(e, RepCompleted)]
    holds = sorted((e.side, e.start_s, e.end_s) for e in events if isinstance(e, HoldEnded))
    return reps, holds


def fast_counts(spec: ExerciseSpec, series: fast.Series) -> tuple[list, list]:
    outcome = fast.evaluate(spec, series)
    reps = [(r.side, r.start_s, r.end_s, r.direction) for r in outcome.reps]
    holds = sorted((h.side, h.start_s, h.end_s) for h in outcome.holds)
    return reps, holds


def wander(rng: np.random.Generator, t: np.ndarray, lo: float, hi: float, noise: float) -> np.ndarray:
    """Piecewise-linear between random levels every 0.2-2.5 s, plus noise."""
    knots = np.cumsum(rng.uniform(0.2, 2.5, size=int(t[-1] / 0.2) + 2))
    levels = rng.choice([lo, hi, (lo + hi) / 2], size=len(knots)) + rng.normal(0, 4, len(knots))
    return np.interp(t, np.concatenate([[0.0], knots]), np.concatenate([[levels[0]], levels])) + \
        rng.normal(0, noise, len(t))


def random_series(seed: int, names: tuple[str, ...], lo: float, hi: float, seconds: float = 60.0) -> fast.Series:
    rng = np.random.default_rng(seed)
    t_ms = np.cumsum(rng.uniform(20.0, 50.0, size=int(seconds * 30)))
    t_s = t_ms / 1000.0
    has_pose = rng.random(len(t_s)) > 0.03
    has_pose[_spans(rng, t_s, 4, 1.5)] = False
    values = {}
    for name in names:
        for side in ("left", "right"):
            v = wander(rng, t_s, lo, hi, noise=rng.uniform(0.5, 3.0))
            v[rng.random(len(v)) < 0.02] = np.nan
            v[_spans(rng, t_s, 3, 0.8)] = np.nan
            values[(name, side)] = np.where(has_pose, v, np.nan)
    visibility = {s: np.clip(wander(rng, t_s, 0.5, 0.9, 0.05) / 1.0, 0, 1) for s in ("left", "right")}
    return fast.Series(t_s, has_pose, values, visibility)


def _spans(rng: np.random.Generator, t_s: np.ndarray, count: int, longest: float) -> np.ndarray:
    mask = np.zeros(len(t_s), dtype=bool)
    for start in rng.uniform(0, t_s[-1], count):
        mask |= (t_s >= start) & (t_s < start + rng.uniform(0.05, longest))
    return mask


def spec_from(sides: str, phases: dict, rep: list[str] | None, hold: str | None, grace: float = 0.5,
              directions: list[str] | None = None, cycle: bool = False, settle: float | None = None,
              speed: float | None = None) -> ExerciseSpec:
    doc = {
        "id": "t", "name": "t", "position": "supine", "view": "side", "setup": "s", "instructions": ["i"],
        "sides": sides, "required_landmarks": ["{side}_hip"],
        "measurements": {"hip": {"kind": "joint_angle", "points": ["{side}_shoulder", "{side}_hip", "{side}_knee"]},
                         "knee": {"kind": "joint_angle", "points": ["{side}_hip", "{side}_knee", "{side}_ankle"]}},
        "phases": phases,
    }
    if rep:
        doc["rep"] = ({"sequence": rep} | ({"directions": directions} if directions else {})
                      | ({"cycle": True} if cycle else {}))
    if hold:
        doc["hold"] = ({"phase": hold, "grace_s": grace} | ({"settle_within": settle} if settle else {})
                       | ({"settle_speed": speed} if speed else {}))
    return ExerciseSpec.model_validate(doc)


def band(measurement: str, **thresholds) -> dict:
    return {"measurement": measurement, **thresholds}


TWO_PHASES = {
    "down": {"bands": [band("hip", enter_below=145, exit_above=152)]},
    "up": {"bands": [band("hip", enter_above=160, exit_below=154)], "min_dwell_s": 0.3},
}
THREE_PHASES = {
    "rest": {"bands": [band("hip", enter_above=165, exit_below=158)], "min_dwell_s": 0.0},
    "mid": {"bands": [band("hip", enter_between=[135, 155], exit_outside=[128, 162]),
                      band("knee", enter_below=170, exit_above=175)], "min_dwell_s": 0.1},
    "deep": {"bands": [band("hip", enter_below=130, exit_above=136)], "min_dwell_s": 0.5},
}
SPECS = {
    "bridge-like": spec_from("bilateral", TWO_PHASES, ["down", "up", "down"], "up"),
    "each-side": spec_from("each", TWO_PHASES, ["down", "up", "down"], "up", grace=1.0),
    "alternating-hold-only": spec_from("alternating", TWO_PHASES, None, "down", grace=0.0),
    "three-phases": spec_from("bilateral", THREE_PHASES, ["rest", "mid", "deep", "mid", "rest"], "deep"),
    "open-sequence": spec_from("each", THREE_PHASES, ["rest", "deep"], "mid", grace=2.0),
    "cycle-both-ways": spec_from("bilateral", THREE_PHASES, ["rest", "mid", "deep"], None,
                                 directions=["clockwise", "anticlockwise"]),
    "cycle-of-two": spec_from("each", TWO_PHASES, ["down", "up"], None, cycle=True),
    "settled-hold-highest": spec_from("bilateral", TWO_PHASES, ["down", "up", "down"], "up", settle=6.0),
    "settled-hold-lowest": spec_from("each", THREE_PHASES, None, "deep", grace=1.0, settle=3.0),
    "still-hold-highest": spec_from("bilateral", TWO_PHASES, ["down", "up", "down"], "up", speed=20.0),
    "still-hold-between": spec_from("each", THREE_PHASES, None, "mid", grace=1.0, speed=40.0),
}


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("name", SPECS)
def test_same_reps_and_holds_as_the_tracker(name, seed):
    spec = SPECS[name]
    series = random_series(seed, ("hip", "knee"), 125.0, 178.0)
    expected = tracker_counts(spec, series)
    assert fast_counts(spec, series) == expected


def test_the_shipped_bridge_on_a_clean_trace_counts_three(bridge):
    t_s = np.arange(0, 24, 1 / 30)
    hip = np.interp(t_s, [0, 1, 1.6, 4.6, 5.2, 8, 8.6, 11.6, 12.2, 15, 15.6, 18.6, 19.2, 24],
                    [130, 130, 175, 175, 130, 130, 175, 175, 130, 130, 175, 175, 130, 130])
    knee = np.full_like(hip, 90.0)
    values = {(n, s): hip if n == "hip" else knee for n in ("hip", "knee") for s in ("left", "right")}
    vis = {"left": np.full_like(hip, 0.9), "right": np.full_like(hip, 0.8)}
    series = fast.Series(t_s, np.ones(len(t_s), dtype=bool), values, vis)
    outcome = fast.evaluate(bridge, series)
    assert len(outcome.reps) == 3 and len(outcome.holds) == 3
    assert fast_counts(bridge, series) == tracker_counts(bridge, series)
    assert [e.phase for e in outcome.sides[None].episodes][:3] == ["down", "up", "down"]


def test_bilateral_side_choice_matches_the_tracker():
    series = random_series(7, ("hip", "knee"), 125.0, 178.0)
    left = fast.active_side_left(series, fast.TrackerSettings())
    tracker = ExerciseTracker(SPECS["bridge-like"])
    for i, t_s in enumerate(series.t_s):
        if not series.has_pose[i]:
            continue
        m = Measurements({k: np.float64(v[i]) for k, v in series.values.items()},
                         {s: np.float64(v[i]) for s, v in series.side_visibility.items()}, np.float64(0.2), {})
        tracker.update(m, t_s)
        assert (tracker.active_side == "left") == left[i], f"frame {i}"


def test_an_empty_or_poseless_series_counts_nothing(bridge):
    t_s = np.arange(0, 2, 1 / 30)
    nan = np.full_like(t_s, np.nan)
    series = fast.Series(t_s, np.zeros(len(t_s), dtype=bool),
                         {(n, s): nan for n in ("hip", "knee") for s in ("left", "right")},
                         {"left": nan, "right": nan})
    outcome = fast.evaluate(bridge, series)
    assert outcome.reps == [] and outcome.holds == []


@pytest.mark.parametrize("seed", range(3))
def test_same_counts_as_replay_through_the_whole_pipeline(bridge, tmp_path, seed):
    """Smoothing on, landmarks in: the pipeline's `Coach` and the fast path agree."""
    from posecoach.sources.tracks import save_track

    from synthetic import angle_track, bridge_profile

    rng = np.random.default_rng(seed)
    t_s, hip = bridge_profile(4, hold_s=2.0)
    has_pose = rng.random(len(t_s)) > 0.05
    track = angle_track(t_s, hip + rng.normal(0, 2.5, len(hip)), has_pose=has_pose)
    save_track(track, tmp_path / "t.npz")
    from posecoach.sources.tracks import load_track

    expected = replay_counts(bridge, tmp_path / "t.npz")
    assert len(expected[0]) == 4
    assert rounded_fast_counts(bridge, load_track(tmp_path / "t.npz")) == expected
