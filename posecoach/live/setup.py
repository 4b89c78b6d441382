"""The set-up check before an exercise: body in the frame, in position, the right view, a usable distance.

Pure: a pose and its measurements in, a checklist out. The view thresholds are the tracker's,
so the check and the tracker's "turn to the side" cue agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posecoach.exercise.measure import Measurements, resolve
from posecoach.exercise.position import POSITIONS
from posecoach.exercise.spec import ExerciseSpec
from posecoach.exercise.tracker import TrackerSettings, wrong_view_message
from posecoach.types import Pose

_BODY = slice(11, 33)  # shoulders to feet: the face does not tell the distance


@dataclass(frozen=True)
class SetupSettings:
    edge_margin: float = 0.01  # required landmarks must be this far (fraction of the frame) inside
    min_extent: float = 0.35  # the body must span this much of the frame (else: come closer)
    max_extent: float = 0.97  # ... and no more than this (else: step back)
    min_visibility: float = 0.5


@dataclass(frozen=True)
class SetupCheck:
    label: str
    ok: bool
    hint: str  # what to do about it; empty when ok


@dataclass(frozen=True)
class SetupStatus:
    checks: tuple[SetupCheck, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def present(self) -> bool:
        """The body is in the frame and in the exercise's position (the first two checks): not away."""
        return all(c.ok for c in self.checks[:2])

    @property
    def hints(self) -> tuple[str, ...]:
        return tuple(c.hint for c in self.checks if not c.ok)


def _best_side(spec: ExerciseSpec, m: Measurements) -> str | None:
    if None in m.hidden or not m.hidden:
        return None
    return min(m.hidden, key=lambda side: (len(m.hidden[side]), side))


def _in_frame(spec: ExerciseSpec, pose: Pose, m: Measurements, settings: SetupSettings) -> SetupCheck:
    label = "Whole body in the frame"
    side = _best_side(spec, m)
    hidden = m.hidden.get(side, [])
    if hidden:
        parts = ", ".join(n.replace("_", " ") for n in hidden[:3])
        return SetupCheck(label, False, f"I can't see your {parts}: move so your whole body is in the frame")
    index = [resolve(n, side or "left") for n in spec.required_landmarks]
    width, height = pose.image_size
    margin = settings.edge_margin * np.array([width, height])
    xy = pose.xy[index]
    inside = np.all((xy >= margin) & (xy <= np.array([width, height]) - margin))
    return SetupCheck(label, bool(inside), "" if inside else "Part of you is at the edge: step back a little")


def _view(spec: ExerciseSpec, m: Measurements, tracker: TrackerSettings) -> SetupCheck:
    if spec.view == "any":
        return SetupCheck("Any camera view", True, "")
    ratio = float(m.view_ratio)
    hint = wrong_view_message(spec)
    if spec.view == "side":
        ok = bool(ratio <= tracker.side_view_max_ratio)
        return SetupCheck("Your side toward the camera", ok, "" if ok else hint)
    ok = bool(ratio >= tracker.front_view_min_ratio)
    return SetupCheck("Facing the camera", ok, "" if ok else hint)


def _position(spec: ExerciseSpec, m: Measurements) -> SetupCheck:
    position = POSITIONS[spec.position]
    ok = bool(m.in_position)
    return SetupCheck(position.label, ok, "" if ok else position.cue)


def _distance(pose: Pose, settings: SetupSettings) -> SetupCheck:
    label = "Distance from the camera"
    visible = pose.visibility[_BODY] >= settings.min_visibility
    if visible.sum() < 4:
        return SetupCheck(label, False, "Step into the frame")
    xy = pose.xy[_BODY][visible]
    span = (xy.max(axis=0) - xy.min(axis=0)) / np.array(pose.image_size, dtype=float)
    extent = float(span.max())
    if extent < settings.min_extent:
        return SetupCheck(label, False, "Come a little closer to the camera")
    if extent > settings.max_extent:
        return SetupCheck(label, False, "Step back a little from the camera")
    return SetupCheck(label, True, "")


def assess_setup(spec: ExerciseSpec, pose: Pose | None, m: Measurements | None,
                 tracker: TrackerSettings | None = None, settings: SetupSettings | None = None) -> SetupStatus:
    tracker, settings = tracker or TrackerSettings(), settings or SetupSettings()
    if pose is None or m is None or not np.isfinite(pose.xy).all():
        return SetupStatus((SetupCheck("Whole body in the frame", False, "I can't see you: step into the frame"),))
    return SetupStatus((_in_frame(spec, pose, m, settings), _position(spec, m), _view(spec, m, tracker),
                        _distance(pose, settings)))
