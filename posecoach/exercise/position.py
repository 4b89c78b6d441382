"""The body's position (lying on the back, on all fours, standing, ...), judged from the whole body.

A rep or hold may count only in its exercise's position: a squat must never count as a glute
bridge however alike one angle looks. The position is judged from world landmarks (metres, axes
of a level camera: y points down), which keep their lengths in any view, with a few
whole-body facts that each position needs and the others break:

- which way the chest faces (up lying on the back, down on all fours or lying on the front);
- how high the hips are above the feet, in leg lengths (standing about 1, lying about 0);
- whether the shins stand upright (weight on the feet) or lie along the floor (on the knees);
- how far the torso is from upright.

Each position is a few limits on those facts, written with wide margins (a real body in a home
room is not a rendered one). Works on one pose (33, 3) or a whole track (T, 33, 3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from posecoach import geometry
from posecoach.types import Landmark as L

_UP = np.array([0.0, -1.0, 0.0])


@dataclass(frozen=True)
class BodyShape:
    """Whole-body facts per frame (each shaped like the poses' leading axes)."""

    chest_down: np.ndarray  # the chest's facing, -1 up (on the back) .. +1 down (face down)
    hip_height: np.ndarray  # hips above the feet, in leg lengths: ~1 standing, ~0 lying
    shin_rise: np.ndarray  # the more upright shin's rise, in shin lengths: 1 upright, 0 flat
    torso_tilt_deg: np.ndarray  # 0 upright, 90 level, 180 head down
    knee_angle_deg: np.ndarray  # the more bent knee: ~180 straight, ~90 on all fours
    hands_ahead: np.ndarray  # the lower hand's distance from the feet along the floor, in leg lengths
    hands_height: np.ndarray  # the lower hand above the feet, in leg lengths (0: on the floor)


def _mid(world: np.ndarray, a: L, b: L) -> np.ndarray:
    return geometry.midpoint(world[..., a, :], world[..., b, :])


def body_shape(world: np.ndarray) -> BodyShape:
    shoulders = _mid(world, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    hips = _mid(world, L.LEFT_HIP, L.RIGHT_HIP)
    torso = geometry.unit(shoulders - hips)
    across = world[..., L.RIGHT_SHOULDER, :] - world[..., L.LEFT_SHOULDER, :]
    # up-the-torso x left-to-right points the way the chest faces (world axes are right-handed).
    chest = geometry.unit(np.cross(torso, across))
    legs, shins, knees = [], [], []
    for hip, knee, ankle in ((L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE), (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE)):
        h, k, a = world[..., hip, :], world[..., knee, :], world[..., ankle, :]
        shin = geometry.distance(k, a)
        legs.append(geometry.distance(h, k) + shin)
        shins.append((a[..., 1] - k[..., 1]) / np.maximum(shin, 1e-6))
        knees.append(geometry.joint_angle(h, k, a))
    ankles = _mid(world, L.LEFT_ANKLE, L.RIGHT_ANKLE)
    leg = np.maximum((legs[0] + legs[1]) / 2, 1e-6)
    wrists = world[..., [L.LEFT_WRIST, L.RIGHT_WRIST], :]
    lower = np.take_along_axis(wrists, np.argmax(wrists[..., 1], axis=-1)[..., None, None], axis=-2)[..., 0, :]
    along_floor = (lower - ankles)[..., [0, 2]]
    return BodyShape(
        chest_down=chest[..., 1],
        hip_height=(ankles[..., 1] - hips[..., 1]) / leg,
        shin_rise=np.maximum(shins[0], shins[1]),
        torso_tilt_deg=np.degrees(np.arccos(np.clip(np.sum(torso * _UP, axis=-1), -1.0, 1.0))),
        knee_angle_deg=np.minimum(knees[0], knees[1]),
        hands_ahead=np.linalg.norm(along_floor, axis=-1) / leg,
        hands_height=(ankles[..., 1] - lower[..., 1]) / leg,
    )


@dataclass(frozen=True)
class Position:
    """A position's test on the body's shape, what it is called and the cue that asks for it."""

    label: str
    cue: str
    test: Callable[[BodyShape], np.ndarray]
    getting_up: str = ""  # the last line of every card for an exercise in this position


def _hands_planted_ahead(s: BodyShape) -> np.ndarray:
    # Hands on the floor a body's length from the feet: a downward dog or a plank, not standing
    # (a deep forward fold keeps the hands by the feet).
    return (s.hands_height <= 0.3) & (s.hands_ahead >= 0.9)


# Getting up from the floor is where a sore back is often hurt again.
_FROM_THE_FLOOR = "Afterwards, to get up, roll onto your side first and push up with your arms."

POSITIONS: dict[str, Position] = {
    # Facing the ceiling, hips low (a bridge lifts them about 0.35 leg lengths, legs up are below 0).
    "supine": Position("Lying on your back", "Lie on your back for this exercise",
                       lambda s: (s.chest_down <= -0.25) & (s.hip_height <= 0.75), _FROM_THE_FLOOR),
    # Facing the floor with the legs long on it: pressing up raises only the chest.
    "prone": Position("Lying on your front", "Lie on your front for this exercise",
                      lambda s: (s.chest_down >= 0.3) & (s.hip_height <= 0.3)
                      & (s.knee_angle_deg >= 130) & (s.shin_rise <= 0.5), _FROM_THE_FLOOR),
    # Facing the floor on hands and knees: the shins along the floor, a knee bent (sitting back
    # on the heels bends it most).
    "quadruped": Position("On your hands and knees", "Get onto your hands and knees for this exercise",
                          lambda s: (s.chest_down >= 0.3) & (s.shin_rise <= 0.45)
                          & (s.knee_angle_deg <= 130) & (s.hip_height <= 0.7), _FROM_THE_FLOOR),
    # On the feet: hips above them (a deep squat still 0.3 leg lengths up), a shin upright, not
    # facing the ceiling, the hands not planted on the floor.
    "standing": Position("Standing", "Stand up for this exercise",
                         lambda s: (s.hip_height >= 0.25) & (s.shin_rise >= 0.5)
                         & (s.chest_down >= -0.3) & ~_hands_planted_ahead(s)),
}


def in_position(position: str, world: np.ndarray) -> np.ndarray:
    """Per pose, whether the body is in `position`; a pose with unknown landmarks is not."""
    with np.errstate(invalid="ignore"):
        return np.asarray(POSITIONS[position].test(body_shape(world)), dtype=bool)
