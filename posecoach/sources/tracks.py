"""Pose tracks: every frame's pose saved to a compact .npz, replayable without the model.

Arrays are float32 (the estimator rounds to the same precision), so replaying a track
gives exactly the counts that the run which recorded it saw.
"""

from __future__ import annotations

import json
import math
import shutil
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from posecoach.errors import OutputError, SourceError
from posecoach.paths import check_readable_file
from posecoach.sinks.atomic import PendingFile, atomic_path
from posecoach.types import NUM_LANDMARKS, Frame, Pose, SourceInfo

FORMAT_VERSION = 1


@dataclass
class PoseTrack:
    """A recorded track in memory: arrays over frames, NaN rows where no pose was found.

    `t_s` is seconds, as every frame's time; the file keeps milliseconds (`t_ms`, its format 1),
    converted here on loading and saving and nowhere else."""

    meta: dict
    t_s: np.ndarray
    has_pose: np.ndarray
    xy: np.ndarray
    world: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray

    @property
    def info(self) -> SourceInfo:
        m = self.meta
        return SourceInfo(f"track:{m['source']}", float(m["fps"]), len(self.t_s), tuple(m["size"]))

    def poses(self) -> Iterator[tuple[Frame, Pose | None]]:
        size = self.info.size
        for i, t_s in enumerate(self.t_s.tolist()):
            frame = Frame(None, t_s, i)
            if not self.has_pose[i]:
                yield frame, None
                continue
            yield frame, Pose(self.xy[i].astype(np.float64), self.world[i].astype(np.float64),
                              self.visibility[i].astype(np.float64), self.presence[i].astype(np.float64), size)


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
        self.times.append(frame.t_s)
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


class TrackWriter:
    """A sink that streams every frame's pose to disk as it comes, so memory stays flat however
    long the video, then packs the arrays into the .npz at `path` on `close()` (atomically: until
    then only temporary files beside it exist, removed on `discard()` or by the next run)."""

    def __init__(self, info: SourceInfo, model: dict, path: Path) -> None:
        self.info, self.model, self.path, self.frames = info, model, path, 0
        self.out = PendingFile(path, suffix=".npz")
        self.raw = {name: PendingFile(path, suffix=f".{name}.raw") for name in _ARRAYS}
        self.files = {name: open(pending.tmp, "wb") for name, pending in self.raw.items()}  # noqa: SIM115

    def add(self, frame: Frame, pose: Pose | None) -> None:
        none = np.full((NUM_LANDMARKS,), np.nan, np.float32)
        values = {"t_ms": np.float64(frame.t_s * 1000.0), "has_pose": np.bool_(pose is not None),
                  "xy": pose.xy if pose else np.repeat(none[:, None], 2, 1),
                  "world": pose.world if pose else np.repeat(none[:, None], 3, 1),
                  "visibility": pose.visibility if pose else none, "presence": pose.presence if pose else none}
        try:
            for name, value in values.items():
                self.files[name].write(np.asarray(value, _DTYPES[name]).tobytes())
        except OSError as e:
            self.discard()
            raise OutputError(f"{self.path}: could not be written ({e.strerror}); is the disk full?") from None
        self.frames += 1

    def close(self) -> dict:
        """Packs the .npz and renames it into place; returns the track's metadata."""
        meta = {"format_version": FORMAT_VERSION, "source": self.info.name, "fps": self.info.fps,
                "size": list(self.info.size), "frames": self.frames, "model": self.model}
        try:
            for f in self.files.values():
                f.close()
            with zipfile.ZipFile(self.out.tmp, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
                with archive.open("meta.npy", "w") as member:
                    np.lib.format.write_array(member, np.array(json.dumps(meta)), allow_pickle=False)
                for name, (_, rest) in _ARRAYS.items():
                    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(_DTYPES[name])),
                              "fortran_order": False, "shape": (self.frames, *rest)}
                    with archive.open(f"{name}.npy", "w", force_zip64=True) as member, \
                            open(self.raw[name].tmp, "rb") as raw:
                        np.lib.format.write_array_header_1_0(member, header)
                        shutil.copyfileobj(raw, member, 1 << 20)
            self.out.commit()
        except OSError as e:
            raise OutputError(f"{self.path}: could not be written ({e.strerror}); is the disk full?") from None
        finally:
            self.discard()
        return meta

    def discard(self) -> None:
        for f in self.files.values():
            f.close()
        for pending in (self.out, *self.raw.values()):
            pending.discard()


_DTYPES = {"t_ms": np.float64, "has_pose": np.bool_, "xy": np.float32, "world": np.float32,
           "visibility": np.float32, "presence": np.float32}


def save_track(track: PoseTrack, path: Path) -> None:
    with atomic_path(path, suffix=".npz") as tmp, open(tmp, "wb") as f:
        np.savez_compressed(
            f, meta=np.array(json.dumps(track.meta)), t_ms=track.t_s * 1000.0, has_pose=track.has_pose,
            xy=track.xy, world=track.world, visibility=track.visibility, presence=track.presence,
        )


def load_track(path: Path) -> PoseTrack:
    """A recorded track, every array and metadata key checked before use (a damaged one is a SourceError).

    Headers are read first: what each array declares (type, shape) is checked against the format
    and a size limit before anything is inflated, so a small file cannot take gigabytes.
    """
    check_readable_file(path, "pose track (.npz)")
    try:
        with zipfile.ZipFile(path) as archive:
            members = _members(archive)
            if isinstance(members, str):
                raise SourceError(f"{path}: pose track {members}")
            arrays = {name: _read_member(archive, info) for name, info in members.items()}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError) as e:
        raise SourceError(f"{path}: not a readable pose track ({e}); {_AGAIN}") from None
    meta = _parse_meta(arrays.pop("meta"))
    problem = _meta_problem(meta) or _values_problem(arrays, meta)
    if problem:
        raise SourceError(f"{path}: pose track {problem}")
    arrays["t_s"] = arrays.pop("t_ms").astype(np.float64) / 1000.0
    return PoseTrack(meta=meta, **arrays)


_AGAIN = "record it again with 'posecoach track'"
# Each array: the kinds of values it may hold, and its shape after the frame axis.
_ARRAYS = {"t_ms": ("iuf", ()), "has_pose": ("b", ()), "xy": ("f", (NUM_LANDMARKS, 2)),
           "world": ("f", (NUM_LANDMARKS, 3)), "visibility": ("f", (NUM_LANDMARKS,)),
           "presence": ("f", (NUM_LANDMARKS,))}
MAX_FRAMES = 4 * 3600 * 60  # four hours at 60 fps: under 1 GB of arrays
_MAX_META_CHARS = 1 << 16
_KINDS = {"U": "text", "S": "bytes", "O": "Python objects", "V": "records", "c": "complex numbers",
          "M": "dates", "m": "time spans"}


def _members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo] | str:
    """The archive's arrays by name, each header checked; a string says what is wrong."""
    infos = archive.infolist()
    names = [info.filename.removesuffix(".npy") for info in infos]
    if sorted(names) != sorted(["meta", *_ARRAYS]):
        return f"is missing arrays or has unexpected ones; {_AGAIN}"
    members = dict(zip(names, infos, strict=True))
    headers = {name: _header(archive, info) for name, info in members.items()}
    return _header_problem(headers) or members


def _header(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[tuple[int, ...], np.dtype]:
    with archive.open(info) as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise ValueError(f"{info.filename}: .npy format {version} is not supported")
    return shape, dtype


def _header_problem(headers: dict[str, tuple[tuple[int, ...], np.dtype]]) -> str | None:
    """What the arrays declare, checked before any is read: types, shapes, lengths, size."""
    shape, dtype = headers.pop("meta")
    if shape != () or dtype.kind != "U" or dtype.itemsize // 4 > _MAX_META_CHARS:
        return f"has no readable metadata; {_AGAIN}"
    for name, (kinds, rest) in _ARRAYS.items():
        shape, dtype = headers[name]
        if dtype.kind not in kinds:
            found = _KINDS.get(dtype.kind, f"values of type {dtype}")
            return f"array {name} holds {found}, not {'true/false values' if kinds == 'b' else 'numbers'}; {_AGAIN}"
        if len(shape) != 1 + len(rest):
            return f"array {name} has shape {shape}, not {_shape_text(rest)}; {_AGAIN}"
    frames = {name: headers[name][0][0] for name in _ARRAYS}
    if len(set(frames.values())) > 1:
        counts = ", ".join(f"{k} {n}" for k, n in frames.items())
        return f"arrays have different numbers of frames ({counts}); {_AGAIN}"
    landmarks = {headers[name][0][1] for name, (_, rest) in _ARRAYS.items() if rest}
    if landmarks != {NUM_LANDMARKS}:
        return (f"has {min(landmarks)} landmarks per frame, not {NUM_LANDMARKS} (recorded with another kind "
                f"of model?); {_AGAIN}")
    for name, (_, rest) in _ARRAYS.items():
        if headers[name][0][1:] != rest:
            return f"array {name} has shape {headers[name][0]}, not {_shape_text(rest)}; {_AGAIN}"
    if (n := frames["t_ms"]) > MAX_FRAMES:
        return f"declares {n} frames, more than the {MAX_FRAMES} (4 hours at 60 fps) a track may hold; split the video"
    if n == 0:
        return f"holds no frames; {_AGAIN}"
    return None


def _shape_text(rest: tuple[int, ...]) -> str:
    return "(" + ", ".join(["frames", *map(str, rest)]) + ")"


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    with archive.open(info) as f:
        return np.lib.format.read_array(f, allow_pickle=False)


def _parse_meta(array: np.ndarray) -> object:
    try:
        return json.loads(str(array))
    except (json.JSONDecodeError, RecursionError):
        return None


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# Each metadata key: is a value valid, and what it should be.
_META = {
    "source": (lambda v: isinstance(v, str), "a text"),
    "fps": (lambda v: _is_number(v) and 0 < v <= 1000, "a frame rate above 0 and at most 1000"),
    "size": (lambda v: isinstance(v, list) and len(v) == 2 and all(_is_int(n) and 0 < n <= 100_000 for n in v),
             "[width, height] in pixels"),
    "frames": (lambda v: _is_int(v) and v >= 0, "a whole number"),
    "model": (lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()),
              "a table of texts (variant, sha256)"),
}


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _meta_problem(meta) -> str | None:
    if not isinstance(meta, dict):
        return f"has no readable metadata; {_AGAIN}"
    if (problem := _version_problem(meta.get("format_version"))) is not None:
        return problem
    for key, (valid, wanted) in _META.items():
        if key not in meta:
            return f"metadata has no '{key}'; {_AGAIN}"
        if not valid(meta[key]):
            shown = json.dumps(meta[key])
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            return f"metadata '{key}' is {shown}, not {wanted}; {_AGAIN}"
    return None


def _values_problem(arrays: dict[str, np.ndarray], meta: dict) -> str | None:
    """Times finite, from 0 and never going back; every value of a frame with a pose finite and in
    range, but the landmarks of an unseen point (visibility 0), which may be NaN."""
    t_ms, has_pose = arrays["t_ms"], arrays["has_pose"]
    if meta["frames"] != len(t_ms):
        return f"metadata says {meta['frames']} frames but the arrays hold {len(t_ms)}; {_AGAIN}"
    bad = ~np.isfinite(t_ms) | (t_ms < 0)
    bad[1:] |= np.diff(t_ms) < 0
    if bad.any():
        return (f"times are not finite, negative or go back (first at frame {int(np.argmax(bad))}); {_AGAIN}")
    reach = 10.0 * max(meta["size"])  # pixels: a landmark may lie outside the picture, not this far
    limits = {"visibility": (0.0, 1.0), "presence": (0.0, 1.0), "xy": (-reach, reach), "world": (-100.0, 100.0)}
    # A landmark nobody saw (visibility 0, as ground truth marks a point it has none for) may be NaN.
    unseen = arrays["visibility"][has_pose] == 0
    for name, (low, high) in limits.items():
        values = arrays[name][has_pose]
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(values) & (values >= low) & (values <= high)
        if name in ("xy", "world"):
            ok |= np.isnan(values) & unseen[..., None]
        bad = ~ok.all(axis=tuple(range(1, ok.ndim)))  # per frame; a track may have no frame with a pose
        if bad.any():
            frame = int(np.flatnonzero(has_pose)[np.argmax(bad)])
            return (f"array {name} holds values that are not finite or out of range [{low:g}, {high:g}] "
                    f"in frames with a pose (first at frame {frame}); {_AGAIN}")
    return None


def _version_problem(version) -> str | None:
    if _is_int(version) and version == FORMAT_VERSION:
        return None
    reads = f"this posecoach reads format {FORMAT_VERSION}"
    if version is None:
        return f"has no format version ({reads}); {_AGAIN}"
    if _is_int(version) and version > FORMAT_VERSION:
        return (f"format {version} was written by a newer posecoach (this one reads format {FORMAT_VERSION}); "
                "upgrade posecoach, or record it again with this one")
    return f"format {version} is not supported ({reads}); {_AGAIN}"
