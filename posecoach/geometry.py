"""Vectorised geometry on landmark arrays: the one angle implementation.

Every function takes arrays shaped (..., 2) for pixels or (..., 3) for world metres and
works the same on one frame or a whole recorded track. Degenerate input gives NaN.
Pixel y grows downwards, so "up" is negative y.
"""

from __future__ import annotations

import numpy as np

_EPS = 1e-9


def _cross_norm(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    if u.shape[-1] == 2:
        return np.abs(u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0])
    return np.linalg.norm(np.cross(u, v), axis=-1)


def vector_angle(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Unsigned angle between vectors in degrees, [0, 180]; NaN if either is zero."""
    u = np.asarray(u, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    # arctan2(|u x v|, u . v) stays accurate near 0 and 180, unlike arccos.
    angle = np.degrees(np.arctan2(_cross_norm(u, v), np.sum(u * v, axis=-1)))
    degenerate = (np.linalg.norm(u, axis=-1) < _EPS) | (np.linalg.norm(v, axis=-1) < _EPS)
    return np.where(degenerate, np.nan, angle)


def joint_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle at `b` formed by a-b-c in degrees: 180 is straight, 90 a right angle."""
    a, b, c = (np.asarray(p, dtype=np.float64) for p in (a, b, c))
    return vector_angle(a - b, c - b)


def segment_angle(a: np.ndarray, b: np.ndarray, reference: str) -> np.ndarray:
    """Acute angle in degrees [0, 90] between segment a-b and the image horizontal or vertical.

    Direction-free, so a trunk lying to the left or right of the camera reads the same.
    """
    d = np.asarray(b, dtype=np.float64) - np.asarray(a, dtype=np.float64)
    if reference not in ("horizontal", "vertical"):
        raise ValueError(f"reference must be 'horizontal' or 'vertical', not {reference!r}")
    axis = np.zeros(d.shape[-1])
    axis[0 if reference == "horizontal" else 1] = 1.0
    angle = vector_angle(d, np.broadcast_to(axis, d.shape))
    return np.minimum(angle, 180.0 - angle)


def distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distance between points."""
    return np.linalg.norm(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64), axis=-1)


def midpoint(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (np.asarray(a, dtype=np.float64) + np.asarray(b, dtype=np.float64)) / 2.0


def signed_line_offset(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Signed perpendicular distance of p from the line through a and b (2D, pixels).

    Positive when p lies above the line in the picture, whichever way a->b runs, so a person
    lying with the head to the left reads the same as one with the head to the right (for an
    upright line, positive is to its left).
    """
    p, a, b = (np.asarray(x, dtype=np.float64) for x in (p, a, b))
    d = b - a
    length = np.linalg.norm(d, axis=-1)
    rel = p - a
    # y is flipped (pixels grow downwards) so that "above the line" is positive.
    cross = d[..., 0] * (-rel[..., 1]) - (-d[..., 1]) * rel[..., 0]
    cross = np.where(d[..., 0] < 0, -cross, cross)
    return np.where(length < _EPS, np.nan, cross / np.maximum(length, _EPS))


def unit(v: np.ndarray) -> np.ndarray:
    """`v` scaled to length 1 (NaN when it has no length)."""
    v = np.asarray(v, dtype=np.float64)
    length = np.linalg.norm(v, axis=-1, keepdims=True)
    return np.where(length < _EPS, np.nan, v / np.maximum(length, _EPS))


def square_to(v: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """`v` without its component along the unit vector `axis`: its part square to the axis."""
    v = np.asarray(v, dtype=np.float64)
    return v - np.sum(v * axis, axis=-1, keepdims=True) * axis
