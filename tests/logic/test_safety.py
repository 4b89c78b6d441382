"""The red-flag screen and the pain rules: every flag, the precedence, re-asking, the pain rise."""

import datetime as dt

import pytest

from posecoach.errors import UserError
from posecoach.live import safety
from posecoach.live.safety import Level, Outcome

# What posecoach promises to ask, and at which urgency (NICE NG59, the NHS pages, the guides).
EMERGENCY_FLAGS = ["saddle_numbness", "wiping_genitals", "bladder_bowel", "bladder_start", "sexual_function",
                   "both_legs", "leg_weakness", "unsteady_walking", "chest_pain"]
URGENT_FLAGS = ["fever", "weight_loss", "cancer", "night_pain"]
CLINICIAN_FLAGS = ["severe_not_easing", "after_injury", "everywhere", "age_onset", "bones_steroids",
                   "immune_infection", "upper_back", "lump_shape", "spinal_surgery"]


def answers(*yes: str, unsure: tuple[str, ...] = ()) -> dict[str, object]:
    return {q.id: "unsure" if q.id in unsure else q.id in yes for q in safety.QUESTIONS}


def test_the_questions_are_the_red_flags_with_their_urgency():
    assert [q.id for q in safety.QUESTIONS if q.level is Level.EMERGENCY] == EMERGENCY_FLAGS
    assert [q.id for q in safety.QUESTIONS if q.level is Level.URGENT] == URGENT_FLAGS
    assert [q.id for q in safety.QUESTIONS if q.level is Level.CLINICIAN] == CLINICIAN_FLAGS
    assert [q.id for q in safety.QUESTIONS if q.level is Level.FLOOR] == ["pregnancy"]


def test_the_wording_of_the_new_signs_is_plain():
    text = {q.id: q.text for q in safety.QUESTIONS}
    assert text["bladder_start"] == "Is it hard to start peeing, or can you no longer feel when your bladder is full?"
    assert "both legs" in text["both_legs"] and "unsteady" in text["unsteady_walking"]
    assert "wipe" in text["wiping_genitals"] and "back passage" in text["wiping_genitals"]
    assert "erection" in text["sexual_function"] and "during sex" in text["sexual_function"]
    assert "under 20 or over 50" in text["age_onset"] and "between the shoulder blades" in text["upper_back"]
    for q in safety.QUESTIONS:
        assert q.text.endswith("?") and len(q.sign) <= 52, q.id


def test_no_red_flag_is_clear():
    verdict = safety.evaluate(answers())
    assert verdict.outcome is Outcome.CLEAR and verdict.ok and verdict.flagged == ()


# Each red flag alone: the outcome it gives and the title that says so.
ONE_FLAG = ([(flag, Outcome.EMERGENCY, "Seek urgent medical care now") for flag in EMERGENCY_FLAGS]
            + [(flag, Outcome.URGENT, "See a doctor within a day or two") for flag in URGENT_FLAGS]
            + [(flag, Outcome.SEE_CLINICIAN, "See a clinician before exercising") for flag in CLINICIAN_FLAGS])


@pytest.mark.parametrize(("flag", "outcome", "title"), ONE_FLAG)
def test_each_red_flag_stops_at_its_urgency_and_names_the_sign(flag, outcome, title):
    verdict = safety.evaluate(answers(flag))
    assert (verdict.outcome, verdict.ok, verdict.flagged, verdict.title) == (outcome, False, (flag,), title)
    assert verdict.lines[0] == f"You answered yes or not sure to: {safety.question(flag).sign}."


@pytest.mark.parametrize("flag", EMERGENCY_FLAGS)
def test_each_emergency_sign_says_get_help_now_and_not_to_exercise(flag):
    lines = safety.evaluate(answers(flag)).lines
    assert "Call your local emergency number or go to an emergency department now." in lines
    assert "Do not exercise." in lines


def test_pregnancy_asks_a_clinician_before_floor_exercises_only():
    on_floor = safety.evaluate(answers("pregnancy"), floor=True)
    assert on_floor.outcome is Outcome.SEE_CLINICIAN and on_floor.lines[-1] == safety.FLOOR_NOTE
    assert safety.evaluate(answers("pregnancy"), floor=False).ok  # a standing routine may go ahead
    assert safety.on_floor(["standing", "prone"]) and not safety.on_floor(["standing"])


def test_not_sure_counts_as_yes():
    verdict = safety.evaluate(answers(unsure=("chest_pain",)))
    assert verdict.outcome is Outcome.EMERGENCY and verdict.flagged == ("chest_pain",)


@pytest.mark.parametrize("emergency", EMERGENCY_FLAGS)
def test_an_emergency_sign_outranks_any_other_flag(emergency):
    verdict = safety.evaluate(answers(emergency, *URGENT_FLAGS, *CLINICIAN_FLAGS))
    assert verdict.outcome is Outcome.EMERGENCY
    assert set(verdict.flagged) == {emergency, *URGENT_FLAGS, *CLINICIAN_FLAGS}


def test_a_day_or_two_outranks_before_exercising():
    assert safety.evaluate(answers("fever", "upper_back")).outcome is Outcome.URGENT


def test_a_sign_a_clinician_has_checked_no_longer_stops_but_an_emergency_always_does():
    assert safety.evaluate(answers("cancer", "upper_back"), cleared=["cancer", "upper_back"]).ok
    verdict = safety.evaluate(answers("cancer", "chest_pain"), cleared=["cancer", "chest_pain"])
    assert verdict.outcome is Outcome.EMERGENCY and verdict.flagged == ("chest_pain",)


def test_the_emergency_scope_asks_only_the_emergency_signs():
    asked = safety.questions_for(safety.Scope.EMERGENCY)
    assert [q.id for q in asked] == EMERGENCY_FLAGS
    assert safety.evaluate({q.id: False for q in asked}, asked).ok
    assert safety.questions_for(None) == ()


def test_every_question_must_be_answered():
    partial = answers()
    del partial["fever"], partial["cancer"]
    with pytest.raises(UserError, match=r"^safety answers: no answer for fever, cancer; answer every question$"):
        safety.evaluate(partial)


def test_unknown_answers_are_refused():
    with pytest.raises(UserError, match=r"unknown question headache \(known: saddle_numbness, "):
        safety.evaluate({**answers(), "headache": True})
    misspelt = answers()
    misspelt["fevr"] = misspelt.pop("fever")  # the spelling is the fix, not "no answer for fever"
    with pytest.raises(UserError, match=r"unknown question fevr \(known: "):
        safety.evaluate(misspelt)
    with pytest.raises(UserError, match=r"^safety answers: 'maybe' is not an answer; use yes, no or unsure$"):
        safety.evaluate({**answers(), "fever": "maybe"})


def test_the_stop_messages_name_no_country_s_number():
    every_line = " ".join(line for o in Outcome for line in safety.Verdict(o, ("chest_pain",)).lines)
    for number in ("999", "911", "112", "111", "000"):
        assert number not in every_line
    assert "local emergency number" in every_line


def test_no_medication_advice_and_not_a_diagnosis():
    assert "not a diagnosis" in safety.DISCLAIMER and "no medication advice" in safety.DISCLAIMER


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
def test_when_the_whole_screen_is_asked_again(last, expected):
    assert safety.needs_full_screen(last, TODAY) is expected


def test_a_yes_that_did_not_count_that_day_is_asked_again():
    # Pregnancy before a standing routine does not stop it, but must be asked before a floor one.
    a = answers("pregnancy")
    last = safety.Screening(TODAY, a, safety.evaluate(a, floor=False))
    assert last.verdict.ok
    assert safety.needs_full_screen(last, TODAY)



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


@pytest.mark.parametrize(("baseline", "now", "stop"), [
    (2, 7, True),  # a rise of 5
    (6, 7, False),  # up by 1, at the ceiling: carry on
    (7, 8, True),  # above 7 stops even though it rose by 1
    (9, 8, True),  # a high start cannot hide above the ceiling
    (None, 8, True),
    (None, 7, False),
])
def test_pain_stops_on_a_rise_of_two_or_above_seven(baseline, now, stop):
    assert safety.pain_stops(baseline, now) is stop


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


@pytest.mark.parametrize(("last", "kwargs", "expected"), [
    (screening(1), {}, safety.Scope.EMERGENCY),  # every session: the emergency signs at least
    (screening(8), {}, safety.Scope.FULL),  # a week old
    (None, {}, safety.Scope.FULL),
    (screening(1), {"after_pain_stop": True}, safety.Scope.FULL),  # the last session stopped for pain
    (screening(1), {"clinician_check": True}, safety.Scope.FULL),
    (screening(1), {"rescreen": True}, safety.Scope.FULL),
])
def test_what_is_asked_before_each_session(last, kwargs, expected):
    assert safety.screen_scope(last, TODAY, **kwargs) is expected
