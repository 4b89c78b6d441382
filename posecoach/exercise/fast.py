"""The exercise tracker's counting, vectorised over a whole recorded series.

`evaluate(spec, series)` gives the same reps and holds as stepping `ExerciseTracker` frame
by frame over the same measurements, in a few milliseconds for a 10-minute recording, so
threshold sliders can re-count every recording as they move. How it stays the same:

- bands: enter/exit masks per phase; the first entered phase per frame (`first`), in file order;
- dwell: runs of `first`, each run's first frame past its phase's dwell (the confirmation);
- hysteresis: a confirmed phase lasts until the first frame of its exit mask; the next
  candidate run starts no earlier than that exit frame (the detector forgets its candidate);
- the sequential parts (which run confirms next, hold grace) loop over the short list of
  phase episodes and hold runs, never over frames; reps are counted by the tracker's own
  sequence classes, fed the episodes;
- bilateral exercises follow the better-seen side like the tracker: a side takes over after
  its visibility lead has lasted `side_switch_s` (runs again), forward-filled per frame.

Form checks, cues and visibility warnings are left to the per-frame tracker.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

from posecoach.exercise.measure import Key
from posecoach.exercise.phases import TIME_TOLERANCE_S, CycleSequence, RepSequence, Settle, lasted
from posecoach.exercise.spec import SIDES, ExerciseSpec
from posecoach.exercise.tracker import TrackerSettings
from posecoach.types import Span


@dataclass(frozen=True)
class Series:
    """An exercise's measurements over a recording (NaN = unknown), as `measure` returns them."""

    t_s: np.ndarray  # (T,) seconds, increasing
    has_pose: np.ndarray  # (T,) bool
    values: dict[Key, np.ndarray]
    side_visibility: dict[str, np.ndarray]


@dataclass(frozen=True)
class Episode:
    """A confirmed phase: entered at `since_s`, confirmed at frame `confirm`, left at frame `exit`."""

    phase: str
    since_s: float
    confirm: int
    exit: int | None


@dataclass(frozen=True)
class Rep:
    side: str | None
    start_s: float
    end_s: float
    t_s: float
    direction: str | None = None  # circles counted both ways: which way this one went


@dataclass(frozen=True)
class SideResult:
    side: str | None
    episodes: list[Episode]
    phase_index: np.ndarray  # (T,) index into spec.phases of the confirmed phase, -1 for none
    values: dict[str, np.ndarray]  # (T,) each measurement as this side's tracker read it
    reps: list[Rep]
    holds: list[Span]


@dataclass(frozen=True)
class Outcome:
    sides: dict[str | None, SideResult]
    active_left: np.ndarray | None  # bilateral: (T,) True where the left side is followed

    @property
    def reps(self) -> list[Rep]:
        return sorted((r for s in self.sides.values() for r in s.reps), key=lambda r: r.t_s)

    @property
    def holds(self) -> list[Span]:
        return sorted((h for s in self.sides.values() for h in s.holds), key=lambda h: h.start_s)


def evaluate(spec: ExerciseSpec, series: Series, settings: TrackerSettings | None = None) -> Outcome:
    """Reps and holds per side, as `ExerciseTracker` (with these settings) would report them."""
    settings = settings or TrackerSettings()
    if spec.unilateral:
        lookups = {side: _side_lookup(spec, series, side) for side in SIDES}
        return Outcome({s: _track_side(spec, series.t_s, v, s) for s, v in lookups.items()}, None)
    active_left = active_side_left(series, settings)
    values = _bilateral_lookup(spec, series, active_left)
    return Outcome({None: _track_side(spec, series.t_s, values, None)}, active_left)


# --- inputs ---------------------------------------------------------------------------


def _value(series: Series, name: str, side: str | None) -> np.ndarray:
    """A measurement the series does not have is unknown (NaN) throughout, as in `Measurements.get`."""
    value = series.values.get((name, side))
    value = series.values.get((name, None), np.nan) if value is None else value
    return np.where(series.has_pose, value, np.nan)


def _side_lookup(spec: ExerciseSpec, series: Series, side: str) -> dict[str, np.ndarray]:
    return {name: _value(series, name, side) for name in spec.measurements}


def _bilateral_lookup(spec: ExerciseSpec, series: Series, active_left: np.ndarray) -> dict[str, np.ndarray]:
    return {name: np.where(active_left, _value(series, name, "left"), _value(series, name, "right"))
            for name in spec.measurements}


def _forward_fill_index(mask: np.ndarray) -> np.ndarray:
    """For each position, the index of the latest True at or before it (-1 if none)."""
    return np.maximum.accumulate(np.where(mask, np.arange(len(mask)), -1))


def _runs(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(start index of each run of equal labels, run number of each position)."""
    change = np.ones(len(labels), dtype=bool)
    change[1:] = labels[1:] != labels[:-1]
    return np.flatnonzero(change), np.cumsum(change) - 1


def _first_true_per_run(ok: np.ndarray, run_id: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(runs that have a True, the first True position in each)."""
    positions = np.flatnonzero(ok)
    runs, first = np.unique(run_id[positions], return_index=True)
    return runs, positions[first]


def active_side_left(series: Series, settings: TrackerSettings) -> np.ndarray:
    """Per frame, whether the bilateral tracker follows the left side (see `_choose_side`)."""
    active = np.ones(len(series.t_s), dtype=bool)
    frames = np.flatnonzero(series.has_pose)
    if len(frames) == 0:
        return active
    left, right = series.side_visibility["left"][frames], series.side_visibility["right"][frames]
    lead, m = right - left, settings.side_switch_margin
    challenger = np.where((right > left) & (lead >= m), 2, np.where((left >= right) & (-lead >= m), 1, 0))
    starts, run_id = _runs(challenger)
    t = series.t_s[frames]
    ok = (challenger != 0) & (t - t[starts[run_id]] >= settings.side_switch_s)
    _, switch = _first_true_per_run(ok, run_id)
    switch_mask = np.zeros(len(frames), dtype=bool)
    switch_mask[switch] = True
    switch_mask[0] = True  # the first pose picks the better side outright
    side_at = challenger.copy()
    side_at[0] = 2 if right[0] > left[0] else 1
    active[frames] = side_at[_forward_fill_index(switch_mask)] == 1
    # Frames without a pose keep the side of the last pose (their values are unknown anyway).
    return active


# --- phases ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Masks:
    names: list[str]
    first: np.ndarray  # (T,) first entered phase (file order), -1 for none
    exits: list[np.ndarray]  # per phase, sorted frames past its exit threshold
    known: list[np.ndarray]  # per phase, (T,) every band has a value
    dwell: np.ndarray  # per phase, seconds


def _masks(spec: ExerciseSpec, values: dict[str, np.ndarray]) -> _Masks:
    entered, exits, known = [], [], []
    for phase in spec.phases.values():
        inside, outside, has_values = phase.state(values.__getitem__)
        entered.append(inside)
        exits.append(np.flatnonzero(outside))
        known.append(has_values)
    stacked = np.array(entered)
    first = np.where(stacked.any(axis=0), stacked.argmax(axis=0), -1)
    dwell = np.array([p.min_dwell_s for p in spec.phases.values()])
    return _Masks(list(spec.phases), first, exits, known, dwell)


class _Confirmations:
    """Where a free detector (no confirmed phase since frame i0) confirms its next phase."""

    def __init__(self, t: np.ndarray, masks: _Masks) -> None:
        self.t, self.first, self.dwell = t, masks.first, masks.dwell
        self.starts, self.run_id = _runs(masks.first)
        self.ends = np.append(self.starts[1:], len(t))
        ok = (masks.first >= 0) & lasted(t[self.starts[self.run_id]], t, self.dwell[masks.first])
        self.runs, self.frames = _first_true_per_run(ok, self.run_id)

    def next(self, i0: int) -> tuple[int, int] | None:
        """(confirmation frame, frame the candidate started) at or after i0, or None."""
        if i0 >= len(self.t):
            return None
        run = self.run_id[i0]
        phase = self.first[i0]
        if phase >= 0:  # the run under way restarts at i0: the detector forgot its candidate
            window = self.t[i0:self.ends[run]]
            hit = np.flatnonzero(lasted(self.t[i0], window, self.dwell[phase]))
            if len(hit):
                return i0 + int(hit[0]), i0
        k = np.searchsorted(self.runs, run, side="right")
        if k == len(self.runs):
            return None
        return int(self.frames[k]), int(self.starts[self.runs[k]])


def _episodes(t: np.ndarray, masks: _Masks) -> list[Episode]:
    confirmations, episodes, i0 = _Confirmations(t, masks), [], 0
    while (found := confirmations.next(i0)) is not None:
        confirm, start = found
        phase = int(masks.first[confirm])
        exits = masks.exits[phase]
        k = np.searchsorted(exits, confirm, side="right")
        exit_frame = int(exits[k]) if k < len(exits) else None
        episodes.append(Episode(masks.names[phase], float(t[start]), confirm, exit_frame))
        if exit_frame is None:
            break
        i0 = exit_frame
    return episodes


@dataclass(frozen=True)
class _Frames:
    """The detector's state per frame, rebuilt from the episodes."""

    phase: np.ndarray  # confirmed phase index, -1 when free
    left: np.ndarray  # a phase was left at this frame
    candidate: np.ndarray  # candidate phase index while free, -1 for none
    candidate_since: np.ndarray  # seconds


def _frames(t: np.ndarray, masks: _Masks, episodes: list[Episode]) -> _Frames:
    n = len(t)
    phase, left = np.full(n, -1), np.zeros(n, dtype=bool)
    restart = np.zeros(n, dtype=bool)
    restart[0] = True
    for e in episodes:
        phase[e.confirm:n if e.exit is None else e.exit] = masks.names.index(e.phase)
        if e.exit is not None:
            left[e.exit] = restart[e.exit] = True
    starts, run_id = _runs(masks.first)
    since_frame = np.maximum(starts[run_id], _forward_fill_index(restart))
    candidate = np.where(phase < 0, masks.first, -1)
    return _Frames(phase, left, candidate, t[since_frame])


def _reps(spec: ExerciseSpec, t: np.ndarray, episodes: list[Episode], side: str | None) -> list[Rep]:
    """The tracker's own rep sequence (`RepSequence`, or `CycleSequence` for cycles) driven by
    the episodes, as `SideTrack` drives it: confirmations advance it, leaving a phase may start
    the rep's clock."""
    if spec.rep is None:
        return []
    directions = spec.rep.directions
    sequence = (CycleSequence if spec.rep.is_cycle else RepSequence)(list(spec.rep.sequence))
    reps = []
    for e in episodes:
        start = sequence.start_s
        if sequence.on_phase(e.phase, e.since_s):
            direction = directions[sequence.direction] if directions else None
            reps.append(Rep(side, start if start is not None else e.since_s, e.since_s, float(t[e.confirm]),
                            direction))
            sequence.start_s = None
        elif sequence.index <= 1:
            sequence.start_s = None
        if e.exit is not None:
            sequence.on_left(e.phase, float(t[e.exit]))
    return reps


def _hold_runs(in_hold: np.ndarray) -> list[tuple[int, int]]:
    """[(first frame, one past the last frame)] of each run of True."""
    starts, _ = _runs(in_hold)
    ends = np.append(starts[1:], len(in_hold))
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True) if in_hold[a]]


def _holds(spec: ExerciseSpec, t: np.ndarray, masks: _Masks, episodes: list[Episode],
           frames: _Frames, values: dict[str, np.ndarray], side: str | None) -> list[Span]:
    """`HoldTimer` over the runs of frames in the hold phase (and seen): a gap closes the hold
    once it passes `grace_s` without the hold phase coming back as a candidate; a closed hold is
    trimmed to its settled part as the timer trims it (`Settle`)."""
    if spec.hold is None:
        return []
    target = masks.names.index(spec.hold.phase)
    in_hold = (frames.phase == target) & masks.known[target]
    runs = _hold_runs(in_hold)
    confirms = [e.confirm for e in episodes]
    holds, open_start, first_frame, grace = [], None, 0, spec.hold.grace_s
    closed_end = None  # the untrimmed end of the last hold, as the timer keeps it
    for m, (a, b) in enumerate(runs):
        if open_start is None:  # back-dated to when the confirmed phase was entered...
            open_start, first_frame = episodes[bisect.bisect_right(confirms, a) - 1].since_s, a
            if closed_end is not None and open_start < closed_end:  # ...unless a hold in it already closed
                open_start = float(t[a])
        if b == len(t):
            holds.append(_settled(spec, t, values, in_hold, open_start, float(t[b - 1]), first_frame, b, side))
            break
        pending = float(t[b] if frames.left[b] else t[b - 1])
        gap = slice(b, runs[m + 1][0] if m + 1 < len(runs) else len(t))
        returning = (frames.candidate[gap] == target) & (frames.candidate_since[gap] - pending <= grace)
        closes = bool(((t[gap] - pending > grace) & ~returning).any())
        if closes or gap.stop == len(t):
            holds.append(_settled(spec, t, values, in_hold, open_start, pending, first_frame, b, side))
            open_start, closed_end = None, pending
    return holds


def _settled(spec: ExerciseSpec, t: np.ndarray, values: dict[str, np.ndarray], in_hold: np.ndarray,
             start_s: float, end_s: float, first: int, stop: int, side: str | None) -> Span:
    settle = Settle.of(spec)
    if settle is None:
        return Span(start_s, end_s, side)
    frames = np.flatnonzero(in_hold[first:stop]) + first
    dwell = np.arange(np.searchsorted(t, start_s - TIME_TOLERANCE_S), first)  # before it was confirmed
    frames = np.concatenate([dwell, frames])
    return Span(*settle.trim(start_s, end_s, t[frames], values[settle.measurement][frames]), side)


def _track_side(spec: ExerciseSpec, t: np.ndarray, values: dict[str, np.ndarray], side: str | None) -> SideResult:
    masks = _masks(spec, values)
    episodes = _episodes(t, masks)
    frames = _frames(t, masks, episodes)
    reps = _reps(spec, t, episodes, side)
    holds = _holds(spec, t, masks, episodes, frames, values, side)
    return SideResult(side, episodes, frames.phase, values, reps, holds)
