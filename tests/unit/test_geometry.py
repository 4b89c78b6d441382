import numpy as np
import pytest

from posecoach import geometry


@pytest.mark.parametrize(
    ("a", "b", "c", "expected"),
    [
        ((1, 0), (0, 0), (0, 1), 90.0),
        ((-1, 0), (0, 0), (1, 0), 180.0),
        ((1, 0), (0, 0), (1, 0), 0.0),
        ((1, 0), (0, 0), (1, 1), 45.0),
        ((1, 0), (0, 0), (-1, 1), 135.0),
        ((1, 0, 0), (0, 0, 0), (0, 0, 1), 90.0),
        ((1, 1, 0), (0, 0, 0), (0, 1, 1), 60.0),
    ],
)
def test_joint_angle_known_geometry(a, b, c, expected):
    assert geometry.joint_angle(np.array(a), np.array(b), np.array(c)) == pytest.approx(expected, abs=1e-9)


def test_joint_angle_degenerate_points_are_nan():
    assert np.isnan(geometry.joint_angle(np.array([0, 0]), np.array([0, 0]), np.array([1, 0])))
    assert np.isnan(geometry.joint_angle(np.array([1, 0]), np.array([1, 0]), np.array([1, 0])))


def test_joint_angle_is_vectorised_over_frames():
    t = np.linspace(0, np.pi, 7)
    a = np.stack([np.cos(t), np.sin(t)], axis=-1)
    b = np.zeros((7, 2))
    c = np.tile([1.0, 0.0], (7, 1))
    np.testing.assert_allclose(geometry.joint_angle(a, b, c), np.degrees(t), atol=1e-9)


def test_joint_angle_nearly_straight_is_accurate():
    # arccos loses precision here; arctan2 must not.
    angle = geometry.joint_angle(np.array([-1.0, 0.0]), np.array([0.0, 0.0]), np.array([1.0, 1e-7]))
    assert angle == pytest.approx(180.0 - np.degrees(1e-7), abs=1e-9)


def test_pixel_space_keeps_a_true_45_degree_limb_at_45_on_a_wide_frame():
    # The hobby-trainer bug: normalised x/y on 1280x720 turns 45 degrees into ~60.
    width, height = 1280, 720
    hip, knee, ankle = np.array([400.0, 300.0]), np.array([500.0, 300.0]), np.array([600.0, 200.0])
    assert geometry.joint_angle(hip, knee, ankle) == pytest.approx(135.0)
    norm = np.array([width, height])
    distorted = geometry.joint_angle(hip / norm, knee / norm, ankle / norm)
    assert abs(distorted - 135.0) > 10  # why we never measure on normalised coordinates


@pytest.mark.parametrize(
    ("b", "reference", "expected"),
    [((1, 0), "horizontal", 0.0), ((-1, 0), "horizontal", 0.0), ((1, 1), "horizontal", 45.0),
     ((0, 1), "horizontal", 90.0), ((0, -1), "vertical", 0.0), ((1, 1), "vertical", 45.0),
     ((-3, 1), "horizontal", np.degrees(np.arctan2(1, 3)))],
)
def test_segment_angle(b, reference, expected):
    assert geometry.segment_angle(np.array([0.0, 0.0]), np.array(b, float), reference) == pytest.approx(expected)


def test_segment_angle_rejects_unknown_reference():
    with pytest.raises(ValueError, match="horizontal"):
        geometry.segment_angle(np.zeros(2), np.ones(2), "diagonal")


def test_signed_line_offset_is_positive_above_the_line():
    a, b = np.array([0.0, 100.0]), np.array([100.0, 100.0])
    assert geometry.signed_line_offset(np.array([50.0, 80.0]), a, b) == pytest.approx(20.0)
    assert geometry.signed_line_offset(np.array([50.0, 130.0]), a, b) == pytest.approx(-30.0)
    assert np.isnan(geometry.signed_line_offset(np.array([1.0, 1.0]), a, a))


def test_signed_line_offset_is_above_whichever_way_the_line_runs():
    left, right = np.array([0.0, 100.0]), np.array([100.0, 60.0])
    above, below = np.array([50.0, 50.0]), np.array([50.0, 110.0])
    for a, b in ((left, right), (right, left)):
        assert geometry.signed_line_offset(above, a, b) > 0
        assert geometry.signed_line_offset(below, a, b) < 0
    offset = geometry.signed_line_offset
    assert offset(above, left, right) == pytest.approx(offset(above, right, left))
