"""The rendered samples' ground truth as a perfect pose model: the exercise files count it exactly.

This separates the two ways a sample can miss: if the truth itself does not count, the
exercise file (or the motion) is wrong; if it does and the model's landmarks do not
(tests/test_samples.py), the model is. No model and no torch needed.
"""

from __future__ import annotations

import numpy as np
import pytest

from posecoach import app
from posecoach.exercise.catalogue import load_exercise
from posecoach.tracks import FORMAT_VERSION, PoseTrack, save_track

from conftest import SAMPLES, samples_manifest
from test_samples import HOLD_TOLERANCE_S, VARIANT_CUES

CLIPS = samples_manifest()


def truth_track(clip: dict) -> PoseTrack:
    """MediaPipe-like landmarks from the truth: surface keypoints where anny has them (where
    MediaPipe puts its points), joint centres elsewhere; every landmark fully visible."""
    truth = np.load(SAMPLES / clip["truth"])
    xy = np.where(np.isnan(truth["keypoints_px"]), truth["joints_px"], truth["keypoints_px"])
    world = np.where(np.isnan(truth["keypoints_world"]), truth["joints_world"], truth["keypoints_world"])
    frames = len(truth["t_s"])
    meta = {"format_version": FORMAT_VERSION, "source": clip["file"], "fps": clip["fps"],
            "size": [int(v) for v in truth["image_size"]], "frames": frames, "model": {"variant": "ground truth"}}
    ones = np.ones(xy.shape[:2], dtype=np.float32)
    return PoseTrack(meta, truth["t_s"] * 1000.0, np.ones(frames, dtype=bool), xy.astype(np.float32),
                     world.astype(np.float32), ones, ones.copy())


@pytest.mark.parametrize("clip", CLIPS, ids=lambda c: c["file"].removesuffix(".mp4"))
def test_ground_truth_counts_every_sample_exactly(clip, tmp_path):
    path = tmp_path / "truth.npz"
    save_track(truth_track(clip), path)
    report = app.replay(str(path), load_exercise(clip["exercise_id"]))
    assert report["reps"]["total"] == clip["reps"]
    for side in ("left", "right"):
        if clip.get(f"reps_{side}") is not None:
            assert report["reps"][side] == clip[f"reps_{side}"], side
    for hold in clip["holds"]:
        nearest = min((h for h in report["holds"] if h["side"] == hold.get("side")),
                      key=lambda h: abs(h["start_s"] - hold["start_s"]))
        assert abs(nearest["duration_s"] - hold["duration_s"]) <= HOLD_TOLERANCE_S, (hold, nearest)
    cue = VARIANT_CUES.get((clip["exercise_id"], clip.get("variant", "good")))
    if cue is not None:
        assert all(cue in rep["issues"] for rep in report["rep_events"]), cue
