"""The live flow as a pure state machine, stepped input by input without a window or a camera."""

import dataclasses
import datetime as dt

import pytest

from posecoach.exercise.catalogue import load_exercise
from posecoach.exercise.events import FormIssue, HoldEnded, HoldTargetReached
from posecoach.exercise.spec import RoutineSpec, RoutineStep
from posecoach.live import flow, safety, voice
from posecoach.live import screens as sc
from posecoach.live.flow import Stage
from posecoach.live.followups import FollowUps, PainStop
from posecoach.live.plan import plan_for_exercise, plan_from_routine
from posecoach.live.signals import (
    EndSession,
    Key,
    Press,
    RateExercise,
    SaveExercise,
    SaveScreening,
    Say,
    Sound,
    SourceEnded,
    StartSession,
    StartTracking,
    Tick,
)

from flow_driver import FAST, N_QUESTIONS, NOT_READY, READY, Driver, rep


def held(t: float, side=None, target=20.0) -> HoldTargetReached:
    return HoldTargetReached(t, side, target)


def test_the_safety_screen_comes_first_and_is_saved(bridge_plan):
    d = Driver(bridge_plan, screen=True)
    assert isinstance(d.screen, sc.SafetyScreen) and d.screen.index == 1 and d.screen.total == N_QUESTIONS
    d.screen_all()
    assert d.state.stage is Stage.PAIN_BEFORE
    [saved] = d.of(SaveScreening)
    assert saved.verdict.ok and not any(a.flags for a in saved.answers.values())


@pytest.mark.parametrize(("first_yes", "tone", "title"), [
    (0, "danger", "Seek urgent medical care now"),  # saddle numbness
    (13, "warning", "See a clinician before exercising"),  # severe pain not easing
])
def test_a_red_flag_stops_before_any_session(bridge_plan, first_yes, tone, title):
    d = Driver(bridge_plan, screen=True).screen_all(yes=(first_yes,))
    assert d.state.stage is Stage.SAFETY_STOP
    assert (d.screen.tone, d.screen.title) == (tone, title)
    assert d.screen.lines[0] == f"You answered yes or not sure to: {safety.QUESTIONS[first_yes].sign}."
    assert "not a diagnosis" in d.screen.footer
    d.send(Press(Key.CONFIRM))
    assert d.state.done and not d.of(StartSession)


def test_a_held_key_answers_only_the_question_it_was_pressed_on(bridge_plan):
    """Auto-repeat sends the key again and again: repeats never answer, so holding N answers one question."""
    d = Driver(bridge_plan, screen=True).answer(Key.NO)
    for _ in range(40):  # 4 s of the key held down
        d.frames(0.1).send(Press(Key.NO, repeat=True))
    assert len(d.state.answers) == 1 and d.screen.index == 2


def test_an_answer_before_the_pause_does_not_count(bridge_plan):
    """A double press, or a key pressed before the question could be read, answers nothing."""
    d = Driver(bridge_plan, screen=True).frames(0.1)  # the question is first seen at 0.1 s
    d.frames(0.5).send(Press(Key.NO))
    assert d.state.answers == () and not d.screen.ready
    d.frames(0.5).send(Press(Key.NO), Press(Key.NO))
    assert d.state.answers == (safety.Answer.NO,)
    d.frames(0.9).send(Press(Key.YES))
    assert len(d.state.answers) == 1
    d.frames(0.1).send(Press(Key.YES))
    assert d.state.answers == (safety.Answer.NO, safety.Answer.YES)


def test_back_returns_to_the_last_question_and_changes_its_answer(bridge_plan):
    d = Driver(bridge_plan, screen=True).answer(Key.NO, Key.YES)
    assert d.screen.index == 3 and ("B", "back") in d.screen.legend
    d.send(Press(Key.BACK))
    assert d.screen.index == 2 and d.state.answers == (safety.Answer.NO,)
    d.answer(Key.NO)
    assert d.state.answers == (safety.Answer.NO, safety.Answer.NO)


def test_the_answer_check_lists_every_answer_and_can_go_back(bridge_plan):
    d = Driver(bridge_plan, screen=True)
    d.answer(*[Key.UNSURE if i == 2 else Key.NO for i in range(N_QUESTIONS)])
    assert isinstance(d.screen, sc.ReviewScreen) and d.screen.title == "Check your answers"
    assert len(d.screen.rows) == N_QUESTIONS
    assert d.screen.rows[2] == ("new trouble controlling the bladder or bowel", "not sure")
    assert not d.of(SaveScreening)  # nothing is decided before the answers are checked
    d.send(Press(Key.BACK))
    assert d.state.stage is Stage.SAFETY and d.screen.index == N_QUESTIONS
    d.answer(Key.NO).answer(Key.CONFIRM)
    [saved] = d.of(SaveScreening)
    assert saved.verdict.outcome is safety.Outcome.EMERGENCY and saved.verdict.flagged == ("bladder_bowel",)


def test_confirming_the_answer_check_needs_the_pause_too(bridge_plan):
    d = Driver(bridge_plan, screen=True).answer(*[Key.NO] * N_QUESTIONS)
    d.send(Press(Key.CONFIRM))  # pressed with the last answer: ignored
    assert d.state.stage is Stage.SAFETY_REVIEW
    d.frames(1.1).send(Press(Key.CONFIRM, repeat=True))
    assert d.state.stage is Stage.SAFETY_REVIEW
    d.send(Press(Key.CONFIRM))
    assert d.state.stage is Stage.PAIN_BEFORE


def test_a_whole_exercise_counts_reps_and_is_saved_then_rated(bridge_plan):
    d = Driver(bridge_plan).begin(3)
    assert d.of(StartSession) == [StartSession(3)]
    assert isinstance(d.screen, sc.CardScreen) and d.screen.dose == "2 reps, hold 3 s"
    d.to_active()
    assert d.state.stage is Stage.ACTIVE and set(d.of(StartTracking)) == {StartTracking(0)}  # from the card on
    d.frames(1, [rep(d.t), HoldEnded(d.t, None, d.t - 3, d.t - 0.5), FormIssue(d.t, None, "checks.1", "Knees")])
    assert d.screen.progress == "1 / 2 reps" and d.screen.fraction == 0.5
    d.frames(1, [held(d.t, target=3.0), rep(d.t, issues=("checks.0",))])
    assert d.state.stage is Stage.PAIN_AFTER
    assert [s.kind for s in d.of(Sound)] == ["rep", "hold", "rep", "done"]
    [saved] = d.of(SaveExercise)  # at once: a crash at the next prompt cannot lose it
    r = saved.record
    assert (r.status, r.reps["both"], r.good_reps, r.holds, r.pain) == ("done", 2, 1, 1, None)
    d.pain(2)
    assert d.of(RateExercise) == [RateExercise(2)] and d.state.records[0].pain == 2
    assert r.hold_s["both"] == 2.5 and r.best_hold_s == 2.5
    assert r.form_issues == {"Knees": 1, "Lift your hips a little higher, into a straight line": 1}
    assert d.of(EndSession) == [EndSession(2, True, None)]
    assert d.screen.status == "Completed: well done." and d.screen.pain == "Pain before 3, after 2"
    assert d.screen.rows[0] == sc.SummaryRow("Glute bridge", "done", "2", "1 (2 s)", d.screen.rows[0].issues)
    d.send(Press(Key.CONFIRM))
    assert d.state.done


def test_the_setup_check_waits_until_it_is_satisfied(bridge_plan):
    d = Driver(bridge_plan).begin(3).send(Press(Key.CONFIRM))
    d.frames(5, setup=NOT_READY)
    assert d.state.stage is Stage.SETUP
    assert d.screen.checks[0].hint == "Step into the frame" and d.screen.progress == 0
    d.frames(0.3).frames(0.1, setup=NOT_READY).frames(0.3)  # a lapse restarts the wait
    assert d.state.stage is Stage.SETUP
    d.frames(0.3)
    assert d.state.stage is Stage.COUNTDOWN and d.screen.seconds == 1


def test_events_before_the_countdown_ends_do_not_count(bridge_plan):
    d = Driver(bridge_plan).begin(3).send(Press(Key.CONFIRM)).frames(0.6)
    d.frames(0.5, [rep(d.t)])
    assert d.state.stage is Stage.COUNTDOWN
    d.frames(0.6)
    assert d.state.stage is Stage.ACTIVE and d.screen.progress == "0 / 2 reps"


def test_sets_have_a_rest_between_them(bridge):
    d = Driver(plan_for_exercise(bridge, reps=1, sets=2)).begin(3).to_active()
    assert d.screen.segment == "Set 1 of 2"
    d.frames(0.1, [rep(d.t)])
    assert d.state.stage is Stage.BREAK
    assert (d.screen.title, d.screen.seconds, d.screen.next_text) == ("Rest", 2, "Next: Set 2 of 2")
    d.frames(2.0)
    assert d.state.stage is Stage.COUNTDOWN
    d.frames(1.1)
    assert d.screen.segment == "Set 2 of 2" and d.screen.progress == "0 / 1 reps"
    d.frames(0.1, [rep(d.t)])
    assert d.state.stage is Stage.PAIN_AFTER


def test_one_side_then_the_other_counts_only_the_side_asked_for(bridge):
    holds_only = bridge.model_copy(update={"sides": "each", "rep": None})
    d = Driver(plan_for_exercise(holds_only, reps=1)).begin(3)
    assert d.screen.dose == "hold 3 s each side"
    d.to_active()
    assert (d.screen.segment, d.screen.progress) == ("left side", "0 / 1 holds")
    d.frames(0.1, [held(d.t, "right")])
    assert d.screen.progress == "0 / 1 holds"
    d.frames(0.1, [held(d.t, "left"), HoldEnded(d.t, "left", d.t - 4, d.t)])
    assert (d.state.stage, d.screen.title) == (Stage.BREAK, "Switch sides")
    d.send(Press(Key.CONFIRM)).frames(1.2)  # go on now, then the countdown
    assert d.screen.segment == "right side"
    d.frames(0.1, [held(d.t, "right")], setup=READY)
    d.pain(3)
    r = d.of(SaveExercise)[0].record
    assert (r.holds, r.hold_s["left"], r.unit) == (2, 4.0, "holds")


def test_alternating_sides_need_the_target_on_both(bridge):
    alternating = bridge.model_copy(update={"sides": "alternating"})
    d = Driver(plan_for_exercise(alternating, reps=2)).begin(3).to_active()
    d.frames(0.1, [rep(d.t, "left"), rep(d.t, "left"), rep(d.t, "left"), rep(d.t, "right")])
    assert d.screen.progress == "L 3/2  R 1/2 reps" and d.screen.fraction == 0.75
    d.frames(0.1, [rep(d.t, "right")])
    assert d.state.stage is Stage.PAIN_AFTER


def test_pain_rising_by_two_between_exercises_stops_the_session(two_exercises):
    d = Driver(two_exercises).begin(3).to_active()
    d.frames(0.1, [rep(d.t), rep(d.t)])
    assert isinstance(d.screen, sc.PainScreen) and d.screen.title == "Quick check"
    assert d.screen.note.endswith("Before the session: 3")
    d.pain(5)
    assert d.state.stage is Stage.HURT
    assert d.screen.lines[0] == "Your pain went from 3 to 5."
    assert "see a doctor or physiotherapist" in d.screen.lines[2]
    d.send(Press(Key.CONFIRM))
    assert d.state.stage is Stage.SUMMARY
    assert len(d.of(SaveExercise)) == 1 and d.of(RateExercise) == [RateExercise(5)]
    assert d.of(EndSession) == [EndSession(5, False, "pain")]


def test_a_small_pain_rise_rests_and_carries_on(two_exercises):
    d = Driver(two_exercises).begin(3).to_active()
    d.frames(0.1, [rep(d.t), rep(d.t)]).pain(4)
    assert d.state.stage is Stage.LEG_CHECK
    d.answer(Key.NO)
    assert d.state.stage is Stage.REST
    assert d.screen.next_text == "Next: Second (1 rep, hold 3 s)"
    assert "Exercise 2 of 2: Second. 1 rep, hold 3 s." in [e.text for e in d.of(Say)]  # its card, read in the rest
    d.frames(3.1)
    assert d.state.stage is Stage.SETUP and d.state.index == 1  # the rest flows into the next set-up


def test_it_hurts_stops_the_exercise_at_once(two_exercises):
    d = Driver(two_exercises).begin(3).to_active()
    d.frames(0.1, [rep(d.t)]).send(Press(Key.HURT))
    assert d.state.stage is Stage.HURT and d.screen.title == "Stop: let's rest"
    [saved] = d.of(SaveExercise)
    assert (saved.record.status, saved.record.reps["both"]) == ("stopped", 1)
    d.send(Press(Key.CONFIRM))
    assert d.state.stage is Stage.PAIN_AFTER
    d.pain(6)
    assert d.of(EndSession) == [EndSession(6, False, "pain")]
    assert d.screen.advice[0] == "Your pain went up by 2 points or more during this session."


def test_quit_keeps_what_was_done(two_exercises):
    d = Driver(two_exercises).begin(3).to_active()
    d.frames(0.1, [rep(d.t)]).send(Press(Key.QUIT))
    assert d.state.stage is Stage.PAIN_AFTER
    d.send(Press(Key.QUIT))  # no rating either
    assert [e.record.status for e in d.of(SaveExercise)] == ["partial"]
    assert d.of(EndSession) == [EndSession(None, False, "quit")]
    assert d.screen.status == ("Stopped early (quit): what you did is saved. "
                               "Not done: Glute bridge (partial), Second (not reached).")


def test_skip_at_the_card_records_a_skipped_exercise(two_exercises):
    d = Driver(two_exercises).begin(3).send(Press(Key.SKIP))
    assert d.state.stage is Stage.CARD and d.state.index == 1
    assert [(e.record.exercise, e.record.status) for e in d.of(SaveExercise)] == [("glute_bridge", "skipped")]


def test_completed_well_done_only_when_every_exercise_was_done(two_exercises):
    d = Driver(two_exercises).begin(3).send(Press(Key.SKIP)).to_active()
    d.frames(0.1, [rep(d.t)]).pain(2)
    assert d.screen.status == "Finished, but not everything was done. Not done: Glute bridge (skipped)."
    assert d.of(EndSession) == [EndSession(2, False, "skipped")]


def test_the_routine_s_own_advice_is_on_the_first_card_and_the_summary(bridge):
    routine = RoutineSpec(id="r", name="R", description="Walk every day as well.",
                          steps=[RoutineStep(exercise="glute_bridge", reps=1)] * 2)
    d = Driver(plan_from_routine(routine, lambda _: bridge)).begin(3)
    assert d.screen.advice == "Walk every day as well."
    d.to_active().frames(0.1, [rep(d.t)]).pain(3).answer(Key.NO)
    assert d.state.stage is Stage.REST and "Walk every day" not in " ".join(e.text for e in d.of(Say)[-8:])
    d.send(Press(Key.CONFIRM)).frames(0.1)
    assert d.state.stage is Stage.SETUP and d.state.index == 1  # the second card was read in the rest
    d.frames(0.6).frames(1.1).frames(0.1, [rep(d.t)]).pain(3)
    assert d.screen.status == "Completed: well done." and "Walk every day as well." in d.screen.advice


def test_a_card_says_the_routine_s_note_first_and_how_to_get_up_from_the_floor_last(bridge):
    routine = RoutineSpec(id="r", name="R", description="d",
                          steps=[RoutineStep(exercise="glute_bridge", reps=1, note="Start gently.")])
    d = Driver(plan_from_routine(routine, lambda _: bridge)).begin(3)
    assert d.screen.instructions == ("Start gently.", *bridge.instructions,
                                     "Afterwards, to get up, roll onto your side first and push up with your arms.")


def test_a_standing_exercise_card_has_no_getting_up_line():
    squat = load_exercise("squat_to_chair")
    d = Driver(plan_for_exercise(squat)).begin(3)
    assert d.screen.instructions == tuple(squat.instructions)


def test_skip_mid_exercise_asks_about_pain_then_moves_on(two_exercises):
    d = Driver(two_exercises).begin(3).to_active()
    d.frames(0.1, [rep(d.t)]).send(Press(Key.SKIP))
    assert d.state.stage is Stage.PAIN_CHECK
    d.pain(3).answer(Key.NO).send(Press(Key.SKIP))  # and skip the rest
    assert d.state.stage is Stage.SETUP and d.state.index == 1
    assert [e.record.status for e in d.of(SaveExercise)] == ["partial"]


def test_pause_freezes_timers_and_counting(bridge_plan):
    d = Driver(bridge_plan).begin(3).send(Press(Key.CONFIRM)).frames(0.6)
    d.send(Press(Key.PAUSE)).frames(5)
    assert d.state.stage is Stage.COUNTDOWN and d.screen.paused
    d.send(Press(Key.PAUSE)).frames(1.1)
    d.send(Press(Key.PAUSE)).frames(0.1, [rep(d.t), rep(d.t)])
    assert d.screen.progress == "0 / 2 reps" and d.screen.paused
    d.send(Press(Key.PAUSE)).frames(0.1, [rep(d.t)])
    assert d.screen.progress == "1 / 2 reps"


def test_repeat_starts_the_exercise_again(bridge_plan):
    d = Driver(bridge_plan).begin(3).to_active()
    d.frames(0.1, [rep(d.t)]).send(Press(Key.REPEAT))
    assert d.state.stage is Stage.SETUP and d.of(StartTracking) == [StartTracking(0)] * 3  # card, set-up, again
    d.frames(0.6).frames(1.1)
    assert d.screen.progress == "0 / 2 reps"


def test_the_camera_ending_keeps_a_partial_session(two_exercises):
    d = Driver(two_exercises).begin(3).to_active()
    d.frames(0.1, [rep(d.t)]).send(SourceEnded("camera"))
    assert d.state.stage is Stage.PAIN_AFTER
    d.pain(3)
    assert [e.record.status for e in d.of(SaveExercise)] == ["partial"]
    assert d.of(EndSession) == [EndSession(3, False, "camera")]


def test_an_interruption_saves_the_exercise_in_progress(bridge_plan):
    d = Driver(bridge_plan).begin(3).to_active()
    d.frames(0.1, [rep(d.t)]).send(Tick(d.t + 0.1, (), READY, {"both": 1.5}))
    transition = flow.interrupt(d.state, "interrupted")
    saved, ended = transition.effects
    assert (saved.record.status, saved.record.reps["both"], saved.record.hold_s["both"]) == ("partial", 1, 1.5)
    assert ended == EndSession(None, False, "interrupted") and transition.state.done


def test_an_interruption_before_the_session_saves_nothing(bridge_plan):
    d = Driver(bridge_plan, screen=True).answer(Key.NO)
    assert flow.interrupt(d.state, "interrupted").effects == ()


def test_every_screen_has_its_keys_in_the_legend(two_exercises):
    d = Driver(two_exercises, screen=True)
    assert d.screen.legend == (("Y", "yes"), ("N", "no"), ("U", "not sure"), ("Q", "quit"))
    d.screen_all()
    assert ("0-9", "rate") in d.screen.legend and ("Space", "confirm") in d.screen.legend
    d.begin(2).to_active()
    assert [k for k, _ in d.screen.legend] == ["P", "S", "R", "H", "Q"]


def test_a_routine_becomes_a_plan_with_its_doses(bridge):
    routine = RoutineSpec(id="r", name="R", description="d",
                          steps=[RoutineStep(exercise="glute_bridge", reps=5, sets=2, hold_s=4, rest_s=30)])
    [item] = plan_from_routine(routine, lambda _: bridge).items
    assert (item.target, item.sets, item.rest_after_s, item.spec.targets.hold_s) == (5, 2, 30, 4)
    assert item.segments == ((1, None), (2, None))
    each = dataclasses.replace(item, spec=bridge.model_copy(update={"sides": "each"}))
    assert each.segments == ((1, "left"), (1, "right"), (2, "left"), (2, "right"))


def test_every_session_starts_with_the_emergency_signs(bridge_plan):
    state = flow.start(bridge_plan, FAST, safety.Scope.EMERGENCY)
    screen = sc.describe(state)
    assert (screen.heading, screen.total) == ("Before you start: the signs that need help now", 9)
    d = Driver(bridge_plan)
    d.state = state
    d.answer(*[Key.NO] * 9).answer(Key.CONFIRM)
    [saved] = d.of(SaveScreening)
    assert saved.scope is safety.Scope.EMERGENCY and set(saved.answers) == {
        q.id for q in safety.QUESTIONS if q.level is safety.Level.EMERGENCY}
    assert d.state.stage is Stage.PAIN_BEFORE


# Pain: the ceiling, a high start, the rule said first, leg symptoms, the next launch ---------------

def test_the_rule_is_shown_and_spoken_before_the_first_exercise(bridge_plan):
    d = Driver(bridge_plan).pain(3)
    assert d.state.stage is Stage.RULES and not d.of(StartSession)
    assert d.screen.title == "Before the first exercise: when to stop"
    rule = safety.rule_lines(voice.stop_how("H"))
    assert rule[0].startswith("Stop if your pain rises by 2 points or more, goes above 7 out of 10, or spreads")
    assert "press H, or put both hands on your head (it hurts)" in rule[1] and d.screen.lines == rule
    assert [e.text for e in d.of(Say)][-2:] == list(rule)  # spoken too
    d.answer(Key.CONFIRM)
    assert d.of(StartSession) == [StartSession(3)] and d.state.stage is Stage.CARD


def test_pain_above_seven_stops_even_without_a_rise_of_two(two_exercises):
    d = Driver(two_exercises).pain(7)
    assert d.state.stage is Stage.HIGH_PAIN
    assert "The gentle Acute relief routine may suit you better today" in " ".join(d.screen.lines)
    d.answer(Key.CONFIRM).answer(Key.CONFIRM).to_active()  # go on gently; the rule
    d.frames(0.1, [rep(d.t), rep(d.t)]).pain(8)
    assert d.state.stage is Stage.HURT and d.screen.lines[0] == "Your pain is 8, above 7."


@pytest.mark.parametrize("value", [8, 9, 10])
def test_a_starting_rating_over_the_ceiling_starts_no_session(bridge_plan, value):
    d = Driver(bridge_plan).pain(value)
    assert d.state.stage is Stage.NO_SESSION and d.screen.title == "No session today"
    d.send(Press(Key.CONFIRM))
    assert d.state.done and not d.of(StartSession)


def test_quitting_at_a_high_start_starts_no_session(bridge_plan):
    d = Driver(bridge_plan).pain(7).answer(Key.QUIT)
    assert d.state.done and not d.of(StartSession)


@pytest.mark.parametrize(("before", "after"), [(3, 5), (3, 8)])
def test_a_last_rating_that_breaks_the_pain_rule_is_remembered_as_a_pain_stop(bridge_plan, before, after):
    d = Driver(bridge_plan).begin(before).to_active()
    d.frames(0.1, [rep(d.t), rep(d.t)])  # both reps: the end, and the rating after the session
    assert d.state.stage is Stage.PAIN_AFTER
    d.pain(after)
    assert d.of(EndSession) == [EndSession(after, False, "pain")]


def test_a_last_rating_within_the_rule_completes_the_session(bridge_plan):
    d = Driver(bridge_plan).begin(3).to_active()
    d.frames(0.1, [rep(d.t), rep(d.t)]).pain(4)
    assert d.of(EndSession) == [EndSession(4, True, None)]


@pytest.mark.parametrize("key", [Key.YES, Key.UNSURE])
def test_new_leg_symptoms_between_exercises_stop_the_session_with_advice(two_exercises, key):
    d = Driver(two_exercises).begin(3).to_active()
    d.frames(0.1, [rep(d.t), rep(d.t)]).pain(3)
    assert d.state.stage is Stage.LEG_CHECK and d.screen.question == safety.LEG_QUESTION
    d.answer(key)
    assert d.state.stage is Stage.HURT and d.screen.lines == safety.LEG_STOP_ADVICE
    d.send(Press(Key.CONFIRM)).pain(3)
    assert d.of(EndSession) == [EndSession(3, False, "leg")]


def pain_stopped(before: int = 3, after: int = 6) -> FollowUps:
    return FollowUps(pain_stop=PainStop(dt.date(2025, 3, 9), "pain", before, after))


def test_after_a_pain_stop_the_next_launch_asks_whether_it_has_settled(bridge_plan):
    d = Driver(bridge_plan)
    d.state = flow.start(bridge_plan, FAST, None, pain_stopped())
    assert d.state.stage is Stage.PAIN_FOLLOWUP
    assert d.screen.question == ("Last time the session stopped: your pain went from 3 to 6. "
                                 "Has the pain settled back to how it was before that session?")
    d.answer(Key.NO)
    assert d.state.stage is Stage.WAIT_DAY and d.screen.title == "Best to wait a day"
    d.answer(Key.QUIT)
    assert d.state.done and not d.of(StartSession)


def test_the_baseline_does_not_silently_reset_after_a_pain_stop(two_exercises):
    d = Driver(two_exercises)
    d.state = flow.start(two_exercises, FAST, None, pain_stopped(before=3))
    d.answer(Key.YES).begin(4).to_active()  # settled, it says; today's rating is 4
    assert d.state.baseline == 3
    d.frames(0.1, [rep(d.t), rep(d.t)])
    assert "the pain rule counts from 3" in d.screen.note
    d.pain(5)  # up 1 from today, 2 from before the flare: stop
    assert d.state.stage is Stage.HURT
