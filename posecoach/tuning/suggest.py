"""Threshold suggestions from recordings, with the margin each leaves.

Each measurement's frames are split into classes, one per phase decided on it: from the
annotation when there is one (frames inside annotated holds belong to the hold phase, frames
well away from them to the other phase), else by clustering the frames where the body is
still. Each band's thresholds are placed in the gap between its phase's class and the
neighbouring one: the enter threshold a quarter of the gap in from its own phase's 10th/90th
percentile, the exit threshold 55% across. The margin is the distance left to the nearest
class percentile on the side the threshold guards; a negative gap means the phases overlap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from posecoach.exercise.spec import ExerciseSpec, Phase
from posecoach.tuning.session import Tuned
from posecoach.tuning.thresholds import band_measurements, thresholds

INSIDE_TRIM_S = 0.3  # annotation accuracy: ignore this much at each end of an annotated hold
OUTSIDE_GAP_S = 0.6  # frames this close to an annotated hold are transitions, not the other phase
ENTER_AT, EXIT_AT = 0.25, 0.55


@dataclass(frozen=True)
class Suggestion:
    key: str
    current: float
    proposed: float | None
    margin: float | None
    basis: str  # what the threshold was placed against


def _centre(phase: Phase, measurement: str) -> float:
    return next(b for b in phase.bands if b.measurement == measurement).enter_centre


def _still(values: np.ndarray, t_s: np.ndarray) -> np.ndarray:
    speed = np.abs(np.gradient(values, t_s)) if len(values) > 2 else np.zeros_like(values)
    known = ~np.isnan(speed)
    return known & (speed <= np.median(speed[known])) if known.any() else known


def kmeans_1d(values: np.ndarray, k: int, iterations: int = 30) -> np.ndarray:
    """Cluster labels 0..k-1 ordered by centre (deterministic: starts at quantiles)."""
    centres = np.quantile(values, (np.arange(k) + 0.5) / k)
    for _ in range(iterations):
        labels = np.abs(values[:, None] - centres[None, :]).argmin(axis=1)
        centres = np.array([values[labels == i].mean() if (labels == i).any() else centres[i] for i in range(k)])
    order = np.argsort(centres)
    return np.argsort(order)[np.abs(values[:, None] - centres[None, :]).argmin(axis=1)]


def _annotated_classes(spec: ExerciseSpec, tuned: Sequence[Tuned], name: str,
                       phases: list[str]) -> dict[str, np.ndarray] | None:
    hold = spec.hold.phase if spec.hold else None
    annotated = [t for t in tuned if t.recording.truth is not None]
    if hold not in phases or len(phases) != 2 or not any(t.recording.truth.holds for t in annotated):
        return None
    inside, outside = [], []
    for item in annotated:
        t_s, values = item.series.t_s, next(iter(item.outcome.sides.values())).values[name]
        spans = [(h.start_s, h.end_s) for h in item.recording.truth.holds]
        near = np.zeros(len(t_s), dtype=bool)
        within = np.zeros(len(t_s), dtype=bool)
        for a, b in spans:
            within |= (t_s >= a + INSIDE_TRIM_S) & (t_s <= b - INSIDE_TRIM_S)
            near |= (t_s >= a - OUTSIDE_GAP_S) & (t_s <= b + OUTSIDE_GAP_S)
        inside.append(values[within])
        outside.append(values[~near])
    other = next(p for p in phases if p != hold)
    return {hold: _known(inside), other: _known(outside)}


def _known(parts: list[np.ndarray]) -> np.ndarray:
    values = np.concatenate(parts) if parts else np.array([])
    return values[~np.isnan(values)]


def _clustered_classes(tuned: Sequence[Tuned], name: str, phases: list[str]) -> dict[str, np.ndarray]:
    parts = []
    for item in tuned:
        for result in item.outcome.sides.values():
            values = result.values[name]
            parts.append(values[_still(values, item.series.t_s)])
    values = _known(parts)
    if len(values) < len(phases) * 5:
        return {p: np.array([]) for p in phases}
    labels = kmeans_1d(values, len(phases))
    return {p: values[labels == i] for i, p in enumerate(phases)}


def _place(field: str, phase: str, order: list[str],
           classes: dict[str, np.ndarray]) -> tuple[float | None, float | None, str]:
    """(proposed value, margin, basis) for one threshold of `phase`."""
    low_side = field in ("enter_above", "exit_below", "enter_between.0", "exit_outside.0")
    i = order.index(phase)
    j = i - 1 if low_side else i + 1
    if not 0 <= j < len(order):
        return None, None, f"no phase {'below' if low_side else 'above'} '{phase}' to separate from"
    lower, upper = (order[j], phase) if low_side else (phase, order[j])
    if len(classes[lower]) == 0 or len(classes[upper]) == 0:
        return None, None, f"no frames of '{lower if len(classes[lower]) == 0 else upper}' to learn from"
    lo_edge, hi_edge = float(np.percentile(classes[lower], 90)), float(np.percentile(classes[upper], 10))
    gap = hi_edge - lo_edge
    if gap <= 0:
        return None, gap, (f"'{lower}' and '{upper}' overlap: 90th percentile of '{lower}' {lo_edge:.1f} "
                           f">= 10th percentile of '{upper}' {hi_edge:.1f}")
    own_edge, fraction = (hi_edge, -1) if low_side else (lo_edge, 1)
    if field.startswith("enter"):
        value = own_edge + fraction * ENTER_AT * gap
        basis = f"{'10th' if low_side else '90th'} percentile of '{phase}' {own_edge:.1f}"
        return round(value, 1), round(abs(own_edge - value), 1), basis
    value = own_edge + fraction * EXIT_AT * gap
    other_edge = lo_edge if low_side else hi_edge
    basis = f"{'90th' if low_side else '10th'} percentile of '{order[j]}' {other_edge:.1f}"
    return round(value, 1), round(abs(value - other_edge), 1), basis


def suggest(spec: ExerciseSpec, tuned: Sequence[Tuned]) -> list[Suggestion]:
    """A proposal for every threshold (None where the recordings cannot separate the phases)."""
    found = []
    for name in band_measurements(spec):
        on_m = [p for p, phase in spec.phases.items() if any(b.measurement == name for b in phase.bands)]
        order = sorted(on_m, key=lambda p: _centre(spec.phases[p], name))
        classes = on_m and (_annotated_classes(spec, tuned, name, order) or _clustered_classes(tuned, name, order))
        for t in (t for t in thresholds(spec) if t.measurement == name):
            if t.group == "unless":  # the recordings annotate the exercise, not its look-alikes
                found.append(Suggestion(t.key, t.value, None, None, "a look-alike's band: set by hand"))
                continue
            proposed, margin, basis = _place(t.field, t.phase, order, classes)
            found.append(Suggestion(t.key, t.value, proposed, margin, basis))
    return found


def format_suggestions(suggestions: Sequence[Suggestion]) -> str:
    lines = []
    for s in suggestions:
        if s.proposed is None:
            lines.append(f"{s.key}: keep {s.current:g} ({s.basis})")
        else:
            lines.append(f"{s.key}: {s.current:g} -> {s.proposed:g}  (margin {s.margin:.1f} to the {s.basis})")
    return "\n".join(lines)
