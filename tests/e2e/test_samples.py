"""Every committed rendered sample through the real model: exact counts, holds and angle accuracy.

The samples come with exact ground truth (`samples/manifest.json` and a `.truth.npz` per clip):
reps and holds from the motion's keyframes, joint centres and surface keypoints projected with
the same camera. Each clip is tracked once per session; replaying its track gives exactly the
video's counts (tests/e2e/test_replay_e2e.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from posecoach import replay
from posecoach.exercise.catalogue import exercise_ids, load_exercise
from posecoach.sources.tracks import load_track
from posecoach.synth.evaluate import near_angles, near_side
from posecoach.types import Landmark

from conftest import SAMPLES, samples_manifest
from groundtruth import assert_matches_annotation

pytestmark = pytest.mark.e2e




CLIPS = samples_manifest()
# Side view, against ground truth (issue 6): hip within 10 degrees of joint centres or 5 of
# surface keypoints (MediaPipe's hip sits like the surface one); knee within 8 of joint centres.
HIP_MAX_MAE_CENTRES, HIP_MAX_MAE_KEYPOINTS, KNEE_MAX_MAE = 10.0, 5.0, 8.0


def test_every_exercise_has_a_sample_filmed_from_the_view_it_needs():
    views = {"side": {"side", "oblique"}, "front": {"front", "top_feet"}}
    needed = {exercise: load_exercise(exercise).view for exercise in exercise_ids()}
    covered = {c["exercise_id"] for c in CLIPS if c.get("variant", "good") == "good"
               and (needed[c["exercise_id"]] == "any" or c["camera"]["view"] in views[needed[c["exercise_id"]]])}
    assert set(exercise_ids()) - covered == set()





@pytest.fixture(scope="module")
def tracks(video_track):
    return lambda clip: video_track(SAMPLES / clip["file"])


@pytest.mark.parametrize("clip", CLIPS, ids=lambda c: c["file"].removesuffix(".mp4"))
def test_sample_counts_are_exact(clip, tracks):
    report = replay.replay(str(tracks(clip)), load_exercise(clip["exercise_id"]))
    assert report["frames_with_pose"] >= 0.9 * report["frames"]
    assert_matches_annotation(report, clip)


SIDE_CLIPS = [c for c in CLIPS if c["camera"]["view"] == "side"]


@pytest.mark.parametrize("clip", SIDE_CLIPS, ids=lambda c: c["file"].removesuffix(".mp4"))
def test_side_view_angles_match_ground_truth(clip, tracks):
    track = load_track(tracks(clip))
    truth = np.load(SAMPLES / clip["truth"])
    left_near = near_side(truth)
    joints = np.array([[Landmark[f"{side}_{n}"] for n in ("HIP", "KNEE", "ANKLE")] for side in ("RIGHT", "LEFT")])
    near_visibility = np.take_along_axis(track.visibility, joints[left_near.astype(int)], axis=1)
    seen = track.has_pose.astype(bool) & (near_visibility.min(axis=1) > 0.5)
    found = near_angles(track.xy[seen].astype(float), left_near[seen])
    centres = near_angles(truth["joints_px"][seen].astype(float), left_near[seen])
    surface = near_angles(truth["keypoints_px"][seen].astype(float), left_near[seen])
    hip_error = min(np.nanmean(np.abs(found["hip"] - centres["hip"])) - HIP_MAX_MAE_CENTRES,
                    np.nanmean(np.abs(found["hip"] - surface["hip"])) - HIP_MAX_MAE_KEYPOINTS)
    assert hip_error <= 0, f"hip MAE over tolerance by {hip_error:.1f} deg"
    # A shin pointing at the camera has no side-view knee angle: where the joint centres and the
    # surface keypoints disagree by more than the tolerance, the truth itself is undecided.
    defined = np.abs(centres["knee"] - surface["knee"]) <= KNEE_MAX_MAE
    # (The crossed leg of the figure four, nearest the camera, has such a shin most of the time.)
    assert defined.sum() >= 3 * clip["fps"], f"knee angle defined in only {defined.sum()} frames"
    knee_mae = np.nanmean(np.abs(found["knee"] - centres["knee"])[defined])
    assert knee_mae <= KNEE_MAX_MAE, f"knee MAE {knee_mae:.1f} deg"
