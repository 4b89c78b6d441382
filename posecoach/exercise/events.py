"""What the tracker reports. Plain frozen records; sinks and the overlay consume them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PhaseEntered:
    t_s: float
    side: str | None
    phase: str


@dataclass(frozen=True)
class RepCompleted:
    t_s: float
    side: str | None
    start_s: float
    end_s: float
    hold_s: float | None
    extremes: dict[str, tuple[float, float]] = field(default_factory=dict)
    issues: tuple[str, ...] = ()
    direction: str | None = None  # for reps counted both ways (circles): which way this one went

    @property
    def good(self) -> bool:
        return not self.issues

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class HoldStarted:
    t_s: float
    side: str | None


@dataclass(frozen=True)
class HoldTargetReached:
    t_s: float
    side: str | None
    target_s: float


@dataclass(frozen=True)
class HoldEnded:
    t_s: float
    side: str | None
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class FormIssue:
    t_s: float
    side: str | None
    check: str
    message: str


@dataclass(frozen=True)
class CannotSee:
    t_s: float
    message: str


@dataclass(frozen=True)
class SideChanged:
    t_s: float
    side: str


@dataclass(frozen=True)
class WrongView:
    t_s: float
    message: str


@dataclass(frozen=True)
class WrongPosition:
    t_s: float
    message: str


Event = (
    PhaseEntered | RepCompleted | HoldStarted | HoldTargetReached | HoldEnded
    | FormIssue | CannotSee | SideChanged | WrongView | WrongPosition
)
