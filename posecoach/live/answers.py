"""Answers for a session without a window (--headless): from options or a TOML/JSON file.

The file (every key optional, none unknown):

    red_flags = "none"          # or a table: saddle_numbness = false, fever = "unsure", ...
    pain_before = 2
    pain_between = 2            # the check between exercises (default: pain_before)
    pain_after = 2
    hands_free = false          # true: after the first rating answer nothing (the session runs itself)
    [[keys]]                    # scripted key presses, by frame time
    t_s = 12.5
    key = "hurt"
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from posecoach import documents
from posecoach.errors import UserError
from posecoach.live import safety
from posecoach.live.signals import Input, Key, Press, Screened, SetPain
from posecoach.live.state import FlowState, Stage

Pain = Field(None, ge=safety.PAIN_MIN, le=safety.PAIN_MAX)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScriptedKey(_Strict):
    t_s: float = Field(ge=0.0)
    key: Key


class Answers(_Strict):
    red_flags: dict[str, bool | Literal["yes", "no", "unsure"]] | Literal["none"] | None = None
    pain_before: StrictInt | None = Pain  # strict: 'true' in a file is no rating (lax, it read as 1)
    pain_between: StrictInt | None = Pain
    pain_after: StrictInt | None = Pain
    clinician_ok: bool = False  # a sign flagged last time: has a clinician checked it and said exercise is OK?
    pain_settled: bool = True  # the last session stopped for pain: has it settled?
    leg_symptoms: bool = False  # the check between exercises: new or spreading leg symptoms?
    hands_free: bool = False  # after the first rating nothing is answered: gestures and the flow's own timing only
    keys: list[ScriptedKey] = []

    def red_flag_answers(self) -> dict[str, object] | None:
        if self.red_flags == "none":
            return dict.fromkeys(safety.question_ids(), False)
        return self.red_flags


def load_answers(path: Path) -> Answers:
    return documents.load_model(path, Answers)


def with_options(answers: Answers, no_red_flags: bool = False, pain_before: int | None = None,
                 pain_between: int | None = None, pain_after: int | None = None) -> Answers:
    """Command-line options override the file."""
    update: dict[str, object] = {k: v for k, v in (("pain_before", pain_before), ("pain_between", pain_between),
                                                   ("pain_after", pain_after)) if v is not None}
    for name, value in update.items():
        safety.check_pain(value, f"--{name.replace('_', '-')}")
    if no_red_flags:
        update["red_flags"] = "none"
    return answers.model_copy(update=update)


def check_complete(answers: Answers, screening: bool) -> None:
    """Fail before the session starts, naming the missing option."""
    if screening:
        flags = answers.red_flag_answers()
        if flags is None:
            raise UserError("--headless needs the safety answers: pass --no-red-flags if none of the questions "
                            "in 'posecoach safety' apply, or red_flags in --answers FILE")
        safety.evaluate(flags)
    for name in ("pain_before",) if answers.hands_free else ("pain_before", "pain_after"):
        if getattr(answers, name) is None:
            raise UserError(f"--headless needs --{name.replace('_', '-')} N (0-10), or {name} in --answers FILE")


# What a hands-free run still answers: the first screen, at the laptop.
_AT_THE_LAPTOP = frozenset({Stage.CLINICIAN_CHECK, Stage.PAIN_FOLLOWUP, Stage.WAIT_DAY, Stage.SAFETY,
                            Stage.SAFETY_REVIEW, Stage.SAFETY_STOP, Stage.PAIN_BEFORE, Stage.NO_SESSION,
                            Stage.HIGH_PAIN})


@dataclass
class Answerer:
    """Answers the prompts of a headless session as the person would, and presses scripted keys."""

    answers: Answers
    by_keys: bool = False  # answer the red-flag questions key by key, as a person would (screenshots)
    _next_key: int = 0

    def respond(self, state: FlowState) -> list[Input]:
        return self._scripted(state) + self._prompt(state)

    def _scripted(self, state: FlowState) -> list[Input]:
        keys = self.answers.keys
        due: list[Input] = []
        while self._next_key < len(keys) and state.t_s is not None and keys[self._next_key].t_s <= state.t_s:
            due.append(Press(keys[self._next_key].key))
            self._next_key += 1
        return due

    def _prompt(self, state: FlowState) -> list[Input]:
        a = self.answers
        if a.hands_free and state.stage not in _AT_THE_LAPTOP:
            return []
        if state.stage is Stage.SAFETY:
            flags = a.red_flag_answers() or {}
            if not self.by_keys:
                return [Screened(flags)]
            question = state.questions[len(state.answers)]
            return [Press(Key.YES if flags.get(question.id) else Key.NO)]
        if state.stage is Stage.SAFETY_REVIEW:
            return [Press(Key.CONFIRM)]
        if state.stage is Stage.CLINICIAN_CHECK:
            return [Press(Key.YES if a.clinician_ok else Key.NO)]
        if state.stage is Stage.PAIN_FOLLOWUP:
            return [Press(Key.YES if a.pain_settled else Key.NO)]
        if state.stage is Stage.LEG_CHECK:
            return [Press(Key.YES if a.leg_symptoms else Key.NO)]
        if state.stage is Stage.WAIT_DAY:
            return [Press(Key.QUIT)]
        pain = {Stage.PAIN_BEFORE: a.pain_before, Stage.PAIN_AFTER: a.pain_after,
                Stage.PAIN_CHECK: a.pain_between if a.pain_between is not None else a.pain_before}
        if state.stage in pain:
            value = pain[state.stage]
            return [SetPain(value), Press(Key.CONFIRM)] if value is not None else [Press(Key.QUIT)]
        if state.stage in (Stage.CARD, Stage.SAFETY_STOP, Stage.HURT, Stage.SUMMARY, Stage.NO_SESSION,
                           Stage.HIGH_PAIN, Stage.RULES):
            return [Press(Key.CONFIRM)]
        return []
