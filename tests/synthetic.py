"""Synthetic pose tracks for tests and benchmarks that need no model.

Two stick figures: one doing glute bridges in pixels (`bridge_track`), and a side-view figure
lying on its back whose hip angle (shoulder-hip-knee) and knee angle (hip-knee-ankle) follow
given traces exactly (`angle_track`), so the phases a threshold should separate are known.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from posecoach.sources.tracks import FORMAT_VERSION, PoseTrack, save_track
from posecoach.types import NUM_LANDMARKS, Landmark
from posecoach.types import Landmark as L

ANGLE_TRACK_SIZE = (640, 480)
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
            "size": list(ANGLE_TRACK_SIZE), "frames": n, "model": {"variant": "synthetic"}}
    nan = np.float32(np.nan)
    return PoseTrack(meta, np.asarray(t_s, dtype=np.float64), has_pose.copy(),
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


SIZE = (1280, 720)
PX_PER_M = 400.0


def bridge_lift(reps: int, fps: float, hold_s: float = 3.0, rest_s: float = 2.0) -> np.ndarray:
    """Hip lift in pixels per frame: 0 on the floor, 120 at the top of each bridge."""
    points, t = [(0.0, 0.0)], 1.0
    for _ in range(reps):
        points += [(t, 0.0), (t + 0.7, 120.0), (t + 0.7 + hold_s, 120.0), (t + 1.4 + hold_s, 0.0)]
        t += 1.4 + hold_s + rest_s
    points.append((t, 0.0))
    times = np.arange(0.0, t, 1.0 / fps)
    return np.interp(times, [p[0] for p in points], [p[1] for p in points])


def bridge_xy(lift: float) -> np.ndarray:
    """Side view, lying with the head to the left: shoulder, hip (lifted), knee up, foot down."""
    xy = np.full((33, 2), np.nan)
    for side in ("LEFT", "RIGHT"):
        nudge = 0.0 if side == "LEFT" else 4.0
        xy[L[f"{side}_SHOULDER"]] = (300 + nudge, 500)
        xy[L[f"{side}_ELBOW"]] = (380 + nudge, 540)
        xy[L[f"{side}_WRIST"]] = (470 + nudge, 545)
        xy[L[f"{side}_HIP"]] = (600 + nudge, 500 - lift)
        xy[L[f"{side}_KNEE"]] = (780 + nudge, 350)
        xy[L[f"{side}_ANKLE"]] = (830 + nudge, 500)
        xy[L[f"{side}_HEEL"]] = (815 + nudge, 505)
        xy[L[f"{side}_FOOT_INDEX"]] = (880 + nudge, 505)
    for i in range(11):
        xy[i] = (240 + 3 * i, 470)
    for name in ("PINKY", "INDEX", "THUMB"):
        for side in ("LEFT", "RIGHT"):
            xy[L[f"{side}_{name}"]] = xy[L[f"{side}_WRIST"]] + (10, 0)
    return xy


def bridge_track(reps: int = 3, fps: float = 30.0, gaps: tuple[tuple[float, float], ...] = ()) -> PoseTrack:
    """A recorded-track stand-in; frames inside `gaps` (seconds) have no pose."""
    lift = bridge_lift(reps, fps)
    n = len(lift)
    t_s = np.arange(n) / fps
    has_pose = ~np.array([any(a <= t < b for a, b in gaps) for t in t_s])
    xy = np.stack([bridge_xy(v) for v in lift]).astype(np.float32)
    depth = np.broadcast_to(side_depth_m()[:, None], (n, 33, 1))  # the chest faces up
    world = np.concatenate([(xy - (600, 500)) / PX_PER_M, depth], axis=-1)
    visibility = np.full((n, 33), 0.95, np.float32)
    xy[~has_pose], world[~has_pose], visibility[~has_pose] = np.nan, np.nan, np.nan
    meta = {"format_version": FORMAT_VERSION, "source": "synthetic bridge", "fps": fps,
            "size": list(SIZE), "frames": n, "model": {"variant": "none", "sha256": ""}}
    return PoseTrack(meta, t_s, has_pose, xy, world.astype(np.float32), visibility, visibility.copy())


def write_bridge_track(path: Path, **kwargs) -> Path:
    save_track(bridge_track(**kwargs), path)
    return path


def grey_video(path, seconds=20.0):
    """A small grey video that changes every frame: frames for a run that needs no body in them."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (64, 48))
    for i in range(int(30 * seconds)):
        writer.write(np.full((48, 64, 3), i % 200, np.uint8))
    writer.release()
    return path
