"""Pose extraction on every core: a video's frames split among worker processes, merged in order.

Each worker has its own landmarker and runs over one contiguous segment of the frames. MediaPipe
tracks the person from their last landmarks (and smooths them over time), so every segment but
the first starts `WARMUP_FRAMES` early and drops those frames: by the seam the tracking has
settled and the landmarks are those of one pass within a small tolerance (tests/e2e/test_parallel.py
states it). Workers decode the video themselves and send back compact float32 pieces of track;
the caller gets one `(frame, pose)` stream in frame order and runs the (cheap, stateful) tracker
over it sequentially, as before. Times are the frames' own, never the clock.

Workers are started with `spawn`: MediaPipe is not fork-safe once initialised.
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queue_module
import signal
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from posecoach.errors import PosecoachError
from posecoach.sources.tracks import PoseTrack, TrackRecorder
from posecoach.types import Frame, Pose

WARMUP_FRAMES = 45  # 1.5 s at 30 fps: enough for MediaPipe's tracking and smoothing to settle
MIN_SEGMENT_FRAMES = 150  # shorter videos use fewer workers: the warm-up would cost more than it saves
CHUNK_FRAMES = 256  # frames per piece sent back, so the first segment streams while the others run
_POLL_S = 0.5
T = TypeVar("T")
R = TypeVar("R")


class WorkerError(PosecoachError):
    """A pose worker stopped without finishing its segment (killed, or out of memory)."""


def default_workers() -> int:
    """One worker per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Segment:
    start: int  # the first frame kept
    stop: int | None  # one past the last frame kept; None: to the end of the video
    warm_start: int  # the first frame run through the model (start - warm-up, or 0)


def plan_segments(frame_count: int | None, workers: int, warmup: int = WARMUP_FRAMES,
                  min_frames: int = MIN_SEGMENT_FRAMES) -> list[Segment]:
    """Contiguous segments covering every frame, at most `workers`, none shorter than `min_frames`.

    The last runs to the end of the video whatever the container claims its length is."""
    if workers < 1:
        raise ValueError("workers must be at least 1")
    n = 1 if not frame_count else max(1, min(workers, frame_count // min_frames))
    bounds = [round(i * frame_count / n) for i in range(n)] if frame_count else [0]
    stops: list[int | None] = [*bounds[1:], None]
    return [Segment(start, stop, max(0, start - warmup)) for start, stop in zip(bounds, stops, strict=True)]


def parallel_poses(video: Path, settings, segments: list[Segment]) -> Iterator[tuple[Frame, Pose | None]]:
    """Every frame's pose (frames without images), one worker process per segment, in frame order.

    `settings` is the `EstimatorSettings` each worker's landmarker is made with."""
    context = multiprocessing.get_context("spawn")
    workers = []
    try:
        for segment in segments:
            results = context.Queue()
            process = context.Process(target=_run_segment, args=(str(video), settings, segment, results),
                                      daemon=True, name=f"posecoach-pose-{segment.start}")
            process.start()
            workers.append((process, results))
        index = 0
        for process, results in workers:
            for piece in _pieces(process, results):
                for frame, pose in piece.poses():
                    yield Frame(None, frame.t_s, index), pose
                    index += 1
    finally:
        for process, _ in workers:
            if process.is_alive():
                process.terminate()
            process.join()


def _pieces(process, results) -> Iterator[PoseTrack]:
    while True:
        try:
            kind, value = results.get(timeout=_POLL_S)
        except queue_module.Empty:
            if process.is_alive():
                continue
            try:  # it may have finished just now: what it sent is in the pipe
                kind, value = results.get(timeout=_POLL_S)
            except queue_module.Empty:
                raise WorkerError(f"a pose worker stopped (exit code {process.exitcode}) before finishing "
                                  "its frames; run again with --workers 1, or with fewer workers if memory "
                                  "is short") from None
        if kind == "done":
            return
        if kind == "error":
            raise value
        yield value


def _run_segment(video: str, settings, segment: Segment, results) -> None:
    """In a worker: the segment's poses, in pieces of `CHUNK_FRAMES`, then ("done", None)."""
    _ignore_sigint()  # the parent stops its workers on Ctrl-C
    try:
        from posecoach.pose.estimator import PoseEstimator
        from posecoach.sources.video import VideoSource

        source = VideoSource(Path(video))
        recorder = TrackRecorder(source.info, {})
        with PoseEstimator(settings) as estimator:
            for frame in source.segment(segment.warm_start, segment.stop):
                pose = estimator(frame)
                if frame.index < segment.start:
                    continue  # warm-up: tracking settles on these, and they are dropped
                recorder.add(frame, pose)
                if len(recorder.rows) >= CHUNK_FRAMES:
                    results.put(("poses", recorder.track()))
                    recorder = TrackRecorder(source.info, {})
        if recorder.rows:
            results.put(("poses", recorder.track()))
        results.put(("done", None))
    except Exception as e:  # noqa: BLE001 - every failure goes back to the parent, which raises it
        results.put(("error", e if _picklable(e) else WorkerError(f"{type(e).__name__}: {e}")))


def _picklable(error: Exception) -> bool:
    import pickle

    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - anything that does not survive the trip is sent as text
        return False
    return True


def map_files(fn: Callable[[T], R], items: Sequence[T], workers: int) -> Iterator[R]:
    """`fn` over many files, one file per worker process (spawned), results in the items' order.

    `fn` must be a module-level function, and its items and results picklable."""
    if workers <= 1 or len(items) <= 1:
        yield from map(fn, items)
        return
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(min(workers, len(items)), mp_context=context, initializer=_ignore_sigint) as pool:
        yield from pool.map(fn, items)


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
