"""The red-flag screen inside the live flow, as pure steps: one question at a time, Back,
"not sure", a final "check your answers" screen, and the verdict.

An answer counts only after the question has been on screen `answer_pause_s` of frame time,
and a repeated key (held down, or pressed twice at once) never answers: `flow` drops those
before they get here. Nothing here reads a clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from posecoach.live import safety
from posecoach.live.signals import ClinicianChecked, Key, SaveScreening, Say
from posecoach.live.state import FlowState, Stage, Transition

ANSWER_KEYS = {Key.YES: safety.Answer.YES, Key.NO: safety.Answer.NO, Key.UNSURE: safety.Answer.UNSURE}


def ask(state: FlowState, stage: Stage, **changes) -> FlowState:
    """Show a prompt from now: its pause starts at the last frame's time."""
    return replace(state, stage=stage, shown_s=state.t_s, **changes)


def begin(state: FlowState) -> FlowState:
    """The first prompt of a launch: what earlier launches left to ask, then the screen."""
    if state.followups.flagged is not None:
        return ask(state, Stage.CLINICIAN_CHECK)
    return _after_clinician(state)


def _after_clinician(state: FlowState) -> FlowState:
    return ask(state, Stage.PAIN_FOLLOWUP) if state.followups.pain_stop is not None else _to_screen(state)


def _to_screen(state: FlowState) -> FlowState:
    return ask(state, Stage.SAFETY) if state.questions else replace(state, stage=Stage.PAIN_BEFORE)


def clinician_key(state: FlowState, key: Key) -> Transition:
    """Has a doctor or physiotherapist checked the sign flagged last time and said exercise is OK?"""
    flagged = state.followups.flagged
    if key is Key.QUIT or flagged is None:
        return Transition(replace(state, stage=Stage.DONE))
    answer = ANSWER_KEYS.get(key)
    if answer is None or not state.ready:
        return Transition(state)
    if answer is safety.Answer.YES:
        checked = replace(state, cleared=state.cleared | set(flagged.ids))
        return Transition(_after_clinician(checked), (ClinicianChecked(True),))
    verdict = flagged.verdict  # "no" or "not sure": still to be checked
    return Transition(replace(state, stage=Stage.SAFETY_STOP, verdict=verdict),
                      (ClinicianChecked(False), Say(safety.CLINICIAN_NOT_YET)))


def pain_followup_key(state: FlowState, key: Key) -> Transition:
    """The last session stopped for pain: has it settled? If not, best to wait a day."""
    if key is Key.QUIT:
        return Transition(replace(state, stage=Stage.DONE))
    if state.stage is Stage.WAIT_DAY:
        if key is not Key.CONFIRM or not state.ready:
            return Transition(state)
        return Transition(_to_screen(state))
    answer = ANSWER_KEYS.get(key)
    if answer is None or not state.ready:
        return Transition(state)
    if answer is safety.Answer.YES:
        return Transition(_to_screen(state))
    return Transition(ask(state, Stage.WAIT_DAY), (Say("Best to wait a day"),))


def safety_key(state: FlowState, key: Key) -> Transition:
    if key is Key.QUIT:
        return Transition(replace(state, stage=Stage.DONE))
    if key is Key.BACK:
        return Transition(ask(state, Stage.SAFETY, answers=state.answers[:-1]) if state.answers else state)
    answer = ANSWER_KEYS.get(key)
    if answer is None or not state.ready:
        return Transition(state)
    answers = state.answers + (answer,)
    stage = Stage.SAFETY_REVIEW if len(answers) >= len(state.questions) else Stage.SAFETY
    return Transition(ask(state, stage, answers=answers))


def review_key(state: FlowState, key: Key) -> Transition:
    """Check your answers: Space confirms them, Back changes the last one."""
    if key is Key.QUIT:
        return Transition(replace(state, stage=Stage.DONE))
    if key is Key.BACK:
        return Transition(ask(state, Stage.SAFETY, answers=state.answers[:-1]))
    if key is not Key.CONFIRM or not state.ready:
        return Transition(state)
    return finish(state, dict(zip(safety.question_ids(state.questions), state.answers, strict=True)))


def screened(state: FlowState, answers: Mapping[str, object]) -> Transition:
    """A script's answers, all at once: only the questions this session asks are read."""
    if state.stage is not Stage.SAFETY:
        return Transition(state)
    asked = set(safety.question_ids(state.questions))
    return finish(state, {k: safety.as_answer(v) for k, v in answers.items() if k in asked}, scripted=True)


def finish(state: FlowState, by_id: Mapping[str, safety.Answer], scripted: bool = False) -> Transition:
    """The verdict. A script's answers are not the person's: they are never saved as a screening."""
    verdict = safety.evaluate(by_id, state.questions, floor=state.floor, cleared=state.cleared)
    stage = Stage.PAIN_BEFORE if verdict.ok else Stage.SAFETY_STOP
    answers = tuple(by_id[q.id] for q in state.questions)
    save = () if scripted else (SaveScreening(by_id, verdict, safety.scope_of(state.questions)),)
    return Transition(replace(state, answers=answers, verdict=verdict, stage=stage), (*save, Say(verdict.title)))

