"""Turning landmarks into an exercise's named measurements, vectorised.

`measure` works on arrays shaped (..., 33, D): one pose (33, D) or a whole track (T, 33, D),
so live coaching and threshold tuning share one implementation. A measurement whose
landmarks are not visible enough is NaN ("unknown"), never an exception.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from posecoach import geometry
from posecoach.exercise.position import in_position
from posecoach.exercise.spec import SIDES, ExerciseSpec
from posecoach.types import Landmark, Pose

Key = tuple[str, str | None]  # (measurement name, side or None when not sided)

_OTHER = {"left": "right", "right": "left"}
_SHOULDERS = (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)
_HIPS = (Landmark.LEFT_HIP, Landmark.RIGHT_HIP)


@dataclass(frozen=True)
class LandmarkArrays:
    """Landmarks of one pose (33, D) or of many frames (T, 33, D)."""

    xy: np.ndarray
    world: np.ndarray
    visibility: np.ndarray

    @classmethod
    def from_pose(cls, pose: Pose) -> LandmarkArrays:
        return cls(pose.xy, pose.world, pose.visibility)


@dataclass(frozen=True)
class Measurements:
    """Named values (NaN = unknown), side scores, the view ratio and what is hidden."""

    values: dict[Key, np.ndarray]
    side_visibility: dict[str, np.ndarray]
    view_ratio: np.ndarray
    hidden: dict[str | None, list[str]]
    # Whether the body is in the exercise's position; outside it every value reads unknown.
    in_position: np.ndarray = np.True_

    def get(self, name: str, side: str | None) -> float:
        """The value for the side (or the unsided one); NaN = unknown, also when not measured at all
        (inputs built by hand, e.g. a bridge given only its hip and knee angles)."""
        value = self.values.get((name, side))
        if value is None:
            value = self.values.get((name, None), math.nan)
        return float(value)


def resolve(name: str, side: str | None) -> Landmark:
    """`{side}_hip` with side 'left' -> Landmark.LEFT_HIP; `{other}` is the opposite side."""
    if side is not None:
        name = name.replace("{side}", side).replace("{other}", _OTHER[side])
    return Landmark.from_name(name)


def is_sided(names: list[str] | tuple[str, ...]) -> bool:
    return any("{side}" in n or "{other}" in n for n in names)


def _group(arrays: LandmarkArrays, names, side, space: str) -> tuple[np.ndarray, np.ndarray]:
    """Mean position and minimum visibility of a group of landmarks."""
    index = [resolve(n, side) for n in names]
    source = arrays.world if space == "world" else arrays.xy
    return source[..., index, :].mean(axis=-2), arrays.visibility[..., index].min(axis=-1)


def _torso(arrays: LandmarkArrays, space: str) -> np.ndarray:
    source = arrays.world if space == "world" else arrays.xy
    shoulders = geometry.midpoint(source[..., _SHOULDERS[0], :], source[..., _SHOULDERS[1], :])
    hips = geometry.midpoint(source[..., _HIPS[0], :], source[..., _HIPS[1], :])
    return geometry.distance(shoulders, hips)


Evaluated = tuple[np.ndarray, np.ndarray]  # (value, visibility)
Evaluator = Callable[..., Evaluated]
# Measurement kind -> how it is computed. A new kind is one model in spec.py and one function
# registered here with @evaluates.
EVALUATORS: dict[str, Evaluator] = {}


def evaluates(*kinds: str) -> Callable[[Evaluator], Evaluator]:
    def register(function: Evaluator) -> Evaluator:
        EVALUATORS.update(dict.fromkeys(kinds, function))
        return function
    return register


def _evaluate(m, arrays: LandmarkArrays, side: str | None) -> Evaluated:
    """Value and visibility of one measurement for one side."""
    return EVALUATORS[m.kind](m, arrays, side)


@evaluates("joint_angle")
def _joint_angle(m, arrays: LandmarkArrays, side: str | None) -> Evaluated:
    (a, va), (b, vb), (c, vc) = (_group(arrays, [p], side, m.space) for p in m.points)
    return geometry.joint_angle(a, b, c), np.minimum(np.minimum(va, vb), vc)


@evaluates("segment_angle")
def _segment_angle(m, arrays: LandmarkArrays, side: str | None) -> Evaluated:
    (a, va), (b, vb) = (_group(arrays, [p], side, "pixel") for p in m.points)
    return geometry.segment_angle(a, b, m.reference), np.minimum(va, vb)


@evaluates("height")
def _height(m, arrays: LandmarkArrays, side: str | None) -> Evaluated:
    (p, vp), (r, vr) = _group(arrays, m.point, side, "pixel"), _group(arrays, m.reference, side, "pixel")
    return (r[..., 1] - p[..., 1]) / _torso(arrays, "pixel"), np.minimum(vp, vr)


@evaluates("distance")
def _distance(m, arrays: LandmarkArrays, side: str | None) -> Evaluated:
    (p, vp), (q, vq) = (_group(arrays, g, side, m.space) for g in m.between)
    return geometry.distance(p, q) / _torso(arrays, m.space), np.minimum(vp, vq)


@evaluates("line_offset")
def _line_offset(m, arrays: LandmarkArrays, side: str | None) -> Evaluated:
    p, vp = _group(arrays, m.point, side, "pixel")
    (a, va), (b, vb) = (_group(arrays, [n], side, "pixel") for n in m.line)
    offset = geometry.signed_line_offset(p, a, b) / _torso(arrays, "pixel")
    return offset, np.minimum(vp, np.minimum(va, vb))


@evaluates("lateral_offset")
def _lateral_offset(m, arrays: LandmarkArrays, side: str | None) -> Evaluated:
    (a, va), (b, vb) = (_group(arrays, [n], side, m.space) for n in m.axis)
    (p, vp), (r, vr) = _group(arrays, m.point, side, m.space), _group(arrays, m.reference, side, m.space)
    across, visibility = b - a, np.minimum(np.minimum(vp, vr), np.minimum(va, vb))
    if m.top is not None:
        top, vt = _group(arrays, m.top, side, m.space)
        across, visibility = geometry.square_to(across, geometry.unit(top - r)), np.minimum(visibility, vt)
    shift = np.sum((p - r) * geometry.unit(across), axis=-1)
    return shift / _torso(arrays, m.space), visibility


@evaluates("sway_direction", "sway_distance", "sway_forwards")
def _sway(m, arrays: LandmarkArrays, side: str | None) -> Evaluated:
    """Direction (degrees), distance or forwards part (torso lengths) of `point` off the line `base` -> `top`."""
    groups = [_group(arrays, g, side, "world") for g in (m.point, m.base, m.top, [m.across[0]], [m.across[1]])]
    (p, _), (base, _), (top, _), (left, _), (right, _) = groups
    up = geometry.unit(top - base)
    offset = geometry.square_to(p - base, up)
    to_right = geometry.unit(geometry.square_to(right - left, up))
    # MediaPipe's world axes are x right, y down, z away from the camera (right-handed), so
    # up x right points the way the chest faces.
    forwards = np.cross(up, to_right)
    x, y = np.sum(offset * to_right, axis=-1), np.sum(offset * forwards, axis=-1)
    visibility = np.min(np.stack([v for _, v in groups]), axis=0)
    if m.kind == "sway_direction":
        return np.degrees(np.arctan2(y, x)), visibility
    if m.kind == "sway_forwards":
        return y / _torso(arrays, "world"), visibility
    return np.hypot(x, y) / _torso(arrays, "world"), visibility


def landmark_names(m) -> list[str]:
    names: list[str] = []
    for field in ("points", "point", "reference", "line", "axis", "base", "top", "across"):
        value = getattr(m, field, None)
        if isinstance(value, (list, tuple)):
            names.extend(value)
    if between := getattr(m, "between", None):
        names.extend(between[0] + between[1])
    return names


def measurement_sides(spec: ExerciseSpec, name: str) -> tuple[str | None, ...]:
    return SIDES if is_sided(landmark_names(spec.measurements[name])) else (None,)


def measure(spec: ExerciseSpec, arrays: LandmarkArrays, min_visibility: float) -> Measurements:
    # The one place counting is gated on the position: a value outside it is unknown, so the
    # tracker, the vectorised counter and the tuning traces all count only in position.
    positioned = in_position(spec.position, arrays.world)
    values: dict[Key, np.ndarray] = {}
    for name, m in spec.measurements.items():
        for side in measurement_sides(spec, name):
            value, visibility = _evaluate(m, arrays, side)
            values[(name, side)] = np.where((visibility >= min_visibility) & positioned, value, np.nan)
    return Measurements(
        values=values,
        side_visibility=_side_visibility(spec, arrays),
        view_ratio=_view_ratio(arrays),
        hidden=_hidden(spec, arrays, min_visibility),
        in_position=positioned,
    )


def _side_visibility(spec: ExerciseSpec, arrays: LandmarkArrays) -> dict[str, np.ndarray]:
    scores = {}
    for side in SIDES:
        index = [resolve(n, side) for n in spec.required_landmarks]
        scores[side] = arrays.visibility[..., index].mean(axis=-1)
    return scores


def _hidden(spec: ExerciseSpec, arrays: LandmarkArrays, min_visibility: float) -> dict:
    """Per side, the required landmarks that are not visible (single poses only)."""
    if arrays.visibility.ndim != 1:
        return {}
    sides: tuple[str | None, ...] = SIDES if is_sided(spec.required_landmarks) else (None,)
    hidden = {}
    for side in sides:
        names = [resolve(n, side) for n in spec.required_landmarks]
        hidden[side] = [lm.label for lm in names if arrays.visibility[lm] < min_visibility]
    return hidden


def _view_ratio(arrays: LandmarkArrays) -> np.ndarray:
    """Shoulder width over torso length in the image: small side-on, ~0.7 facing the camera."""
    xy = arrays.xy
    width = geometry.distance(xy[..., _SHOULDERS[0], :], xy[..., _SHOULDERS[1], :])
    return width / _torso(arrays, "pixel")
