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

from posecoach import safety
from posecoach.exercise.events import HoldEnded
from posecoach.followups import FollowUps
from posecoach.history import ExerciseRecord
from posecoach.live import prelude, remote, voice
from posecoach.live import tally as tl
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
    RateExercise,
    SaveExercise,
    Say,
    Screened,
    SetPain,
    Sound,
    StartSession,
    StartTracking,
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
        effects.append(SaveExercise(_record(state, "partial")))
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
        presence = _presence(state, tick.setup.present, dt)
        if presence.state.away or state.away:
            return presence
        state = presence.state
    if state.stage in EXERCISE_STAGES:
        state = replace(state, tally=tl.note_open_holds(state.tally, tick.open_hold_s))
    handler = _TICKS.get(state.stage)
    return handler(state, tick, dt) if handler else Transition(state)


def _presence(state: FlowState, present: bool, dt: float) -> Transition:
    """Away (out of view or position) for `away_s` pauses; back in position for `setup_ok_s` resumes."""
    s = state.settings
    if not state.away:
        timer = 0.0 if present else state.away_timer_s + dt
        if timer < s.away_s:
            return Transition(replace(state, away_timer_s=timer))
        return Transition(replace(state, away=True, away_timer_s=0.0), (Say(voice.AWAY),))
    timer = state.away_timer_s + dt if present else 0.0
    if timer < s.setup_ok_s:
        return Transition(replace(state, away_timer_s=timer))
    return Transition(replace(state, away=False, away_timer_s=0.0), (Say(voice.BACK),))


def _tick_rules(state: FlowState, tick: Tick, dt: float) -> Transition:
    if state.shown_s is not None and tick.t_s - state.shown_s >= state.settings.rules_s:
        return _start_key(state, Key.CONFIRM)
    return Transition(state)


def _tick_card(state: FlowState, tick: Tick, dt: float) -> Transition:
    """Read aloud, then on to the set-up check: after `card_s`, or once in the start position."""
    ok_s = state.ok_s + dt if tick.setup is not None and tick.setup.ok else 0.0
    timer = state.timer_s + dt
    if ok_s >= state.settings.card_ok_s or timer >= state.settings.card_s:
        return _to_setup(state)
    return Transition(replace(state, timer_s=timer, ok_s=ok_s))


def _tick_setup(state: FlowState, tick: Tick, dt: float) -> Transition:
    ok = tick.setup is not None and tick.setup.ok
    timer = state.timer_s + dt if ok else 0.0
    if timer >= state.settings.setup_ok_s:
        return _to_countdown(state)
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
    return _to_countdown(state) if state.stage is Stage.BREAK else _to_setup(state, state.index + 1)


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
    return Transition(state, effects + (Sound("done"),)).then(_next_segment(state))


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


# Moving between stages -----------------------------------------------------------------------

def _to_card(state: FlowState, index: int) -> Transition:
    if index >= len(state.plan.items):
        return _to_pain_after(state, completed=True, reason=None)
    new = replace(state, stage=Stage.CARD, index=index, segment=0, tally=tl.Tally(), paused=False, timer_s=0.0,
                  ok_s=0.0, setup=None)
    # The set-up check runs from the card, so that it can move on once the person is in position.
    return Transition(new, (StartTracking(index), *(Say(line) for line in voice.card(new))))


def _to_setup(state: FlowState, index: int | None = None) -> Transition:
    """The set-up check of this exercise, or of the one at `index` (after a rest: its card was read then)."""
    if index is not None and index >= len(state.plan.items):
        return _to_pain_after(state, completed=True, reason=None)
    index = state.index if index is None else index
    new = replace(state, stage=Stage.SETUP, index=index, segment=0, tally=tl.Tally(), paused=False, timer_s=0.0,
                  setup=None, away=False, away_timer_s=0.0, said="", said_s=None)
    return Transition(new, (StartTracking(index),))


def _to_countdown(state: FlowState) -> Transition:
    seconds = state.settings.countdown_s
    effects = (Say(str(math.ceil(seconds - EPS))),) if seconds > EPS else ()
    return Transition(replace(state, stage=Stage.COUNTDOWN, timer_s=seconds), effects)


def _next_segment(state: FlowState) -> Transition:
    segments = state.item.segments
    if state.segment + 1 >= len(segments):
        return _leave_exercise(state, "done", "next")
    (old_set, _), (new_set, _) = segments[state.segment], segments[state.segment + 1]
    pause = state.settings.set_rest_s if new_set != old_set else state.settings.side_switch_s
    new = replace(state, stage=Stage.BREAK, segment=state.segment + 1, timer_s=pause,
                  tally=tl.new_segment(state.tally))
    return Transition(new, (Say("Rest" if new_set != old_set else "Now the other side"),))


def _record(state: FlowState, status: str) -> ExerciseRecord:
    return tl.record(state.tally, state.item, state.index, status)


def _leave_exercise(state: FlowState, status: str, then: str) -> Transition:
    """Close the current exercise. `then`: "next", "hurt" or a stop reason (quit, camera)."""
    did = tl.did_something(state.tally)
    if then == "hurt":
        status = "stopped"
    elif status != "done" and not did:
        status = "skipped" if then == "next" else ""  # quitting before starting records nothing
    effects: tuple[Effect, ...] = ()
    if status:  # saved at once, so that a hard crash at the next prompt cannot lose it
        record = _record(state, status)
        state, effects = replace(state, records=state.records + (record,)), (SaveExercise(record),)
        if status in ("done", "partial"):
            state = replace(state, pending=record)  # the pain question after it rates it
    state = replace(state, tally=tl.Tally(), paused=False)
    if then == "hurt":
        return Transition(state, effects).then(_to_hurt(state, "pain"))
    if then != "next":
        return Transition(state, effects).then(_to_pain_after(state, completed=False, reason=then))
    if state.index + 1 >= len(state.plan.items):
        return Transition(state, effects).then(_to_pain_after(state, completed=True, reason=None))
    if state.pending is not None:
        return Transition(prelude.ask(state, Stage.PAIN_CHECK, pain=None), effects + (Say(voice.WORSE),))
    return Transition(state, effects).then(_to_card(state, state.index + 1))  # skipped: nothing to rest from


def _to_hurt(state: FlowState, reason: str) -> Transition:
    """Stop for pain ("pain") or new leg symptoms ("leg")."""
    return Transition(replace(state, stage=Stage.HURT, stop_reason=reason, paused=False, away=False),
                      (Say(voice.STOP, urgent=True),))


def _to_pain_after(state: FlowState, completed: bool, reason: str | None) -> Transition:
    """`completed`: the end was reached; it counts as completed only if every exercise was done."""
    if not state.session_started:
        return Transition(replace(state, stage=Stage.DONE))
    if completed and tl.not_done(state.plan, state.records):
        completed, reason = False, reason or "skipped"
    new = prelude.ask(state, Stage.PAIN_AFTER, pain=None, completed=completed,
                      stop_reason=state.stop_reason or reason, paused=False, away=False)
    return Transition(new, (Say(voice.PAIN_AFTER),))


def _flush_pending(state: FlowState, pain: int | None) -> Transition:
    """The rating after an exercise belongs to it: record it on the saved row."""
    if state.pending is None or pain is None:
        return Transition(replace(state, pending=None))
    records = state.records[:-1] + (replace(state.records[-1], pain=pain),)
    return Transition(replace(state, pending=None, records=records), (RateExercise(pain),))


def _end_session(state: FlowState, pain_after: int | None, worse: bool = False) -> Transition:
    """`worse`: no rating, but the person said (from the mat) that the pain is worse than before."""
    flushed = _flush_pending(state, pain_after)
    s = replace(flushed.state, stage=Stage.SUMMARY, pain_after=pain_after, timer_s=state.settings.summary_s)
    stops = worse or safety.pain_stops(s.baseline, pain_after)
    if stops and s.stop_reason not in safety.PAIN_STOP_REASONS:
        # The last rating breaks the pain rule too: remembered as a pain stop, so the next launch
        # asks whether it settled and screens again, like a stop during the session.
        s = replace(s, completed=False, stop_reason="pain")
    said = voice.summary(s.completed, s.stop_reason)
    return flushed.then(Transition(s, (EndSession(pain_after, s.completed, s.stop_reason), Say(said))))


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
        return _end_session(state, None, worse=worse)
    flushed = _flush_pending(state, None)
    if worse:
        return flushed.then(_to_hurt(flushed.state, "pain"))
    return flushed.then(_to_leg_check(flushed.state))


def _to_leg_check(state: FlowState) -> Transition:
    return Transition(prelude.ask(state, Stage.LEG_CHECK, pain=None), (Say(safety.LEG_QUESTION),))


def _pain_quit(state: FlowState) -> Transition:
    if state.stage is Stage.PAIN_BEFORE:
        return Transition(replace(state, stage=Stage.DONE))
    if state.stage is Stage.PAIN_CHECK:
        flushed = _flush_pending(state, None)
        return flushed.then(_to_pain_after(flushed.state, completed=False, reason="quit"))
    return _end_session(state, None)


def _pain_confirmed(state: FlowState, value: int) -> Transition:
    if state.stage is Stage.PAIN_BEFORE:
        return _starting_pain(state, value)
    if state.stage is Stage.PAIN_AFTER:
        return _end_session(state, value)
    flushed = _flush_pending(state, value)
    if safety.pain_stops(state.baseline, value):
        hurt = _to_hurt(replace(flushed.state, pain_after=value), "pain")
        return flushed.then(hurt)
    return flushed.then(_to_leg_check(flushed.state))


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
    return Transition(new, (StartSession(state.pain_before),)).then(_to_card(new, 0))


def _leg_key(state: FlowState, key: Key) -> Transition:
    """New or spreading pain, tingling or numbness in a leg: yes (or not sure) stops the session."""
    if key is Key.QUIT:
        return _to_pain_after(state, completed=False, reason="quit")
    if key is Key.HURT:
        return _to_hurt(state, "pain")
    answer = prelude.ANSWER_KEYS.get(key)
    if answer is None or not state.ready:
        return Transition(state)
    if answer.flags:
        return _to_hurt(state, "leg")
    return _to_rest(state)


def _to_rest(state: FlowState) -> Transition:
    """A rest before the next exercise, whose card is read meanwhile; then straight to its set-up."""
    if state.index + 1 >= len(state.plan.items):
        return _to_pain_after(state, completed=True, reason=None)
    rest = state.item.rest_after_s if state.item.rest_after_s is not None else state.settings.exercise_rest_s
    new = replace(state, stage=Stage.REST, timer_s=rest)
    nxt = replace(state, index=state.index + 1)
    return Transition(new, (Say("Rest"), *(Say(line) for line in voice.card(nxt))))


def _hurt(state: FlowState) -> Transition:
    if state.stage in EXERCISE_STAGES or state.stage is Stage.CARD:
        return _leave_exercise(state, "partial", "hurt")
    flushed = _flush_pending(state, None)
    return flushed.then(_to_hurt(flushed.state, "pain"))


def _quit(state: FlowState) -> Transition:
    stage = state.stage
    if stage in (Stage.SAFETY_STOP, Stage.SUMMARY):
        return Transition(replace(state, stage=Stage.DONE))
    if stage in EXERCISE_STAGES or stage is Stage.CARD:
        return _leave_exercise(state, "partial", "quit")
    if stage is Stage.HURT:
        return _confirm(state)
    return _to_pain_after(state, completed=False, reason="quit")


def _skip(state: FlowState) -> Transition:
    if state.stage is Stage.REST:
        return _to_setup(state, state.index + 1)
    if state.stage in EXERCISE_STAGES or state.stage is Stage.CARD:
        return _leave_exercise(state, "partial", "next")
    return Transition(state)


def _repeat(state: FlowState) -> Transition:
    if state.stage in EXERCISE_STAGES or state.stage is Stage.REST:
        return _to_setup(state)
    return Transition(state)


def _confirm(state: FlowState) -> Transition:
    stage = state.stage
    if stage is Stage.CARD:
        return _to_setup(state)
    if stage is Stage.SETUP:  # start anyway: the person says the set-up is right
        return _to_countdown(state)
    if stage in (Stage.BREAK, Stage.REST):
        return Transition(replace(state, timer_s=0.0, paused=False))
    if stage is Stage.HURT:
        if state.pain_after is not None:
            return _end_session(state, state.pain_after)
        return _to_pain_after(state, completed=False, reason="pain")
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
        return _leave_exercise(state, "partial", reason)
    if stage in (Stage.REST, Stage.PAIN_CHECK, Stage.LEG_CHECK):
        return _to_pain_after(state, completed=False, reason=reason)
    return Transition(state)
