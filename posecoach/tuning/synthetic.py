"""Synthetic pose tracks with known joint angles, for tests and benchmarks.

A side-view stick figure lying on its back (or standing, rotated): the hip angle
(shoulder-hip-knee) and knee angle (hip-knee-ankle) follow given traces exactly, so the
phases a threshold should separate are known.
"""

from __future__ import annotations

import numpy as np

from posecoach.tracks import FORMAT_VERSION, PoseTrack
from posecoach.types import NUM_LANDMARKS, Landmark

SIZE = (640, 480)
THIGH_PX, TORSO_PX, SHIN_PX = 110.0, 150.0, 100.0


def side_depth_m() -> np.ndarray:
    """World z per landmark for a body lying on its back with the head to the image's left: the
    right side 10 cm nearer the camera than the left, so the chest faces up (a flat figure
    has no facing, and no position)."""
    depth = np.zeros(NUM_LANDMARKS)
    for landmark in Landmark:
        if landmark.name.startswith(("LEFT", "RIGHT")):
            depth[landmark] = -0.1 if landmark.name.startswith("RIGHT") else 0.1
    return depth


def _unit(deg: np.ndarray) -> np.ndarray:
    rad = np.radians(deg)
    return np.stack([np.cos(rad), -np.sin(rad)], axis=-1)  # pixel y grows downwards


def _side_points(hip_deg: np.ndarray, knee_deg: np.ndarray, offset: float) -> dict[str, np.ndarray]:
    """Shoulder, hip, knee, ankle (T, 2) of one side for the given angles."""
    hip = np.broadcast_to(np.array([300.0 + offset, 330.0]), (len(hip_deg), 2))
    thigh_dir = np.full(len(hip_deg), 45.0)  # thigh points up and to the right
    knee = hip + THIGH_PX * _unit(thigh_dir)
    shoulder = hip + TORSO_PX * _unit(thigh_dir + hip_deg)
    ankle = knee + SHIN_PX * _unit(thigh_dir + 180.0 - knee_deg)
    return {"shoulder": shoulder, "hip": hip, "knee": knee, "ankle": ankle}


def angle_track(t_s: np.ndarray, hip_deg: np.ndarray, knee_deg: np.ndarray | None = None,
                has_pose: np.ndarray | None = None, visibility: tuple[float, float] = (0.95, 0.8),
                source: str = "synthetic") -> PoseTrack:
    """A track whose (pixel) hip and knee angles are exactly `hip_deg` and `knee_deg`."""
    n = len(t_s)
    knee_deg = np.full(n, 90.0) if knee_deg is None else knee_deg
    has_pose = np.ones(n, dtype=bool) if has_pose is None else has_pose
    xy = np.zeros((n, NUM_LANDMARKS, 2))
    vis = np.full((n, NUM_LANDMARKS), 0.5)
    for side, offset, seen in (("left", 0.0, visibility[0]), ("right", 4.0, visibility[1])):
        for part, points in _side_points(hip_deg, knee_deg, offset).items():
            index = Landmark.from_name(f"{side}_{part}")
            xy[:, index], vis[:, index] = points, seen
    heads = [Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER]
    xy[:, :11] = xy[:, heads].mean(axis=1, keepdims=True) + np.array([-20.0, 0.0])
    world = np.concatenate([xy / 400.0, np.broadcast_to(side_depth_m()[:, None], (n, NUM_LANDMARKS, 1))], axis=-1)
    rows = has_pose[:, None]
    meta = {"format_version": FORMAT_VERSION, "source": source, "fps": float(1.0 / np.median(np.diff(t_s))),
            "size": list(SIZE), "frames": n, "model": {"variant": "synthetic"}}
    nan = np.float32(np.nan)
    return PoseTrack(meta, np.asarray(t_s, dtype=np.float64) * 1000.0, has_pose.copy(),
                     np.where(rows[..., None], xy, nan).astype(np.float32),
                     np.where(rows[..., None], world, nan).astype(np.float32),
                     np.where(rows, vis, nan).astype(np.float32), np.where(rows, vis, nan).astype(np.float32))


def bridge_profile(reps: int, fps: float = 30.0, hold_s: float = 3.0, low: float = 130.0, high: float = 175.0,
                   rise_s: float = 0.6, rest_s: float = 1.5, lead_s: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(t_s, hip angle) for `reps` lift-hold-lower reps between `low` and `high` degrees."""
    points, t = [(0.0, low), (lead_s, low)], lead_s
    for _ in range(reps):
        points += [(t + rise_s, high), (t + rise_s + hold_s, high), (t + 2 * rise_s + hold_s, low)]
        t += 2 * rise_s + hold_s + rest_s
        points.append((t, low))
    t_s = np.arange(0.0, t, 1.0 / fps)
    return t_s, np.interp(t_s, [p[0] for p in points], [p[1] for p in points])
