"""Phase detection with hysteresis and dwell, hold timing with grace, rep sequencing.

Each class here is a small state machine stepped with (values, t_s). None reads a clock.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from posecoach.exercise.events import Event, HoldEnded, HoldStarted, HoldTargetReached, PhaseEntered
from posecoach.exercise.spec import ExerciseSpec, Phase

Lookup = Callable[[str], float]
# A hold's move out of its band starts past the settle speed and goes on until the speed falls
# below this fraction of it: the model's landmarks wobble a degree or two from run to run and at a
# seam, and a lowering read at 19.5 deg/s for two frames must not stretch the hold to its end.
LEAVING_HYSTERESIS = 0.8

# Frame times are sums of 1/fps: 0.2 s of dwell at 15 fps must not need a fourth frame.
TIME_TOLERANCE_S = 1e-6


def lasted(since_s, until_s, duration_s):
    """Whether what began at `since_s` has lasted `duration_s` by `until_s` (floats or arrays): the
    one test for a phase's dwell, a still run's window and a hold's target."""
    return until_s - since_s + TIME_TOLERANCE_S >= duration_s


def phase_state(phase: Phase, lookup: Lookup) -> tuple[bool, bool, bool]:
    """(entered, exited, known) as `Phase.state` defines them, as plain booleans."""
    entered, exited, known = phase.state(lookup)
    return bool(entered), bool(exited), bool(known)


class PhaseDetector:
    """Confirms a phase once it has been entered for its minimum dwell time.

    The confirmed phase's start is back-dated to when it was first entered, so dwell
    adds no error to rep or hold times. Leaving a phase needs its exit threshold, so noise
    in the gap between enter and exit changes nothing.
    """

    def __init__(self, spec: ExerciseSpec, side: str | None) -> None:
        self.phases = spec.phases
        self.side = side
        self.phase: str | None = None
        self.since_s = 0.0
        self.left: tuple[str, float] | None = None  # phase left on the last update, and when
        self._candidate: str | None = None
        self._candidate_since = 0.0
        self.known = False

    def update(self, lookup: Lookup, t_s: float) -> list[PhaseEntered]:
        self.left = None
        if self.phase is not None:
            _, exited, self.known = phase_state(self.phases[self.phase], lookup)
            if not exited:
                return []
            self.left, self.phase = (self.phase, t_s), None
        entered = [n for n, p in self.phases.items() if phase_state(p, lookup)[0]]
        self.known = any(phase_state(p, lookup)[2] for p in self.phases.values())
        if not entered:
            self._candidate = None
            return []
        if self._candidate != entered[0]:
            self._candidate, self._candidate_since = entered[0], t_s
        if not lasted(self._candidate_since, t_s, self.phases[self._candidate].min_dwell_s):
            return []
        self.phase, self.since_s, self._candidate = self._candidate, self._candidate_since, None
        return [PhaseEntered(t_s, self.side, self.phase)]

    @property
    def candidate(self) -> tuple[str | None, float]:
        return self._candidate, self._candidate_since


@dataclass(frozen=True)
class Settle:
    """How a hold is trimmed to its settled part, on the hold phase's first band measurement.

    `within` (Hold.settle_within): from the first frame within that much of the hold's furthest
    value to the last. `speed` (Hold.settle_speed): from the first frame of the first run, at least
    `window_s` long, where the measurement moves slower than `speed` per second (not the ascent
    into the position), to where it last starts moving out of the band faster than that, steadily
    (for `window_s` or more) until the hold ends (not the lowering out of it). A brief turn of the
    value, such as an angle read through a straight line (178 on the way to 170), is no settling.
    """

    measurement: str
    within: float | None
    highest: bool  # the band is entered from below (enter_above): the furthest value is the highest
    speed: float | None = None
    window_s: float = 0.4

    @classmethod
    def of(cls, spec: ExerciseSpec) -> Settle | None:
        hold = spec.hold
        if hold is None or (hold.settle_within is None and hold.settle_speed is None):
            return None
        band = spec.phases[hold.phase].bands[0]
        return cls(band.measurement, hold.settle_within, band.entered_from_below, hold.settle_speed,
                   hold.settle_window_s)

    def trim(self, start_s: float, end_s: float, times: np.ndarray, values: np.ndarray) -> tuple[float, float]:
        """(start, end) of a hold whose in-hold frames are (times, values); an end already
        settled (its first or last frame) stays. A hold that never settles lasts no time."""
        known = np.isfinite(values)
        if not known.any():
            return start_s, end_s
        t, v = times[known], values[known]
        keep = np.ones(len(v), dtype=bool)
        if self.within is not None:
            keep &= self._near_furthest(v)
        if self.speed is not None:
            keep &= self._still(t, v)
        if not keep.any():
            slowest = float(t[np.argmin(np.abs(robust_velocity(t, v, self.window_s)))])
            return slowest, slowest
        first, last = int(np.flatnonzero(keep)[0]), int(np.flatnonzero(keep)[-1])
        return (start_s if first == 0 else float(t[first]), end_s if last == len(v) - 1 else float(t[last]))

    def start_so_far(self, start_s: float, times: np.ndarray, values: np.ndarray, now_s: float) -> float | None:
        """Where the hold's settled part starts, judged live on the frames known at `now_s`; None
        while it has not settled. A frame's speed is judged once the half window after it has come,
        so a start found here stays, and is the start `trim` gives when the hold ends (unless a
        deeper fold later moves the `within` rule's start on)."""
        known = np.isfinite(values)
        if not known.any():
            return start_s
        t, v = times[known], values[known]
        keep = np.ones(len(v), dtype=bool)
        if self.within is not None:
            keep &= self._near_furthest(v)
        if self.speed is not None:
            judged = int(np.searchsorted(t, now_s - self.window_s / 2 + TIME_TOLERANCE_S, side="right"))
            if not judged or not lasted(t[0], t[judged - 1], self.window_s):
                return None  # too few frames judged for a still run
            settled = np.flatnonzero(settled_frames(t[:judged], robust_velocity(t, v, self.window_s)[:judged],
                                                    self.speed, self.window_s))
            keep[:settled[0] if len(settled) else len(t)] = False
        if not keep.any():
            return None
        first = int(np.argmax(keep))
        return start_s if first == 0 else float(t[first])

    def _near_furthest(self, v: np.ndarray) -> np.ndarray:
        """Values within `within` of the furthest (the highest or lowest) of them."""
        return np.abs(v - (v.max() if self.highest else v.min())) <= self.within + TIME_TOLERANCE_S

    def _still(self, t: np.ndarray, v: np.ndarray) -> np.ndarray:
        """From the first settled frame to the start of a steady move out of the band at the end."""
        velocity = robust_velocity(t, v, self.window_s)
        settled = np.flatnonzero(settled_frames(t, velocity, self.speed, self.window_s))
        keep = np.zeros(len(t), dtype=bool)
        if not len(settled):
            return keep
        keep[settled[0]:] = True
        outwards = -velocity if self.highest else velocity
        moving_out = latched(outwards > self.speed, outwards < self.speed * LEAVING_HYSTERESIS)
        last = len(t) - 1
        leaving = last + 1 - int(np.argmin(moving_out[::-1]))  # where the trailing run moving out begins
        if settled[0] < leaving <= last and lasted(t[leaving], t[last], self.window_s):
            keep[leaving + 1:] = False
        return keep


def robust_velocity(t: np.ndarray, v: np.ndarray, window_s: float) -> np.ndarray:
    """Per frame, units per second: the median of the values in the half window after it less the
    median of those in the half window before it (each including the frame), over the difference of
    their median times. One stray frame moves neither median; no neighbours reads as still."""
    half = window_s / 2
    lo = np.searchsorted(t, t - half - TIME_TOLERANCE_S, side="left")
    hi = np.searchsorted(t, t + half + TIME_TOLERANCE_S, side="right")
    frames = np.arange(len(t))
    before_t, after_t = _window_medians(t, lo, frames + 1), _window_medians(t, frames, hi)
    before_v, after_v = _window_medians(v, lo, frames + 1), _window_medians(v, frames, hi)
    dt = after_t - before_t
    out = np.zeros(len(t))
    moving = dt > 0
    out[moving] = (after_v[moving] - before_v[moving]) / dt[moving]
    return out


def _window_medians(x: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """The median of x[starts[i]:stops[i]] for every i at once (each window holds at least one value)."""
    if not len(x):
        return np.zeros(0)
    width = int((stops - starts).max())
    index = starts[:, None] + np.arange(width)[None, :]
    inside = index < stops[:, None]
    # Sorted, the values outside a window (NaN) go last; the middle of the first `count` is the median.
    ordered = np.sort(np.where(inside, x[np.minimum(index, len(x) - 1)], np.nan), axis=1)
    count = inside.sum(axis=1)
    rows = np.arange(len(starts))
    return (ordered[rows, count // 2] + ordered[rows, (count - 1) // 2]) / 2


def settled_frames(t: np.ndarray, velocity: np.ndarray, speed: float, window_s: float) -> np.ndarray:
    """Frames moving slower than `speed` per second, in runs lasting `window_s` or more. No
    hysteresis here: only the first run's start is used, and a frame tipping over `speed` before it
    moves that start by less than `window_s`; a latch would also read the turn of an angle through
    a straight line, slow at its peak, as settling."""
    slow = np.abs(velocity) <= speed
    keep = np.zeros(len(t), dtype=bool)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], slow.astype(np.int8), [0]])))
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        if lasted(t[a], t[b - 1], window_s):
            keep[a:b] = True
    return keep


def latched(on: np.ndarray, off: np.ndarray) -> np.ndarray:
    """True from each frame where `on` holds through to the next where `off` holds (`on` wins a tie):
    a switch with hysteresis, one frame at a time as it would run live, over the whole array at once."""
    frames = np.arange(len(on))
    last_switch = np.maximum.accumulate(np.where(on | off, frames, -1))
    return (last_switch >= 0) & on[np.maximum(last_switch, 0)]


@dataclass
class HoldTimer:
    """Time spent in the hold phase. A dropout or exit shorter than `grace_s` is bridged."""

    phase: str
    grace_s: float
    target_s: float | None
    side: str | None
    start_s: float | None = None
    last_in_s: float = 0.0
    pending_end_s: float | None = None
    last_end_s: float | None = None
    target_reached: bool = False
    settle: Settle | None = None
    _samples: list[tuple[float, float]] = field(default_factory=list)  # (t, value) in this hold, and its dwell
    _settled_start_s: float | None = None  # found live, kept once found
    _judged_at: tuple[int, float] | None = None  # (samples, time) it was last looked for at

    def update(self, detector: PhaseDetector, t_s: float, value: float = math.nan) -> list[Event]:
        in_hold = detector.phase == self.phase and detector.known
        if in_hold:
            return self._in_hold(detector, t_s, value)
        candidate, since = detector.candidate
        if self.start_s is None:
            # The phase's dwell before it is confirmed: part of the hold it back-dates to.
            if candidate == self.phase:
                self._samples.append((t_s, value))
            else:
                self._samples = []
            return []
        if self.pending_end_s is None:
            self.pending_end_s = t_s if detector.left is not None else self.last_in_s
        returning = candidate == self.phase and since - self.pending_end_s <= self.grace_s
        if t_s - self.pending_end_s > self.grace_s and not returning:
            return [self._close(t_s)]
        return []

    def _in_hold(self, detector: PhaseDetector, t_s: float, value: float) -> list[Event]:
        events: list[Event] = []
        if self.start_s is None:
            # Back-dated to when the phase was entered, unless a hold in this same visit of
            # the phase already ended (a long dropout): then the new hold starts now.
            resumed = self.last_end_s is not None and detector.since_s < self.last_end_s
            self.start_s, self.target_reached = (t_s if resumed else detector.since_s), False
            self._samples = [sample for sample in self._samples if sample[0] >= self.start_s - TIME_TOLERANCE_S]
            self._settled_start_s = None
            events.append(HoldStarted(t_s, self.side))
        self.pending_end_s, self.last_in_s = None, t_s
        self._samples.append((t_s, value))
        if self.target_s and not self.target_reached and lasted(0.0, self.elapsed(t_s), self.target_s):
            self.target_reached = True
            events.append(HoldTargetReached(t_s, self.side, self.target_s))
        return events

    def _close(self, t_s: float) -> HoldEnded:
        start, end = self._settled_span(t_s)
        event = HoldEnded(t_s, self.side, start, end)
        last_end = self.pending_end_s if self.pending_end_s is not None else t_s
        self.start_s, self.pending_end_s, self.last_end_s, self._samples = None, None, last_end, []
        return event

    def _settled_span(self, t_s: float) -> tuple[float, float]:
        """(start, end) of the current hold, trimmed to its settled part when the hold says so."""
        end = self.pending_end_s if self.pending_end_s is not None else t_s
        if self.settle is None or not self._samples:
            return self.start_s, end
        times, values = np.array(self._samples).T
        return self.settle.trim(self.start_s, end, times, values)

    def finish(self, t_s: float) -> list[Event]:
        """Close a hold still open when the stream ends."""
        if self.start_s is None:
            return []
        if self.pending_end_s is None:
            self.pending_end_s = self.last_in_s
        return [self._close(t_s)]

    def elapsed(self, t_s: float) -> float:
        """Seconds held so far, from the settled start (what the person sees and hears live):
        the same start the ended hold will report, so a live 5 s is a reported 5 s."""
        start = self._live_start(t_s)
        if start is None:
            return 0.0
        end = self.pending_end_s if self.pending_end_s is not None else t_s
        return max(0.0, end - start)

    def _live_start(self, t_s: float) -> float | None:
        if self.start_s is None or self.settle is None or not self._samples:
            return self.start_s
        found_for_good = self._settled_start_s is not None and self.settle.within is None  # a speed rule's stays
        if not found_for_good and self._judged_at != (len(self._samples), t_s):
            self._judged_at = (len(self._samples), t_s)
            times, values = np.array(self._samples).T
            self._settled_start_s = self.settle.start_so_far(self.start_s, times, values, t_s)
        return self._settled_start_s

    def overlap(self, start_s: float, end_s: float, t_s: float) -> float:
        """Seconds of the current (open or pending) hold inside [start_s, end_s], settled as it
        would be if it closed now."""
        if self.start_s is None:
            return 0.0
        start, end = self._settled_span(t_s)
        return max(0.0, min(end, end_s) - max(start, start_s))


@dataclass
class RepSequence:
    """Matches confirmed phases against the rep's sequence of phases."""

    sequence: list[str]
    index: int = 0
    start_s: float | None = None
    seen_a_phase: bool = False

    def on_phase(self, phase: str, since_s: float) -> bool:
        """Advance on a confirmed phase; True when this completes a rep."""
        seq = self.sequence
        first, self.seen_a_phase = not self.seen_a_phase, True
        if first and len(seq) == 3 and seq[0] == seq[2] and phase == seq[1]:
            # The recording starts at the rep's target (a set begun at the bottom of a squat):
            # the start position came before it, so returning to it completes the rep.
            self.index, self.start_s = 2, since_s
            return False
        if self.index < len(seq) and seq[self.index] == phase:
            self.index += 1
        elif self.index >= 1 and seq[self.index - 1] == phase:
            return False  # back into the phase just matched (a wobble): the rep goes on
        else:
            self.index = 1 if phase == seq[0] else 0
        if self.index == len(seq):
            self.index = 1 if seq[-1] == seq[0] else 0
            return True
        return False

    def on_left(self, phase: str, t_s: float) -> None:
        """Leaving the first phase starts the rep's clock."""
        if self.index == 1 and phase == self.sequence[0]:
            self.start_s = t_s

    @property
    def in_progress(self) -> bool:
        return self.index >= 1 and self.start_s is not None


@dataclass
class CycleSequence:
    """Counts turns through a cycle of phases, either way round, starting anywhere: circles.

    A rep is one turn: from whichever phase came first, every phase of the cycle confirmed in
    order, as written or backwards, and back to that first phase. Turns go on from there.
    Skipping a phase starts the turn again from there; turning back starts a turn the other
    way from the phase where it turned; re-entering the same phase changes nothing.
    `direction` is the way of the last completed turn (0 = as written, 1 = backwards); a cycle
    of two phases (a side-to-side swing) has only one way round, as written.
    Same interface as `RepSequence`.
    """

    sequence: list[str]
    index: int = 0  # phases of the current turn confirmed so far
    start_s: float | None = None
    direction: int | None = None
    _walk: list[str] = field(default_factory=list)
    _step: int = 0  # +1 as written, -1 backwards, 0 not known yet

    def on_phase(self, phase: str, since_s: float) -> bool:
        """Advance on a confirmed phase; True when this completes a turn."""
        cycle = self.sequence
        self.direction = None
        if phase not in cycle or not self._walk:
            self._walk, self._step = ([phase] if phase in cycle else []), 0
        else:
            gap = (cycle.index(phase) - cycle.index(self._walk[-1])) % len(cycle)
            step = 1 if gap == 1 else -1 if gap == len(cycle) - 1 else 0
            if gap == 0:  # back into the same phase after a wobble: no progress, nothing lost
                return False
            if step and self._step in (0, step):
                self._walk.append(phase)
            elif step:  # turned back: a turn the other way began where it turned
                self._walk, self.start_s = [self._walk[-1], phase], since_s
            else:
                self._walk = [phase]
            self._step = step
        if len(self._walk) == len(cycle) + 1:
            self.direction = 0 if self._step == 1 else 1
            self._walk, self._step = [phase], 0
        self.index = len(self._walk)
        return self.direction is not None

    def on_left(self, phase: str, t_s: float) -> None:
        """Leaving the phase a turn began in starts the rep's clock."""
        if self.index == 1 and phase == self._walk[0]:
            self.start_s = t_s

    @property
    def in_progress(self) -> bool:
        """From the phase a turn began in: that phase is part of the turn (on a side-to-side swing
        it holds one of the two turning points), though the clock only starts on leaving it."""
        return self.index >= 1
