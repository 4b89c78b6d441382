"""Static scene geometry as plain numpy triangle soups: floor, mat, walls, a box chair."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posecoach.synth.render import MeshPart

_FACES = (  # (normal axis, sign) of the 6 faces of a box
    (0, 1.0), (0, -1.0), (1, 1.0), (1, -1.0), (2, 1.0), (2, -1.0))


@dataclass(frozen=True)
class SceneColours:
    floor: tuple[float, float, float] = (0.62, 0.45, 0.30)
    mat: tuple[float, float, float] = (0.20, 0.52, 0.50)
    wall: tuple[float, float, float] = (0.86, 0.84, 0.80)
    side_wall: tuple[float, float, float] = (0.78, 0.80, 0.82)
    chair: tuple[float, float, float] = (0.40, 0.26, 0.16)


def quad(corner: np.ndarray, edge_u: np.ndarray, edge_v: np.ndarray, colour, pattern: int = 0
         ) -> MeshPart:
    """A rectangle from a corner and two edges (two triangles, normal u x v)."""
    c = np.asarray(corner, float)
    u, v = np.asarray(edge_u, float), np.asarray(edge_v, float)
    pts = np.array([c, c + u, c + u + v, c, c + u + v, c + v])
    n = np.cross(u, v)
    n /= np.linalg.norm(n)
    return MeshPart(pts, np.tile(n, (6, 1)), np.tile(np.asarray(colour, float), (6, 1)), pattern)


def box(lo: np.ndarray, hi: np.ndarray, colour, pattern: int = 0) -> MeshPart:
    """An axis-aligned box between corners lo and hi."""
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    size = hi - lo
    parts = []
    for axis, sign in _FACES:
        a, b = [(axis + 1) % 3, (axis + 2) % 3]
        corner = lo.copy()
        if sign > 0:
            corner[axis] = hi[axis]
        eu, ev = np.zeros(3), np.zeros(3)
        eu[a], ev[b] = size[a], size[b]
        if sign < 0:
            eu, ev = ev, eu
        parts.append(quad(corner, eu, ev, colour, pattern))
    return merge(parts)


def merge(parts: list[MeshPart]) -> MeshPart:
    return MeshPart(np.vstack([p.positions for p in parts]), np.vstack([p.normals for p in parts]),
                    np.vstack([p.colors for p in parts]), parts[0].pattern)


def room(centre: np.ndarray, to_camera: np.ndarray, colours: SceneColours,
         back_m: float = 1.6, side_m: float = 2.6) -> list[MeshPart]:
    """Floor, a wall behind the subject (seen by the camera) and one side wall."""
    c = np.array([centre[0], centre[1], 0.0])
    d = np.array([to_camera[0], to_camera[1], 0.0])
    d /= np.linalg.norm(d)
    s = np.array([-d[1], d[0], 0.0])
    up = np.array([0.0, 0.0, 3.0])
    floor = quad(c - 8.0 * d - 8.0 * s, 16.0 * s, 16.0 * d, colours.floor, pattern=1)
    back = quad(c - back_m * d - 6.0 * s, up, 12.0 * s, colours.wall)
    side = quad(c - back_m * d + side_m * s, up, 8.0 * d, colours.side_wall)
    skirting = quad(c - (back_m - 0.01) * d - 6.0 * s, np.array([0.0, 0.0, 0.08]), 12.0 * s,
                    (0.95, 0.95, 0.93))
    return [floor, back, side, skirting]


def mat(lo_xy: np.ndarray, hi_xy: np.ndarray, colour, thickness: float = 0.006) -> MeshPart:
    """An exercise mat on the floor covering the given footprint."""
    return box(np.array([lo_xy[0], lo_xy[1], -0.002]),
               np.array([hi_xy[0], hi_xy[1], thickness - 0.002]), colour, pattern=2)


def chair(seat_centre_xy: np.ndarray, seat_z: float, back_dir_y: float, colour,
          width: float = 0.46, depth: float = 0.42) -> MeshPart:
    """A box chair: seat top at `seat_z`, four legs, backrest toward `back_dir_y` (+1/-1)."""
    cx, cy = seat_centre_xy
    t = 0.04
    lo = np.array([cx - width / 2, cy - depth / 2, seat_z - t])
    hi = np.array([cx + width / 2, cy + depth / 2, seat_z])
    parts = [box(lo, hi, colour)]
    for fx in (lo[0], hi[0] - t):
        for fy in (lo[1], hi[1] - t):
            parts.append(box([fx, fy, 0.0], [fx + t, fy + t, seat_z - t], colour))
    by = hi[1] - t if back_dir_y > 0 else lo[1]
    parts.append(box([lo[0], by, seat_z], [hi[0], by + t, seat_z + 0.45], colour))
    return merge(parts)
