"""The tuning plot: each measurement over time with its thresholds, phases, reps and holds.

`plot_data` computes what is drawn (returned, so tests can check the marks against the
counts); `draw` only draws it, on a matplotlib Figure with the Agg canvas (no window, no
pyplot state).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posecoach.exercise.spec import ExerciseSpec
from posecoach.sinks.atomic import atomic_path
from posecoach.tuning.session import Tuned
from posecoach.tuning.thresholds import Threshold, band_measurements, thresholds

Span = tuple[float, float]


@dataclass(frozen=True)
class AxesData:
    source: str
    measurement: str
    side: str | None
    t_s: np.ndarray
    values: np.ndarray
    thresholds: list[Threshold]
    phase_spans: list[tuple[str, float, float]]
    reps: list[Span]  # (start_s, end_s) per counted rep
    holds: list[Span]
    no_pose: list[Span]
    truth_reps: int | None
    truth_holds: list[Span]

    @property
    def title(self) -> str:
        side = f" ({self.side})" if self.side else ""
        truth = "" if self.truth_reps is None else f" (annotated {self.truth_reps})"
        holds = " ".join(f"{b - a:.1f}" for a, b in self.holds)
        holds = f"{holds} s" if holds else "none"
        return f"{self.source}: {self.measurement}{side}: {len(self.reps)} reps{truth}; holds {holds}"


@dataclass(frozen=True)
class PlotData:
    exercise: str
    axes: list[AxesData]


def spans(mask: np.ndarray, t_s: np.ndarray) -> list[Span]:
    """(first time, last time) of each run of True."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return [(float(t_s[a]), float(t_s[b])) for a, b in zip(starts, ends, strict=True)]


def plot_data(spec: ExerciseSpec, tuned: Sequence[Tuned]) -> PlotData:
    axes = []
    limits = thresholds(spec)
    for item in tuned:
        truth, t_s = item.recording.truth, item.series.t_s
        no_pose = spans(~item.series.has_pose, t_s)
        for side, result in item.outcome.sides.items():
            end = float(t_s[-1]) if len(t_s) else 0.0
            phase_spans = [(e.phase, e.since_s, end if e.exit is None else float(t_s[e.exit]))
                           for e in result.episodes]
            for name in band_measurements(spec):
                axes.append(AxesData(
                    item.recording.label, name, side, t_s, result.values[name],
                    [t for t in limits if t.measurement == name], phase_spans,
                    [(r.start_s, r.end_s) for r in result.reps], [(h.start_s, h.end_s) for h in result.holds],
                    no_pose, truth.reps if truth else None,
                    [(h.start_s, h.end_s) for h in truth.holds] if truth else [],
                ))
    return PlotData(spec.id, axes)


def draw(data: PlotData, path: Path, dpi: int = 110) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(12, 2.9 * max(1, len(data.axes))), layout="constrained")
    FigureCanvasAgg(figure)
    colours = _phase_colours(data)
    for ax, axes_data in zip(figure.subplots(len(data.axes), 1, squeeze=False)[:, 0], data.axes, strict=True):
        draw_axes(ax, axes_data, colours)
    figure.suptitle(f"posecoach tune: {data.exercise}", fontsize=11)
    with atomic_path(path, suffix=".png") as tmp:
        figure.savefig(tmp, format="png", dpi=dpi)


def _phase_colours(data: PlotData) -> dict[str, str]:
    palette = ["tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown", "tab:pink"]
    phases = dict.fromkeys(t.phase for a in data.axes for t in a.thresholds)
    return {p: palette[i % len(palette)] for i, p in enumerate(phases)}


def draw_axes(ax, d: AxesData, colours: dict[str, str]) -> None:
    for phase, a, b in d.phase_spans:
        ax.axvspan(a, b, color=colours.get(phase, "grey"), alpha=0.13, lw=0)
    for i, (a, b) in enumerate(d.no_pose):
        ax.axvspan(a, b, color="0.6", alpha=0.45, hatch="//", lw=0, label=None if i else "no pose")
    ax.plot(d.t_s, d.values, color="black", lw=1.0, label=d.measurement)
    for t in d.thresholds:
        ax.axhline(t.value, color=colours.get(t.phase, "grey"), lw=1.2, ls="-" if t.is_enter else "--",
                   label=f"{t.phase} {t.field.replace('_', ' ')} {t.value:g}")
    _draw_events(ax, d)
    ax.set_title(d.title, fontsize=9, loc="left")
    ax.set_ylabel(d.measurement)
    ax.set_xlim(float(d.t_s[0]), float(d.t_s[-1]) if len(d.t_s) > 1 else 1.0)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)


def _draw_events(ax, d: AxesData) -> None:
    """Reps as numbered markers at the top; holds (and annotated holds) as bars at the bottom."""
    top = ax.get_xaxis_transform()  # x in data, y in axes fraction
    for i, (start, end) in enumerate(d.reps, 1):
        ax.plot([start, end], [0.96, 0.96], transform=top, color="crimson", lw=2)
        ax.text(end, 0.9, f"rep {i}", transform=top, color="crimson", fontsize=7, ha="right", va="top")
    for a, b in d.holds:
        ax.plot([a, b], [0.05, 0.05], transform=top, color="darkgreen", lw=5, solid_capstyle="butt")
        ax.text((a + b) / 2, 0.09, f"hold {b - a:.1f}s", transform=top, color="darkgreen", fontsize=7, ha="center")
    for a, b in d.truth_holds:
        ax.plot([a, b], [0.17, 0.17], transform=top, color="black", lw=3, ls=":", solid_capstyle="butt")
        ax.text((a + b) / 2, 0.2, f"annotated {b - a:.1f}s", transform=top, fontsize=7, ha="center")
