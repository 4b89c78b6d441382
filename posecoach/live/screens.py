"""What each stage of the flow shows, as plain data. `draw` turns these into pixels.

`describe(state)` is pure, so tests can check the words on every screen without a window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from posecoach.exercise.position import POSITIONS
from posecoach.live import safety, voice
from posecoach.live import tally as tl
from posecoach.live.history import ExerciseRecord
from posecoach.live.setup import SetupCheck
from posecoach.live.signals import KEY_LABELS, Key
from posecoach.live.state import FlowState, Stage

LegendItem = tuple[str, str]  # (key label, what it does)


def _legend(*items: Key | LegendItem, confirm: str = "continue") -> tuple[LegendItem, ...]:
    names = {Key.CONFIRM: confirm, Key.YES: "yes", Key.NO: "no", Key.UNSURE: "not sure", Key.BACK: "back",
             Key.PAUSE: "pause/resume", Key.SKIP: "skip",
             Key.REPEAT: "repeat", Key.HURT: "it hurts", Key.QUIT: "quit"}
    return tuple(i if isinstance(i, tuple) else (KEY_LABELS[i], names[i]) for i in items)


_PAIN_KEYS = (("0-9", "rate"), ("+/-", "adjust"))
_EXERCISE_KEYS = (Key.PAUSE, Key.SKIP, Key.REPEAT, Key.HURT, Key.QUIT)


@dataclass(frozen=True)
class SafetyScreen:
    heading: str
    index: int  # from 1
    total: int
    question: str
    level: str
    ready: bool  # shown long enough for an answer to count
    answers: tuple[LegendItem, ...]  # the answer keys: ("Y", "Yes"), ...
    disclaimer: str
    legend: tuple[LegendItem, ...]


@dataclass(frozen=True)
class ReviewScreen:
    title: str
    rows: tuple[tuple[str, str], ...]  # (sign, answer)
    note: str
    ready: bool
    legend: tuple[LegendItem, ...]


@dataclass(frozen=True)
class NoticeScreen:
    tone: str  # "danger", "warning" or "ok"
    title: str
    lines: tuple[str, ...]
    footer: str
    legend: tuple[LegendItem, ...]


@dataclass(frozen=True)
class PainScreen:
    title: str
    question: str
    value: int | None
    note: str
    legend: tuple[LegendItem, ...]
    yes_no: bool = False  # "worse than before?" can be answered yes or no (by gesture or Y/N) instead
    ready: bool = True


@dataclass(frozen=True)
class CardScreen:
    heading: str  # "Exercise 1 of 4"
    title: str
    dose: str
    camera: str
    instructions: tuple[str, ...]
    legend: tuple[LegendItem, ...]
    advice: str = ""  # the routine's own advice, on the first card


@dataclass(frozen=True)
class SetupScreen:
    title: str
    checks: tuple[SetupCheck, ...]
    progress: float  # 0..1 of the time the set-up must stay right
    camera: str
    paused: bool
    legend: tuple[LegendItem, ...]


@dataclass(frozen=True)
class CountdownScreen:
    title: str
    seconds: int
    subtitle: str
    paused: bool
    legend: tuple[LegendItem, ...]


@dataclass(frozen=True)
class ActiveScreen:
    title: str
    segment: str  # "Set 1 of 2, left side"
    progress: str  # "3 / 8 reps"
    fraction: float  # 0..1 toward this segment's target
    paused: bool
    legend: tuple[LegendItem, ...]
    away: bool = False  # out of view: "Come back into view" over the last picture


@dataclass(frozen=True)
class RestScreen:
    title: str
    seconds: int
    next_text: str
    paused: bool
    legend: tuple[LegendItem, ...]


@dataclass(frozen=True)
class SummaryRow:
    name: str
    status: str
    reps: str
    holds: str
    issues: str


@dataclass(frozen=True)
class SummaryScreen:
    title: str
    status: str
    rows: tuple[SummaryRow, ...]
    pain: str
    advice: tuple[str, ...]
    legend: tuple[LegendItem, ...]


Screen = (SafetyScreen | ReviewScreen | NoticeScreen | PainScreen | CardScreen | SetupScreen | CountdownScreen
          | ActiveScreen | RestScreen | SummaryScreen)


_ANSWER_KEYS = (Key.YES, Key.NO, Key.UNSURE)
_ANSWERS = tuple((KEY_LABELS[k], word) for k, word in zip(_ANSWER_KEYS, ("Yes", "No", "Not sure"), strict=True))
# The warnings after which a person may still exercise, gently, or stop for the day.
_GENTLY_OR_STOP = _legend(Key.CONFIRM, (KEY_LABELS[Key.QUIT], "stop for today"), confirm="go on gently")


def _safety(state: FlowState) -> Screen:
    index = min(len(state.answers), len(state.questions) - 1)
    q = state.questions[index]
    heading = ("Before you start: a safety check" if safety.scope_of(state.questions) is safety.Scope.FULL
               else "Before you start: the signs that need help now")
    keys = _ANSWER_KEYS + ((Key.BACK,) if index else ()) + (Key.QUIT,)
    return SafetyScreen(heading, index + 1, len(state.questions), q.text, q.level.value, state.ready, _ANSWERS,
                        safety.DISCLAIMER, _legend(*keys))


def _one_question(state: FlowState, heading: str, question: str, level: str, *keys: Key) -> Screen:
    """A single yes/no/not sure question; `keys` come between the answers and quit."""
    return SafetyScreen(heading, 1, 1, question, level, state.ready, _ANSWERS, safety.DISCLAIMER,
                        _legend(*_ANSWER_KEYS, *keys, Key.QUIT))


def _clinician_check(state: FlowState) -> Screen:
    flagged = state.followups.flagged
    assert flagged is not None
    question = f"Last time you told posecoach about: {safety.signs(flagged.ids)}. {safety.CLINICIAN_CHECK}"
    return _one_question(state, "Before you start: last time's safety check", question, flagged.outcome.value)


def _pain_followup(state: FlowState) -> Screen:
    stop = state.followups.pain_stop
    assert stop is not None
    question = f"Last time the session stopped: {stop.describe()}. {safety.PAIN_SETTLED_QUESTION}"
    return _one_question(state, "Before you start: last time's session", question, "pain")


def _leg_check(state: FlowState) -> Screen:
    return _one_question(state, "Quick check", safety.LEG_QUESTION, "leg", Key.HURT)


def _wait_day(state: FlowState) -> Screen:
    return NoticeScreen("warning", "Best to wait a day", safety.WAIT_A_DAY_LINES, safety.DISCLAIMER, _GENTLY_OR_STOP)


def _no_session(state: FlowState) -> Screen:
    return NoticeScreen("warning", "No session today", safety.NO_SESSION_LINES, safety.DISCLAIMER,
                        _legend(Key.CONFIRM, confirm="close"))


def _high_pain(state: FlowState) -> Screen:
    lines = safety.high_start_lines(state.pain_before or 0, state.plan.id)
    return NoticeScreen("warning", "Your pain is high today", lines, safety.DISCLAIMER, _GENTLY_OR_STOP)


def _rules(state: FlowState) -> Screen:
    lines = safety.rule_lines(voice.stop_how(KEY_LABELS[Key.HURT]))
    return NoticeScreen("ok", "Before the first exercise: when to stop", lines, safety.DISCLAIMER,
                        _legend(Key.CONFIRM, Key.QUIT, confirm="start"))


def _review(state: FlowState) -> Screen:
    rows = tuple((q.sign, a.label) for q, a in zip(state.questions, state.answers, strict=True))
    note = "Not sure counts as yes. Press B to change the last answer, or Space if these are right."
    return ReviewScreen("Check your answers", rows, note, state.ready,
                        _legend(Key.CONFIRM, Key.BACK, Key.QUIT, confirm="these are right"))


def _safety_stop(state: FlowState) -> Screen:
    verdict = state.verdict
    assert verdict is not None
    tone = "danger" if verdict.outcome is safety.Outcome.EMERGENCY else "warning"
    lines = verdict.lines
    if not state.answers and state.followups.flagged is not None:  # not checked by a clinician yet
        lines = (safety.CLINICIAN_NOT_YET, *lines)
    return NoticeScreen(tone, verdict.title, lines, safety.DISCLAIMER, _legend(Key.CONFIRM, confirm="close"))


_PAIN_TEXT = {
    Stage.PAIN_BEFORE: ("Before we start", "How much does your back hurt right now?"),
    Stage.PAIN_CHECK: ("Quick check", "Is your pain worse than before?"),
    Stage.PAIN_AFTER: ("Session finished", "How much does your back hurt now?"),
}


def _pain(state: FlowState) -> Screen:
    title, question = _PAIN_TEXT[state.stage]
    note = "0 = no pain, 10 = worst pain imaginable"
    if state.stage is not Stage.PAIN_BEFORE and state.pain_before is not None:
        note += f". Before the session: {state.pain_before}"
        if state.baseline is not None and state.baseline < state.pain_before:
            note += f" (the pain rule counts from {state.baseline}, before the session that stopped for pain)"
    asks = state.stage is not Stage.PAIN_BEFORE  # yes/no from the mat, or a rating at the keyboard
    worse = ((KEY_LABELS[Key.YES], "worse"), (KEY_LABELS[Key.NO], "not worse")) if asks else ()
    keys = (*worse, *_PAIN_KEYS, Key.CONFIRM) + ((Key.HURT,) if state.stage is Stage.PAIN_CHECK else ()) + (Key.QUIT,)
    return PainScreen(title, question, state.pain, note, _legend(*keys, confirm="confirm"), asks, state.ready)


def _card(state: FlowState) -> Screen:
    item = state.item
    spec = item.spec
    heading = f"Exercise {state.index + 1} of {len(state.plan.items)}"
    if len(state.plan.items) > 1:
        heading += f": {state.plan.name}"
    camera = f"Camera: {spec.view} view. {spec.setup}"
    getting_up = POSITIONS[spec.position].getting_up
    instructions = (*([item.note] if item.note else []), *spec.instructions, *([getting_up] if getting_up else []))
    return CardScreen(heading, spec.name, item.dose_text(), camera, instructions,
                      _legend(Key.CONFIRM, Key.SKIP, Key.HURT, Key.QUIT, confirm="start"),
                      state.plan.advice if state.index == 0 else "")


def _setup(state: FlowState) -> Screen:
    waiting = (SetupCheck("Whole body in the frame", False, "Looking for you..."),)
    checks = state.setup.checks if state.setup else waiting
    progress = min(1.0, state.timer_s / state.settings.setup_ok_s) if state.settings.setup_ok_s else 1.0
    spec = state.item.spec
    return SetupScreen(f"Set up: {spec.name}", checks, progress, spec.setup, state.paused,
                       _legend(Key.CONFIRM, *_EXERCISE_KEYS, confirm="start anyway"))


def _segment_text(state: FlowState) -> str:
    item = state.item
    number, side = item.segments[state.segment]
    parts = [f"Set {number} of {item.sets}"] if item.sets > 1 else []
    if side:
        parts.append(f"{side} side")
    elif item.spec.sides == "alternating":
        parts.append("alternate sides")
    return ", ".join(parts)


def _countdown(state: FlowState) -> Screen:
    subtitle = _segment_text(state) or "Get into the start position"
    return CountdownScreen(state.item.spec.name, max(1, math.ceil(state.timer_s)), subtitle, state.paused,
                           _legend(*_EXERCISE_KEYS))


def _active(state: FlowState) -> Screen:
    item = state.item
    _, side = item.segments[state.segment]
    keys = tl.counted_keys(item, side)
    counts = {k: state.tally.segment.get(k, 0) for k in keys}
    unit = item.unit
    if len(keys) == 2:
        progress = f"L {counts['left']}/{item.target}  R {counts['right']}/{item.target} {unit}"
    else:
        progress = f"{counts[keys[0]]} / {item.target} {unit}"
    fraction = min(1.0, sum(min(c, item.target) for c in counts.values()) / (item.target * len(keys)))
    return ActiveScreen(item.spec.name, _segment_text(state), progress, fraction, state.paused,
                        _legend(*_EXERCISE_KEYS), state.away)


def _rest(state: FlowState) -> Screen:
    keys = _legend(Key.CONFIRM, *_EXERCISE_KEYS, confirm="go on now")
    seconds = max(0, math.ceil(state.timer_s))
    if state.stage is Stage.BREAK:
        (old_set, _), (new_set, _) = state.item.segments[state.segment - 1], state.item.segments[state.segment]
        title = "Rest" if new_set != old_set else "Switch sides"
        return RestScreen(title, seconds, f"Next: {_segment_text(state)}", state.paused, keys)
    nxt = state.plan.items[state.index + 1] if state.index + 1 < len(state.plan.items) else None
    text = f"Next: {nxt.spec.name} ({nxt.dose_text()})" if nxt else "Next: the end of the session"
    return RestScreen("Rest", seconds, text, state.paused, keys)


def _hurt(state: FlowState) -> Screen:
    lines = safety.PAIN_STOP_ADVICE
    if state.stop_reason == "leg":
        lines = safety.LEG_STOP_ADVICE
    elif safety.over_ceiling(state.pain_after) and not safety.pain_rose(state.baseline, state.pain_after):
        lines = (f"Your pain is {state.pain_after}, above {safety.PAIN_CEILING}.", *lines)
    elif state.pain_after is not None and state.pain_before is not None:
        lines = (f"Your pain went from {state.pain_before} to {state.pain_after}.", *lines)
    return NoticeScreen("warning", "Stop: let's rest", lines, safety.DISCLAIMER,
                        _legend(Key.CONFIRM, confirm="end the session"))


def _row(record: ExerciseRecord) -> SummaryRow:
    sided = record.reps.get("left", 0) or record.reps.get("right", 0)
    reps = (f"L {record.reps.get('left', 0)}  R {record.reps.get('right', 0)}" if sided
            else str(record.total_reps))
    holds = f"{record.holds} ({record.total_hold_s:.0f} s)" if record.total_hold_s or record.holds else "-"
    issues = ", ".join(f"{m} (x{n})" if n > 1 else m for m, n in record.form_issues.items()) or "-"
    if record.status == "skipped" or record.unit != "reps":
        reps = "-"
    return SummaryRow(record.name, record.status, reps, holds, issues)


def _summary(state: FlowState) -> Screen:
    missing = tl.not_done(state.plan, state.records)
    not_done = "Not done: " + ", ".join(f"{name} ({what})" for name, what in missing) + "." if missing else ""
    if state.completed and not state.stop_reason and not missing:
        status = "Completed: well done."
    elif state.stop_reason == "skipped":
        status = f"Finished, but not everything was done. {not_done}"
    else:
        status = f"Stopped early ({state.stop_reason or 'partial'}): what you did is saved. {not_done}".rstrip()
    pain = f"Pain before {_num(state.pain_before)}, after{_after(state.pain_after, state.worse_after)}"
    advice = safety.pain_advice(state.pain_before, state.pain_after)
    if state.stop_reason == "pain" and not advice:
        advice = safety.PAIN_STOP_ADVICE
    routine = (state.plan.advice,) if state.plan.advice else ()
    return SummaryScreen("Session summary", status, tuple(_row(r) for r in state.records), pain,
                         (*advice, *routine, safety.DISCLAIMER), _legend(Key.CONFIRM, confirm="close"))


def _num(value: int | None) -> str:
    return "-" if value is None else str(value)


def _after(pain: int | None, worse: bool | None) -> str:
    """The closing rating, or the yes/no answer given for it from the mat (short: it shares the
    summary's top line with the title)."""
    if pain is None and worse is not None:
        return f": {'worse' if worse else 'not worse'} (answered yes/no)"
    return f" {_num(pain)}"


_DESCRIBE = {
    Stage.CLINICIAN_CHECK: _clinician_check, Stage.PAIN_FOLLOWUP: _pain_followup, Stage.WAIT_DAY: _wait_day,
    Stage.NO_SESSION: _no_session, Stage.HIGH_PAIN: _high_pain, Stage.RULES: _rules, Stage.LEG_CHECK: _leg_check,
    Stage.SAFETY: _safety, Stage.SAFETY_REVIEW: _review,
    Stage.SAFETY_STOP: _safety_stop,
    Stage.PAIN_BEFORE: _pain, Stage.PAIN_CHECK: _pain, Stage.PAIN_AFTER: _pain,
    Stage.CARD: _card, Stage.SETUP: _setup, Stage.COUNTDOWN: _countdown,
    Stage.ACTIVE: _active, Stage.BREAK: _rest, Stage.REST: _rest, Stage.HURT: _hurt,
    Stage.SUMMARY: _summary, Stage.DONE: _summary,
}


def describe(state: FlowState) -> Screen:
    return _DESCRIBE[state.stage](state)
