"""The rendered samples' ground truth as a perfect pose model: the exercise files count it exactly.

This separates the two ways a sample can miss: if the truth itself does not count, the
exercise file (or the motion) is wrong; if it does and the model's landmarks do not
(tests/e2e/test_samples.py), the model is. No model and no torch needed.
"""

from __future__ import annotations

import numpy as np
import pytest

from posecoach import replay
from posecoach.exercise.catalogue import load_exercise
from posecoach.sources.tracks import save_track
from posecoach.synth.cli import remeasure
from posecoach.synth.truth import exercise_measurements

from conftest import SAMPLES, samples_manifest
from groundtruth import assert_matches_annotation, truth_track

CLIPS = samples_manifest()


@pytest.mark.parametrize("clip", CLIPS, ids=lambda c: c["file"].removesuffix(".mp4"))
def test_ground_truth_counts_every_sample_exactly(clip, tmp_path):
    path = tmp_path / "truth.npz"
    save_track(truth_track(clip), path)
    report = replay.replay(str(path), load_exercise(clip["exercise_id"]))
    assert_matches_annotation(report, clip)

@pytest.mark.parametrize("clip", CLIPS, ids=lambda c: c["file"].removesuffix(".mp4"))
def test_sidecar_measurements_are_the_exercise_files_current_ones(clip):
    with np.load(SAMPLES / clip["truth"]) as truth:
        arrays = {k: truth[k] for k in truth.files}
    stored = {k: v for k, v in arrays.items() if k.startswith("measurement.")}
    expected = exercise_measurements(clip["exercise_id"], arrays)
    stale = "stale: run 'python -m posecoach.synth.cli --all --remeasure'"
    assert sorted(stored) == sorted(expected), stale
    for name, values in expected.items():
        np.testing.assert_allclose(stored[name], values, atol=1e-4, err_msg=f"{name} {stale}")


def test_remeasure_replaces_only_the_measurements(tmp_path):
    clip = next(c for c in CLIPS if c["exercise_id"] == "glute_bridge")
    with np.load(SAMPLES / clip["truth"]) as truth:
        original = {k: truth[k] for k in truth.files}
    copy = tmp_path / "clip.truth.npz"
    np.savez_compressed(copy, **{k: v for k, v in original.items() if not k.startswith("measurement.")},
                        **{"measurement.gone": np.zeros(3)})
    remeasure(copy, "glute_bridge")
    with np.load(copy) as truth:
        assert sorted(truth.files) == sorted(original)
        for name, values in original.items():
            np.testing.assert_array_equal(truth[name], values, err_msg=name)
