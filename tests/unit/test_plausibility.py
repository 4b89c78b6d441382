import numpy as np

from posecoach.plausibility import BONES, BoneLengthGate
from posecoach.types import Landmark, Pose


def standing_pose(shin_scale: float = 1.0) -> Pose:
    world = np.zeros((33, 3))
    world[[Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER]] = [[-0.2, -0.5, 0], [0.2, -0.5, 0]]
    world[[Landmark.LEFT_ELBOW, Landmark.RIGHT_ELBOW]] = [[-0.25, -0.2, 0], [0.25, -0.2, 0]]
    world[[Landmark.LEFT_WRIST, Landmark.RIGHT_WRIST]] = [[-0.25, 0.05, 0], [0.25, 0.05, 0]]
    world[[Landmark.LEFT_HIP, Landmark.RIGHT_HIP]] = [[-0.1, 0.0, 0], [0.1, 0.0, 0]]
    world[[Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE]] = [[-0.1, 0.45, 0], [0.1, 0.45, 0]]
    world[[Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE]] = [[-0.1, 0.45 + 0.4 * shin_scale, 0], [0.1, 0.85, 0]]
    return Pose(world[:, :2] * 300 + 400, world, np.full(33, 0.95), np.full(33, 0.95), (1280, 720))


def test_a_limb_that_suddenly_doubles_loses_its_visibility():
    gate = BoneLengthGate()
    for _ in range(30):
        assert np.array_equal(gate(standing_pose()).visibility, np.full(33, 0.95))
    judged = gate(standing_pose(shin_scale=2.0))
    assert judged.visibility[Landmark.LEFT_ANKLE] == 0.0
    assert judged.visibility[Landmark.LEFT_KNEE] == 0.0
    assert judged.visibility[Landmark.RIGHT_ANKLE] == 0.95


def test_nothing_is_judged_during_warm_up_and_no_pose_passes_through():
    gate = BoneLengthGate()
    assert gate(None) is None
    pose = standing_pose(shin_scale=3.0)
    assert gate(pose) is pose


def test_every_bone_joins_two_different_landmarks():
    assert all(a != b for a, b in BONES)
