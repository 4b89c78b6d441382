"""Use cases behind the CLI: open a source as a pose stream, replay it, record a track.

Kept apart from `cli` so tests and other front ends call the same functions.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from posecoach.errors import OutputError, SourceError, UserError
from posecoach.exercise.spec import ExerciseSpec
from posecoach.paths import Inputs, check_outputs, input_paths, native_path
from posecoach.pipeline import Coach, CoachSettings, Sink, pose_stream, run
from posecoach.sinks.display import require_display
from posecoach.sinks.report import ReportBuilder, write_report
from posecoach.sinks.video import BackgroundSink, ReportSink, VideoSink, WindowSink
from posecoach.sources.tracks import TrackWriter, load_track
from posecoach.sources.video import CameraSource, VideoSource, parse_source
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
    warnings: list[str] = field(default_factory=list)


def _model_meta(choice: ModelChoice, path: Path) -> dict:
    from posecoach.pose.models import DEFAULT_VARIANT, file_sha256

    variant = "custom" if choice.path else (choice.variant or DEFAULT_VARIANT)
    return {"variant": variant, "sha256": file_sha256(path)}


@contextlib.contextmanager
def open_poses(source: str, model: ModelChoice = ModelChoice(), workers: int = 1,
               images: bool = True) -> Iterator[PoseInput]:
    """A video, camera or recorded track as a stream of (frame, pose). Tracks skip the model.

    With `workers` > 1 a video's frames are split among that many processes (`pose/parallel.py`);
    the stream is still in frame order. `images=False` says nobody looks at the pictures, so a
    parallel run need not decode the video a second time."""
    if workers < 1:
        raise UserError(f"--workers {workers}: give 1 or more")
    kind, target = parse_source(source)
    if kind == "track":
        track = load_track(target)
        recorded = track.meta.get("model")
        yield PoseInput(track.info, track.poses(), recorded, _ignored_model(model, recorded or {}))
        return
    frames = VideoSource(target) if kind == "video" else CameraSource(target)
    segments = _segments(frames.info, workers) if kind == "video" else []
    if len(segments) > 1:
        from posecoach.pose.parallel import parallel_poses

        settings, meta = estimator_settings(model)
        stream = parallel_poses(target, settings, segments)
        yield PoseInput(frames.info, _with_images(frames, stream) if images else stream, meta)
        return
    with open_estimator(model) as (estimator, meta):
        yield PoseInput(frames.info, pose_stream(frames, estimator), meta)


def _segments(info: SourceInfo, workers: int) -> list:
    if workers == 1:
        return []
    from posecoach.pose.parallel import plan_segments

    return plan_segments(info.frame_count, workers)


def _with_images(frames: Iterable[Frame], stream: Iterable[tuple[Frame, Pose | None]]):
    """The parallel poses beside the pictures, decoded again here (for the video output or a window)."""
    for frame, (bare, pose) in zip(frames, stream, strict=False):
        if bare.index != frame.index or bare.t_s != frame.t_s:
            raise SourceError(f"frame {frame.index}: the video decodes differently on a second pass; "
                              "run again with --workers 1")
        yield frame, pose


def _ignored_model(choice: ModelChoice, recorded: dict) -> list[str]:
    """A track carries its own landmarks: a different model asked for is ignored, and said so."""
    if choice.path is not None:
        asked = f"--model {choice.path}"
        same = choice.path.is_file() and hashlib.sha256(choice.path.read_bytes()).hexdigest() == recorded.get("sha256")
    elif choice.variant is not None:
        asked, same = f"--model-variant {choice.variant}", choice.variant == recorded.get("variant")
    else:
        return []
    if same:
        return []
    return [f"the pose track was recorded with model {recorded.get('variant', 'unknown')}: "
            f"its own landmarks are used, {asked} is ignored"]


@contextlib.contextmanager
def open_estimator(model: ModelChoice = ModelChoice()) -> Iterator[tuple[Callable, dict]]:
    """The real pose model, fetched on first use, and what to record about it."""
    # Imported here so that replaying a track never loads mediapipe.
    from posecoach.pose.estimator import PoseEstimator

    settings, meta = estimator_settings(model)
    with PoseEstimator(settings) as estimator:
        yield estimator, meta


def estimator_settings(model: ModelChoice = ModelChoice()):
    """The estimator's settings for a model choice (fetching the model on first use), and its metadata."""
    from posecoach.pose.models import resolve_model
    from posecoach.pose.settings import EstimatorSettings

    path = resolve_model(model.variant, model.path, model.notify)
    return EstimatorSettings(path, min_detection_confidence=model.min_detection_confidence), _model_meta(model, path)


@dataclass
class ReplayOptions:
    out: Path | None = None
    report: Path | None = None
    show: bool = False
    force: bool = False
    workers: int = 1  # pose model processes for a video (pose/parallel.py)
    coach: CoachSettings = field(default_factory=CoachSettings)
    progress: Callable[[Iterable, SourceInfo], Iterable] | None = None
    inputs: Inputs = field(default_factory=list)  # files read besides the source: no output may be one


def replay(source: str, spec: ExerciseSpec, options: ReplayOptions | None = None,
           model: ModelChoice = ModelChoice()) -> dict:
    """Run a source through the whole pipeline; returns the report (also written if asked)."""
    options = options or ReplayOptions()
    check_outputs({"--out": options.out, "--report": options.report}, options.force,
                  [*input_paths({"the input": source}), *options.inputs])
    if options.out is not None:
        native_path(options.out, OutputError)  # the video goes through OpenCV
    if options.show:
        require_display("drop --show")
    images = options.out is not None or options.show
    with open_poses(source, model, options.workers, images) as poses:
        # Written here, not by the sink, so that the file holds the warnings found at the end.
        report = ReportSink(ReportBuilder(spec, poses.info, poses.model))
        sinks: list[Sink] = [report, *_output_sinks(spec, poses.info, options)]
        stream = options.progress(poses.stream, poses.info) if options.progress else poses.stream
        try:
            run(stream, Coach(spec, options.coach), sinks)
        except KeyboardInterrupt:
            if not any(getattr(s, "stop_requested", False) for s in sinks):
                raise
        except OutputError:
            report.result = None  # writing failed there: nothing more is written
            raise
        finally:
            if report.result is not None:  # the loop closed the sinks, even when interrupted
                _add_warnings(report.result, poses)
                if options.report is not None:
                    write_report(report.result, options.report)
    return report.result


def _output_sinks(spec: ExerciseSpec, info: SourceInfo, options: ReplayOptions) -> list[Sink]:
    sinks: list[Sink] = []
    if options.out:
        video = VideoSink(options.out, spec, info, in_place=not options.show)  # the window draws its own
        video.pending.check = lambda tmp: _video_problem(tmp, video.frames)
        sinks.append(BackgroundSink(video))
    if options.show:
        sinks.append(WindowSink(spec, info))
    return sinks


def _video_problem(path: Path, frames: int) -> str | None:
    """OpenCV's writer only logs a failed write (a full disk): check the file before keeping it."""
    try:
        found = VideoSource(path).info.frame_count or 0
    except SourceError:
        found = 0
    return None if found == frames else f"the video has {found} of {frames} frames"


def _add_warnings(report: dict, poses: PoseInput) -> None:
    report["warnings"] += poses.warnings
    expected = poses.info.frame_count
    if expected and not report["partial"] and report["frames"] < expected - 1:
        report["warnings"].append(
            f"the video ended after {report['frames']} of {expected} frames: it may be truncated")


def record_track(source: str, out: Path, force: bool = False, model: ModelChoice = ModelChoice(),
                 progress: Callable[[Iterable, SourceInfo], Iterable] | None = None, workers: int = 1,
                 inputs: Inputs = ()) -> dict:
    """Save every frame's pose; returns the track's metadata."""
    check_outputs({"--output": out}, force, [*input_paths({"the input": source}), *inputs])
    with open_poses(source, model, workers, images=False) as poses:
        writer = TrackWriter(poses.info, poses.model or {}, out)  # streamed to disk: memory stays flat
        try:
            stream = progress(poses.stream, poses.info) if progress else poses.stream
            for frame, pose in stream:
                writer.add(frame, pose)
        except BaseException:
            writer.discard()
            raise
    return writer.close()
