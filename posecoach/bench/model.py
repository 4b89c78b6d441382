"""`posecoach bench`: milliseconds per frame for each pipeline stage on a real video.

The pose model is the floor; everything we add (smoothing, measurements, tracking, cues)
should be small beside it. Wall-clock timing is right here: this measures, it never coaches.
"""

from __future__ import annotations

import itertools
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from posecoach.errors import UserError
from posecoach.exercise.catalogue import load_exercise
from posecoach.paths import native_path
from posecoach.pipeline import Coach
from posecoach.replay import ModelChoice
from posecoach.sinks.video import render
from posecoach.sources.video import VideoSource
from posecoach.types import Frame

STAGES = ("decode", "pose model", "geometry + tracking", "overlay", "encode")


@dataclass
class BenchResult:
    source: str
    size: tuple[int, int]
    frames: int
    ms: dict[str, float] = field(default_factory=dict)

    @property
    def own_ms(self) -> float:
        return self.ms["geometry + tracking"]

    @property
    def replay_vs_model(self) -> float:
        """Whole replay without video output, relative to decode + model alone."""
        floor = self.ms["decode"] + self.ms["pose model"]
        return (floor + self.own_ms) / floor


class _StageClock:
    """Seconds spent in each stage, summed over the frames."""

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(STAGES, 0.0)

    def __call__(self, stage: str, fn, *args):
        start = time.perf_counter()
        out = fn(*args)
        self.seconds[stage] += time.perf_counter() - start
        return out

    def ms_per_frame(self, frames: int) -> dict[str, float]:
        return {stage: total * 1000 / max(1, frames) for stage, total in self.seconds.items()}


def _resized(frames, size: tuple[int, int] | None):
    for frame in frames:
        if size is not None:
            frame = Frame(cv2.resize(frame.image, size, interpolation=cv2.INTER_AREA), frame.t_s, frame.index)
        yield frame


def run_bench(source: str, exercise: str, model: ModelChoice, limit: int = 300,
              size: tuple[int, int] | None = None) -> BenchResult:
    """Each stage timed on one frame at a time, so memory stays flat however many frames are asked for."""
    from posecoach.pose.estimator import EstimatorSettings, PoseEstimator
    from posecoach.pose.models import resolve_model

    spec = load_exercise(exercise)
    video = VideoSource(Path(source))
    frames = _resized(itertools.islice(video, limit), size)
    clock, coach, count, frame_size = _StageClock(), Coach(spec), 0, None
    with (PoseEstimator(EstimatorSettings(resolve_model(model.variant, model.path, model.notify))) as estimator,
          tempfile.TemporaryDirectory() as tmp):
        writer = None
        while (frame := clock("decode", next, frames, None)) is not None:
            pose = clock("pose model", estimator, frame)
            step = clock("geometry + tracking", coach.step, frame, pose)
            image = clock("overlay", render, spec, step, video.info)
            if writer is None:
                frame_size = frame.size
                writer = cv2.VideoWriter(native_path(Path(tmp) / "bench.mp4", UserError),
                                         cv2.VideoWriter_fourcc(*"mp4v"), video.info.fps, frame_size)
            clock("encode", writer.write, image)
            count += 1
        if writer is not None:
            writer.release()
    if frame_size is None:
        raise UserError(f"{source}: no frame could be read; check that the video plays")
    return BenchResult(source, frame_size, count, clock.ms_per_frame(count))


def format_bench(r: BenchResult) -> str:
    lines = [f"{Path(r.source).name}: {r.frames} frames at {r.size[0]}x{r.size[1]}"]
    lines += [f"  {stage:<20} {r.ms[stage]:7.2f} ms/frame" for stage in STAGES]
    lines.append(f"  our own per-frame work (smoothing, measurements, tracking, cues): {r.own_ms:.2f} ms")
    lines.append(f"  replay without video output / model alone: {r.replay_vs_model:.3f}x")
    return "\n".join(lines)
