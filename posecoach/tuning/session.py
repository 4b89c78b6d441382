"""A tuning session: recordings measured once, re-counted with any thresholds in milliseconds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from posecoach.exercise.fast import Outcome, Series, evaluate
from posecoach.exercise.spec import ExerciseSpec
from posecoach.pipeline import CoachSettings
from posecoach.tuning.series import Recording, track_series
from posecoach.tuning.thresholds import with_values


@dataclass(frozen=True)
class Tuned:
    recording: Recording
    series: Series
    outcome: Outcome


class TuneSession:
    """Holds the measured series; `count(values)` re-evaluates every recording."""

    def __init__(self, spec: ExerciseSpec, recordings: Sequence[Recording],
                 settings: CoachSettings | None = None) -> None:
        self.spec, self.settings = spec, settings or CoachSettings()
        self.recordings = list(recordings)
        self.series = [track_series(spec, r.track, self.settings) for r in self.recordings]

    def count(self, values: Mapping[str, float] | None = None) -> list[Tuned]:
        spec = with_values(self.spec, values or {})
        return [Tuned(r, s, evaluate(spec, s, self.settings.tracker))
                for r, s in zip(self.recordings, self.series, strict=True)]


def count_line(tuned: Tuned) -> str:
    """`clip.mp4: 3 reps (annotated 3); holds 2.3 3.3 s (annotated 2.0 2.9)`."""
    truth, outcome = tuned.recording.truth, tuned.outcome
    reps = f"{len(outcome.reps)} reps"
    sides = {s: len(r.reps) for s, r in outcome.sides.items() if s is not None}
    if sides:
        reps += " (" + ", ".join(f"{s} {n}" for s, n in sides.items()) + ")"
    if truth is not None and truth.reps is not None:
        reps += f" (annotated {truth.reps})"
    holds = " ".join(f"{h.duration_s:.1f}" for h in outcome.holds) or "none"
    line = f"{tuned.recording.label}: {reps}; holds {holds}"
    if truth is not None and truth.holds:
        line += " s (annotated " + " ".join(f"{h.duration_s:.1f}" for h in truth.holds) + ")"
    return line
