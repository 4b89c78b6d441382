"""Personal calibration: thresholds fitted to one person's own range of movement.

The person does a few reps; their frames are clustered per phase (as in `suggest`), and
only the thresholds the exercise file's `[calibration]` table lists are moved, each kept
inside its declared safe range and every band keeping a gap between enter and exit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from posecoach.errors import SpecError, UserError
from posecoach.exercise.spec import ExerciseSpec
from posecoach.replay import ModelChoice, open_poses
from posecoach.sources.tracks import PoseTrack, TrackRecorder
from posecoach.tuning.session import TuneSession
from posecoach.tuning.suggest import suggest
from posecoach.tuning.thresholds import thresholds, with_values


@dataclass(frozen=True)
class Calibrated:
    values: dict[str, float]  # the personal thresholds (only those that moved)
    lines: list[str]  # per threshold: current -> personal, and why
    reps_before: int
    reps_after: int
    min_reps: int

    @property
    def problem(self) -> str | None:
        """Why the values should not be saved, or None."""
        if self.reps_after >= self.min_reps:
            return None
        return (f"only {self.reps_after} rep(s) found with your thresholds (the safe ranges allow no lower); "
                f"do at least {self.min_reps} full, comfortable reps and calibrate again")


def _clamp(value: float, bounds: tuple[float, float]) -> float:
    return min(max(value, bounds[0]), bounds[1])


def _proposals(spec: ExerciseSpec, session: TuneSession) -> tuple[dict[str, float], list[str]]:
    allowed = spec.calibration.thresholds
    values, lines = {}, []
    for s in suggest(spec, session.count()):
        if s.key not in allowed:
            continue
        if s.proposed is None:
            lines.append(f"{s.key}: keep {s.current:g} ({s.basis})")
            continue
        value = round(_clamp(s.proposed, allowed[s.key]), 1)
        bound = "" if value == s.proposed else f", held to the safe range {allowed[s.key][0]:g}..{allowed[s.key][1]:g}"
        values[s.key] = value
        lines.append(f"{s.key}: {s.current:g} -> {value:g} (your range suggests {s.proposed:g}{bound})")
    return values, lines


def _keep_valid_bands(spec: ExerciseSpec, values: dict[str, float], lines: list[str]) -> dict[str, float]:
    """Drop a band's proposals if, after clamping, they no longer leave a gap."""
    kept = {}
    for key in sorted({k.rsplit(".", 1)[0] for k in values}):
        band_values = {k: v for k, v in values.items() if k.rsplit(".", 1)[0] == key}
        try:
            with_values(spec, {**kept, **band_values})
        except SpecError as e:
            lines.append(f"{key}: kept as shipped: the personal values would break the band ({e})")
            continue
        kept.update(band_values)
    return kept


def calibrate(spec: ExerciseSpec, session: TuneSession) -> Calibrated:
    if spec.calibration is None:
        raise UserError(f"'{spec.id}' has no [calibration] table: its file does not say which thresholds "
                        "may be personalised, or how far (see README, 'Personal calibration')")
    values, lines = _proposals(spec, session)
    values = _keep_valid_bands(spec, values, lines)
    current = {t.key: t.value for t in thresholds(spec)}
    values = {k: v for k, v in values.items() if current[k] != v}
    before = sum(len(t.outcome.reps) for t in session.count())
    after = sum(len(t.outcome.reps) for t in session.count(values))
    return Calibrated(values, lines, before, after, spec.calibration.min_reps if spec.rep else 0)


def record_camera(camera: str, seconds: float, model: ModelChoice | None = None) -> PoseTrack:
    """Record `seconds` of poses from a camera into a track in memory."""
    with open_poses(camera, model or ModelChoice()) as poses:
        recorder = TrackRecorder(poses.info, poses.model or {})
        for frame, pose in poses.stream:
            recorder.add(frame, pose)
            if frame.t_s >= seconds:
                break
    return recorder.track()


def calibration_note(source: str) -> str:
    return f"calibrated by 'posecoach calibrate' from {Path(source).name}"
