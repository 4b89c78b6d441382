"""Choosing the one cue on screen: prioritised, held long enough to read, not repeated too often."""

from __future__ import annotations

from dataclasses import dataclass

from posecoach.exercise import checks
from posecoach.exercise.events import (
    CannotSee,
    Event,
    FormIssue,
    HoldTargetReached,
    RepCompleted,
    WrongPosition,
    WrongView,
)
from posecoach.exercise.spec import ExerciseSpec


@dataclass(frozen=True)
class Cue:
    t_s: float
    message: str
    priority: int
    about: str = "now"  # "now": the movement under way; "last_rep": the rep just finished; "held": a hold done


def cues_from_events(spec: ExerciseSpec, events: list[Event]) -> list[Cue]:
    messages = checks.issue_messages(spec)
    cues = []
    for e in events:
        if isinstance(e, WrongPosition):  # in the wrong position nothing else can help
            cues.append(Cue(e.t_s, e.message, 5))
        elif isinstance(e, WrongView):  # turning round is the fix for most hidden joints too
            cues.append(Cue(e.t_s, e.message, 4))
        elif isinstance(e, CannotSee):
            cues.append(Cue(e.t_s, e.message, 3))
        elif isinstance(e, FormIssue):
            cues.append(Cue(e.t_s, e.message, 2))
        elif isinstance(e, RepCompleted) and e.issues:
            cues.append(Cue(e.t_s, messages.get(e.issues[0], e.issues[0]), 2, "last_rep"))
        elif isinstance(e, HoldTargetReached):
            cues.append(Cue(e.t_s, f"Well held: {e.target_s:g} s", 1, "held"))
    return cues


class CueBoard:
    """Shows a new cue only if it outranks the current one or the current one has been read."""

    def __init__(self, min_show_s: float = 2.0, repeat_after_s: float = 6.0) -> None:
        self.min_show_s, self.repeat_after_s = min_show_s, repeat_after_s
        self.current: Cue | None = None
        self._last_shown: dict[str, float] = {}

    def offer(self, cues: list[Cue], t_s: float) -> Cue | None:
        """Returns the cue newly put on screen, if any."""
        shown = None
        for cue in sorted(cues, key=lambda c: -c.priority):
            if t_s - self._last_shown.get(cue.message, -1e9) < self.repeat_after_s:
                continue
            current = self.current
            if current and t_s - current.t_s < self.min_show_s and cue.priority <= current.priority:
                continue
            self.current, shown = cue, cue
            self._last_shown[cue.message] = t_s
        if self.current and shown is None and t_s - self.current.t_s > 2 * self.min_show_s:
            self.current = None
        return shown
