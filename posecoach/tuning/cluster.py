"""Pose tracks of a whole dataset on a Dask cluster: the optional `posecoach[cluster]` extra.

One task per video: a cluster worker runs the model over it and writes its track into the
track cache, the same file a local run writes (`tuning.cache.cache_path`), atomically. So a
run that stops part way resumes where it stopped (videos already in the cache are not sent),
the counting afterwards is the local code on the cached tracks (same outputs as a local run),
and a video that fails is reported with its reason while the others go on. Workers must see
the videos and the cache at the same paths (one machine, or a shared folder).

`address` is a scheduler's address (`tcp://host:8786`, from `dask scheduler`) or `local:N`,
which starts a cluster of N worker processes on this machine for the run and stops it after.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from posecoach.errors import PosecoachError, UserError

LOCAL_PREFIX = "local:"


@dataclass(frozen=True)
class ClusterRun:
    """What a run did with each video (absolute path strings)."""

    tracked: dict[str, Path] = field(default_factory=dict)  # tracked on the cluster now
    cached: dict[str, Path] = field(default_factory=dict)  # in the cache already: not redone
    failed: dict[str, str] = field(default_factory=dict)  # video -> one-line reason


def parse_address(address: str) -> tuple[str | None, int | None]:
    """(scheduler address, None) or (None, local worker count); a bad one is a UserError."""
    if address.startswith(LOCAL_PREFIX):
        count = address.removeprefix(LOCAL_PREFIX)
        if not count.isdecimal() or int(count) < 1:
            raise UserError(f"--cluster {address}: give local:N with N workers of 1 or more, e.g. local:2")
        return None, int(count)
    if "://" not in address and ":" not in address:
        raise UserError(f"--cluster {address}: give a scheduler address such as tcp://host:8786, or local:N")
    return address, None


@contextmanager
def connect(address: str):
    """A Dask client on the scheduler at `address`, or on a local cluster started for this run."""
    scheduler, local_workers = parse_address(address)
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UserError("--cluster needs the cluster extra: pip install 'posecoach[cluster]'") from None
    # Dask logs every worker start and stop, and shutdown races; the progress bar and the
    # per-video failures say what matters.
    logging.getLogger("distributed").setLevel(logging.ERROR)
    if local_workers is not None:
        # One thread per worker process: each holds its own landmarker, which is not thread-safe.
        with LocalCluster(n_workers=local_workers, threads_per_worker=1, processes=True,
                          dashboard_address=None, silence_logs=logging.CRITICAL) as cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(scheduler, timeout="10s")
    except OSError as e:
        raise UserError(f"--cluster {address}: cannot reach the scheduler ({e}); start one with "
                        "'dask scheduler' and its workers with 'dask worker ADDRESS'") from None
    with client:
        yield client


def track_videos(videos: Sequence[Path], address: str, model_path: Path,
                 on_done: Callable[[str, str | None], None] | None = None) -> ClusterRun:
    """Every video's track in the cache, the missing ones made on the cluster.

    `on_done(video, error)` is called as each task finishes, in finishing order (for a progress
    bar); the result keeps the videos' order."""
    from posecoach.tuning.cache import cache_path, make_cache_dir

    make_cache_dir()
    run = ClusterRun()
    todo: dict[str, Path] = {}
    for video in videos:
        key, out = str(Path(video).resolve()), cache_path(Path(video), model_path)
        if out.is_file():
            run.cached[key] = out
        else:
            todo[key] = out
    if not todo:
        return run
    with connect(address) as client:
        from distributed import as_completed

        futures = {client.submit(track_one, video, str(out), str(model_path), key=f"posecoach-track-{out.stem}",
                                 pure=False): video for video, out in todo.items()}
        for future in as_completed(futures):
            video = futures[future]
            error = _failure(future)
            if error is None:
                run.tracked[video] = todo[video]
            else:
                run.failed[video] = error
            if on_done is not None:
                on_done(video, error)
    return run


def track_one(video: str, out: str, model_path: str) -> str:
    """On a worker: the video's track, written to `out` (atomically), one landmarker."""
    from posecoach.replay import ModelChoice, record_track

    record_track(video, Path(out), force=True, model=ModelChoice(path=Path(model_path)), workers=1)
    return out


def _failure(future) -> str | None:
    """None when the task finished; else why not, in one line."""
    if future.status == "finished":
        return None
    try:
        error = future.exception()
    except Exception as e:  # noqa: BLE001 - a lost worker or a cancelled task: say what it was
        error = e
    if isinstance(error, PosecoachError):
        return str(error)
    text = f"{type(error).__name__}: {error}".strip()
    return text.splitlines()[0] if text else "the task failed"


def progress_bar(total: int):
    """`on_done` for `track_videos`: a bar on stderr, and each failure on its own line."""
    from tqdm import tqdm

    bar = tqdm(total=total, unit="video", desc="cluster", file=sys.stderr, leave=False, disable=None)

    def on_done(video: str, error: str | None) -> None:
        if error is not None:
            bar.write(f"{Path(video).name}: {error}", file=sys.stderr)
        bar.update(1)
        if bar.n >= total:
            bar.close()
    return on_done
