"""The replay report: assembled from tracker events, written atomically as JSON."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from posecoach import __version__
from posecoach.cues import Cue
from posecoach.exercise import checks
from posecoach.exercise.events import Event, HoldEnded, RepCompleted
from posecoach.exercise.spec import ExerciseSpec
from posecoach.sinks.atomic import write_text
from posecoach.types import SourceInfo

REPORT_VERSION = 1


def _r(value: float | None) -> float | None:
    """Seconds and angles to 3 decimals; a value that is not a finite number is null, never NaN."""
    return None if value is None or not math.isfinite(value) else round(value, 3)


@dataclass
class ReportBuilder:
    spec: ExerciseSpec
    info: SourceInfo
    model: dict | None = None
    frames: int = 0
    frames_with_pose: int = 0
    last_t_s: float = 0.0
    reps: list[RepCompleted] = field(default_factory=list)
    holds: list[HoldEnded] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)

    def add(self, t_s: float, has_pose: bool, events: list[Event], cue: Cue | None) -> None:
        self.frames += 1
        self.frames_with_pose += has_pose
        self.last_t_s = t_s
        self.add_events(events)
        if cue is not None:
            self.cues.append(cue)

    def add_events(self, events: list[Event]) -> None:
        self.reps += [e for e in events if isinstance(e, RepCompleted)]
        self.holds += [e for e in events if isinstance(e, HoldEnded)]

    def _by_direction(self) -> dict:
        """For circles: how many went each way, e.g. {"by_direction": {"clockwise": 5, ...}}."""
        if not (self.spec.rep and self.spec.rep.directions):
            return {}
        return {"by_direction": {d: sum(r.direction == d for r in self.reps) for d in self.spec.rep.directions}}

    def result(self, partial: bool = False) -> dict:
        messages = checks.issue_messages(self.spec)
        per_side = {side: sum(r.side == side for r in self.reps) for side in ("left", "right")}
        duration = self.frames / self.info.fps if self.info.fps else self.last_t_s
        return {
            "report_version": REPORT_VERSION,
            "posecoach_version": __version__,
            "exercise": self.spec.id,
            "source": self.info.name,
            "model": self.model,
            "fps": _r(self.info.fps),
            "frames": self.frames,
            "duration_s": _r(duration),
            "frames_with_pose": self.frames_with_pose,
            "partial": partial,
            "warnings": [],
            "reps": {
                "total": len(self.reps),
                "good": sum(r.good for r in self.reps),
                "left": per_side["left"] if self.spec.unilateral else None,
                "right": per_side["right"] if self.spec.unilateral else None,
                **self._by_direction(),
            },
            "rep_events": [_rep_json(r, messages) for r in self.reps],
            "holds": [
                {"start_s": _r(h.start_s), "end_s": _r(h.end_s), "duration_s": _r(h.duration_s),
                 "side": h.side}
                for h in self.holds
            ],
            "cues": [{"t_s": _r(c.t_s), "message": c.message} for c in self.cues],
        }


def _rep_json(rep: RepCompleted, messages: dict[str, str]) -> dict:
    direction = {"direction": rep.direction} if rep.direction else {}
    return {
        **direction,
        "start_s": _r(rep.start_s),
        "end_s": _r(rep.end_s),
        "duration_s": _r(rep.duration_s),
        "side": rep.side,
        "hold_s": _r(rep.hold_s),
        "good": rep.good,
        "issues": [messages.get(i, i) for i in rep.issues],
        "extremes": {k: [_r(lo), _r(hi)] for k, (lo, hi) in rep.extremes.items()},
    }


def write_report(report: dict, path: Path) -> None:
    write_text(path, report_json(report) + "\n")


def report_json(report: dict) -> str:
    """Strict JSON: a NaN or Infinity here is a bug, never written."""
    return json.dumps(report, indent=2, allow_nan=False)
