"""The guided session as a pure state machine: (state, input) -> (new state, effects).

Inputs are frame ticks (frame time, tracker events, the set-up check), key presses, pain
ratings and the end of the camera. Effects are what the runner must do: save to history,
start a new tracker, play a sound, speak. `screens.describe(state)` says what to show.
Nothing here reads a clock, draws, or touches a file.

Stages: safety (a question at a time, then 'check your answers')
-> pain before -> for each exercise: card -> set-up -> countdown -> active
(-> break between sets or sides -> countdown -> active ...) -> pain check -> rest -> ...
-> pain after -> summary. "It hurts", quit, skip, repeat and pause work wherever they make sense.

Hands-free: after the first pain rating everything can be done from the mat. Body gestures
(`Gestured`, mapped per screen by `remote.gesture_key`) stand for keys; the rule screen, the
cards and the summary move on by themselves (a card sooner when the person is in the start
position); a rest flows into the next set-up; between exercises the question is "Is your pain
worse than before?" (yes/no, or a 0-10 rating at the keyboard); leaving the view for a moment
pauses the exercise until the person is back in position. What is said comes from `voice`.
"""

from __future__ import annotations

import math
from dataclasses import replace

from posecoach.exercise.events import HoldEnded
from posecoach.live import moves, prelude, remote, safety, voice
from posecoach.live import tally as tl
from posecoach.live.followups import FollowUps
from posecoach.live.plan import Plan
from posecoach.live.signals import (
    KEY_LABELS,
    Closed,
    Effect,
    EndSession,
    Gestured,
    Input,
    Key,
    Press,
    SaveExercise,
    Say,
    Screened,
    SetPain,
    Sound,
    StartSession,
    Tick,
)
from posecoach.live.state import (
    EPS,
    EXERCISE_STAGES,
    HURT_STAGES,
    PAIN_STAGES,
    PAUSABLE,
    PRE_SESSION,
    QUESTION_STAGES,
    FlowSettings,
    FlowState,
    Stage,
    Transition,
)

__all__ = ["FlowSettings", "FlowState", "Key", "Press", "SetPain", "Stage", "Tick", "Transition", "advance",
           "interrupt", "start"]


def start(plan: Plan, settings: FlowSettings | None = None,
          scope: safety.Scope | None = safety.Scope.FULL, followups: FollowUps | None = None) -> FlowState:
    """A new session; `scope` says which red-flag questions come first (None: none, for tests
    of the later stages; the commands always ask at least the emergency signs), `followups`
    what earlier launches left to ask (a flagged sign, a pain stop)."""
    followups = followups or FollowUps()
    state = FlowState(plan, settings or FlowSettings(), Stage.PAIN_BEFORE, followups=followups,
                      cleared=followups.cleared, questions=safety.questions_for(scope))
    return prelude.begin(state)


def advance(state: FlowState, event: Input) -> Transition:
    if isinstance(event, Tick):
        return _tick(state, event)
    if isinstance(event, Press):
        return _press(state, event)
    if isinstance(event, Screened):
        return prelude.screened(state, event.answers)
    if isinstance(event, Gestured):
        return _gestured(state, event.key)
    if isinstance(event, Closed):
        return interrupt(state, "quit")
    if isinstance(event, SetPain):
        if state.stage in PAIN_STAGES:
            return Transition(replace(state, pain=safety.check_pain(event.value)))
        return Transition(state)
    return _source_ended(state, event.reason)


def interrupt(state: FlowState, reason: str) -> Transition:
    """Ctrl-C or a crash: save what was done, mark the session partial, stop."""
    effects: list[Effect] = []
    if state.stage in EXERCISE_STAGES and tl.did_something(state.tally):
        effects.append(SaveExercise(moves.exercise_record(state, "partial")))
    if state.session_started and state.stage not in (Stage.SUMMARY, Stage.DONE):
        effects.append(EndSession(state.pain_after, False, state.stop_reason or reason))
    return Transition(replace(state, stage=Stage.DONE, pending=None), tuple(effects))


# Ticks ---------------------------------------------------------------------------------------

def _tick(state: FlowState, tick: Tick) -> Transition:
    dt = 0.0 if state.t_s is None else min(max(tick.t_s - state.t_s, 0.0), state.settings.max_step_s)
    state = replace(state, t_s=tick.t_s, setup=tick.setup if tick.setup is not None else state.setup)
    if state.stage in QUESTION_STAGES and state.shown_s is None:
        state = replace(state, shown_s=tick.t_s)  # the first frame the prompt is seen
    if state.paused:
        return Transition(state)
    if state.stage in (Stage.COUNTDOWN, Stage.ACTIVE) and tick.setup is not None:
        presence = moves.presence(state, tick.setup.present, dt)
        if presence.state.away or state.away:
            return presence
        state = presence.state
    if state.stage in EXERCISE_STAGES:
        state = replace(state, tally=tl.note_open_holds(state.tally, tick.open_hold_s))
    handler = _TICKS.get(state.stage)
    return handler(state, tick, dt) if handler else Transition(state)


def _tick_rules(state: FlowState, tick: Tick, dt: float) -> Transition:
    if state.shown_s is not None and tick.t_s - state.shown_s >= state.settings.rules_s:
        return _start_key(state, Key.CONFIRM)
    return Transition(state)


def _tick_card(state: FlowState, tick: Tick, dt: float) -> Transition:
    """Read aloud, then on to the set-up check: after `card_s`, or once in the start position."""
    ok_s = state.ok_s + dt if tick.setup is not None and tick.setup.ok else 0.0
    timer = state.timer_s + dt
    if ok_s >= state.settings.card_ok_s or timer >= state.settings.card_s:
        return moves.to_setup(state)
    return Transition(replace(state, timer_s=timer, ok_s=ok_s))


def _tick_setup(state: FlowState, tick: Tick, dt: float) -> Transition:
    ok = tick.setup is not None and tick.setup.ok
    timer = state.timer_s + dt if ok else 0.0
    if timer >= state.settings.setup_ok_s:
        return moves.to_countdown(state)
    state = replace(state, timer_s=timer)
    hint = tick.setup.hints[0] if tick.setup is not None and tick.setup.hints else ""
    if hint and hint != state.said and (state.said_s is None or tick.t_s - state.said_s >= state.settings.hint_gap_s):
        return Transition(replace(state, said=hint, said_s=tick.t_s), (Say(hint),))
    return Transition(state)


def _tick_countdown(state: FlowState, tick: Tick, dt: float) -> Transition:
    timer = state.timer_s - dt
    if timer <= EPS:
        return Transition(replace(state, stage=Stage.ACTIVE, timer_s=0.0, said=""), (Say("Go"),))
    effects = (Say(str(math.ceil(timer - EPS))),) if math.ceil(timer - EPS) != math.ceil(state.timer_s - EPS) else ()
    return Transition(replace(state, timer_s=timer), effects)


def _tick_summary(state: FlowState, tick: Tick, dt: float) -> Transition:
    timer = state.timer_s - dt
    return Transition(replace(state, stage=Stage.DONE) if timer <= EPS else replace(state, timer_s=timer))


def _tick_timer(state: FlowState, tick: Tick, dt: float) -> Transition:
    """Break and rest: count down, then carry on."""
    timer = state.timer_s - dt
    if state.stage is Stage.BREAK:  # a hold may end after the set's target was reached
        ended = [e for e in tick.events if isinstance(e, HoldEnded)]
        state = replace(state, tally=tl.add_holds(state.tally, ended))
    if timer > EPS:
        return Transition(replace(state, timer_s=timer))
    return moves.to_countdown(state) if state.stage is Stage.BREAK else moves.to_setup(state, state.index + 1)


def _tick_active(state: FlowState, tick: Tick, dt: float) -> Transition:
    item = state.item
    _, side = item.segments[state.segment]
    before = dict(state.tally.segment)
    tally, sounds = tl.count(state.tally, tick.events, item, side)
    state = replace(state, tally=replace(tally, active_s=tally.active_s + dt))
    spoken, said = voice.counting(before, state.tally.segment, sounds, tick.open_hold_s,
                                  item.spec.targets.hold_s, state.said)
    state = replace(state, said=said)
    effects = tuple(Sound(kind) for kind in sounds) + tuple(Say(line) for line in spoken)
    if not tl.segment_done(state.tally, item, side):
        return Transition(state, effects)
    return Transition(state, effects + (Sound("done"),)).then(moves.next_segment(state))


_TICKS = {
    Stage.RULES: _tick_rules,
    Stage.CARD: _tick_card,
    Stage.SUMMARY: _tick_summary,
    Stage.SETUP: _tick_setup,
    Stage.COUNTDOWN: _tick_countdown,
    Stage.ACTIVE: _tick_active,
    Stage.BREAK: _tick_timer,
    Stage.REST: _tick_timer,
}


# Keys ----------------------------------------------------------------------------------------

def _press(state: FlowState, press: Press) -> Transition:
    stage, key = state.stage, press.key
    if key is Key.MUTE:
        return Transition(state if press.repeat else replace(state, muted=not state.muted))
    if stage in QUESTION_STAGES and press.repeat:
        return Transition(state)  # a held or doubled key never answers a question
    if stage is Stage.CLINICIAN_CHECK:
        return prelude.clinician_key(state, key)
    if stage in (Stage.PAIN_FOLLOWUP, Stage.WAIT_DAY):
        return prelude.pain_followup_key(state, key)
    if stage is Stage.SAFETY:
        return prelude.safety_key(state, key)
    if stage is Stage.SAFETY_REVIEW:
        return prelude.review_key(state, key)
    if stage in PAIN_STAGES:
        return _pain_key(state, key)
    if stage in (Stage.NO_SESSION, Stage.HIGH_PAIN, Stage.RULES):
        return _start_key(state, key)
    if stage is Stage.LEG_CHECK:
        return _leg_key(state, key)
    if key is Key.HURT and stage in HURT_STAGES:
        return _hurt(state)
    if key is Key.PAUSE and stage in PAUSABLE:
        return Transition(replace(state, paused=not state.paused))
    handler = _KEYS.get(key)
    return handler(state) if handler else Transition(state)


def _pain_key(state: FlowState, key: Key) -> Transition:
    if key in (Key.UP, Key.DOWN):
        step = 1 if key is Key.UP else -1
        value = min(safety.PAIN_MAX, max(safety.PAIN_MIN, (state.pain if state.pain is not None else 0) + step))
        return Transition(replace(state, pain=value))
    if key is Key.QUIT:
        return _pain_quit(state)
    if key is Key.HURT and state.stage is Stage.PAIN_CHECK:
        return _hurt(state)
    if key in (Key.YES, Key.NO) and state.stage is not Stage.PAIN_BEFORE:
        return _worse_answer(state, key is Key.YES)
    if key is not Key.CONFIRM or state.pain is None:
        return Transition(state)
    return _pain_confirmed(state, state.pain)


def _worse_answer(state: FlowState, worse: bool) -> Transition:
    """"Is your pain worse than before?", answered from the mat: yes stops like a pain rise."""
    if not state.ready:
        return Transition(state)
    if state.stage is Stage.PAIN_AFTER:
        return moves.end_session(state, None, worse=worse)
    flushed = moves.flush_pending(state, None)
    if worse:
        return flushed.then(moves.to_hurt(flushed.state, "pain"))
    return flushed.then(moves.to_leg_check(flushed.state))


def _pain_quit(state: FlowState) -> Transition:
    if state.stage is Stage.PAIN_BEFORE:
        return Transition(replace(state, stage=Stage.DONE))
    if state.stage is Stage.PAIN_CHECK:
        flushed = moves.flush_pending(state, None)
        return flushed.then(moves.to_pain_after(flushed.state, completed=False, reason="quit"))
    return moves.end_session(state, None)


def _pain_confirmed(state: FlowState, value: int) -> Transition:
    if state.stage is Stage.PAIN_BEFORE:
        return _starting_pain(state, value)
    if state.stage is Stage.PAIN_AFTER:
        return moves.end_session(state, value)
    flushed = moves.flush_pending(state, value)
    if safety.pain_stops(state.baseline, value):
        hurt = moves.to_hurt(replace(flushed.state, pain_after=value), "pain")
        return flushed.then(hurt)
    return flushed.then(moves.to_leg_check(flushed.state))


def _starting_pain(state: FlowState, value: int) -> Transition:
    """Over the ceiling (8 or more): no session; at it (7): the gentle routine or a clinician; then the
    rule, said aloud."""
    remembered = state.followups.baseline
    baseline = value if remembered is None else min(value, remembered)  # never silently reset by a flare
    state = replace(state, pain_before=value, baseline=baseline, pain=None)
    if value >= safety.PAIN_NO_SESSION:
        return Transition(replace(state, stage=Stage.NO_SESSION), (Say("No session today"),))
    if value >= safety.PAIN_HIGH_START:
        return Transition(prelude.ask(state, Stage.HIGH_PAIN), (Say("Your pain is high today"),))
    return _to_rules(state)


def _to_rules(state: FlowState) -> Transition:
    return Transition(prelude.ask(state, Stage.RULES), tuple(Say(line) for line in _rules(state)))


def _rules(state: FlowState) -> tuple[str, ...]:
    return safety.rule_lines(voice.stop_how(KEY_LABELS[Key.HURT]))


def _start_key(state: FlowState, key: Key) -> Transition:
    if key is Key.QUIT or (state.stage is Stage.NO_SESSION and key is Key.CONFIRM):
        return Transition(replace(state, stage=Stage.DONE))
    if key is not Key.CONFIRM or not state.ready:
        return Transition(state)
    if state.stage is Stage.HIGH_PAIN:
        return _to_rules(state)
    new = replace(state, session_started=True)
    return Transition(new, (StartSession(state.pain_before),)).then(moves.to_card(new, 0))


def _leg_key(state: FlowState, key: Key) -> Transition:
    """New or spreading pain, tingling or numbness in a leg: yes (or not sure) stops the session."""
    if key is Key.QUIT:
        return moves.to_pain_after(state, completed=False, reason="quit")
    if key is Key.HURT:
        return moves.to_hurt(state, "pain")
    answer = prelude.ANSWER_KEYS.get(key)
    if answer is None or not state.ready:
        return Transition(state)
    if answer.flags:
        return moves.to_hurt(state, "leg")
    return moves.to_rest(state)


def _hurt(state: FlowState) -> Transition:
    if state.stage in EXERCISE_STAGES or state.stage is Stage.CARD:
        return moves.leave_exercise(state, "partial", "hurt")
    flushed = moves.flush_pending(state, None)
    return flushed.then(moves.to_hurt(flushed.state, "pain"))


def _quit(state: FlowState) -> Transition:
    stage = state.stage
    if stage in (Stage.SAFETY_STOP, Stage.SUMMARY):
        return Transition(replace(state, stage=Stage.DONE))
    if stage in EXERCISE_STAGES or stage is Stage.CARD:
        return moves.leave_exercise(state, "partial", "quit")
    if stage is Stage.HURT:
        return _confirm(state)
    return moves.to_pain_after(state, completed=False, reason="quit")


def _skip(state: FlowState) -> Transition:
    if state.stage is Stage.REST:
        return moves.to_setup(state, state.index + 1)
    if state.stage in EXERCISE_STAGES or state.stage is Stage.CARD:
        return moves.leave_exercise(state, "partial", "next")
    return Transition(state)


def _repeat(state: FlowState) -> Transition:
    if state.stage in EXERCISE_STAGES or state.stage is Stage.REST:
        return moves.to_setup(state)
    return Transition(state)


def _confirm(state: FlowState) -> Transition:
    stage = state.stage
    if stage is Stage.CARD:
        return moves.to_setup(state)
    if stage is Stage.SETUP:  # start anyway: the person says the set-up is right
        return moves.to_countdown(state)
    if stage in (Stage.BREAK, Stage.REST):
        return Transition(replace(state, timer_s=0.0, paused=False))
    if stage is Stage.HURT:
        if state.pain_after is not None:
            return moves.end_session(state, state.pain_after)
        return moves.to_pain_after(state, completed=False, reason="pain")
    if stage in (Stage.SAFETY_STOP, Stage.SUMMARY):
        return Transition(replace(state, stage=Stage.DONE))
    return Transition(state)


_KEYS = {Key.QUIT: _quit, Key.SKIP: _skip, Key.REPEAT: _repeat, Key.CONFIRM: _confirm}


def _gestured(state: FlowState, gesture: Key) -> Transition:
    """A gesture held to its end: the key it stands for on this screen, confirmed aloud."""
    key = remote.gesture_key(state.stage, gesture)
    if key is None:
        return Transition(state)
    done = _press(state, Press(key))
    said = remote.confirmation(key, done.state.paused, done.state.muted)
    if not said or done.state == state:
        return done
    return Transition(done.state, (Say(said, urgent=key is Key.HURT), *done.effects))


def _source_ended(state: FlowState, reason: str) -> Transition:
    stage = state.stage
    if stage in PRE_SESSION:
        return Transition(replace(state, stage=Stage.DONE))
    if stage in EXERCISE_STAGES or stage is Stage.CARD:
        return moves.leave_exercise(state, "partial", reason)
    if stage in (Stage.REST, Stage.PAIN_CHECK, Stage.LEG_CHECK):
        return moves.to_pain_after(state, completed=False, reason=reason)
    return Transition(state)
