"""Synthetic pose tracks: a stick figure doing glute bridges, for tests that need no model."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from posecoach.tracks import FORMAT_VERSION, PoseTrack, save_track
from posecoach.tuning.synthetic import side_depth_m
from posecoach.types import Landmark as L

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
    t_ms = np.arange(n) * 1000.0 / fps
    has_pose = ~np.array([any(a <= t / 1000 < b for a, b in gaps) for t in t_ms])
    xy = np.stack([bridge_xy(v) for v in lift]).astype(np.float32)
    depth = np.broadcast_to(side_depth_m()[:, None], (n, 33, 1))  # the chest faces up
    world = np.concatenate([(xy - (600, 500)) / PX_PER_M, depth], axis=-1)
    visibility = np.full((n, 33), 0.95, np.float32)
    xy[~has_pose], world[~has_pose], visibility[~has_pose] = np.nan, np.nan, np.nan
    meta = {"format_version": FORMAT_VERSION, "source": "synthetic bridge", "fps": fps,
            "size": list(SIZE), "frames": n, "model": {"variant": "none", "sha256": ""}}
    return PoseTrack(meta, t_ms, has_pose, xy, world.astype(np.float32), visibility, visibility.copy())


def write_bridge_track(path: Path, **kwargs) -> Path:
    save_track(bridge_track(**kwargs), path)
    return path
