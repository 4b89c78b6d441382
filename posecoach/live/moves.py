"""Moving between the stages of the live flow: each function is one move, (state) -> Transition.

Pure, like `flow`, which decides when to make them (on a tick, a key, a gesture). Kept apart so
that `flow` reads as the table of what each input does.
"""

from __future__ import annotations

import math
from dataclasses import replace

from posecoach.live import prelude, safety, voice
from posecoach.live import tally as tl
from posecoach.live.history import ExerciseRecord
from posecoach.live.signals import (
    AnsweredWorse,
    Effect,
    EndSession,
    RateExercise,
    SaveExercise,
    Say,
    StartTracking,
)
from posecoach.live.state import EPS, FlowState, Stage, Transition


def presence(state: FlowState, present: bool, dt: float) -> Transition:
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


def to_card(state: FlowState, index: int) -> Transition:
    if index >= len(state.plan.items):
        return to_pain_after(state, completed=True, reason=None)
    new = replace(state, stage=Stage.CARD, index=index, segment=0, tally=tl.Tally(), paused=False, timer_s=0.0,
                  ok_s=0.0, setup=None)
    # The set-up check runs from the card, so that it can move on once the person is in position.
    return Transition(new, (StartTracking(index), *(Say(line) for line in voice.card(new))))


def to_setup(state: FlowState, index: int | None = None) -> Transition:
    """The set-up check of this exercise, or of the one at `index` (after a rest: its card was read then)."""
    if index is not None and index >= len(state.plan.items):
        return to_pain_after(state, completed=True, reason=None)
    index = state.index if index is None else index
    new = replace(state, stage=Stage.SETUP, index=index, segment=0, tally=tl.Tally(), paused=False, timer_s=0.0,
                  setup=None, away=False, away_timer_s=0.0, said="", said_s=None)
    return Transition(new, (StartTracking(index),))


def to_countdown(state: FlowState) -> Transition:
    seconds = state.settings.countdown_s
    effects = (Say(str(math.ceil(seconds - EPS))),) if seconds > EPS else ()
    return Transition(replace(state, stage=Stage.COUNTDOWN, timer_s=seconds), effects)


def next_segment(state: FlowState) -> Transition:
    segments = state.item.segments
    if state.segment + 1 >= len(segments):
        return leave_exercise(state, "done", "next")
    (old_set, _), (new_set, _) = segments[state.segment], segments[state.segment + 1]
    pause = state.settings.set_rest_s if new_set != old_set else state.settings.side_switch_s
    new = replace(state, stage=Stage.BREAK, segment=state.segment + 1, timer_s=pause,
                  tally=tl.new_segment(state.tally))
    return Transition(new, (Say("Rest" if new_set != old_set else "Now the other side"),))


def exercise_record(state: FlowState, status: str) -> ExerciseRecord:
    return tl.record(state.tally, state.item, state.index, status)


def leave_exercise(state: FlowState, status: str, then: str) -> Transition:
    """Close the current exercise. `then`: "next", "hurt" or a stop reason (quit, camera)."""
    did = tl.did_something(state.tally)
    if then == "hurt":
        status = "stopped"
    elif status != "done" and not did:
        status = "skipped" if then == "next" else ""  # quitting before starting records nothing
    effects: tuple[Effect, ...] = ()
    if status:  # saved at once, so that a hard crash at the next prompt cannot lose it
        record = exercise_record(state, status)
        state, effects = replace(state, records=state.records + (record,)), (SaveExercise(record),)
        if status in ("done", "partial"):
            state = replace(state, pending=record)  # the pain question after it rates it
    state = replace(state, tally=tl.Tally(), paused=False)
    if then == "hurt":
        return Transition(state, effects).then(to_hurt(state, "pain"))
    if then != "next":
        return Transition(state, effects).then(to_pain_after(state, completed=False, reason=then))
    if state.index + 1 >= len(state.plan.items):
        return Transition(state, effects).then(to_pain_after(state, completed=True, reason=None))
    if state.pending is not None:
        return Transition(prelude.ask(state, Stage.PAIN_CHECK, pain=None), effects + (Say(voice.WORSE),))
    return Transition(state, effects).then(to_card(state, state.index + 1))  # skipped: nothing to rest from


def to_hurt(state: FlowState, reason: str) -> Transition:
    """Stop for pain ("pain") or new leg symptoms ("leg")."""
    return Transition(replace(state, stage=Stage.HURT, stop_reason=reason, paused=False, away=False),
                      (Say(voice.STOP, urgent=True),))


def to_pain_after(state: FlowState, completed: bool, reason: str | None) -> Transition:
    """`completed`: the end was reached; it counts as completed only if every exercise was done."""
    if not state.session_started:
        return Transition(replace(state, stage=Stage.DONE))
    if completed and tl.not_done(state.plan, state.records):
        completed, reason = False, reason or "skipped"
    new = prelude.ask(state, Stage.PAIN_AFTER, pain=None, completed=completed,
                      stop_reason=state.stop_reason or reason, paused=False, away=False)
    return Transition(new, (Say(voice.PAIN_AFTER),))


def flush_pending(state: FlowState, pain: int | None) -> Transition:
    """The rating after an exercise belongs to it: record it on the saved row."""
    if state.pending is None or pain is None:
        return Transition(replace(state, pending=None))
    records = state.records[:-1] + (replace(state.records[-1], pain=pain),)
    return Transition(replace(state, pending=None, records=records), (RateExercise(pain),))


def end_session(state: FlowState, pain_after: int | None, worse: bool | None = None) -> Transition:
    """`worse`: no rating, but the person said (from the mat) whether the pain is worse than before
    (None: not asked that way)."""
    flushed = flush_pending(state, pain_after)
    s = replace(flushed.state, stage=Stage.SUMMARY, pain_after=pain_after, worse_after=worse,
                timer_s=state.settings.summary_s)
    stops = bool(worse) or safety.pain_stops(s.baseline, pain_after)
    if stops and s.stop_reason not in safety.PAIN_STOP_REASONS:
        # The last rating breaks the pain rule too: remembered as a pain stop, so the next launch
        # asks whether it settled and screens again, like a stop during the session.
        s = replace(s, completed=False, stop_reason="pain")
    said = voice.summary(s.completed, s.stop_reason)
    answered = () if worse is None else (AnsweredWorse(worse),)
    return flushed.then(Transition(s, (*answered, EndSession(pain_after, s.completed, s.stop_reason), Say(said))))


def to_leg_check(state: FlowState) -> Transition:
    return Transition(prelude.ask(state, Stage.LEG_CHECK, pain=None), (Say(safety.LEG_QUESTION),))


def to_rest(state: FlowState) -> Transition:
    """A rest before the next exercise, whose card is read meanwhile; then straight to its set-up."""
    if state.index + 1 >= len(state.plan.items):
        return to_pain_after(state, completed=True, reason=None)
    rest = state.item.rest_after_s if state.item.rest_after_s is not None else state.settings.exercise_rest_s
    new = replace(state, stage=Stage.REST, timer_s=rest)
    nxt = replace(state, index=state.index + 1)
    return Transition(new, (Say("Rest"), *(Say(line) for line in voice.card(nxt))))
