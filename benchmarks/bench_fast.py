"""Time the vectorised evaluator on a synthetic 10-minute glute-bridge recording.

    python benchmarks/bench_fast.py [--minutes 10] [--fps 30]

Prints the time to measure the track once (smoothing + measurements), to re-count it with
new thresholds (what a slider move costs), and the per-frame tracker on the same series.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from posecoach.exercise import fast
from posecoach.exercise.catalogue import load_exercise
from posecoach.exercise.measure import Measurements
from posecoach.exercise.tracker import ExerciseTracker
from posecoach.tuning.series import Recording
from posecoach.tuning.session import TuneSession

# The synthetic tracks are test helpers, kept with the tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from synthetic import angle_track, bridge_profile  # noqa: E402


def synthetic_track(minutes: float, fps: float):
    reps = int(minutes * 60 / 5.7)  # 5.7 s per lift-hold-lower-rest
    t_s, hip = bridge_profile(reps, fps=fps)
    rng = np.random.default_rng(0)
    has_pose = rng.random(len(t_s)) > 0.02
    return angle_track(t_s, hip + rng.normal(0, 2.0, len(hip)), has_pose=has_pose), reps


def per_frame(spec, series: fast.Series) -> int:
    tracker, reps = ExerciseTracker(spec), 0
    for i, t_s in enumerate(series.t_s):
        m = None
        if series.has_pose[i]:
            m = Measurements({k: v[i] for k, v in series.values.items()},
                             {s: v[i] for s, v in series.side_visibility.items()}, np.float64(0.2), {})
        reps += sum(type(e).__name__ == "RepCompleted" for e in tracker.update(m, t_s))
    return reps


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000.0)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--fps", type=float, default=30.0)
    args = parser.parse_args()
    spec = load_exercise("glute_bridge")
    track, expected = synthetic_track(args.minutes, args.fps)
    measure_ms, session = timed(lambda: TuneSession(spec, [Recording("synthetic", track, None)]), 1)
    series = session.series[0]
    eval_ms, outcome = timed(lambda: fast.evaluate(spec, series), 20)
    moved = {"phases.up.bands.0.enter_above": 162.0}
    count_ms, _ = timed(lambda: session.count(moved), 20)
    frame_ms, frame_reps = timed(lambda: per_frame(spec, series), 1)
    print(f"{len(series.t_s)} frames ({args.minutes:g} min at {args.fps:g} fps), {expected} reps made")
    print(f"measure once (smoothing + measurements): {measure_ms:8.1f} ms")
    print(f"fast.evaluate (median of 20):            {eval_ms:8.1f} ms  -> {len(outcome.reps)} reps, "
          f"{len(outcome.holds)} holds")
    print(f"slider move (new spec + evaluate):       {count_ms:8.1f} ms")
    print(f"per-frame ExerciseTracker:               {frame_ms:8.1f} ms  -> {frame_reps} reps")


if __name__ == "__main__":
    main()
