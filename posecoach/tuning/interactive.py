"""Interactive tuning: a slider per threshold; every recording is re-counted as one moves.

`Tuner` builds the sliders on any matplotlib Figure (tests drive it on the Agg canvas);
`run_window` shows it in a window and returns the values when the window is closed.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import numpy as np

from posecoach.errors import SpecError, UserError
from posecoach.tuning.plot import plot_data
from posecoach.tuning.session import Tuned, TuneSession, count_line
from posecoach.tuning.thresholds import thresholds, with_values

SLIDER_ROW = 0.045


class Tuner:
    def __init__(self, session: TuneSession, figure, values: Mapping[str, float] | None = None) -> None:
        from matplotlib.widgets import Slider

        self.session, self.figure = session, figure
        self.values = {t.key: t.value for t in thresholds(with_values(session.spec, values or {}))}
        self.last_ms = 0.0
        rows = len(self.values)
        self.plot_axes = figure.add_axes((0.08, 0.3 + rows * SLIDER_ROW, 0.6, 0.62 - rows * SLIDER_ROW))
        self.text = figure.text(0.7, 0.95, "", va="top", fontsize=8, family="monospace", wrap=True)
        measurement = {t.key: t.measurement for t in thresholds(session.spec)}
        self.sliders = {}
        for i, (key, value) in enumerate(self.values.items()):
            low, high = self._range(measurement[key], value)
            ax = figure.add_axes((0.3, 0.05 + i * SLIDER_ROW, 0.4, SLIDER_ROW * 0.6))
            slider = Slider(ax, key, low, high, valinit=value, valstep=(high - low) / 400)
            slider.label.set_fontsize(7)
            slider.on_changed(lambda v, key=key: self.set(key, float(v)))
            self.sliders[key] = slider
        self.message = ""
        self._refresh(session.count(self.values))

    def _range(self, measurement: str, value: float) -> tuple[float, float]:
        """The slider's span: what the measurement reaches in the recordings, and the value."""
        parts = [v for s in self.session.series for (name, _), v in s.values.items() if name == measurement]
        values = np.concatenate([*parts, [value]])
        values = values[~np.isnan(values)]
        pad = 0.05 * (values.max() - values.min()) or 1.0
        return float(values.min() - pad), float(values.max() + pad)

    def set(self, key: str, value: float) -> list[str]:
        """Move one threshold and re-count every recording; returns the count lines."""
        trial = {**self.values, key: value}
        try:
            started = time.perf_counter()
            tuned = self.session.count(trial)
            self.last_ms = (time.perf_counter() - started) * 1000.0
        except SpecError as e:
            self.message = f"not applied: {e}"
            self._show_text(self.lines)
            return self.lines
        self.values, self.message = trial, ""
        self._refresh(tuned)
        return self.lines

    def _refresh(self, tuned: list[Tuned]) -> None:
        self.lines = [count_line(t) for t in tuned]
        self._show_text(self.lines)
        self._draw_first(tuned)
        self.figure.canvas.draw_idle()

    def _show_text(self, lines: list[str]) -> None:
        timing = f"re-counted {len(lines)} recording(s) in {self.last_ms:.1f} ms"
        self.text.set_text("\n".join([*lines, "", timing, self.message]))

    def _draw_first(self, tuned: list[Tuned]) -> None:
        from posecoach.tuning.plot import _phase_colours, draw_axes

        spec = with_values(self.session.spec, self.values)
        data = plot_data(spec, tuned[:1])
        self.plot_axes.clear()
        if data.axes:
            draw_axes(self.plot_axes, data.axes[0], _phase_colours(data))


def run_window(session: TuneSession, values: Mapping[str, float] | None = None) -> dict[str, float]:
    """Show the sliders in a window; returns the values when it is closed."""
    import matplotlib
    import matplotlib.pyplot as plt

    if matplotlib.get_backend().lower() in ("agg", "pdf", "svg", "ps", "cairo", "template"):
        raise UserError("--interactive needs a display and a GUI backend for matplotlib "
                        "(e.g. MPLBACKEND=TkAgg); use --plot FILE.png on a machine without one")
    figure = plt.figure(figsize=(14, 8))
    tuner = Tuner(session, figure, values)
    plt.show()
    return tuner.values
