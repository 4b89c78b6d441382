"""The session from the mat: gestures for keys, screens that move on by themselves, the pain
question by yes/no, an automatic pause when the person leaves the view, and what is said.

The flow stepped input by input, like tests/logic/test_live_flow.py; no window, camera or model.
"""

import dataclasses

import pytest

from posecoach.live import remote, voice
from posecoach.live.flow import Stage
from posecoach.live.signals import AnsweredWorse, Closed, EndSession, Gestured, Key, Press, SaveExercise, Say, SetPain
from posecoach.live.state import GESTURE_STAGES, HURT_STAGES, PRE_SESSION
from posecoach.live.ui.sound import RecordingEngine, Speech, spoken_form

from flow_driver import FAST, NOT_READY, Driver, rep

HANDS_FREE = dataclasses.replace(FAST, rules_s=2.0, card_s=4.0, card_ok_s=1.0, summary_s=2.0, away_s=2.0)


class Mat(Driver):
    """A Driver that counts key presses: after the first rating, only gestures and the body."""

    def __init__(self, plan, settings=HANDS_FREE) -> None:
        super().__init__(plan, settings=settings)
        self.presses = 0

    def send(self, *inputs):
        self.presses += sum(isinstance(i, (Press, SetPain)) for i in inputs)
        return super().send(*inputs)

    def gesture(self, key: Key) -> "Mat":
        return self.send(Gestured(key))

    def said(self) -> list[str]:
        return [e.text for e in self.of(Say)]


def test_a_whole_routine_needs_no_key_after_the_first_rating(two_exercises):
    d = Mat(two_exercises).pain(3)
    at_laptop = d.presses
    assert d.state.stage is Stage.RULES
    d.frames(2.1)  # the rule, read aloud, moves on by itself
    assert d.state.stage is Stage.CARD and d.state.session_started
    d.frames(1.2)  # in the start position: the card moves on
    assert d.state.stage is Stage.SETUP
    d.frames(0.6).frames(1.1)  # the set-up holds, then the countdown
    assert d.state.stage is Stage.ACTIVE
    d.frames(0.1, [rep(d.t), rep(d.t)])
    assert d.state.stage is Stage.PAIN_CHECK and d.screen.question == "Is your pain worse than before?"
    d.frames(1.1).gesture(Key.NO)
    assert d.state.stage is Stage.LEG_CHECK
    d.frames(1.1).gesture(Key.NO)
    assert d.state.stage is Stage.REST
    d.frames(3.1)
    assert d.state.stage is Stage.SETUP and d.state.index == 1  # the rest flows into the next set-up
    d.frames(0.6).frames(1.1).frames(0.1, [rep(d.t)])
    assert d.state.stage is Stage.PAIN_AFTER
    d.frames(1.1).gesture(Key.NO)
    assert d.state.stage is Stage.SUMMARY and d.screen.status == "Completed: well done."
    d.frames(2.1)
    assert d.state.done
    assert d.presses == at_laptop == 2  # the number and Space, once
    assert d.of(EndSession) == [EndSession(None, True, None)]
    assert [e.record.status for e in d.of(SaveExercise)] == ["done", "done"]
    said = d.said()
    for phrase in ("Exercise 1 of 2: Glute bridge. 2 reps, hold 3 s.", "1", "Go", voice.WORSE, "No",
                   "Exercise 2 of 2: Second. 1 rep, hold 3 s.", voice.PAIN_AFTER,
                   "Completed: well done. What you did is saved."):
        assert phrase in said


@pytest.mark.parametrize("answer", [Gestured(Key.YES), Press(Key.YES)], ids=["gesture", "key"])
def test_worse_than_before_stops_like_a_pain_rise(two_exercises, answer):
    d = Mat(two_exercises).begin(3).to_active().frames(0.1, [rep(1.0), rep(1.0)])
    assert d.state.stage is Stage.PAIN_CHECK
    d.send(answer)
    assert d.state.stage is Stage.PAIN_CHECK  # not before the question could be heard
    d.frames(1.1).send(answer)
    assert d.state.stage is Stage.HURT and d.state.stop_reason == "pain"
    assert Say(voice.STOP, urgent=True) in d.of(Say)
    d.gesture(Key.SKIP)  # "next" on the stop screen: end the session
    assert d.state.stage is Stage.PAIN_AFTER
    d.frames(1.1).gesture(Key.YES)
    assert d.of(EndSession) == [EndSession(None, False, "pain")]


def test_worse_at_the_end_is_remembered_as_a_pain_stop(bridge_plan):
    d = Mat(bridge_plan).begin(3).to_active().frames(0.1, [rep(1.0), rep(1.0)])
    assert d.state.stage is Stage.PAIN_AFTER
    d.frames(1.1).gesture(Key.HURT)  # it hurts, at the end: worse
    assert d.of(EndSession) == [EndSession(None, False, "pain")]


@pytest.mark.parametrize(("gesture", "worse"), [(Key.NO, False), (Key.YES, True), (Key.HURT, True)])
def test_the_closing_answer_by_gesture_is_said_plainly_on_the_summary(bridge_plan, gesture, worse):
    d = Mat(bridge_plan).begin(3).to_active().frames(0.1, [rep(1.0), rep(1.0)])
    assert d.state.stage is Stage.PAIN_AFTER
    d.frames(1.1).gesture(gesture)
    assert d.state.stage is Stage.SUMMARY and d.of(AnsweredWorse) == [AnsweredWorse(worse)]
    answer = "worse" if worse else "not worse"
    assert d.screen.pain == f"Pain before 3, after: {answer} (answered yes/no)"


def test_a_closing_rating_is_no_yes_no_answer(bridge_plan):
    d = Mat(bridge_plan).begin(3).to_active().frames(0.1, [rep(1.0), rep(1.0)])
    d.frames(1.1).pain(2)
    assert d.state.stage is Stage.SUMMARY and d.of(AnsweredWorse) == []
    assert d.screen.pain == "Pain before 3, after 2"


def _at(stage: Stage, plan) -> Mat:
    d = Mat(plan).begin(3)
    if stage is Stage.CARD:
        return d
    d.send(Press(Key.CONFIRM))
    if stage is Stage.SETUP:
        return d
    d.frames(0.6)
    if stage is Stage.COUNTDOWN:
        return d
    d.frames(1.1)
    if stage is Stage.ACTIVE:
        return d
    d.frames(0.1, [rep(d.t), rep(d.t)])
    if stage is Stage.PAIN_CHECK:
        return d
    d.frames(1.1).gesture(Key.NO)
    if stage is Stage.LEG_CHECK:
        return d
    d.frames(1.1).gesture(Key.NO)
    return d


@pytest.mark.parametrize("stage", [Stage.CARD, Stage.SETUP, Stage.COUNTDOWN, Stage.ACTIVE, Stage.PAIN_CHECK,
                                   Stage.LEG_CHECK, Stage.REST])
def test_it_hurts_by_gesture_stops_on_every_screen(two_exercises, stage):
    d = _at(stage, two_exercises)
    assert d.state.stage is stage
    d.gesture(Key.HURT)
    assert d.state.stage is Stage.HURT and d.state.stop_reason == "pain"
    assert d.of(Say)[-2:] == [Say("Stopping", urgent=True), Say(voice.STOP, urgent=True)]


def test_no_gesture_works_at_the_laptop(two_exercises):
    d = Mat(two_exercises, HANDS_FREE)
    d.frames(1.1)
    for key in Key:
        d.gesture(key)
    assert d.state.stage is Stage.PAIN_BEFORE and d.state.pain is None
    assert all(remote.gesture_key(stage, key) is None for stage in PRE_SESSION - {Stage.RULES} for key in Key)


def test_every_gesture_stage_takes_it_hurts_or_a_yes():
    for stage in GESTURE_STAGES:
        assert {remote.gesture_key(stage, k) for k in (Key.HURT, Key.SKIP, Key.YES)} - {None}, stage
    for stage in HURT_STAGES:
        assert remote.gesture_key(stage, Key.HURT) is Key.HURT


def test_pause_and_next_by_gesture(two_exercises):
    d = _at(Stage.ACTIVE, two_exercises)
    d.gesture(Key.PAUSE)
    assert d.state.paused and d.of(Say)[-1] == Say("Paused")
    d.frames(1.0, [rep(d.t)])
    assert d.screen.progress == "0 / 2 reps"  # nothing counts while paused
    d.gesture(Key.PAUSE)
    assert not d.state.paused and d.of(Say)[-1] == Say("Going on")
    d.gesture(Key.SKIP)  # next, during an exercise: skip it
    assert d.state.stage is Stage.CARD and d.state.index == 1


def test_leaving_the_view_pauses_and_coming_back_in_position_resumes(bridge_plan):
    d = _at(Stage.ACTIVE, bridge_plan)
    d.frames(1.5, setup=NOT_READY)
    assert not d.state.away  # a moment out of position is not leaving
    d.frames(0.6, setup=NOT_READY)
    assert d.state.away and d.of(Say)[-1] == Say(voice.AWAY)
    d.frames(3.0, [rep(d.t)], setup=NOT_READY)
    assert d.screen.progress == "0 / 2 reps" and d.screen.away
    d.frames(0.3).frames(0.1, setup=NOT_READY).frames(0.4)
    assert d.state.away  # back for less than the set-up's time
    d.frames(0.6)
    assert not d.state.away and d.of(Say)[-1] == Say(voice.BACK)
    d.frames(0.1, [rep(d.t)])
    assert d.screen.progress == "1 / 2 reps"


def test_a_card_moves_on_after_its_reading_time_even_out_of_position(bridge_plan):
    d = Mat(bridge_plan).begin(3)
    d.frames(3.9, setup=NOT_READY)
    assert d.state.stage is Stage.CARD
    d.frames(0.2, setup=NOT_READY)
    assert d.state.stage is Stage.SETUP
    d.frames(12, setup=NOT_READY)
    assert d.said().count("Step into the frame") == 1  # a hint is said once, not over and over


def test_the_countdown_and_each_rep_are_said(bridge_plan):
    settings = dataclasses.replace(HANDS_FREE, countdown_s=3.0)
    d = Mat(bridge_plan, settings).begin(3).send(Press(Key.CONFIRM)).frames(0.6).frames(3.1)
    assert d.state.stage is Stage.ACTIVE
    assert d.said()[-4:] == ["3", "2", "1", "Go"]
    d.frames(0.1, [rep(d.t)])
    assert d.said()[-1] == "1"


def test_a_hold_s_time_left_is_said_every_five_seconds():
    said, lines = "", []
    for tenth in range(1, 201):
        held = tenth / 10
        out, said = voice.counting({}, {}, [], {"both": held}, 20.0, said)
        lines += out
    out, said = voice.counting({}, {}, ["hold"], {}, 20.0, said)
    assert lines + out == ["Hold", "15 s left", "10 s left", "5 s left", "Time. Now relax."]
    assert said == ""


def test_mute_by_key_and_by_gesture(bridge_plan):
    d = _at(Stage.ACTIVE, bridge_plan)
    d.send(Press(Key.MUTE))
    assert d.state.muted
    d.send(Press(Key.MUTE, repeat=True))
    assert d.state.muted  # a held M does not flip it back
    d.gesture(Key.MUTE)
    assert not d.state.muted and d.of(Say)[-1] == Say("Sound on")


def test_the_summary_closes_by_itself(bridge_plan):
    d = Mat(bridge_plan).begin(3).to_active().frames(0.1, [rep(1.0), rep(1.0)]).pain(2)
    assert d.state.stage is Stage.SUMMARY
    d.frames(1.9)
    assert d.state.stage is Stage.SUMMARY
    d.frames(0.2)
    assert d.state.done


@pytest.mark.parametrize(("text", "spoken"), [
    ("2 reps, hold 3 s", "2 reps, hold 3 seconds"), ("hold 1 s each side", "hold 1 second each side"),
    ("15 s left", "15 seconds left"), ("3 / 8 reps", "3 of 8 reps"), ("2 min", "2 minutes"),
    ("knees at 90°", "knees at 90 degrees"), ("Hips up", "Hips up"), ("5 sets", "5 sets"),
])
def test_units_are_spoken_as_words(text, spoken):
    assert spoken_form(text) == spoken


def test_safety_phrases_interrupt_and_go_first():
    engine = RecordingEngine()
    speech = Speech(engine, threaded=False)
    speech.say("Exercise 1 of 2")
    speech.say("Stop and rest", urgent=True)
    assert engine.spoken == ["Exercise 1 of 2", "Stop and rest"] and engine.stops == 1
    speech.set_muted(True)
    speech.say("Hold")
    assert engine.spoken[-1] == "Stop and rest"


def test_the_threaded_queue_drops_what_waits_for_an_urgent_phrase():
    import threading

    gate = threading.Event()

    class Slow(RecordingEngine):
        def speak(self, text):
            gate.wait(2)
            super().speak(text)

    engine = Slow()
    speech = Speech(engine)
    for line in ("one", "two", "three"):
        speech.say(line)
    speech.say("Stop and rest", urgent=True)
    gate.set()
    for _ in range(100):
        if "Stop and rest" in engine.spoken:
            break
        threading.Event().wait(0.02)
    speech.close()
    assert "Stop and rest" in engine.spoken and "three" not in engine.spoken


def test_closing_the_window_ends_the_session_at_once_keeping_what_was_done(bridge_plan):
    d = _at(Stage.ACTIVE, bridge_plan).frames(0.1, [rep(1.0)])
    d.send(Closed())
    assert d.state.done
    assert [e.record.status for e in d.of(SaveExercise)] == ["partial"]
    assert d.of(EndSession) == [EndSession(None, False, "quit")]


def test_the_start_programme_from_the_mat_takes_two_key_presses_in_all():
    """The whole start programme (4 exercises, sides, sets, the checks between them): the first rating
    at the laptop (a number and Space), then gestures only. Before the hands-free flow: 19 presses
    after the safety questions (a rating before, between and after, Space on the rule, every card and
    the summary, N on each leg check)."""
    from posecoach.exercise.catalogue import load_exercise, load_routine
    from posecoach.exercise.events import HoldTargetReached
    from posecoach.live.plan import plan_from_routine

    d = Mat(plan_from_routine(load_routine("start_programme"), load_exercise))
    d.pain(3)
    for tick in range(20000):
        if d.state.done:
            break
        events = ()
        if d.state.stage is Stage.ACTIVE and tick % 20 == 0:
            item = d.state.item
            _, side = item.segments[d.state.segment]
            if item.spec.sides == "alternating":
                side = ("left", "right")[tick // 20 % 2]
            t = d.t + 0.1
            events = (rep(t, side), HoldTargetReached(t, side, 3.0)) if item.spec.rep else (
                HoldTargetReached(t, side, 3.0),)
        d.frames(0.1, events)
        if d.state.stage in (Stage.PAIN_CHECK, Stage.LEG_CHECK, Stage.PAIN_AFTER) and d.state.ready:
            d.gesture(Key.NO)
    assert d.state.done
    assert d.presses == 2
    assert [e.record.status for e in d.of(SaveExercise)] == ["done"] * 4
    assert d.of(EndSession) == [EndSession(None, True, None)]


def test_cues_are_said_for_the_movement_to_come():
    from posecoach.cues import Cue
    from posecoach.live.ui.session import spoken_cue

    assert spoken_cue(Cue(1.0, "Hold a little longer: aim for 3 s", 2, "last_rep")) == \
        "Next one: hold a little longer: aim for 3 s"
    assert spoken_cue(Cue(1.0, "Well held: 3 s", 1, "held")) == ""  # the flow says "Time. Now relax."
    assert spoken_cue(Cue(1.0, "Keep your knees apart", 2)) == "Keep your knees apart"


def test_the_espeak_engine_runs_the_command_and_an_urgent_phrase_stops_it(tmp_path):
    """A stand-in for espeak-ng: a script that writes what it was asked to say, slowly."""
    import os
    import stat
    import threading
    import time

    from posecoach.live.ui.sound import EspeakEngine

    said = tmp_path / "said.txt"
    script = tmp_path / "espeak-ng"
    script.write_text(f'#!/bin/sh\necho "$3" >> {said}\nexec sleep 5\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    engine = EspeakEngine(os.fspath(script))
    assert engine.name == "espeak-ng"
    speaking = threading.Thread(target=engine.speak, args=("Exercise 1 of 4",))
    started = time.monotonic()
    speaking.start()
    time.sleep(0.3)
    engine.stop()  # what an urgent phrase does first
    speaking.join(3)
    assert not speaking.is_alive() and time.monotonic() - started < 3
    assert said.read_text().splitlines() == ["Exercise 1 of 4"]
