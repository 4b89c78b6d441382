"""Where coaching steps go: an annotated video, a report, a recorded track, a window."""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from posecoach.errors import OutputError
from posecoach.exercise.events import Event
from posecoach.exercise.spec import ExerciseSpec
from posecoach.overlay import draw as overlay
from posecoach.overlay.hud import build_hud
from posecoach.paths import native_path
from posecoach.pipeline import Sink, Step
from posecoach.sinks.atomic import PendingFile
from posecoach.sinks.report import ReportBuilder, write_report
from posecoach.sinks.window import Window
from posecoach.types import SourceInfo


def render(spec: ExerciseSpec, step: Step, info: SourceInfo, in_place: bool = False):
    """The annotated frame; `in_place` draws on the step's own picture (no copy) when no other
    sink looks at it."""
    blank = step.frame.image is None
    image = overlay.blank_canvas(info.size) if blank else step.frame.image
    hud = build_hud(spec, step.status, step.measurements, step.pose,
                    step.cue.message if step.cue else None)
    return overlay.draw(image, step.pose, hud, in_place=in_place or blank)


class VideoSink:
    """Writes the annotated video to a temporary file, renamed into place when closed.

    `in_place`: the overlay is drawn on the frames' own pictures, when no other sink shows them."""

    def __init__(self, path: Path, spec: ExerciseSpec, info: SourceInfo, in_place: bool = False) -> None:
        self.path, self.spec, self.info, self.in_place = path, spec, info, in_place
        native_path(path, OutputError)  # before the temporary file, which carries the name
        self.pending = PendingFile(path)
        # mp4v (MPEG-4 part 2): the cheapest encoder this OpenCV has that gives a playable mp4.
        fourcc = cv2.VideoWriter_fourcc(*"mp4v")
        self.writer = cv2.VideoWriter(native_path(self.pending.tmp, OutputError), fourcc, info.fps, info.size)
        if not self.writer.isOpened():
            self.pending.discard()
            raise OutputError(f"{path}: cannot write video there; use a .mp4 name in a writable folder")
        self.frames = 0

    def write(self, step: Step) -> None:
        self.writer.write(render(self.spec, step, self.info, self.in_place))
        self.frames += 1

    def close(self, final_events: list[Event], partial: bool) -> None:
        self.writer.release()
        # An interrupted replay still leaves a playable video of what was done (the report
        # says it is partial); with no frame at all there is nothing worth keeping.
        if self.frames:
            self.pending.commit()
        else:
            self.pending.discard()


@dataclass
class ReportSink:
    builder: ReportBuilder
    path: Path | None = None
    result: dict | None = None

    def write(self, step: Step) -> None:
        self.builder.add(step.frame.t_s, step.pose is not None, step.events, step.new_cue)

    def close(self, final_events: list[Event], partial: bool) -> None:
        self.builder.add_events(final_events)
        self.result = self.builder.result(partial=partial)
        if self.path is not None:
            write_report(self.result, self.path)


@dataclass
class WindowSink:
    """Shows the annotated frames in a window; `q`, Esc or closing the window asks the loop to stop."""

    spec: ExerciseSpec
    info: SourceInfo
    title: str = "posecoach"
    stop_requested: bool = False
    _window: Window = field(init=False)

    def __post_init__(self) -> None:
        self._window = Window(self.title)

    def write(self, step: Step) -> None:
        key = self._window.show(render(self.spec, step, self.info))
        if key in (ord("q"), 27) or self._window.gone:
            self.stop_requested = True
            raise KeyboardInterrupt

    def close(self, final_events: list[Event], partial: bool) -> None:
        self._window.close()


class BackgroundSink:
    """Another sink's `write` (overlay and encoding, for the video) on its own thread, so the loop,
    and the model with it, never waits for them. At most `depth` steps wait; a failure is raised
    at the next `write` or at `close`, which first writes every step already handed over."""

    _END = object()

    def __init__(self, sink: Sink, depth: int = 16) -> None:
        self.sink = sink
        self._steps: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._failed = False  # stays set once a write failed: nothing more is written
        self._thread = threading.Thread(target=self._run, name="posecoach-sink", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (step := self._steps.get()) is not self._END:
            if not self._failed:
                try:
                    self.sink.write(step)
                except BaseException as e:  # noqa: BLE001 - handed to the loop's thread, raised there
                    self._error, self._failed = e, True

    def write(self, step: Step) -> None:
        self._raise()
        self._steps.put(step)

    def close(self, final_events: list[Event], partial: bool) -> None:
        self._steps.put(self._END)
        self._thread.join()
        self.sink.close(final_events, partial)
        self._raise()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error
