"""What goes into the live flow (inputs) and what comes out of it (effects): plain records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from posecoach.exercise.events import Event
from posecoach.live import safety
from posecoach.live.history import ExerciseRecord
from posecoach.live.setup import SetupStatus


class Key(StrEnum):
    CONFIRM = "confirm"
    YES = "yes"
    NO = "no"
    UNSURE = "unsure"  # "not sure": counts as yes
    BACK = "back"  # the previous question
    UP = "up"
    DOWN = "down"
    PAUSE = "pause"
    SKIP = "skip"
    REPEAT = "repeat"
    HURT = "hurt"
    QUIT = "quit"
    MUTE = "mute"  # speech off and on


# Inputs
@dataclass(frozen=True)
class Tick:
    t_s: float  # the frame's own time
    events: tuple[Event, ...] = ()
    setup: SetupStatus | None = None
    open_hold_s: Mapping[str, float] = field(default_factory=dict)  # hold in progress, per side key


@dataclass(frozen=True)
class Press:
    key: Key
    repeat: bool = False  # the same key again at once (held down, or pressed twice): never an answer


@dataclass(frozen=True)
class Screened:
    """The whole red-flag screen answered at once by a script (--no-red-flags, --answers)."""

    answers: Mapping[str, object]


@dataclass(frozen=True)
class SetPain:
    value: int


@dataclass(frozen=True)
class SourceEnded:
    reason: str = "camera"


@dataclass(frozen=True)
class Gestured:
    """A body gesture held to its end (live/gestures.py): the flow says what it means on each screen."""

    key: Key


@dataclass(frozen=True)
class Closed:
    """The window was closed: the session ends now, keeping what was done (one click, never asked again)."""


Input = Tick | Press | SetPain | SourceEnded | Screened | Gestured | Closed


# Effects
@dataclass(frozen=True)
class SaveScreening:
    answers: Mapping[str, safety.Answer]
    verdict: safety.Verdict
    scope: safety.Scope = safety.Scope.FULL


@dataclass(frozen=True)
class ClinicianChecked:
    ok: bool  # "a doctor or physiotherapist has checked the flagged signs and said exercise is OK"


@dataclass(frozen=True)
class StartSession:
    pain_before: int


@dataclass(frozen=True)
class SaveExercise:
    record: ExerciseRecord


@dataclass(frozen=True)
class RateExercise:
    pain: int  # the rating given just after the last saved exercise


@dataclass(frozen=True)
class EndSession:
    pain_after: int | None
    completed: bool
    stop_reason: str | None


@dataclass(frozen=True)
class AnsweredWorse:
    """The closing "is your pain worse than before?" answered yes or no (from the mat), not rated."""

    worse: bool


@dataclass(frozen=True)
class StartTracking:
    index: int  # plan item to track from now on (a fresh tracker)


@dataclass(frozen=True)
class Sound:
    kind: str  # "rep", "hold", "done"


@dataclass(frozen=True)
class Say:
    text: str
    urgent: bool = False  # a safety phrase: interrupts whatever is being said and goes first


Effect = (SaveScreening | ClinicianChecked | StartSession | SaveExercise | RateExercise | AnsweredWorse | EndSession
          | StartTracking | Sound | Say)


# The keys as the person presses them: shown in the on-screen legend, read by the window.
KEY_LABELS: Mapping[Key, str] = MappingProxyType({
    Key.CONFIRM: "Space", Key.YES: "Y", Key.NO: "N", Key.UNSURE: "U", Key.BACK: "B", Key.UP: "+", Key.DOWN: "-",
    Key.PAUSE: "P",
    Key.SKIP: "S", Key.REPEAT: "R", Key.HURT: "H", Key.QUIT: "Q", Key.MUTE: "M",
})
