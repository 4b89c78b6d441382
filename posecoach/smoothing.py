"""One-Euro filtering of landmark positions, driven by frame timestamps.

The One-Euro filter (Casiez et al., CHI 2012) is a low-pass filter whose cut-off rises with
speed: still landmarks are smoothed strongly (jitter gone), moving ones hardly at all (no
lag on a real movement). Parameters, in the units of the filtered values:
- `min_cutoff_hz`: cut-off at rest. Lower = smoother when still, more lag on slow drift.
- `beta`: how fast the cut-off rises with speed. Higher = less lag during movement.
- `d_cutoff_hz`: cut-off for the speed estimate itself.
Positions are filtered in units of the frame height, so the defaults hold at any resolution.
At 30 fps the defaults delay a real movement by under two frames (tests/unit/test_smoothing.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from posecoach.types import Pose


@dataclass(frozen=True)
class OneEuroSettings:
    min_cutoff_hz: float = 1.5
    beta: float = 8.0
    d_cutoff_hz: float = 1.0

    def __post_init__(self) -> None:
        if self.min_cutoff_hz <= 0 or self.d_cutoff_hz <= 0 or self.beta < 0:
            raise ValueError("One-Euro cut-offs must be > 0 and beta >= 0")


def _alpha(cutoff_hz: np.ndarray | float, dt_s: float) -> np.ndarray:
    tau = 1.0 / (2.0 * np.pi * np.asarray(cutoff_hz))
    return 1.0 / (1.0 + tau / dt_s)


class OneEuroFilter:
    """Filters arrays of any fixed shape; NaN entries reset that entry's state."""

    def __init__(self, settings: OneEuroSettings = OneEuroSettings()) -> None:
        self.settings = settings
        self._value: np.ndarray | None = None
        self._speed: np.ndarray | None = None
        self._t_s: float | None = None

    def __call__(self, value: np.ndarray, t_s: float) -> np.ndarray:
        value = np.asarray(value, dtype=np.float64)
        if self._value is None or self._t_s is None or t_s <= self._t_s:
            return self._reset(value, t_s)
        dt = t_s - self._t_s
        speed = (value - self._value) / dt
        a_d = _alpha(self.settings.d_cutoff_hz, dt)
        speed = np.where(np.isnan(self._speed), speed, a_d * speed + (1 - a_d) * self._speed)
        cutoff = self.settings.min_cutoff_hz + self.settings.beta * np.abs(speed)
        a = _alpha(cutoff, dt)
        filtered = a * value + (1 - a) * self._value
        # A landmark that was missing starts afresh rather than being dragged from stale state.
        fresh = np.isnan(self._value)
        filtered = np.where(fresh, value, filtered)
        speed = np.where(fresh, 0.0, speed)
        self._value, self._speed, self._t_s = filtered, speed, t_s
        return filtered

    def _reset(self, value: np.ndarray, t_s: float) -> np.ndarray:
        self._value, self._speed, self._t_s = value, np.zeros_like(value), t_s
        return value


class PoseSmoother:
    """Smooths a stream of poses; a frame without a pose resets nothing but passes through."""

    def __init__(self, settings: OneEuroSettings = OneEuroSettings()) -> None:
        self._xy = OneEuroFilter(settings)
        self._world = OneEuroFilter(settings)

    def __call__(self, pose: Pose | None, t_s: float) -> Pose | None:
        """The pose smoothed, at its frame's time `t_s` in seconds."""
        if pose is None:
            return None
        scale = float(pose.image_size[1]) or 1.0
        xy = self._xy(pose.xy / scale, t_s) * scale
        world = self._world(pose.world, t_s)
        return replace(pose, xy=xy, world=world)
