"""The rendered samples' ground truth: as a perfect pose model's track, and as what a report must match."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from posecoach.exercise import fast
from posecoach.exercise.spec import ExerciseSpec
from posecoach.sources.tracks import FORMAT_VERSION, PoseTrack
from posecoach.synth.truth import truth_landmarks

from conftest import SAMPLES

HOLD_TOLERANCE_S = 0.5
# Holds under this are left out of a phantom count: a hold's grace (0.5 s) plus annotation precision.
PHANTOM_HOLD_S = 1.0
# Form-error variants count their reps (a completed movement counts, issue 3), and every rep
# carries the variant's cue.
VARIANT_CUES = {
    ("glute_bridge", "too_low"): "Lift your hips a little higher, into a straight line",
    ("glute_bridge", "over_arched"): "Don't arch your back: lift only until shoulders, hips and knees are in line",
    ("bird_dog", "arm_down"): "Reach the arm out until it is level with your back",
    ("squat_to_chair", "rushed"): "Slower: take 4-5 s for each squat, down and up",
    ("squat_to_chair", "shallow"): "Go down until you touch the chair",
}


def assert_matches_annotation(report: dict, clip: dict) -> None:
    """Reps (and per side), every annotated hold within HOLD_TOLERANCE_S, and a form-error
    variant's cue on every rep."""
    assert report["reps"]["total"] == clip["reps"]
    for side in ("left", "right"):
        if clip.get(f"reps_{side}") is not None:
            assert report["reps"][side] == clip[f"reps_{side}"], side
    for hold in clip["holds"]:
        matches = [h for h in report["holds"] if h["side"] == hold.get("side")
                   and abs(h["start_s"] - hold["start_s"]) < 1.5]
        assert matches, f"no reported hold near {hold}"
        nearest = min(matches, key=lambda h: abs(h["start_s"] - hold["start_s"]))
        assert abs(nearest["duration_s"] - hold["duration_s"]) <= HOLD_TOLERANCE_S, (hold, nearest)
    cue = VARIANT_CUES.get((clip["exercise_id"], clip.get("variant", "good")))
    if cue is not None:
        assert report["rep_events"] and all(cue in rep["issues"] for rep in report["rep_events"]), cue
        assert report["reps"]["good"] == 0


def truth_track(clip: dict, folder: Path = SAMPLES) -> PoseTrack:
    """The truth as MediaPipe-like landmarks, every landmark it has fully visible."""
    truth = np.load(folder / clip["truth"])
    xy, world = truth_landmarks(truth)
    frames = len(truth["t_s"])
    meta = {"format_version": FORMAT_VERSION, "source": clip["file"], "fps": clip["fps"],
            "size": [int(v) for v in truth["image_size"]], "frames": frames, "model": {"variant": "ground truth"}}
    seen = np.isfinite(xy).all(axis=-1).astype(np.float32)  # the face points anny has none for: unseen
    return PoseTrack(meta, np.asarray(truth["t_s"], np.float64), np.ones(frames, dtype=bool), xy.astype(np.float32),
                     world.astype(np.float32), seen, seen.copy())


def phantom_counts(spec, track: PoseTrack) -> tuple[int, int]:
    """(reps, holds of PHANTOM_HOLD_S or more) that `spec` counts on a track of another exercise,
    with the vectorised counter (the same counts as a replay, tests/logic/test_fast.py)."""
    from posecoach.exercise.fast import evaluate
    from posecoach.tuning.series import track_series

    outcome = evaluate(spec, track_series(spec, track))
    holds = [h for side in outcome.sides.values() for h in side.holds if h.end_s - h.start_s >= PHANTOM_HOLD_S]
    return len(outcome.reps), len(holds)


def replay_counts(spec: ExerciseSpec, track_path) -> tuple[list, list]:
    from posecoach.replay import replay

    report = replay(f"track:{track_path}", spec)
    reps = [(r["side"], r["start_s"], r["end_s"]) for r in report["rep_events"]]
    return reps, sorted((h["side"], h["start_s"], h["end_s"]) for h in report["holds"])


def rounded_fast_counts(spec: ExerciseSpec, track) -> tuple[list, list]:
    from posecoach.tuning.series import track_series

    outcome = fast.evaluate(spec, track_series(spec, track))
    r3 = lambda v: round(v, 3)  # noqa: E731 - the report rounds to milliseconds
    reps = [(r.side, r3(r.start_s), r3(r.end_s)) for r in outcome.reps]
    return reps, sorted((h.side, r3(h.start_s), r3(h.end_s)) for h in outcome.holds)
