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


def _frames(source: str, limit: int, size: tuple[int, int] | None) -> tuple[list[Frame], float]:
    video = VideoSource(Path(source))
    frames, start = [], time.perf_counter()
    for frame in itertools.islice(video, limit):
        if size is not None:
            frame = Frame(cv2.resize(frame.image, size, interpolation=cv2.INTER_AREA), frame.t_s, frame.index)
        frames.append(frame)
    return frames, (time.perf_counter() - start) * 1000 / max(1, len(frames))


def run_bench(source: str, exercise: str, model: ModelChoice, limit: int = 300,
              size: tuple[int, int] | None = None) -> BenchResult:
    from posecoach.pose.estimator import EstimatorSettings, PoseEstimator
    from posecoach.pose.models import resolve_model

    spec = load_exercise(exercise)
    frames, decode_ms = _frames(source, limit, size)
    result = BenchResult(source, frames[0].size, len(frames), {"decode": decode_ms})
    with PoseEstimator(EstimatorSettings(resolve_model(model.variant, model.path, model.notify))) as estimator:
        poses, result.ms["pose model"] = _timed(lambda f: estimator(f), frames)
    coach = Coach(spec)
    steps, result.ms["geometry + tracking"] = _timed(lambda fp: coach.step(*fp), list(zip(frames, poses, strict=True)))
    info = VideoSource(Path(source)).info
    images, result.ms["overlay"] = _timed(lambda s: render(spec, s, info), steps)
    with tempfile.TemporaryDirectory() as tmp:
        writer = cv2.VideoWriter(native_path(Path(tmp) / "bench.mp4", UserError), cv2.VideoWriter_fourcc(*"mp4v"),
                                 info.fps, result.size)
        _, result.ms["encode"] = _timed(writer.write, images)
        writer.release()
    return result


def _timed(fn, items: list) -> tuple[list, float]:
    start = time.perf_counter()
    out = [fn(item) for item in items]
    return out, (time.perf_counter() - start) * 1000 / max(1, len(items))


def format_bench(r: BenchResult) -> str:
    lines = [f"{Path(r.source).name}: {r.frames} frames at {r.size[0]}x{r.size[1]}"]
    lines += [f"  {stage:<20} {r.ms[stage]:7.2f} ms/frame" for stage in STAGES]
    lines.append(f"  our own per-frame work (smoothing, measurements, tracking, cues): {r.own_ms:.2f} ms")
    lines.append(f"  replay without video output / model alone: {r.replay_vs_model:.3f}x")
    return "\n".join(lines)
