"""Pose tracks: every frame's pose saved to a compact .npz, replayable without the model.

Arrays are float32 (the estimator rounds to the same precision), so replaying a track
gives exactly the counts that the run which recorded it saw.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from posecoach.atomic import atomic_path
from posecoach.errors import SourceError
from posecoach.paths import check_readable_file
from posecoach.types import NUM_LANDMARKS, Frame, Pose, SourceInfo

FORMAT_VERSION = 1


@dataclass
class PoseTrack:
    """A recorded track in memory: arrays over frames, NaN rows where no pose was found."""

    meta: dict
    t_ms: np.ndarray
    has_pose: np.ndarray
    xy: np.ndarray
    world: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray

    @property
    def info(self) -> SourceInfo:
        m = self.meta
        return SourceInfo(f"track:{m['source']}", float(m["fps"]), len(self.t_ms), tuple(m["size"]))

    def poses(self) -> Iterator[tuple[Frame, Pose | None]]:
        size = self.info.size
        for i, t_ms in enumerate(self.t_ms.tolist()):
            frame = Frame(None, t_ms, i)
            if not self.has_pose[i]:
                yield frame, None
                continue
            yield frame, Pose(t_ms, self.xy[i].astype(np.float64), self.world[i].astype(np.float64),
                              self.visibility[i].astype(np.float64),
                              self.presence[i].astype(np.float64), size)


@dataclass
class TrackRecorder:
    """A sink that collects poses and saves them atomically at the end.

    Each pose is kept as one float32 row (x, y, world x, y, z, visibility, presence per landmark),
    the precision the track stores, so memory grows by under 1 kB a frame."""

    info: SourceInfo
    model: dict
    times: list[float] = field(default_factory=list)
    rows: list[np.ndarray | None] = field(default_factory=list)

    def add(self, frame: Frame, pose: Pose | None) -> None:
        self.times.append(frame.t_ms)
        self.rows.append(None if pose is None else np.concatenate(
            [pose.xy, pose.world, pose.visibility[:, None], pose.presence[:, None]], axis=1).astype(np.float32))

    def track(self) -> PoseTrack:
        n = len(self.rows)
        values = np.full((n, NUM_LANDMARKS, 7), np.nan, dtype=np.float32)
        has_pose = np.array([r is not None for r in self.rows], dtype=bool)
        if has_pose.any():
            values[has_pose] = np.stack([r for r in self.rows if r is not None])
        meta = {"format_version": FORMAT_VERSION, "source": self.info.name, "fps": self.info.fps,
                "size": list(self.info.size), "frames": n, "model": self.model}
        return PoseTrack(meta, np.array(self.times, dtype=np.float64), has_pose, values[..., 0:2].copy(),
                         values[..., 2:5].copy(), values[..., 5].copy(), values[..., 6].copy())


def save_track(track: PoseTrack, path: Path) -> None:
    with atomic_path(path, suffix=".npz") as tmp, open(tmp, "wb") as f:
        np.savez_compressed(
            f, meta=np.array(json.dumps(track.meta)), t_ms=track.t_ms, has_pose=track.has_pose,
            xy=track.xy, world=track.world, visibility=track.visibility, presence=track.presence,
        )


def load_track(path: Path) -> PoseTrack:
    check_readable_file(path, "pose track (.npz)")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
        raise SourceError(f"{path}: not a readable pose track ({e}); record it again with 'posecoach track'") from None
    try:
        meta = json.loads(str(arrays.pop("meta")))
    except (KeyError, json.JSONDecodeError):
        raise SourceError(f"{path}: pose track has no metadata; record it again with 'posecoach track'") from None
    if (problem := _version_problem(meta.get("format_version"))) is None:
        problem = _shape_problem(arrays)
    if problem:
        raise SourceError(f"{path}: pose track {problem}")
    return PoseTrack(meta=meta, **arrays)


_AGAIN = "record it again with 'posecoach track'"
_ARRAYS = {"t_ms": 1, "has_pose": 1, "xy": 3, "world": 3, "visibility": 2, "presence": 2}


def _version_problem(version) -> str | None:
    if version == FORMAT_VERSION:
        return None
    reads = f"this posecoach reads format {FORMAT_VERSION}"
    if version is None:
        return f"has no format version ({reads}); {_AGAIN}"
    if isinstance(version, int) and version > FORMAT_VERSION:
        return (f"format {version} was written by a newer posecoach (this one reads format {FORMAT_VERSION}); "
                "upgrade posecoach, or record it again with this one")
    return f"format {version} is not supported ({reads}); {_AGAIN}"


def _shape_problem(arrays: dict[str, np.ndarray]) -> str | None:
    """A track from another landmark layout, or with arrays of different lengths, is refused."""
    if set(arrays) != set(_ARRAYS) or any(arrays[k].ndim != n for k, n in _ARRAYS.items()):
        return f"is missing arrays or has unexpected ones; {_AGAIN}"
    frames = {k: len(arrays[k]) for k in _ARRAYS}
    if len(set(frames.values())) > 1:
        counts = ", ".join(f"{k} {n}" for k, n in frames.items())
        return f"arrays have different numbers of frames ({counts}); {_AGAIN}"
    landmarks = {a.shape[1] for k, a in arrays.items() if a.ndim > 1}
    if landmarks != {NUM_LANDMARKS}:
        return (f"has {min(landmarks)} landmarks per frame, not {NUM_LANDMARKS} (recorded with another kind "
                f"of model?); {_AGAIN}")
    return None
