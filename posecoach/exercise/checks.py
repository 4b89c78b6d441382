"""Form checks: a registry of small pure functions, chosen by each check's `kind`.

Rep checks look at a finished rep (its duration, hold and extreme values); phase checks
look at each frame while the body is in given phases.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from posecoach.exercise.events import FormIssue
from posecoach.exercise.spec import ExerciseSpec, RepReaches, StaysWithin

TOO_FAST = "too_fast"
TOO_SLOW = "too_slow"
SHORT_HOLD = "short_hold"


def issue_messages(spec: ExerciseSpec) -> dict[str, str]:
    """The cue shown for each issue id a rep can carry."""
    t = spec.targets
    messages = {
        TOO_FAST: t.too_fast_cue or (f"Slower: take about {t.rep_min_s:g} s for each rep" if t.rep_min_s else "Slower"),
        TOO_SLOW: "Keep a steady pace",
        SHORT_HOLD: f"Hold a little longer: aim for {t.hold_s:g} s" if t.hold_s else "Hold longer",
    }
    messages.update({f"checks.{i}": c.cue for i, c in enumerate(spec.checks)})
    return messages


def _rep_reaches(check: RepReaches, extremes: dict[str, tuple[float, float]]) -> bool:
    """True when the rep fell short of the bound."""
    if check.measurement not in extremes:
        return False
    lo, hi = extremes[check.measurement]
    return hi < check.at_least if check.at_least is not None else lo > check.at_most


REP_CHECKS: dict[str, Callable] = {"rep_reaches": _rep_reaches}


def rep_issues(spec: ExerciseSpec, duration_s: float, hold_s: float | None,
               extremes: dict[str, tuple[float, float]]) -> list[str]:
    t = spec.targets
    issues = []
    if t.rep_min_s and duration_s < t.rep_min_s:
        issues.append(TOO_FAST)
    if t.rep_max_s and duration_s > t.rep_max_s:
        issues.append(TOO_SLOW)
    if t.hold_s and hold_s is not None and hold_s < t.hold_s:
        issues.append(SHORT_HOLD)
    for i, check in enumerate(spec.checks):
        if check.kind in REP_CHECKS and REP_CHECKS[check.kind](check, extremes):
            issues.append(f"checks.{i}")
    return issues


def _outside(check: StaysWithin, value: float) -> bool:
    if math.isnan(value):
        return False
    return (check.min is not None and value < check.min) or (check.max is not None and value > check.max)


class PhaseChecks:
    """`stays_within` checks: reported once per phase visit after `min_duration_s` outside."""

    def __init__(self, spec: ExerciseSpec, side: str | None) -> None:
        self.side = side
        self.checks = [(f"checks.{i}", c) for i, c in enumerate(spec.checks) if c.kind == "stays_within"]
        self._outside_since: dict[str, float] = {}
        self._reported: set[str] = set()

    def update(self, lookup, phase: str | None, t_s: float) -> list[FormIssue]:
        issues = []
        for key, check in self.checks:
            if phase not in check.phases:
                self._outside_since.pop(key, None)
                self._reported.discard(key)
                continue
            if not _outside(check, lookup(check.measurement)):
                self._outside_since.pop(key, None)
                continue
            since = self._outside_since.setdefault(key, t_s)
            if key not in self._reported and t_s - since >= check.min_duration_s:
                self._reported.add(key)
                issues.append(FormIssue(t_s, self.side, key, check.cue))
        return issues
