"""Measurement kinds on poses with known geometry."""

import typing

import numpy as np
import pytest

from posecoach import geometry
from posecoach.exercise.measure import LandmarkArrays, measure
from posecoach.exercise.spec import ExerciseSpec
from posecoach.types import NUM_LANDMARKS, Landmark

L = Landmark
SWAY = {"point": ["left_hip", "right_hip"], "base": ["left_ankle", "right_ankle"],
        "top": ["left_shoulder", "right_shoulder"]}


def spec_with(**measurements) -> ExerciseSpec:
    first = next(iter(measurements))
    return ExerciseSpec.model_validate({
        "id": "probe", "name": "Probe", "position": "standing", "view": "any", "setup": "-",
        "instructions": ["-"], "required_landmarks": ["left_hip"], "measurements": measurements,
        "phases": {"any": {"bands": [{"measurement": first, "enter_above": 1, "exit_below": 0}]}},
        "hold": {"phase": "any"},
    })


def standing(hip_shift=(0.0, 0.0, 0.0), turn_deg: float = 0.0) -> np.ndarray:
    """World landmarks (metres; x right in the picture, y down, z away from the camera) of a
    person facing the camera, hips moved by `hip_shift`, the whole body turned about the vertical."""
    world = np.zeros((NUM_LANDMARKS, 3))
    # Facing the camera, the person's right side is on the picture's left (-x).
    world[[L.RIGHT_SHOULDER, L.LEFT_SHOULDER]] = [[-0.18, -0.5, 0.0], [0.18, -0.5, 0.0]]
    world[[L.RIGHT_HIP, L.LEFT_HIP]] = np.array([[-0.1, 0.0, 0.0], [0.1, 0.0, 0.0]]) + hip_shift
    world[[L.RIGHT_KNEE, L.LEFT_KNEE]] = [[-0.12, 0.45, 0.0], [0.12, 0.45, 0.0]]
    world[[L.RIGHT_ANKLE, L.LEFT_ANKLE]] = [[-0.15, 0.85, 0.0], [0.15, 0.85, 0.0]]
    a = np.radians(turn_deg)
    turn = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    return world @ turn.T


def arrays(world: np.ndarray) -> LandmarkArrays:
    xy = world[..., :2] * 500 + 500
    return LandmarkArrays(xy, world, np.ones(world.shape[:-1]))


def values(spec: ExerciseSpec, world: np.ndarray, side=None) -> dict[str, np.ndarray]:
    m = measure(spec, arrays(world), min_visibility=0.5)
    return {name: m.values[(name, s)] for (name, s) in m.values if s == side}


# Person's right = picture -x; forwards (towards the camera) = -z.
@pytest.mark.parametrize(
    ("shift", "direction"),
    [
        ((-0.05, 0, 0), 0.0),  # to their right
        ((0, 0, -0.05), 90.0),  # forwards
        ((0.05, 0, 0), 180.0),  # to their left
        ((0, 0, 0.05), -90.0),  # backwards
        ((-0.05, 0, -0.05), 45.0),
        ((0.05, 0, 0.05), -135.0),
    ],
)
def test_sway_direction_and_distance_known_geometry(shift, direction):
    spec = spec_with(way={"kind": "sway_direction", **SWAY}, reach={"kind": "sway_distance", **SWAY})
    got = values(spec, standing(shift))
    assert abs((float(got["way"]) - direction + 180) % 360 - 180) < 1e-6
    torso = np.linalg.norm([0.5, *np.array(shift)[[0, 2]]])
    assert float(got["reach"]) == pytest.approx(np.hypot(shift[0], shift[2]) / torso, abs=1e-9)


@pytest.mark.parametrize("turn_deg", [-60.0, -20.0, 35.0, 80.0])
def test_sway_is_in_the_persons_own_frame(turn_deg):
    """Turning towards or away from the camera changes nothing: forwards stays forwards."""
    spec = spec_with(way={"kind": "sway_direction", **SWAY})
    forwards = standing((0, 0, -0.05), turn_deg)
    assert float(values(spec, forwards)["way"]) == pytest.approx(90.0, abs=1e-6)


def test_sway_ignores_movement_along_the_body_line():
    spec = spec_with(reach={"kind": "sway_distance", **SWAY})
    assert float(values(spec, standing((0, 0.08, 0)))["reach"]) == pytest.approx(0.0, abs=1e-9)


def test_sway_is_vectorised_over_a_circle():
    angles = np.linspace(-170, 170, 35)
    shifts = [(-0.06 * np.cos(np.radians(a)), 0, -0.06 * np.sin(np.radians(a))) for a in angles]
    track = np.stack([standing(s) for s in shifts])
    spec = spec_with(way={"kind": "sway_direction", **SWAY})
    np.testing.assert_allclose(values(spec, track)["way"], angles, atol=1e-6)


def test_sway_of_hidden_landmarks_is_unknown():
    spec = spec_with(way={"kind": "sway_direction", **SWAY})
    a = arrays(standing((0, 0, -0.05)))
    a.visibility[L.LEFT_ANKLE] = 0.1
    assert np.isnan(measure(spec, a, 0.5).values[("way", None)])


@pytest.mark.parametrize(("side", "sign"), [("left", -1.0), ("right", 1.0)])
def test_lateral_offset_along_a_sided_axis(side, sign):
    """Knees moved 0.2 m to the person's right: + along left->right, - along right->left."""
    world = standing()
    world[[L.LEFT_KNEE, L.RIGHT_KNEE]] += [-0.2, 0.0, 0.0]
    knees = {"kind": "lateral_offset", "point": ["left_knee", "right_knee"], "reference": ["left_hip", "right_hip"]}
    spec = spec_with(fixed=knees, towards_side={**knees, "axis": ["{other}_hip", "{side}_hip"]})
    torso = 0.5
    assert float(values(spec, world)["fixed"]) == pytest.approx(0.2 / torso)
    assert float(values(spec, world, side)["towards_side"]) == pytest.approx(sign * 0.2 / torso)


@pytest.mark.parametrize("roll_deg", [0.0, 8.0, -15.0])
def test_lateral_offset_square_to_the_body_line_in_the_picture(roll_deg):
    """Hips 0.05 m to the person's right of the feet with the pelvis tipped (right hip 3 cm up),
    seen by a camera rolled by `roll_deg`: square to the feet-shoulders line the shift reads the
    same; along the tipped hip line alone the height between hips and feet leaks in."""
    world = standing((-0.05, 0.0, 0.0))
    world[L.RIGHT_HIP, 1] -= 0.03
    world[L.LEFT_HIP, 1] += 0.03
    a = arrays(world)
    r = np.radians(roll_deg)
    a.xy[:] = (a.xy - 500) @ np.array([[np.cos(r), np.sin(r)], [-np.sin(r), np.cos(r)]]) + 500
    hips = {"kind": "lateral_offset", "space": "pixel", "point": ["left_hip", "right_hip"],
            "reference": ["left_ankle", "right_ankle"]}
    spec = spec_with(square={**hips, "top": ["left_shoulder", "right_shoulder"]}, along_hips=hips)
    m = measure(spec, a, min_visibility=0.5).values
    expected = 0.05 / np.hypot(0.05, 0.5)  # torso: shoulders' middle to the shifted hips' middle
    assert float(m[("square", None)]) == pytest.approx(expected)
    assert abs(float(m[("along_hips", None)]) - expected) > 0.1
    a.visibility[L.LEFT_SHOULDER] = 0.1
    assert np.isnan(measure(spec, a, min_visibility=0.5).values[("square", None)])


def test_unit_and_square_to_known_geometry():
    np.testing.assert_allclose(geometry.unit(np.array([[3.0, 4.0, 0.0], [0.0, 0.0, 2.0]])),
                               [[0.6, 0.8, 0.0], [0.0, 0.0, 1.0]])
    assert np.isnan(geometry.unit(np.zeros(3))).all()
    square = geometry.square_to(np.array([2.0, 3.0, 4.0]), np.array([0.0, 1.0, 0.0]))
    np.testing.assert_allclose(square, [2.0, 0.0, 4.0])


def test_every_measurement_kind_an_exercise_file_may_name_has_one_evaluator() -> None:
    from posecoach.exercise.measure import EVALUATORS
    from posecoach.exercise.spec import Measurement

    kinds = {typing.get_args(m.model_fields["kind"].annotation)[0]
             for m in typing.get_args(typing.get_args(Measurement)[0])}
    assert kinds == set(EVALUATORS)
