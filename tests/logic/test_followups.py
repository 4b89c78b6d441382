"""What the next launch asks first: a flagged sign waits for a clinician's check, remembered
across launches in the data folder (written atomically)."""

import datetime as dt
import json

import pytest

from posecoach.errors import UserError
from posecoach.exercise.catalogue import load_exercise
from posecoach.live import flow, safety
from posecoach.live import followups as fu
from posecoach.live import screens as sc
from posecoach.live.flow import Stage
from posecoach.live.plan import plan_for_exercise
from posecoach.live.signals import ClinicianChecked, Key, Press, SaveScreening, Tick

TODAY = dt.date(2025, 3, 10)
NONE = {q.id: safety.Answer.NO for q in safety.QUESTIONS}


def flagged(*ids: str) -> fu.FollowUps:
    answers = {**NONE, **dict.fromkeys(ids, safety.Answer.YES)}
    return fu.after_screening(fu.FollowUps(), safety.evaluate(answers), answers, TODAY)


def test_a_screen_that_stopped_is_remembered_with_its_signs():
    f = flagged("fever", "upper_back")
    assert f.flagged == fu.Flagged(("fever", "upper_back"), safety.Outcome.URGENT, TODAY)
    assert fu.after_screening(f, safety.evaluate(NONE), NONE, TODAY).flagged is None


def test_a_clinician_s_ok_clears_the_flag_and_checks_the_signs():
    f = fu.after_clinician_check(flagged("cancer"), ok=True)
    assert f.flagged is None and f.cleared == {"cancer"}
    assert fu.after_clinician_check(flagged("cancer"), ok=False) == flagged("cancer")


def test_a_checked_sign_stays_checked_until_it_is_answered_no():
    f = fu.after_clinician_check(flagged("cancer", "upper_back"), ok=True)
    answers = {**NONE, "cancer": safety.Answer.YES}
    later = fu.after_screening(f, safety.evaluate(answers, cleared=f.cleared), answers, TODAY)
    assert later.cleared == {"cancer"} and later.flagged is None  # upper back pain went away: new if it returns


def test_the_store_round_trips_and_writes_atomically(tmp_path):
    store = fu.FollowUpStore(tmp_path / "data" / "followups.json")
    assert store.load() == fu.FollowUps()
    f = fu.after_session(flagged("night_pain"), "pain", False, 3, 6, TODAY)
    store.save(f)
    assert store.load() == f
    assert [p.name for p in store.path.parent.iterdir()] == ["followups.json"]  # no temporary file left
    assert json.loads(store.path.read_text())["flagged"]["ids"] == ["night_pain"]


def test_a_damaged_store_says_what_to_do(tmp_path):
    path = tmp_path / "followups.json"
    path.write_text("{not json")
    with pytest.raises(UserError, match=r"followups.json: damaged .*; delete it, and posecoach will ask the whole"):
        fu.FollowUpStore(path).load()


def start(f: fu.FollowUps, plan_id: str = "glute_bridge") -> flow.FlowState:
    state = flow.start(plan_for_exercise(load_exercise(plan_id)), scope=safety.Scope.FULL, followups=f)
    return flow.advance(state, Tick(0.0)).state


def press(state, key, after_s: float = 1.1):
    t = (state.t_s or 0.0) + after_s
    state = flow.advance(state, Tick(round(t, 3))).state
    transition = flow.advance(state, Press(key))
    return transition.state, transition.effects


def test_the_next_launch_asks_whether_a_clinician_has_checked_the_sign():
    state = start(flagged("fever"))
    assert state.stage is Stage.CLINICIAN_CHECK
    screen = sc.describe(state)
    assert screen.question == ("Last time you told posecoach about: a fever. Has a doctor or physiotherapist "
                               "checked this and said exercise is OK?")


@pytest.mark.parametrize("key", [Key.NO, Key.UNSURE])
def test_no_or_not_sure_starts_no_session(key):
    state, effects = press(start(flagged("fever")), key)
    assert state.stage is Stage.SAFETY_STOP and ClinicianChecked(False) in effects
    screen = sc.describe(state)
    assert screen.title == "See a doctor within a day or two"
    assert screen.lines[:2] == (safety.CLINICIAN_NOT_YET, "You answered yes or not sure to: a fever.")


def test_yes_goes_on_to_the_whole_screen_where_the_checked_sign_no_longer_stops():
    state, effects = press(start(flagged("cancer")), Key.YES)
    assert effects == (ClinicianChecked(True),) and state.stage is Stage.SAFETY
    for q in safety.QUESTIONS:
        state, effects = press(state, Key.YES if q.id == "cancer" else Key.NO)
    state, effects = press(state, Key.CONFIRM)
    [saved] = [e for e in effects if isinstance(e, SaveScreening)]
    assert saved.verdict.ok and state.stage is Stage.PAIN_BEFORE


def test_a_key_before_the_pause_does_not_answer_the_clinician_check():
    state, _ = press(start(flagged("fever")), Key.YES, after_s=0.3)
    assert state.stage is Stage.CLINICIAN_CHECK
