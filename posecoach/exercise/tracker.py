"""The one generic exercise tracker: measurements and a timestamp in, events out.

It never draws and never reads a clock. Unknown measurements (hidden landmarks, no person)
hold the state: nothing is counted until the body is seen again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from posecoach.exercise import checks
from posecoach.exercise.events import (
    CannotSee,
    Event,
    HoldEnded,
    PhaseEntered,
    RepCompleted,
    SideChanged,
    WrongPosition,
    WrongView,
)
from posecoach.exercise.measure import Measurements
from posecoach.exercise.phases import CycleSequence, HoldTimer, PhaseDetector, RepSequence, Settle
from posecoach.exercise.position import POSITIONS
from posecoach.exercise.spec import SIDES, ExerciseSpec


@dataclass(frozen=True)
class TrackerSettings:
    side_switch_margin: float = 0.15  # visibility advantage needed to change the tracked side
    side_switch_s: float = 0.7
    unseen_after_s: float = 0.5
    wrong_view_after_s: float = 1.5
    wrong_position_after_s: float = 1.5
    side_view_max_ratio: float = 0.55  # shoulder width / torso length above this: facing us
    front_view_min_ratio: float = 0.35


@dataclass(frozen=True)
class TrackerStatus:
    """A snapshot for the overlay and the live screens."""

    reps: dict[str | None, int]
    good_reps: int
    phase: dict[str | None, str | None]
    hold_s: dict[str | None, float]
    hold_target_s: float | None
    active_side: str | None


class Debounce:
    """Fires once when a condition has held for `after_s`; re-arms when it stops holding."""

    def __init__(self, after_s: float) -> None:
        self.after_s = after_s
        self._since: float | None = None
        self._fired = False

    def fires(self, condition: bool, t_s: float) -> bool:
        if not condition:
            self._since, self._fired = None, False
            return False
        if self._since is None:
            self._since = t_s
        if self._fired or t_s - self._since < self.after_s:
            return False
        self._fired = True
        return True


class SideTrack:
    """Phase detection, hold timing, rep counting and form checks for one side (or both)."""

    def __init__(self, spec: ExerciseSpec, side: str | None) -> None:
        self.spec, self.side = spec, side
        self.detector = PhaseDetector(spec, side)
        self.hold = (
            HoldTimer(spec.hold.phase, spec.hold.grace_s, spec.targets.hold_s, side, settle=Settle.of(spec))
            if spec.hold else None
        )
        self.sequence: RepSequence | CycleSequence | None = None
        if spec.rep:
            sequence_kind = CycleSequence if spec.rep.is_cycle else RepSequence
            self.sequence = sequence_kind(list(spec.rep.sequence))
        self.extremes: dict[str, tuple[float, float]] = {}
        self.issues: list[str] = []
        self.closed_holds: list[HoldEnded] = []  # holds that ended during the current rep
        self.form = checks.PhaseChecks(spec, side)
        self.reps = 0
        self.good_reps = 0

    def update(self, lookup, t_s: float) -> list[Event]:
        events: list[Event] = list(self.detector.update(lookup, t_s))
        if self.sequence and self.detector.left:
            self.sequence.on_left(*self.detector.left)
        if self.hold:
            settle = self.hold.settle
            hold_events = self.hold.update(self.detector, t_s, lookup(settle.measurement) if settle else math.nan)
            self.closed_holds += [e for e in hold_events if isinstance(e, HoldEnded)]
            events += hold_events
        self._track_extremes(lookup)
        issues = self.form.update(lookup, self.detector.phase, t_s)
        self.issues += [i.check for i in issues]
        events += issues
        for entered in [e for e in events if isinstance(e, PhaseEntered)]:
            events += self._on_phase(entered, t_s)
        return events

    def _on_phase(self, entered: PhaseEntered, t_s: float) -> list[Event]:
        if self.sequence is None:
            return []
        start = self.sequence.start_s
        if not self.sequence.on_phase(entered.phase, self.detector.since_s):
            if self.sequence.index <= 1:
                self._reset_rep()
            return []
        end = self.detector.since_s
        start = start if start is not None else end
        rep = self._rep(t_s, start, end)
        self._reset_rep()
        return [rep]

    def _rep(self, t_s: float, start: float, end: float) -> RepCompleted:
        hold_s = None
        if self.hold:
            closed = sum(max(0.0, min(h.end_s, end) - max(h.start_s, start)) for h in self.closed_holds)
            hold_s = closed + self.hold.overlap(start, end, t_s)
        issues = checks.rep_issues(self.spec, end - start, hold_s, self.extremes) + self.issues
        directions = self.spec.rep.directions if self.spec.rep else None
        direction = directions[self.sequence.direction] if directions else None
        rep = RepCompleted(t_s, self.side, start, end, hold_s, dict(self.extremes),
                           tuple(dict.fromkeys(issues)), direction)
        self.reps += 1
        self.good_reps += rep.good
        return rep

    def _reset_rep(self) -> None:
        self.extremes, self.issues, self.closed_holds = {}, [], []
        if self.sequence:
            self.sequence.start_s = None

    def _track_extremes(self, lookup) -> None:
        if not (self.sequence and self.sequence.in_progress):
            return
        for name in self.spec.measurements:
            value = lookup(name)
            if math.isnan(value):
                continue
            lo, hi = self.extremes.get(name, (value, value))
            self.extremes[name] = (min(lo, value), max(hi, value))

    def finish(self, t_s: float) -> list[Event]:
        return self.hold.finish(t_s) if self.hold else []


class ExerciseTracker:
    """Feeds measurements to one SideTrack (bilateral) or two (left and right)."""

    def __init__(self, spec: ExerciseSpec, settings: TrackerSettings = TrackerSettings()) -> None:
        self.spec, self.settings = spec, settings
        sides: tuple[str | None, ...] = SIDES if spec.unilateral else (None,)
        self.tracks = {side: SideTrack(spec, side) for side in sides}
        self.active_side: str | None = None
        self._side_challenger: tuple[str, float] | None = None
        self._unseen = Debounce(settings.unseen_after_s)
        self._wrong_view = Debounce(settings.wrong_view_after_s)
        self._wrong_position = Debounce(settings.wrong_position_after_s)
        self._last_t = 0.0

    def update(self, measurements: Measurements | None, t_s: float) -> list[Event]:
        self._last_t = t_s
        events: list[Event] = []
        if measurements is not None:
            events += self._choose_side(measurements, t_s)
            events += self._check_position(measurements, t_s)
            events += self._check_view(measurements, t_s)
        events += self._check_seen(measurements, t_s)
        for side, track in self.tracks.items():
            events += track.update(self._lookup(measurements, side), t_s)
        return events

    def finish(self) -> list[Event]:
        """Close what is still open (a hold at the end of a clip). Call once, at the end."""
        return [e for track in self.tracks.values() for e in track.finish(self._last_t)]

    def _lookup(self, measurements: Measurements | None, side: str | None):
        if measurements is None:
            return lambda name: math.nan
        measured_side = side if side is not None else self.active_side
        return lambda name: measurements.get(name, measured_side)

    def _choose_side(self, m: Measurements, t_s: float) -> list[Event]:
        """For bilateral exercises follow the better-seen side, with hysteresis."""
        if self.spec.unilateral:
            return []
        scores = {s: float(m.side_visibility[s]) for s in SIDES}
        best = max(scores, key=scores.get)
        if self.active_side is None:
            self.active_side = best
            return [SideChanged(t_s, best)]
        margin = scores[best] - scores[self.active_side]
        if best == self.active_side or margin < self.settings.side_switch_margin:
            self._side_challenger = None
            return []
        if self._side_challenger is None or self._side_challenger[0] != best:
            self._side_challenger = (best, t_s)
        if t_s - self._side_challenger[1] < self.settings.side_switch_s:
            return []
        self.active_side, self._side_challenger = best, None
        return [SideChanged(t_s, best)]

    def _check_seen(self, m: Measurements | None, t_s: float) -> list[Event]:
        message = _unseen_message(m, self.active_side, self.spec.unilateral)
        return [CannotSee(t_s, message)] if self._unseen.fires(message is not None, t_s) else []

    def _check_position(self, m: Measurements, t_s: float) -> list[Event]:
        if not self._wrong_position.fires(not bool(m.in_position), t_s):
            return []
        return [WrongPosition(t_s, POSITIONS[self.spec.position].cue)]

    def _check_view(self, m: Measurements, t_s: float) -> list[Event]:
        ratio = float(m.view_ratio)
        wrong = (
            (self.spec.view == "side" and ratio > self.settings.side_view_max_ratio)
            or (self.spec.view == "front" and ratio < self.settings.front_view_min_ratio)
        )
        if not self._wrong_view.fires(wrong, t_s):
            return []
        return [WrongView(t_s, wrong_view_message(self.spec))]

    @property
    def status(self) -> TrackerStatus:
        t_s = self._last_t
        return TrackerStatus(
            reps={side: track.reps for side, track in self.tracks.items()},
            good_reps=sum(track.good_reps for track in self.tracks.values()),
            phase={side: track.detector.phase for side, track in self.tracks.items()},
            hold_s={side: track.hold.elapsed(t_s) if track.hold else 0.0
                    for side, track in self.tracks.items()},
            hold_target_s=self.spec.targets.hold_s,
            active_side=self.active_side,
        )


def wrong_view_message(spec: ExerciseSpec) -> str:
    """What to do when the camera sees the body from the wrong side. Standing, turn round; lying
    or on all fours, turning is not the fix: the camera moves, to where the file says."""
    if spec.position != "standing":
        return spec.setup
    return "Turn so your side faces the camera" if spec.view == "side" else "Turn to face the camera"


def _unseen_message(m: Measurements | None, active_side: str | None, unilateral: bool) -> str | None:
    if m is None:
        return "I can't see you: step into the frame"
    if not m.hidden:
        return None
    if None in m.hidden:
        hidden = m.hidden[None]
    elif unilateral or active_side is None:
        hidden = min(m.hidden.values(), key=len)
    else:
        hidden = m.hidden[active_side]
    if not hidden:
        return None
    parts = ", ".join(name.replace("_", " ") for name in hidden[:3])
    return f"I can't see your {parts}: move so your whole body is in the frame"
