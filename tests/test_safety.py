"""The red-flag screen and the pain rules: every flag, the precedence, re-asking, the pain rise."""

import datetime as dt

import pytest

from posecoach import safety
from posecoach.errors import UserError
from posecoach.safety import Level, Outcome

EMERGENCY_FLAGS = ["saddle_numbness", "bladder_bowel", "leg_weakness"]
CLINICIAN_FLAGS = ["severe_not_easing", "after_injury", "everywhere", "fever", "weight_loss", "cancer",
                   "night_pain"]


def answers(*yes: str) -> dict[str, bool]:
    return {q.id: q.id in yes for q in safety.QUESTIONS}


def test_the_questions_are_the_red_flags_of_the_guides():
    assert [q.id for q in safety.QUESTIONS if q.level is Level.EMERGENCY] == EMERGENCY_FLAGS
    assert [q.id for q in safety.QUESTIONS if q.level is Level.CLINICIAN] == CLINICIAN_FLAGS


def test_no_red_flag_is_clear():
    verdict = safety.evaluate(answers())
    assert verdict.outcome is Outcome.CLEAR and verdict.ok and verdict.flagged == ()


@pytest.mark.parametrize("flag", EMERGENCY_FLAGS)
def test_each_emergency_sign_says_seek_urgent_care_now(flag):
    verdict = safety.evaluate(answers(flag))
    assert verdict.outcome is Outcome.EMERGENCY
    assert not verdict.ok
    assert verdict.flagged == (flag,)
    assert verdict.title == "Seek urgent medical care now"
    assert "Do not exercise." in verdict.lines


@pytest.mark.parametrize("flag", CLINICIAN_FLAGS)
def test_each_other_red_flag_says_see_a_clinician_before_exercising(flag):
    verdict = safety.evaluate(answers(flag))
    assert verdict.outcome is Outcome.SEE_CLINICIAN
    assert not verdict.ok
    assert verdict.flagged == (flag,)
    assert verdict.title == "See a clinician before exercising"


@pytest.mark.parametrize("emergency", EMERGENCY_FLAGS)
def test_an_emergency_sign_outranks_any_other_flag(emergency):
    verdict = safety.evaluate(answers(emergency, *CLINICIAN_FLAGS))
    assert verdict.outcome is Outcome.EMERGENCY
    assert set(verdict.flagged) == {emergency, *CLINICIAN_FLAGS}


def test_every_question_must_be_answered():
    partial = answers()
    del partial["fever"], partial["cancer"]
    with pytest.raises(UserError, match=r"^safety answers: no answer for fever, cancer; answer every question$"):
        safety.evaluate(partial)


def test_unknown_answers_are_refused():
    with pytest.raises(UserError, match=r"unknown question headache \(known: saddle_numbness, "):
        safety.evaluate({**answers(), "headache": True})


def test_no_medication_advice_and_not_a_diagnosis():
    assert "not a diagnosis" in safety.DISCLAIMER and "no medication advice" in safety.DISCLAIMER
    every_text = " ".join([*(q.text for q in safety.QUESTIONS), *safety.PAIN_STOP_ADVICE,
                           *(line for o in Outcome for line in safety.Verdict(o, ()).lines)]).lower()
    for drug_word in ("ibuprofen", "paracetamol", "painkiller", "medication", "tablet", "dose"):
        assert drug_word not in every_text


TODAY = dt.date(2025, 3, 10)


def screening(days_ago: int, *yes: str) -> safety.Screening:
    a = answers(*yes)
    return safety.Screening(TODAY - dt.timedelta(days=days_ago), a, safety.evaluate(a))


@pytest.mark.parametrize(("last", "expected"), [
    (None, True),  # first session
    (screening(0), False),
    (screening(6), False),
    (screening(7), True),  # a week old: ask again
    (screening(-1), True),  # dated in the future (clock changed): ask again
    (screening(0, "fever"), True),  # a flag last time: ask again rather than start
    (screening(0, "leg_weakness"), True),
])
def test_when_the_screen_is_asked_again(last, expected):
    assert safety.needs_screening(last, TODAY) is expected


@pytest.mark.parametrize(("before", "now", "stop"), [
    (3, 5, True),  # up by exactly 2: stop
    (3, 9, True),
    (0, 2, True),
    (8, 10, True),
    (3, 4, False),  # up by 1: carry on
    (3, 3, False),
    (5, 1, False),  # better
    (None, 8, False),  # no rating before: nothing to compare
    (3, None, False),
])
def test_pain_rising_by_two_or_more_stops(before, now, stop):
    assert safety.pain_rose(before, now) is stop


def test_pain_advice_after_a_session():
    assert safety.pain_advice(2, 4)[0] == "Your pain went up by 2 points or more during this session."
    assert safety.pain_advice(2, 4)[1:] == safety.PAIN_STOP_ADVICE
    assert any("see a doctor or physiotherapist" in line for line in safety.PAIN_STOP_ADVICE)
    assert safety.pain_advice(4, 2) == ("Your pain eased during this session.",)
    assert safety.pain_advice(3, 4) == ()


@pytest.mark.parametrize("value", [0, 5, 10])
def test_pain_ratings_in_range(value):
    assert safety.check_pain(value) == value


@pytest.mark.parametrize("value", [-1, 11, 2.5, "3", True, None])
def test_pain_ratings_out_of_range(value):
    with pytest.raises(UserError, match=r"is not a whole number from 0 \(none\) to 10 \(worst\)"):
        safety.check_pain(value)
