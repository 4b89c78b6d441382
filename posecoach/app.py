"""Use cases behind the CLI: open a source as a pose stream, replay it, record a track.

Kept apart from `cli` so tests and other front ends call the same functions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from posecoach.exercise.spec import ExerciseSpec
from posecoach.paths import check_output
from posecoach.pipeline import Coach, CoachSettings, Sink, pose_stream, run
from posecoach.report import ReportBuilder
from posecoach.sinks import ReportSink, VideoSink, WindowSink
from posecoach.sources import CameraSource, VideoSource, parse_source
from posecoach.tracks import TrackRecorder, load_track, save_track
from posecoach.types import Frame, Pose, SourceInfo

Notify = Callable[[str], None]


@dataclass(frozen=True)
class ModelChoice:
    variant: str | None = None
    path: Path | None = None
    notify: Notify | None = None
    min_detection_confidence: float = 0.5


@dataclass
class PoseInput:
    info: SourceInfo
    stream: Iterable[tuple[Frame, Pose | None]]
    model: dict | None = None


def _model_meta(choice: ModelChoice, path: Path) -> dict:
    from posecoach.pose.models import DEFAULT_VARIANT, file_sha256

    variant = "custom" if choice.path else (choice.variant or DEFAULT_VARIANT)
    return {"variant": variant, "sha256": file_sha256(path)}


@contextlib.contextmanager
def open_poses(source: str, model: ModelChoice = ModelChoice()) -> Iterator[PoseInput]:
    """A video, camera or recorded track as a stream of (frame, pose). Tracks skip the model."""
    kind, target = parse_source(source)
    if kind == "track":
        track = load_track(target)
        yield PoseInput(track.info, track.poses(), track.meta.get("model"))
        return
    frames = VideoSource(target) if kind == "video" else CameraSource(target)
    with open_estimator(model) as (estimator, meta):
        yield PoseInput(frames.info, pose_stream(frames, estimator), meta)


@contextlib.contextmanager
def open_estimator(model: ModelChoice = ModelChoice()) -> Iterator[tuple[Callable, dict]]:
    """The real pose model, fetched on first use, and what to record about it."""
    # Imported here so that replaying a track never loads mediapipe.
    from posecoach.pose.estimator import EstimatorSettings, PoseEstimator
    from posecoach.pose.models import resolve_model

    path = resolve_model(model.variant, model.path, model.notify)
    settings = EstimatorSettings(path, min_detection_confidence=model.min_detection_confidence)
    with PoseEstimator(settings) as estimator:
        yield estimator, _model_meta(model, path)


@dataclass
class ReplayOptions:
    out: Path | None = None
    report: Path | None = None
    show: bool = False
    force: bool = False
    coach: CoachSettings = field(default_factory=CoachSettings)
    progress: Callable[[Iterable, SourceInfo], Iterable] | None = None


def replay(source: str, spec: ExerciseSpec, options: ReplayOptions | None = None,
           model: ModelChoice = ModelChoice()) -> dict:
    """Run a source through the whole pipeline; returns the report (also written if asked)."""
    options = options or ReplayOptions()
    for path in (options.out, options.report):
        if path is not None:
            check_output(path, options.force)
    with open_poses(source, model) as poses:
        report = ReportSink(ReportBuilder(spec, poses.info, poses.model), options.report)
        sinks: list[Sink] = [report]
        if options.out:
            sinks.append(VideoSink(options.out, spec, poses.info))
        if options.show:
            sinks.append(WindowSink(spec, poses.info))
        stream = options.progress(poses.stream, poses.info) if options.progress else poses.stream
        try:
            run(stream, Coach(spec, options.coach), sinks)
        except KeyboardInterrupt:
            if not any(getattr(s, "stop_requested", False) for s in sinks):
                raise
    return _with_warnings(report.result, poses.info)


def _with_warnings(report: dict, info: SourceInfo) -> dict:
    expected = info.frame_count
    if expected and report["frames"] < expected - 1:
        report["warnings"].append(
            f"the video ended after {report['frames']} of {expected} frames: it may be truncated")
    return report


def record_track(source: str, out: Path, force: bool = False, model: ModelChoice = ModelChoice(),
                 progress: Callable[[Iterable, SourceInfo], Iterable] | None = None) -> dict:
    """Save every frame's pose; returns the track's metadata."""
    check_output(out, force)
    with open_poses(source, model) as poses:
        recorder = TrackRecorder(poses.info, poses.model or {})
        stream = progress(poses.stream, poses.info) if progress else poses.stream
        for frame, pose in stream:
            recorder.add(frame, pose)
        track = recorder.track()
    save_track(track, out)
    return track.meta
