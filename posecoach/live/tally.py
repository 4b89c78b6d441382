"""Counting what was done in one exercise attempt, from tracker events. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from posecoach.exercise import checks
from posecoach.exercise.events import Event, FormIssue, HoldEnded, HoldTargetReached, RepCompleted
from posecoach.live.history import ExerciseRecord
from posecoach.live.plan import PlanItem


def side_key(side: str | None) -> str:
    return side or "both"


@dataclass(frozen=True)
class Tally:
    reps: Mapping[str, int] = field(default_factory=dict)  # per side key, whole attempt
    good: int = 0
    holds: int = 0  # holds that reached their target
    hold_s: Mapping[str, float] = field(default_factory=dict)  # seconds of finished holds
    best_hold_s: float = 0.0
    open_hold_s: Mapping[str, float] = field(default_factory=dict)  # the hold going on now
    issues: Mapping[str, int] = field(default_factory=dict)  # message -> times
    segment: Mapping[str, int] = field(default_factory=dict)  # units counted in this set/side
    active_s: float = 0.0


def _plus(mapping: Mapping, key: str, amount) -> dict:
    return {**mapping, key: mapping.get(key, 0) + amount}


def counted_keys(item: PlanItem, side: str | None) -> tuple[str, ...]:
    """Which sides count toward the current segment."""
    if item.spec.sides == "each":
        return (side_key(side),)
    if item.spec.sides == "alternating":
        return ("left", "right")
    return ("both",)


def count(tally: Tally, events: Iterable[Event], item: PlanItem, side: str | None) -> tuple[Tally, list[str]]:
    """Adds the events of one frame; returns the new tally and the sounds to play."""
    keys, sounds = counted_keys(item, side), []
    for e in events:
        if isinstance(e, FormIssue):
            tally = replace(tally, issues=_plus(tally.issues, e.message, 1))
            continue
        key = side_key(getattr(e, "side", None))
        if key not in keys:
            continue
        if isinstance(e, RepCompleted):
            messages = checks.issue_messages(item.spec) if e.issues else {}
            tally = _add_rep(tally, e, [messages.get(i, i) for i in e.issues], item.unit == "reps")
            sounds.append("rep")
        elif isinstance(e, HoldTargetReached):
            segment = _plus(tally.segment, key, 1) if item.unit == "holds" else tally.segment
            tally = replace(tally, holds=tally.holds + 1, segment=segment)
            sounds.append("hold")
        elif isinstance(e, HoldEnded):
            tally = add_holds(tally, [e])
    return tally, sounds


def _add_rep(tally: Tally, rep: RepCompleted, issues: list[str], counts: bool) -> Tally:
    key = side_key(rep.side)
    for message in issues:
        tally = replace(tally, issues=_plus(tally.issues, message, 1))
    return replace(tally, reps=_plus(tally.reps, key, 1), good=tally.good + rep.good,
                   segment=_plus(tally.segment, key, 1) if counts else tally.segment)


def add_holds(tally: Tally, ended: Iterable[HoldEnded]) -> Tally:
    for e in ended:
        tally = replace(tally, hold_s=_plus(tally.hold_s, side_key(e.side), e.duration_s),
                        best_hold_s=max(tally.best_hold_s, e.duration_s))
    return tally


def note_open_holds(tally: Tally, open_hold_s: Mapping[str, float]) -> Tally:
    return replace(tally, open_hold_s=dict(open_hold_s))


def segment_done(tally: Tally, item: PlanItem, side: str | None) -> bool:
    return all(tally.segment.get(k, 0) >= item.target for k in counted_keys(item, side))


def new_segment(tally: Tally) -> Tally:
    return replace(tally, segment={})


def did_something(tally: Tally) -> bool:
    return bool(sum(tally.reps.values()) or tally.holds or sum(tally.hold_s.values())
                or sum(tally.open_hold_s.values()))


def not_done(plan, records: Iterable[ExerciseRecord]) -> tuple[tuple[str, str], ...]:
    """(name, what happened) for each exercise of the plan not done in full: skipped, partial, stopped, not reached."""
    best: dict[int, str] = {}
    for r in records:
        best[r.position] = "done" if "done" in (r.status, best.get(r.position)) else r.status
    return tuple((item.spec.name, best.get(i, "not reached")) for i, item in enumerate(plan.items)
                 if best.get(i) != "done")


def record(tally: Tally, item: PlanItem, position: int, status: str) -> ExerciseRecord:
    """The history row for this attempt; a hold still going on counts up to now."""
    keys = ("left", "right", "both")
    hold_s = {k: round(tally.hold_s.get(k, 0.0) + tally.open_hold_s.get(k, 0.0), 2) for k in keys}
    best = max([tally.best_hold_s, *tally.open_hold_s.values()])
    return ExerciseRecord(
        position=position, exercise=item.spec.id, name=item.spec.name, status=status, unit=item.unit,
        target=item.target, sets=item.sets, reps={k: tally.reps.get(k, 0) for k in keys},
        good_reps=tally.good, holds=tally.holds, hold_s=hold_s, best_hold_s=round(best, 2),
        form_issues=dict(tally.issues), duration_s=round(tally.active_s, 2))
