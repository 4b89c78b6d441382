"""What the next launch must ask first, remembered across launches in the data folder.

- A screen that stopped ("see a clinician", "a doctor within a day or two", "get help now")
  is remembered with the signs it flagged; the next launch asks whether a doctor or
  physiotherapist has checked them and said exercise is OK before anything else. Signs a
  clinician has checked stay checked until a later screen answers "no" to them (the sign
  went away: if it comes back, it is new). Emergency signs always stop, checked or not.
- A session that stopped for pain (or new leg symptoms) is remembered with its ratings; the
  next launch asks whether the pain has settled, asks the whole screen again, and the pain
  rule keeps counting from the rating before that session, until a session is completed.

The rules are pure functions on a frozen record; `FollowUpStore` reads and writes the file
(`followups.json`, written atomically). Scripted runs (answers from options or a file) neither
read nor write it: they are not the person's answers.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from posecoach.errors import UserError
from posecoach.live import safety
from posecoach.sinks.atomic import write_text

FILE_NAME = "followups.json"


@dataclass(frozen=True)
class Flagged:
    """The signs a screen stopped on, waiting for a clinician's check."""

    ids: tuple[str, ...]
    outcome: safety.Outcome
    on: dt.date

    @property
    def verdict(self) -> safety.Verdict:
        return safety.Verdict(self.outcome, self.ids)


@dataclass(frozen=True)
class PainStop:
    """The last session that stopped for pain: when, why ("pain" or "leg"), and the ratings."""

    on: dt.date
    reason: str
    before: int | None
    after: int | None

    def describe(self) -> str:
        if self.reason == "leg":
            return "new or spreading pain, tingling or numbness in a leg"
        if self.before is not None and self.after is not None:
            return f"your pain went from {self.before} to {self.after}"
        return "it hurt"


@dataclass(frozen=True)
class FollowUps:
    flagged: Flagged | None = None
    cleared: frozenset[str] = field(default_factory=frozenset)  # signs a clinician has checked
    pain_stop: PainStop | None = None

    @property
    def baseline(self) -> int | None:
        """The rating the pain rule keeps counting from after a pain stop."""
        return self.pain_stop.before if self.pain_stop else None


def after_screening(f: FollowUps, verdict: safety.Verdict, answers: Mapping[str, object],
                    today: dt.date) -> FollowUps:
    """A screen that stopped is remembered; a sign answered 'no' is no longer checked."""
    still = {i for i in f.cleared if i not in answers or safety.as_answer(answers[i]).flags}
    flagged = None if verdict.ok else Flagged(verdict.flagged, verdict.outcome, today)
    return replace(f, flagged=flagged, cleared=frozenset(still))


def after_clinician_check(f: FollowUps, ok: bool) -> FollowUps:
    """'Yes, a doctor or physiotherapist has checked this and said exercise is OK'."""
    if not ok or f.flagged is None:
        return f
    return replace(f, flagged=None, cleared=f.cleared | set(f.flagged.ids))


def after_session(f: FollowUps, stop_reason: str | None, completed: bool, before: int | None,
                  after: int | None, today: dt.date) -> FollowUps:
    """A pain stop is remembered (keeping the earliest baseline) until a session is completed."""
    if stop_reason in safety.PAIN_STOP_REASONS:
        baseline = before if f.pain_stop is None or f.pain_stop.before is None else min(
            f.pain_stop.before, before if before is not None else f.pain_stop.before)
        return replace(f, pain_stop=PainStop(today, stop_reason, baseline, after))
    return replace(f, pain_stop=None) if completed else f


# The file --------------------------------------------------------------------------------------

def _to_json(f: FollowUps) -> dict:
    flagged = f.flagged and {"ids": list(f.flagged.ids), "outcome": f.flagged.outcome.value,
                             "on": f.flagged.on.isoformat()}
    pain = f.pain_stop and {"on": f.pain_stop.on.isoformat(), "reason": f.pain_stop.reason,
                            "before": f.pain_stop.before, "after": f.pain_stop.after}
    return {"version": 1, "flagged": flagged or None, "cleared": sorted(f.cleared), "pain_stop": pain or None}


def _from_json(data: dict) -> FollowUps:
    flagged, pain = data.get("flagged"), data.get("pain_stop")
    return FollowUps(
        Flagged(tuple(flagged["ids"]), safety.Outcome(flagged["outcome"]), dt.date.fromisoformat(flagged["on"]))
        if flagged else None,
        frozenset(data.get("cleared", ())),
        PainStop(dt.date.fromisoformat(pain["on"]), pain["reason"], pain["before"], pain["after"]) if pain else None)


@dataclass(frozen=True)
class FollowUpStore:
    path: Path

    @classmethod
    def default(cls) -> FollowUpStore:
        from posecoach.live.history import data_dir

        return cls(data_dir() / FILE_NAME)

    def load(self) -> FollowUps:
        again = "delete it, and posecoach will ask the whole safety check again"
        try:
            mode = os.stat(self.path).st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):  # reading a named pipe blocks for ever
                raise UserError(f"{self.path}: not a regular file (a pipe or a device?); {again}")
            data = self.path.read_bytes()
        except FileNotFoundError:
            return FollowUps()
        except OSError as e:
            raise UserError(f"{self.path}: cannot read the safety follow-ups ({e.strerror})") from None
        try:  # not UTF-8 is a ValueError too: damaged
            return _from_json(json.loads(data.decode("utf-8")))
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as e:
            reason = "nested too deeply" if isinstance(e, RecursionError) else e
            raise UserError(f"{self.path}: damaged ({reason}); {again}") from None

    def save(self, f: FollowUps) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_text(self.path, json.dumps(_to_json(f), indent=2) + "\n")


def remembered_flag() -> safety.Verdict | None:
    """The sign the person reported last time, until they tell posecoach (at a terminal or in the
    live screens) that a clinician has checked it: scripted answers can never clear it."""
    flagged = FollowUpStore.default().load().flagged
    return None if flagged is None else flagged.verdict
