"""The rows of the history database as records, read through checks of their types.

A row edited by hand or written by another program may hold anything: `readable` turns one
that cannot be read into None with a warning naming the database, table and row, so one
damaged row blocks nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from posecoach.live.safety import Outcome, Scope, Screening, Verdict, as_answer

log = logging.getLogger("posecoach.live.history")  # the warnings are the history's own
SIDE_KEYS = ("left", "right", "both")
EXERCISE_STATUSES = ("done", "partial", "skipped", "stopped")


def now_text(when: dt.datetime) -> str:
    return when.isoformat(timespec="seconds")


@dataclass(frozen=True)
class ExerciseRecord:
    """One exercise of a session: the counts per side ('both' for bilateral), holds and issues."""

    position: int
    exercise: str
    name: str
    status: str
    unit: str  # "reps" or "holds": what the target counts
    target: int  # per side and set
    sets: int
    reps: Mapping[str, int] = field(default_factory=dict)  # left/right/both
    good_reps: int = 0
    holds: int = 0
    hold_s: Mapping[str, float] = field(default_factory=dict)  # seconds held, per side
    best_hold_s: float = 0.0
    form_issues: Mapping[str, int] = field(default_factory=dict)  # message -> times
    duration_s: float = 0.0
    pain: int | None = None  # rating asked after this exercise, if any

    @property
    def total_reps(self) -> int:
        return sum(self.reps.get(k, 0) for k in SIDE_KEYS)

    @property
    def total_hold_s(self) -> float:
        return sum(self.hold_s.get(k, 0.0) for k in SIDE_KEYS)


@dataclass(frozen=True)
class SessionRow:
    id: int
    routine: str
    routine_name: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    completed: bool
    stop_reason: str | None
    pain_before: int | None
    pain_after: int | None
    exercises: tuple[ExerciseRecord, ...]
    worse_after: bool | None = None  # the closing "worse than before?" answered yes/no instead of rated

    @property
    def status(self) -> str:
        return "completed" if self.completed else "partial"


_UNREADABLE = (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError)


def readable(path: Path, table: str, row: tuple, parse):
    """`parse(row)`, or None with a warning when the row is damaged (edited by hand, another program)."""
    try:
        return parse(row)
    except _UNREADABLE as e:  # json.JSONDecodeError is a ValueError
        reason = "JSON nested too deeply" if isinstance(e, RecursionError) else e
        log.warning("%s: row %s of %s cannot be read (%s); it is left out", path, row[0], table, reason)
        return None


def screening_of(row: tuple) -> Screening:
    verdict = Verdict(Outcome(row[3]), tuple(_json(row[4], list)))
    answers = {k: as_answer(v) for k, v in _json(row[2], dict).items()}
    return Screening(dt.date.fromisoformat(row[1]), answers, verdict, Scope(row[5]))


def session_of(r: tuple, exercises: dict[int, list[ExerciseRecord]]) -> SessionRow:
    return SessionRow(r[0], _text(r[1]), _text(r[2]), dt.datetime.fromisoformat(r[3]),
                      dt.datetime.fromisoformat(r[4]) if r[4] else None, bool(r[5]), r[6], _count(r[7], True),
                      _count(r[8], True), tuple(exercises.get(r[0], ())), _yes_no(r[9]))


def exercise_of(row: tuple) -> ExerciseRecord:
    row = row[1:]
    return ExerciseRecord(
        position=_count(row[1]), exercise=_text(row[2]), name=_text(row[3]), status=_text(row[4]),
        unit=_text(row[5]), target=_count(row[6]), sets=_count(row[7]),
        reps=dict(zip(SIDE_KEYS, map(_count, row[8:11]), strict=True)), good_reps=_count(row[11]),
        holds=_count(row[12]), hold_s=dict(zip(SIDE_KEYS, map(_seconds, row[13:16]), strict=True)),
        best_hold_s=_seconds(row[16]), form_issues=_json(row[17], dict), duration_s=_seconds(row[18]),
        pain=_count(row[19], True))


def _json(text, kind: type):
    value = json.loads(text)
    if not isinstance(value, kind):
        raise TypeError(f"expected a JSON {kind.__name__}")
    return value


def _text(value) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, not {value!r}")
    return value


def _count(value, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"expected a whole number, not {value!r}")
    return value


def _yes_no(value) -> bool | None:
    if value is None:
        return None
    if value not in (0, 1) or isinstance(value, bool | float):
        raise TypeError(f"expected 0 or 1, not {value!r}")
    return bool(value)


def _seconds(value) -> float:
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise TypeError(f"expected seconds, not {value!r}")
    return float(value)
