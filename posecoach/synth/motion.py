"""Motions as data: keyframed joint angles on a timeline, loaded from TOML.

A motion file (``exercises/motions/<exercise_id>.toml``) names poses (joint -> Euler
angles in degrees, see `skeleton.joint_bones`) and a timeline of steps. Each step moves
from the previous pose to its own pose in ``move`` seconds (eased), then stays there for
``hold`` seconds. Steps carry the phase label of their hold (0 start/rest, 1 moving,
2 target) and may begin or end a rep. Everything here is pure numpy + pydantic.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from posecoach import documents
from posecoach.errors import UserError
from posecoach.synth.skeleton import joint_names

PHASE_REST, PHASE_MOVING, PHASE_TARGET = 0, 1, 2
OFFSET_KEY = "offset"  # a pose's root offset in metres, added after anchoring
GRIP_KEY = "grip"  # [w, 0, 0]: how far (0..1) `reach` contacts pull the hands to their target
CONTROL_KEYS = (OFFSET_KEY, GRIP_KEY)
MIN_ANNOTATED_HOLD_S = 1.0


class MotionError(UserError, ValueError):
    """A motion file that cannot be used; the message names the file and key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CircleSpec(_Strict):
    radius_m: float = Field(gt=0.0, le=0.3)
    turns: int = Field(ge=1, le=10)
    period_s: float = Field(gt=0.5)
    direction: Literal["clockwise", "anticlockwise"]
    points: int = Field(default=12, ge=6, le=48)


class Step(_Strict):
    pose: str
    move: float = Field(default=0.0, ge=0.0)
    hold: float = Field(default=0.0, ge=0.0)
    phase: Literal[0, 1, 2] = PHASE_REST
    side: Literal["left", "right"] | None = None
    mirror: bool = False
    rep: Literal["begin", "end"] | None = None
    # cosine: slow at both ends; in: accelerate into this step's pose (quick arrival, for
    # moves into a hold); out: leave the previous pose quickly and settle into this one.
    ease: Literal["cosine", "linear", "in", "out"] = "cosine"
    turned: bool = False  # the body turned round (yaw 180 deg about the vertical)
    circle: CircleSpec | None = None


class Block(_Strict):
    repeat: int = Field(ge=1, le=50)
    steps: list[Step] = Field(min_length=1)


class Contact(_Strict):
    kind: Literal["anchor", "leg_ik", "plant", "keep_world", "level", "floor_joints",
                  "floor_mesh", "reach", "balance"]
    joints: list[str] = Field(default_factory=list)
    axes: str = "xyz"
    target: Literal["first", "identity"] = "first"
    world_deg: list[float] | None = None  # keep_world: this world rotation instead of `target`
    other: list[str] = Field(default_factory=list)
    clearance_m: float = 0.0
    other_clearance_m: float = 0.0
    along: list[str] = Field(default_factory=list)  # reach: target slides toward these joints
    fraction: float = 0.0  # reach: how far toward `along`
    spread_m: float = 0.0  # reach: hands sharing one target sit this far apart in x
    offset_m: list[float] = Field(default_factory=lambda: [0.0, 0.0, 0.0])  # reach: world
    # offset of the goal for left hands (x is mirrored for right hands)
    blend: Literal["none", "grip", "release"] = "none"  # plant: fade with the grip control
    to_floor: bool = False  # plant: put the end down at height clearance_m where it is
    # Apply only on frames of steps with this side ("none": steps without a side).
    only_side: Literal["left", "right", "none"] | None = None
    frames: Literal["all", "first"] = "all"  # "first": only to place the first frame

    def applies_to(self, side: str | None) -> bool:
        return self.only_side is None or self.only_side == (side or "none")


class CameraSpec(_Strict):
    view: Literal["side", "front", "oblique", "feet", "top_feet"] = "side"
    facing: Literal["left", "right"] = "left"
    yaw_deg: float = 0.0
    height_m: float = 0.75
    distance_m: float | None = None
    fill: float = Field(default=0.86, gt=0.2, le=1.0)


class Prop(_Strict):
    kind: Literal["chair"]
    under: str = "hip"
    at_phase: Literal[0, 2] = PHASE_TARGET


class Variant(_Strict):
    description: str
    poses: dict[str, dict[str, list[float] | float]] = Field(default_factory=dict)
    move_scale: float = Field(default=1.0, gt=0.0)
    hold_scale: float = Field(default=1.0, gt=0.0)


class MotionSpec(_Strict):
    exercise_id: str | None = None  # None: idle footage (walking, sitting), which nothing may count
    exercise: str
    description: str = ""
    target_pose: str = "target"
    camera: CameraSpec = CameraSpec()
    mat: bool = True
    poses: dict[str, dict[str, list[float] | float]]
    contacts: list[Contact] = Field(default_factory=list)
    props: list[Prop] = Field(default_factory=list)
    timeline: list[Step | Block] = Field(min_length=1)
    variants: dict[str, Variant] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check_references(self) -> MotionSpec:
        valid = set(joint_names()) | set(CONTROL_KEYS)
        for pname, pose in self.poses.items():
            bad = sorted(set(pose) - valid)
            if bad:
                raise ValueError(f"poses.{pname}: unknown joint(s) {bad}")
        for i, step in enumerate(_flat_steps(self.timeline)):
            if step.pose not in self.poses:
                raise ValueError(f"timeline step {i}: unknown pose {step.pose!r}")
        for vname, var in self.variants.items():
            for pname in var.poses:
                if pname not in self.poses:
                    raise ValueError(f"variants.{vname}.poses: unknown pose {pname!r}")
        return self


def load_motion(path: Path) -> MotionSpec:
    """Load and validate a motion file; errors name the file and the key path."""
    return documents.load_model(Path(path), MotionSpec, MotionError)


def _flat_steps(timeline: list[Step | Block]) -> list[Step]:
    steps: list[Step] = []
    for item in timeline:
        if isinstance(item, Block):
            steps.extend(list(item.steps) * item.repeat)
        else:
            steps.append(item)
    return steps


def apply_variant(spec: MotionSpec, variant: str | None) -> MotionSpec:
    """The motion with a form-error variant's pose overrides and tempo scales applied."""
    if variant in (None, "good"):
        return spec
    if variant not in spec.variants:
        raise MotionError(f"{spec.exercise_id}: unknown variant {variant!r}; "
                          f"valid: good, {', '.join(sorted(spec.variants))}")
    var = spec.variants[variant]
    poses = {k: {**v, **var.poses.get(k, {})} for k, v in spec.poses.items()}
    steps = [s.model_copy(update={"move": s.move * var.move_scale, "hold": s.hold * var.hold_scale})
             for s in _flat_steps(spec.timeline)]
    return spec.model_copy(update={"poses": poses, "timeline": steps})


def mirror_pose(pose: Mapping[str, list[float] | float]) -> dict[str, list[float] | float]:
    """Swap `.L`/`.R` joint names, and mirror central joints and the offset."""
    out: dict[str, list[float] | float] = {}
    for name, value in pose.items():
        if name.endswith((".L", ".R")):
            out[name[:-1] + ("R" if name.endswith("L") else "L")] = value
        elif name == OFFSET_KEY:
            out[name] = [-_vec(value)[0], _vec(value)[1], _vec(value)[2]]
        elif name == GRIP_KEY:
            out[name] = value
        elif "." not in name and name not in _SIDED_BASES:
            v = _vec(value)
            out[name] = [v[0], -v[1], -v[2]]
        else:
            out[name] = value
    return out


_SIDED_BASES = {n for n in joint_names() if "." not in n} - {
    "root", "lumbar", "thoracic", "spine", "neck", "head"}


def _vec(value: list[float] | float) -> np.ndarray:
    """A joint value as (x, y, z); a bare number is the x (flexion) angle."""
    if isinstance(value, int | float):
        return np.array([float(value), 0.0, 0.0])
    v = np.asarray(value, dtype=float)
    if v.shape != (3,):
        raise MotionError(f"joint values are a number or [x, y, z], got {value!r}")
    return v


@dataclass(frozen=True)
class Segment:
    """One step resolved in time: a move over [t0, t1], then a hold over [t1, t2]."""

    t0: float
    t1: float
    t2: float
    start: Mapping[str, np.ndarray]
    end: Mapping[str, np.ndarray]
    phase: int
    pose: str
    side: str | None = None
    rep: str | None = None
    ease: str = "cosine"
    direction: str | None = None


def _resolve(spec: MotionSpec, step: Step) -> dict[str, np.ndarray]:
    pose = spec.poses[step.pose]
    pose = mirror_pose(pose) if step.mirror else pose
    values = {k: _vec(v) for k, v in pose.items()}
    return turn_round(values) if step.turned else values


def turn_round(values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The same pose turned 180 deg about the vertical (world z).

    With root = Rx(a) Ry(b) Rz(c): Rz(180) Rx(a) Ry(b) Rz(c) = Rx(-a) Ry(-b) Rz(c + 180).
    Only the root and the world offset change; a move between a turned and an unturned
    pose should take no time (the person turns round between shots).
    """
    out = dict(values)
    a, b, c = values.get("root", np.zeros(3))
    out["root"] = np.array([-a, -b, c + 180.0])
    if OFFSET_KEY in values:
        out[OFFSET_KEY] = values[OFFSET_KEY] * np.array([-1.0, -1.0, 1.0])
    return out


def _circle_points(step: Step, base: dict[str, np.ndarray]) -> list[tuple[float, dict, str | None]]:
    """(move seconds, values, rep marker) for each point of a circle step's turns."""
    c = step.circle
    assert c is not None
    sign = -1.0 if c.direction == "clockwise" else 1.0
    centre = base.get(OFFSET_KEY, np.zeros(3))
    out: list[tuple[float, dict, str | None]] = []
    dt = c.period_s / c.points
    out.append((c.period_s / 4, {**base, OFFSET_KEY: centre + [c.radius_m, 0.0, 0.0]}, None))
    for _turn in range(c.turns):
        for k in range(1, c.points + 1):
            ang = sign * 2.0 * math.pi * k / c.points
            off = centre + c.radius_m * np.array([math.cos(ang), math.sin(ang), 0.0])
            rep = "begin" if k == 1 else ("end" if k == c.points else None)
            out.append((dt, {**base, OFFSET_KEY: off}, rep))
    out.append((c.period_s / 4, {**base, OFFSET_KEY: centre}, None))
    return out


def build_timeline(spec: MotionSpec) -> Timeline:
    """Resolve the steps of a motion into timed segments."""
    segs: list[Segment] = []
    t, prev = 0.0, None
    for step in _flat_steps(spec.timeline):
        values = _resolve(spec, step)
        if step.circle is not None:
            for move, vals, rep in _circle_points(step, values):
                segs.append(Segment(t, t + move, t + move, prev or vals, vals, PHASE_MOVING,
                                    step.pose, step.side, rep, "linear", step.circle.direction))
                t, prev = t + move, vals
            continue
        if prev is None and step.move > 0:
            raise MotionError(f"{spec.exercise_id}: the first step cannot move (nothing before it)")
        segs.append(Segment(t, t + step.move, t + step.move + step.hold, prev or values, values,
                            step.phase, step.pose, step.side, step.rep, step.ease))
        t, prev = t + step.move + step.hold, values
    return Timeline(tuple(segs))


def _ease(u: np.ndarray, kind: str) -> np.ndarray:
    u = np.clip(u, 0.0, 1.0)
    if kind == "linear":
        return u
    if kind == "in":
        return u * u
    if kind == "out":
        return 1.0 - (1.0 - u) * (1.0 - u)
    return 0.5 - 0.5 * np.cos(np.pi * u)


@dataclass(frozen=True)
class Timeline:
    """Timed segments; samples joint values and labels at any times."""

    segments: tuple[Segment, ...]

    @property
    def duration_s(self) -> float:
        return self.segments[-1].t2

    @property
    def joints(self) -> list[str]:
        names = {k for s in self.segments for k in (*s.start, *s.end)}
        return sorted(names)

    def frame_times(self, fps: float) -> np.ndarray:
        """Times of the frames, frame_index / fps, covering the whole timeline."""
        return np.arange(int(round(self.duration_s * fps))) / fps

    def _segment_index(self, t: np.ndarray) -> np.ndarray:
        starts = np.array([s.t0 for s in self.segments])
        return np.clip(np.searchsorted(starts, t, side="right") - 1, 0, len(starts) - 1)

    def sample(self, t: np.ndarray) -> dict[str, np.ndarray]:
        """Joint values (N, 3) at times t; exact keyframe values from the end of each move."""
        t = np.asarray(t, dtype=float)
        idx = self._segment_index(t)
        out = {j: np.zeros((len(t), 3)) for j in self.joints}
        zero = np.zeros(3)
        for i, seg in enumerate(self.segments):
            sel = idx == i
            if not np.any(sel):
                continue
            span = seg.t1 - seg.t0
            u = np.ones(sel.sum()) if span <= 0 else (t[sel] - seg.t0) / span
            w = _ease(u, seg.ease)[:, None]
            for j in out:
                a, b = seg.start.get(j, zero), seg.end.get(j, zero)
                out[j][sel] = a + w * (b - a)
        return out

    def phases(self, t: np.ndarray) -> np.ndarray:
        """Phase label per time: 1 while moving, else the step's hold phase."""
        t = np.asarray(t, dtype=float)
        idx = self._segment_index(t)
        t1 = np.array([s.t1 for s in self.segments])[idx]
        hold_phase = np.array([s.phase for s in self.segments])[idx]
        return np.where(t < t1 - 1e-9, PHASE_MOVING, hold_phase).astype(np.int8)

    def sides(self, t: np.ndarray) -> list[str | None]:
        """The side of the step each time belongs to (None for bilateral steps)."""
        return [self.segments[i].side for i in self._segment_index(np.asarray(t, float))]

    def rep_events(self) -> list[dict]:
        """Complete reps: from the move that leaves the start to the arrival back there."""
        events: list[dict] = []
        open_rep: Segment | None = None
        for seg in self.segments:
            if seg.rep == "begin":
                if open_rep is not None:
                    raise MotionError(f"rep begun at {seg.t0:.2f} s before the previous one ended")
                open_rep = seg
            elif seg.rep == "end":
                if open_rep is None:
                    raise MotionError(f"rep ended at {seg.t1:.2f} s without a begin")
                events.append({"start_s": round(open_rep.t0, 4), "end_s": round(seg.t1, 4),
                               "side": open_rep.side, "direction": open_rep.direction})
                open_rep = None
        return events

    def holds(self, min_s: float = MIN_ANNOTATED_HOLD_S) -> list[dict]:
        """Spans at a target pose held for at least `min_s` seconds."""
        return [{"start_s": round(s.t1, 4), "end_s": round(s.t2, 4),
                 "duration_s": round(s.t2 - s.t1, 4), "pose": s.pose, "side": s.side}
                for s in self.segments if s.phase == PHASE_TARGET and s.t2 - s.t1 >= min_s - 1e-6]
