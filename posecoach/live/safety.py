"""Red-flag screening and the pain rules: every question, outcome and message as data, with
pure functions to evaluate them. This module is the one place their wording lives.

From ../shared/exercises.md, NICE NG59 (low back pain and sciatica) and the NHS pages on back
pain and cauda equina syndrome: a sign of nerve compression at the base of the spine, or
chest pain, means get help now; fever, weight loss, a history of cancer or night pain mean
see a doctor within a day or two; the other flags mean see a clinician before exercising.
"Not sure" counts as yes. Pain that rises by 2 or more points (0-10), or goes above 7,
stops the session. posecoach is not a diagnosis and never gives medication advice. Nothing
here reads a clock: dates and answers are passed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from posecoach.errors import UserError


class Level(StrEnum):
    EMERGENCY = "emergency"  # call an emergency number or go to an emergency department now
    URGENT = "urgent"  # see a doctor within a day or two; no exercise until then
    CLINICIAN = "clinician"  # see a clinician before exercising
    FLOOR = "floor"  # ask a clinician before exercises on the floor (lying, kneeling, on all fours)


class Outcome(StrEnum):
    CLEAR = "clear"
    SEE_CLINICIAN = "see_clinician"
    URGENT = "urgent"
    EMERGENCY = "emergency"


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    UNSURE = "unsure"  # counts as yes

    @property
    def flags(self) -> bool:
        return self is not Answer.NO

    @property
    def label(self) -> str:
        return "not sure" if self is Answer.UNSURE else self.value


class Scope(StrEnum):
    FULL = "full"  # every question
    EMERGENCY = "emergency"  # the emergency signs only: asked at the start of every session


@dataclass(frozen=True)
class Question:
    id: str
    text: str  # what is asked
    level: Level
    sign: str  # the sign in a few plain words, named in the stop message and the answer check


QUESTIONS: tuple[Question, ...] = (
    # Signs that the nerves at the base of the spine are pressed on (cauda equina), and chest pain: now.
    Question("saddle_numbness", "Is there new numbness in your buttocks, inner thighs or groin (the parts "
             "that would touch a saddle)?", Level.EMERGENCY, "numbness in the buttocks, inner thighs or groin"),
    Question("wiping_genitals", "When you wipe after using the toilet, do you feel less than usual, or is "
             "there numbness or tingling around your genitals or back passage?", Level.EMERGENCY,
             "less feeling when wiping, or around the genitals"),
    Question("bladder_bowel", "Do you have new trouble controlling your bladder or bowel?", Level.EMERGENCY,
             "new trouble controlling the bladder or bowel"),
    Question("bladder_start", "Is it hard to start peeing, or can you no longer feel when your bladder is "
             "full?", Level.EMERGENCY, "hard to start peeing, or not feeling a full bladder"),
    Question("sexual_function", "Have you had new problems getting an erection, or less feeling than usual "
             "during sex?", Level.EMERGENCY, "new problems with erections or feeling during sex"),
    Question("both_legs", "Do you have pain, numbness, tingling or weakness in both legs?", Level.EMERGENCY,
             "pain, numbness, tingling or weakness in both legs"),
    Question("leg_weakness", "Is weakness in your legs getting worse?", Level.EMERGENCY,
             "leg weakness getting worse"),
    Question("unsteady_walking", "Has your walking become unsteady?", Level.EMERGENCY, "unsteady walking"),
    Question("chest_pain", "Do you have chest pain?", Level.EMERGENCY, "chest pain"),
    # Possible serious causes that need a doctor soon.
    Question("fever", "Do you have a fever, or feel hot and shivery?", Level.URGENT, "a fever"),
    Question("weight_loss", "Have you lost weight without trying to?", Level.URGENT, "weight loss you cannot explain"),
    Question("cancer", "Have you ever had cancer?", Level.URGENT, "a history of cancer"),
    Question("night_pain", "Is your back pain at its worst at night?", Level.URGENT, "pain that is worst at night"),
    # Check with a clinician before exercising.
    Question("severe_not_easing", "Is your pain severe and has it not eased after about three days?",
             Level.CLINICIAN, "severe pain not easing after three days"),
    Question("after_injury", "Did the pain start after an injury, such as a fall or an accident?",
             Level.CLINICIAN, "pain after a fall or an accident"),
    Question("everywhere", "Do your low back, hips, legs and feet all hurt at the same time?", Level.CLINICIAN,
             "back, hips, legs and feet all hurting"),
    Question("age_onset", "Is this the first time you have had back pain, and are you under 20 or over 50?",
             Level.CLINICIAN, "new back pain under 20 or over 50"),
    Question("bones_steroids", "Do you have osteoporosis (thin bones), or have you taken steroids for "
             "several months or more?", Level.CLINICIAN, "thin bones, or long-term steroids"),
    Question("immune_infection", "Is your immune system weakened, have you ever injected drugs, or have you "
             "had an infection recently?", Level.CLINICIAN, "weak immune system, injecting or an infection"),
    Question("upper_back", "Do you have pain in your upper back, between the shoulder blades?", Level.CLINICIAN,
             "pain between the shoulder blades"),
    Question("lump_shape", "Have you noticed a new lump on your back, or a change in its shape?", Level.CLINICIAN,
             "a new lump or change in the back's shape"),
    Question("spinal_surgery", "Have you had an operation on your spine in the last year?", Level.CLINICIAN,
             "an operation on the spine in the last year"),
    Question("pregnancy", "Are you pregnant?", Level.FLOOR, "pregnancy"),
)

# Exercise positions that are on the floor: pregnancy asks a clinician before these.
FLOOR_POSITIONS = frozenset({"supine", "prone", "quadruped"})

DISCLAIMER = ("posecoach is not a diagnosis and gives no medication advice: "
              "ask a doctor or physiotherapist about those.")
RESCREEN_AFTER_DAYS = 7  # the whole screen is asked again after this; the emergency signs every session
ANSWER_PAUSE_S = 1.0  # a question must be on screen this long before an answer counts

_TITLES = {
    Outcome.EMERGENCY: "Seek urgent medical care now",
    Outcome.URGENT: "See a doctor within a day or two",
    Outcome.SEE_CLINICIAN: "See a clinician before exercising",
    Outcome.CLEAR: "No red flags reported",
}
_LINES: dict[Outcome, tuple[str, ...]] = {
    Outcome.EMERGENCY: (
        "These signs need a doctor to check them straight away.",
        "Call your local emergency number or go to an emergency department now.",
        "Do not exercise.",
    ),
    Outcome.URGENT: (
        "Please see a doctor within a day or two, and do not start these exercises until you have.",
        "If you feel very unwell, call your local emergency number or go to an emergency department.",
    ),
    Outcome.SEE_CLINICIAN: (
        "Please see a doctor or physiotherapist before starting these exercises.",
        "posecoach will not start a session until this has been checked.",
    ),
    Outcome.CLEAR: (
        "Move within your pain limit and stop any exercise that makes the pain clearly worse.",
        "If your back pain does not improve over a few weeks, see a doctor.",
    ),
}
FLOOR_NOTE = ("Pregnancy: ask your midwife, doctor or physiotherapist before exercises on the floor or lying on "
              "your front. The Desk break routine is done standing.")
_LEVEL_OUTCOME = {Level.EMERGENCY: Outcome.EMERGENCY, Level.URGENT: Outcome.URGENT,
                  Level.CLINICIAN: Outcome.SEE_CLINICIAN, Level.FLOOR: Outcome.SEE_CLINICIAN}
_RANK = (Outcome.CLEAR, Outcome.SEE_CLINICIAN, Outcome.URGENT, Outcome.EMERGENCY)

# Asked at the next launch after a screen that stopped.
CLINICIAN_CHECK = "Has a doctor or physiotherapist checked this and said exercise is OK?"
CLINICIAN_NOT_YET = "Please see a doctor or physiotherapist about this before exercising with posecoach."


def question(question_id: str) -> Question | None:
    return next((q for q in QUESTIONS if q.id == question_id), None)


def signs(ids: Iterable[str]) -> str:
    """The flagged signs in plain words: 'a fever; chest pain'."""
    return "; ".join(q.sign if (q := question(i)) else i for i in ids)


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    flagged: tuple[str, ...]  # ids of the questions answered "yes" or "not sure" that count

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.CLEAR

    @property
    def title(self) -> str:
        return _TITLES[self.outcome]

    @property
    def lines(self) -> tuple[str, ...]:
        """The outcome's advice, naming the signs that triggered it."""
        if self.ok:
            return _LINES[self.outcome]
        named = (f"You answered yes or not sure to: {signs(self.flagged)}.",)
        floor = (FLOOR_NOTE,) if "pregnancy" in self.flagged else ()
        return named + _LINES[self.outcome] + floor


@dataclass(frozen=True)
class Screening:
    """One completed screen: the answers, the day they were given and how much was asked."""

    taken_on: dt.date
    answers: Mapping[str, Answer]
    verdict: Verdict
    scope: Scope = Scope.FULL


def questions_for(scope: Scope | None) -> tuple[Question, ...]:
    if scope is None:
        return ()
    if scope is Scope.EMERGENCY:
        return tuple(q for q in QUESTIONS if q.level is Level.EMERGENCY)
    return QUESTIONS


def scope_of(questions: tuple[Question, ...]) -> Scope:
    """How much a set of questions covers: every question, or the emergency signs only."""
    return Scope.FULL if len(questions) == len(QUESTIONS) else Scope.EMERGENCY


def question_ids(questions: tuple[Question, ...] = QUESTIONS) -> tuple[str, ...]:
    return tuple(q.id for q in questions)


def as_answer(value: object, what: str = "safety answers") -> Answer:
    """True/False, or 'yes', 'no', 'unsure' ('not sure')."""
    if isinstance(value, bool):
        return Answer.YES if value else Answer.NO
    text = str(value).strip().lower().replace("not sure", "unsure")
    try:
        return Answer(text)
    except ValueError:
        raise UserError(f"{what}: {value!r} is not an answer; use yes, no or unsure") from None


def on_floor(positions: Iterable[str]) -> bool:
    return any(p in FLOOR_POSITIONS for p in positions)


def evaluate(answers: Mapping[str, object], questions: tuple[Question, ...] = QUESTIONS, *, floor: bool = True,
             cleared: Iterable[str] = ()) -> Verdict:
    """Emergency beats a day or two beats before exercising beats clear. Every question must be
    answered; "not sure" counts as yes. `floor`: the plan has floor exercises (pregnancy counts
    only then). `cleared`: signs a clinician has checked and said exercise is OK (never an emergency)."""
    unknown = sorted(set(answers) - set(question_ids(questions)))
    if unknown:  # first: a misspelt question is also a missing one, and the spelling is the fix
        raise UserError(f"safety answers: unknown question {', '.join(unknown)} "
                        f"(known: {', '.join(question_ids(questions))})")
    missing = [q.id for q in questions if q.id not in answers]
    if missing:
        raise UserError(f"safety answers: no answer for {', '.join(missing)}; answer every question")
    cleared = set(cleared)
    counted = [q for q in questions if as_answer(answers[q.id]).flags
               and (q.level is not Level.FLOOR or floor)
               and (q.level is Level.EMERGENCY or q.id not in cleared)]
    outcome = max((_LEVEL_OUTCOME[q.level] for q in counted), key=_RANK.index, default=Outcome.CLEAR)
    return Verdict(outcome, tuple(q.id for q in counted))


def needs_full_screen(last: Screening | None, today: dt.date, max_age_days: int = RESCREEN_AFTER_DAYS) -> bool:
    """The whole screen again with none yet, an old one, one from the 'future', or one with any
    yes or not-sure answer, even one that did not count that day (pregnancy before a standing
    routine must be asked again before a floor one)."""
    if last is None or not last.verdict.ok or any(as_answer(a).flags for a in last.answers.values()):
        return True
    age = (today - last.taken_on).days
    return age < 0 or age >= max_age_days


def screen_scope(last_full: Screening | None, today: dt.date, *, rescreen: bool = False,
                 after_pain_stop: bool = False, clinician_check: bool = False) -> Scope:
    """What to ask before a session: the emergency signs always, everything when due, asked for,
    after a session that stopped for pain, or after a clinician has checked a flagged sign."""
    if rescreen or after_pain_stop or clinician_check or needs_full_screen(last_full, today):
        return Scope.FULL
    return Scope.EMERGENCY


# Pain ----------------------------------------------------------------------------------------

PAIN_MIN, PAIN_MAX = 0, 10
PAIN_RISE_STOP = 2  # points on the 0-10 scale above the starting rating
PAIN_CEILING = 7  # a rating above this during the session stops it
PAIN_HIGH_START = 7  # a starting rating at or above this suggests the gentle routine or a clinician
PAIN_NO_SESSION = PAIN_CEILING + 1  # a starting rating already over the ceiling: no session
GENTLE_ROUTINE = "acute_relief"
PAIN_STOP_REASONS = frozenset({"pain", "leg"})  # stop reasons that ask, next time, whether it settled

PAIN_STOP_ADVICE: tuple[str, ...] = (
    "Stop this exercise and rest in a comfortable position.",
    "If the pain does not settle, or keeps coming back, see a doctor or physiotherapist.",
)
LEG_QUESTION = "Any new or spreading pain, tingling or numbness in a leg?"
LEG_STOP_ADVICE: tuple[str, ...] = (
    "New or spreading pain, tingling or numbness in a leg: stop exercising for today and rest.",
    "If it does not settle within a day or two, see a doctor or physiotherapist.",
    "If both legs are affected, or you have numbness around the genitals or back passage or trouble with your "
    "bladder or bowel, call your local emergency number or go to an emergency department now.",
)
NO_SESSION_LINES: tuple[str, ...] = (
    "Your pain is very high right now, so posecoach will not start a session today.",
    "Rest in a comfortable position and keep gently moving about if you can.",
    "If the pain is severe and not easing, see a doctor or physiotherapist.",
)
WAIT_A_DAY_LINES: tuple[str, ...] = (
    "It is best to wait a day before exercising again, and to see a doctor or physiotherapist if the pain "
    "does not settle.",
    "If you go on, keep it gentle: posecoach stops at the same limits as before.",
)
PAIN_SETTLED_QUESTION = "Has the pain settled back to how it was before that session?"


def rule_lines(stop_key: str) -> tuple[str, ...]:
    """Said before the first exercise: when to stop, and how."""
    return (f"Stop if your pain rises by {PAIN_RISE_STOP} points or more, goes above {PAIN_CEILING} out of "
            f"{PAIN_MAX}, or spreads into a leg, or if a leg tingles or goes numb.",
            f"To stop at any time, press {stop_key} (it hurts). posecoach then ends the exercise and you rest.")


def high_start_lines(pain: int, routine_id: str) -> tuple[str, ...]:
    gentle = () if routine_id == GENTLE_ROUTINE else (
        f"The gentle Acute relief routine may suit you better today (posecoach live --routine {GENTLE_ROUTINE}).",)
    return (f"Your pain is high right now ({pain} out of {PAIN_MAX}).", *gentle,
            "If it stays this high, see a doctor or physiotherapist.",
            f"posecoach stops the session if the pain goes above {PAIN_CEILING}.")


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


def over_ceiling(now: int | None) -> bool:
    return now is not None and now > PAIN_CEILING


def pain_stops(baseline: int | None, now: int | None) -> bool:
    """The rule during a session: a rise of 2 or more from the baseline, or above the ceiling."""
    return pain_rose(baseline, now) or over_ceiling(now)


def pain_advice(before: int | None, after: int | None) -> tuple[str, ...]:
    """What the end-of-session screen says about the pain ratings."""
    if pain_rose(before, after):
        return ("Your pain went up by 2 points or more during this session.", *PAIN_STOP_ADVICE)
    if over_ceiling(after):
        return (f"Your pain is above {PAIN_CEILING} now.", *PAIN_STOP_ADVICE)
    if before is not None and after is not None and after < before:
        return ("Your pain eased during this session.",)
    return ()
