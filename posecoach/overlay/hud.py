"""What the overlay shows, as plain data: built from tracker status, drawn by `overlay`."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from posecoach.exercise.measure import Measurements, resolve
from posecoach.exercise.spec import ExerciseSpec
from posecoach.exercise.tracker import TrackerStatus
from posecoach.types import Pose


@dataclass(frozen=True)
class AngleLabel:
    xy: tuple[float, float]
    text: str


@dataclass(frozen=True)
class Hud:
    title: str
    reps: str
    phase: str
    hold_s: float
    hold_target_s: float | None
    cue: str | None
    labels: tuple[AngleLabel, ...] = ()
    highlight: tuple[int, ...] = ()  # landmark indices the exercise measures


def _reps_text(spec: ExerciseSpec, status: TrackerStatus) -> str:
    target = f"/{spec.targets.reps}" if spec.targets.reps else ""
    if spec.unilateral:
        return f"Reps L {status.reps['left']}{target}  R {status.reps['right']}{target}"
    return f"Reps {status.reps[None]}{target}"


def _phase_text(spec: ExerciseSpec, status: TrackerStatus) -> str:
    labels = []
    for side, phase in status.phase.items():
        label = (spec.phases[phase].label or phase) if phase else "getting into position"
        labels.append(f"{side[0].upper()}: {label}" if side else label)
    return "  ".join(labels)


def _angle_labels(spec: ExerciseSpec, m: Measurements, pose: Pose, side: str | None):
    labels, highlight = [], []
    for name, measurement in spec.measurements.items():
        if measurement.kind != "joint_angle":
            continue
        sides = ("left", "right") if spec.unilateral else (side,)
        for s in sides:
            value = m.get(name, s)
            joint = resolve(measurement.points[1], s or "left")
            highlight += [int(resolve(p, s or "left")) for p in measurement.points]
            if not math.isnan(value):
                x, y = pose.xy[joint]
                labels.append(AngleLabel((float(x), float(y)), f"{value:.0f}"))
    return tuple(labels), tuple(sorted(set(highlight)))


def build_hud(spec: ExerciseSpec, status: TrackerStatus, m: Measurements | None,
              pose: Pose | None, cue: str | None) -> Hud:
    hold = max(status.hold_s.values()) if status.hold_s else 0.0
    labels, highlight = ((), ())
    if m is not None and pose is not None and np.isfinite(pose.xy).all():
        labels, highlight = _angle_labels(spec, m, pose, status.active_side)
    return Hud(
        title=spec.name,
        reps=_reps_text(spec, status) if spec.rep else "Hold",
        phase=_phase_text(spec, status),
        hold_s=hold,
        hold_target_s=status.hold_target_s if spec.hold else None,
        cue=cue,
        labels=labels,
        highlight=highlight,
    )
