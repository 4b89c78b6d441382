import numpy as np

from posecoach.smoothing import OneEuroFilter, OneEuroSettings

FPS = 30.0


def _crossing(values: np.ndarray, threshold: float) -> int:
    return int(np.argmax(values >= threshold))


def test_smoothing_delays_a_real_movement_by_at_most_two_frames():
    # A hip angle going 140 -> 175 degrees in 0.8 s, in frame-height units like landmarks.
    t = np.arange(90) / FPS
    raw = np.interp(t, [0.0, 1.0, 1.8, 3.0], [140.0, 140.0, 175.0, 175.0]) / 360.0
    f = OneEuroFilter(OneEuroSettings())
    smoothed = np.array([f(np.array([v]), ti)[0] for v, ti in zip(raw, t, strict=True)])
    threshold = 165.0 / 360.0
    assert _crossing(smoothed, threshold) - _crossing(raw, threshold) <= 2


def test_smoothing_reduces_jitter_when_still():
    rng = np.random.default_rng(0)
    t = np.arange(300) / FPS
    raw = 0.5 + rng.normal(0, 0.003, size=t.shape)
    f = OneEuroFilter()
    smoothed = np.array([f(np.array([v]), ti)[0] for v, ti in zip(raw, t, strict=True)])
    assert smoothed[30:].std() < raw[30:].std() / 2


def test_missing_values_restart_without_dragging_old_state():
    f = OneEuroFilter()
    f(np.array([0.2]), 0.0)
    f(np.array([np.nan]), 1 / FPS)
    assert f(np.array([0.8]), 2 / FPS)[0] == 0.8


def test_time_going_backwards_resets():
    f = OneEuroFilter()
    f(np.array([0.2]), 1.0)
    assert f(np.array([0.9]), 0.5)[0] == 0.9
