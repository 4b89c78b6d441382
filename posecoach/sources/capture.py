"""Capture on its own thread, keeping only the newest frame; opening the camera or a stand-in video.

The reader thread never waits for the model: when the model is slower than the camera, older
frames are dropped, so what is shown is never behind. Frames keep the time they were captured
(the camera's stamp, or a video's own timestamps), which is the only time the logic sees.
"""

from __future__ import annotations

import glob
import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from posecoach.errors import SourceError
from posecoach.types import Frame

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Captured:
    frame: Frame
    arrived_s: float  # monotonic time it reached the reader: latency is measured from here


class LatestFrame:
    """Reads `frames` on a daemon thread; `get()` returns the newest frame not yet taken.

    With `drop=False` the reader waits for each frame to be taken instead (for tests that feed
    frames faster than real time and want every one of them).
    """

    def __init__(self, frames: Iterable[Frame], clock: Callable[[], float] = time.monotonic,
                 drop: bool = True) -> None:
        self._frames, self._clock, self._drop = frames, clock, drop
        self._cond = threading.Condition()
        self._slot: Captured | None = None
        self._ended = False
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self.read = 0
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="posecoach-capture", daemon=True)

    def __enter__(self) -> LatestFrame:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _run(self) -> None:
        iterator: Iterator[Frame] = iter(self._frames)
        try:
            for frame in iterator:
                if self._stop.is_set():
                    break
                self._put(Captured(frame, self._clock()))
        except BaseException as e:  # noqa: BLE001 - handed to the consumer, which re-raises it
            with self._cond:
                self._error = e
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()
            with self._cond:
                self._ended = True
                self._cond.notify_all()

    def _put(self, captured: Captured) -> None:
        with self._cond:
            if not self._drop:
                self._cond.wait_for(lambda: self._slot is None or self._stop.is_set())
            if self._slot is not None:
                self.dropped += 1
            self._slot = captured
            self.read += 1
            self._cond.notify_all()

    def get(self, timeout_s: float = 5.0) -> Captured | None:
        """The newest frame; None once the source has ended. Re-raises the reader's error."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._slot is not None or self._ended, timeout_s):
                raise SourceError("the camera sent no frame for "
                                  f"{timeout_s:g} s; is it still connected, or used by another program?")
            captured, self._slot = self._slot, None
            self._cond.notify_all()
            if captured is None and self._error is not None:
                raise self._error
            return captured

    def close(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)


def paced(frames: Iterable[Frame], clock: Callable[[], float] = time.monotonic,
          sleep: Callable[[float], None] = time.sleep) -> Iterator[Frame]:
    """A video played in real time, as a stand-in camera. Frames keep the file's timestamps."""
    start: float | None = None
    for frame in frames:
        if start is None:
            start = clock() - frame.t_s
        wait = start + frame.t_s - clock()
        if wait > 0:
            sleep(wait)
        yield frame


def looped(frames: Callable[[], Iterable[Frame]], times: int, fps: float) -> Iterator[Frame]:
    """A recording played `times` over as one camera, frame times and indices running on (a demo or a
    test that needs a longer session than the clip). `frames()` starts the recording again."""
    offset, index, step_s = 0.0, 0, 1.0 / fps
    for _ in range(times):
        last = 0.0
        for frame in frames():
            yield Frame(frame.image, offset + frame.t_s, index)
            last, index = frame.t_s, index + 1
        offset += last + step_s


def camera_candidates() -> list[int]:
    """Camera indices worth trying: the /dev/video* devices on Linux, else 0 and 1."""
    if sys.platform.startswith("linux"):
        numbers = (re.fullmatch(r"/dev/video(\d+)", p) for p in glob.glob("/dev/video*"))
        return sorted(int(m.group(1)) for m in numbers if m)
    return [0, 1]


def _describe_index(index: int) -> str:
    return f"camera {index} (/dev/video{index})" if sys.platform.startswith("linux") else f"camera {index}"


@dataclass
class OpenedSource:
    name: str
    frames: Iterable[Frame]
    size: tuple[int, int]
    is_camera: bool


def open_camera(spec: str | None, size: tuple[int, int] = (640, 480)) -> OpenedSource:
    """A camera by index or device path, the first one that works, or a video file paced in real
    time; `spec` is read with the one source grammar (`sources.parse_source`)."""
    from posecoach.sources.video import CameraSource, VideoSource, parse_source

    kind, target = parse_source(spec) if spec is not None else ("camera", None)
    if kind == "track":
        raise SourceError(f"{spec}: a pose track has no pictures to coach from; give a camera or a video "
                          f"file, or count the track with 'posecoach replay {spec} -e EXERCISE'")
    if kind == "video":
        video = VideoSource(Path(target))
        return OpenedSource(f"{spec} (as a camera)", paced(video), video.info.size, False)
    indices = camera_candidates() if target is None else [target]
    tried = []
    for index in indices:
        try:
            camera = CameraSource(index, size)
        except SourceError as e:
            tried.append(f"{_describe_index(index)}: {str(e).split(': ', 1)[-1]}")
            continue
        return OpenedSource(camera.info.name, camera, camera.info.size, True)
    found = "; ".join(tried) if tried else "no video devices found (/dev/video*)"
    raise SourceError(f"no camera could be opened. Tried: {found}. Connect a camera, close other programs "
                      "using it (video calls), or pass --camera INDEX or a video file")


def camera_available() -> bool:
    """Whether a camera opens and gives a frame (used to choose between live and the demo)."""
    for index in camera_candidates():
        try:
            from posecoach.sources.video import CameraSource

            camera = CameraSource(index)
        except SourceError:
            continue
        camera.capture.release()
        return True
    return False
