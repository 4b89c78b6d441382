"""Pose tracks of videos, computed once and cached by (video SHA-256, model SHA-256, estimator settings).

The cache lives in `<user cache dir>/posecoach/tracks`, or `$POSECOACH_TRACK_CACHE`. It holds body
landmarks, not pictures, and is on by default because tuning replays the same videos many times;
the first time it is made, the command says so and how to delete it (README, Privacy).
A `.npz` source (or `track:...`) is a recorded track already and is loaded as is.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import platformdirs

from posecoach.errors import OutputError, SourceError
from posecoach.pose.settings import EstimatorSettings
from posecoach.replay import ModelChoice, record_track
from posecoach.sources.tracks import PoseTrack, load_track
from posecoach.sources.video import SourceInfo, check_readable_file, parse_source

TRACK_CACHE_ENV = "POSECOACH_TRACK_CACHE"
Progress = Callable[[Iterable, SourceInfo], Iterable]


def track_cache_dir() -> Path:
    override = os.environ.get(TRACK_CACHE_ENV)
    return Path(override).expanduser() if override else Path(platformdirs.user_cache_dir("posecoach")) / "tracks"


def cache_path(video: Path, model_path: Path) -> Path:
    from posecoach.pose.models import file_sha256

    return track_cache_dir() / f"{file_sha256(video)[:24]}-{file_sha256(model_path)[:16]}-{_estimator_key()}.npz"


def _estimator_key() -> str:
    """The estimator's default settings, so that changing them (e.g. how many people MediaPipe
    looks for) does not replay tracks recorded the old way."""
    settings = [(f.name, f.default) for f in dataclasses.fields(EstimatorSettings) if f.name != "model_path"]
    return hashlib.sha256(repr(settings).encode()).hexdigest()[:8]


def source_track_path(source: str, model: ModelChoice | None = None, progress: Progress | None = None,
                      workers: int = 1) -> Path:
    """The track file of a source: itself for a track, else the cached track of the video
    (running the model once on a cache miss, its frames split among `workers` processes)."""
    kind, target = parse_source(source)
    if kind == "track":
        return Path(target)
    if kind == "camera":
        raise SourceError(f"{source}: tuning and evaluation need a video file or a pose track, not a camera")
    video, model = Path(target), model or ModelChoice()
    check_readable_file(video, "video")
    from posecoach.pose.models import resolve_model

    model_path = resolve_model(model.variant, model.path, model.notify)
    path = cache_path(video, model_path)
    if not path.is_file():
        make_cache_dir(model.notify)
        record_track(str(video), path, force=True, model=model, progress=progress, workers=workers)
    return path


def make_cache_dir(notify=None) -> Path:
    """The cache folder, made (and said so, once) when missing."""
    folder = track_cache_dir()
    if folder.is_dir():
        return folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"{folder}: cannot make the track cache folder ({e.strerror}); set {TRACK_CACHE_ENV} "
                          "to a writable folder") from None
    if notify is not None:
        notify(cache_notice(folder))
    return folder


def source_track_paths(sources: Sequence[str], model: ModelChoice | None = None, progress: Progress | None = None,
                       workers: int = 1) -> list[Path]:
    """The track files of many sources: with several videos and workers, one video per worker
    (each tracked in one process); else each video's frames split among the workers."""
    videos = sorted({s for s in sources if parse_source(s)[0] == "video"})
    if workers > 1 and len(videos) > 1:
        from posecoach.pose.models import resolve_model
        from posecoach.pose.parallel import map_files

        model = model or ModelChoice()
        resolve_model(model.variant, model.path, model.notify)  # fetched once, before the workers start
        make_cache_dir(model.notify)
        tracked = dict(zip(videos, map_files(functools.partial(source_track_path, model=model), videos, workers),
                           strict=True))
        return [tracked[s] if s in tracked else source_track_path(s, model) for s in sources]
    return [source_track_path(s, model, progress, workers) for s in sources]


def cache_notice(folder: Path) -> str:
    """Said once, when the cache is first made: what is kept, where, and how to remove it."""
    return (f"Privacy: the body landmarks found in each video (no picture) are kept in {folder} so that later "
            f"commands start at once. Delete that folder to remove them; set {TRACK_CACHE_ENV} to keep them "
            "elsewhere.")


def load_source_track(source: str, model: ModelChoice | None = None, progress: Progress | None = None,
                      workers: int = 1) -> PoseTrack:
    """The track of a source; a cached track that cannot be read (cut short, damaged) is made again."""
    path = source_track_path(source, model, progress, workers)
    try:
        return load_track(path)
    except SourceError:
        if parse_source(source)[0] == "track":
            raise  # the person's own file: say what is wrong with it
    if model is not None and model.notify is not None:
        model.notify(f"{source}: its cached pose track was damaged; tracking the video again")
    path.unlink(missing_ok=True)
    return load_track(source_track_path(source, model, progress, workers))
