"""Red-flag screening and the pain rules: questions as data, evaluation as pure functions.

From ../shared/exercises.md (the guides and clinical practice): an emergency sign means
seek care now; any other red flag means see a clinician before exercising; pain that rises
by 2 or more points (0-10) stops the exercise. posecoach is not a diagnosis and never gives
medication advice. Nothing here reads a clock: dates and answers are passed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from posecoach.errors import UserError


class Level(StrEnum):
    EMERGENCY = "emergency"  # seek urgent care now
    CLINICIAN = "clinician"  # see a clinician before exercising


class Outcome(StrEnum):
    CLEAR = "clear"
    SEE_CLINICIAN = "see_clinician"
    EMERGENCY = "emergency"


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    level: Level


QUESTIONS: tuple[Question, ...] = (
    Question("saddle_numbness", "Is there numbness in your buttocks, inner thighs or groin "
             "(the 'saddle' area)?", Level.EMERGENCY),
    Question("bladder_bowel", "Do you have new trouble controlling your bladder or bowel?", Level.EMERGENCY),
    Question("leg_weakness", "Is weakness in your legs getting worse?", Level.EMERGENCY),
    Question("severe_not_easing", "Is your pain severe and has it not eased after about three days?",
             Level.CLINICIAN),
    Question("after_injury", "Did the pain start after an injury, such as a fall or an accident?",
             Level.CLINICIAN),
    Question("everywhere", "Do your low back, hips, legs and feet all hurt at the same time?", Level.CLINICIAN),
    Question("fever", "Do you have a fever?", Level.CLINICIAN),
    Question("weight_loss", "Have you lost weight without trying to?", Level.CLINICIAN),
    Question("cancer", "Have you ever had cancer?", Level.CLINICIAN),
    Question("night_pain", "Is your pain at its worst at night?", Level.CLINICIAN),
)

DISCLAIMER = ("posecoach is not a diagnosis and gives no medication advice: "
              "ask a doctor or physiotherapist about those.")
RESCREEN_AFTER_DAYS = 7
PAIN_RISE_STOP = 2  # points on the 0-10 scale
PAIN_MIN, PAIN_MAX = 0, 10

_MESSAGES: dict[Outcome, tuple[str, tuple[str, ...]]] = {
    Outcome.EMERGENCY: ("Seek urgent medical care now", (
        "These signs can mean pressure on the nerves at the base of the spine.",
        "Contact emergency services or go to an emergency department now.",
        "Do not exercise.",
    )),
    Outcome.SEE_CLINICIAN: ("See a clinician before exercising", (
        "Please see a doctor or physiotherapist before starting these exercises.",
        "posecoach will not start a session until this has been checked.",
    )),
    Outcome.CLEAR: ("No red flags reported", (
        "Move within your pain limit and stop any exercise that makes the pain clearly worse.",
        "If your back pain does not improve over a few weeks, see a doctor.",
    )),
}

PAIN_STOP_ADVICE: tuple[str, ...] = (
    "Stop this exercise and rest in a comfortable position.",
    "If the pain does not settle, or keeps coming back, see a doctor or physiotherapist.",
)


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    flagged: tuple[str, ...]  # ids of the questions answered "yes"

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.CLEAR

    @property
    def title(self) -> str:
        return _MESSAGES[self.outcome][0]

    @property
    def lines(self) -> tuple[str, ...]:
        return _MESSAGES[self.outcome][1]


@dataclass(frozen=True)
class Screening:
    """One completed screen: the answers and the day they were given."""

    taken_on: dt.date
    answers: Mapping[str, bool]
    verdict: Verdict


def question_ids(questions: tuple[Question, ...] = QUESTIONS) -> tuple[str, ...]:
    return tuple(q.id for q in questions)


def evaluate(answers: Mapping[str, bool], questions: tuple[Question, ...] = QUESTIONS) -> Verdict:
    """Emergency beats clinician beats clear. Every question must be answered."""
    missing = [q.id for q in questions if q.id not in answers]
    if missing:
        raise UserError(f"safety answers: no answer for {', '.join(missing)}; answer every question")
    unknown = sorted(set(answers) - set(question_ids(questions)))
    if unknown:
        raise UserError(f"safety answers: unknown question {', '.join(unknown)} "
                        f"(known: {', '.join(question_ids(questions))})")
    flagged = tuple(q.id for q in questions if answers[q.id])
    levels = {q.level for q in questions if answers[q.id]}
    if Level.EMERGENCY in levels:
        return Verdict(Outcome.EMERGENCY, flagged)
    if Level.CLINICIAN in levels:
        return Verdict(Outcome.SEE_CLINICIAN, flagged)
    return Verdict(Outcome.CLEAR, flagged)


def needs_screening(last: Screening | None, today: dt.date,
                    max_age_days: int = RESCREEN_AFTER_DAYS) -> bool:
    """Ask again with no screen yet, an old one, one from the 'future', or one that flagged."""
    if last is None or not last.verdict.ok:
        return True
    age = (today - last.taken_on).days
    return age < 0 or age >= max_age_days


def check_pain(value: object, what: str = "pain rating") -> int:
    """A 0-10 whole number, or a UserError that says so."""
    if isinstance(value, bool) or not isinstance(value, int) or not PAIN_MIN <= value <= PAIN_MAX:
        raise UserError(f"{what}: {value!r} is not a whole number from {PAIN_MIN} (none) to {PAIN_MAX} (worst)")
    return value


def pain_rose(before: int | None, now: int | None, threshold: int = PAIN_RISE_STOP) -> bool:
    """True when pain went up by `threshold` points or more since the session began."""
    if before is None or now is None:
        return False
    return now - before >= threshold


def pain_advice(before: int | None, after: int | None) -> tuple[str, ...]:
    """What the end-of-session screen says about the pain ratings."""
    if pain_rose(before, after):
        return ("Your pain went up by 2 points or more during this session.", *PAIN_STOP_ADVICE)
    if before is not None and after is not None and after < before:
        return ("Your pain eased during this session.",)
    return ()
