"""Frame sources: iterators of timestamped frames, chosen by a source string.

`0`, `1`... is a camera; `session.npz` or `track:session.npz` a recorded pose track;
anything else a video file. Failing to open is an error, never a silent fallback.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import cv2

from posecoach.errors import SourceError
from posecoach.paths import check_readable_file, native_path
from posecoach.types import Frame, SourceInfo

log = logging.getLogger(__name__)

# Container timestamps further than this from index/fps mean a variable frame rate.
_VFR_TOLERANCE_MS = 2.0


class VideoSource:
    """Decodes a video file. Timestamps come from the file, never from the clock."""

    def __init__(self, path: Path) -> None:
        check_readable_file(path, "video")
        self.path = path
        capture = cv2.VideoCapture(native_path(path, SourceError))
        try:
            if not capture.isOpened():
                raise SourceError(f"{path}: cannot decode this file as video; convert it to MP4 (H.264)")
            ok, first = capture.read()
            if not ok or first is None:
                raise SourceError(f"{path}: {_unreadable_reason(capture)}; convert it to MP4 (H.264)")
            fps = capture.get(cv2.CAP_PROP_FPS)
            count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        finally:
            capture.release()
        if not fps or fps <= 0 or fps > 1000:
            raise SourceError(f"{path}: the video has no valid frame rate ({fps}); re-encode it")
        height, width = first.shape[:2]
        self.info = SourceInfo(str(path), float(fps), count if count > 0 else None, (width, height))

    def __iter__(self) -> Iterator[Frame]:
        return self.segment(0)

    def segment(self, start: int, stop: int | None = None) -> Iterator[Frame]:
        """Frames `start` to `stop - 1` (to the end when None), with the indices and timestamps of a
        whole pass: the frames before `start` are grabbed (decoded, never converted) for their times."""
        capture = cv2.VideoCapture(native_path(self.path, SourceError))
        try:
            yield from self._frames(capture, start, stop)
        finally:
            capture.release()

    def _frames(self, capture: cv2.VideoCapture, start: int, stop: int | None) -> Iterator[Frame]:
        nominal_ms = 1000.0 / self.info.fps
        last_ms = -1.0
        index = 0
        while stop is None or index < stop:
            image = None
            if index < start:
                if not capture.grab():
                    return
            else:
                ok, image = capture.read()
                if not ok or image is None:
                    return
            t_ms = _frame_time_ms(capture.get(cv2.CAP_PROP_POS_MSEC), index, nominal_ms)
            # Guard against containers that repeat or go back in time.
            t_ms = max(t_ms, last_ms + 1.0)
            if image is not None:
                yield Frame(image, t_ms / 1000.0, index)
            last_ms, index = t_ms, index + 1


def _unreadable_reason(capture: cv2.VideoCapture) -> str:
    fourcc = int(capture.get(cv2.CAP_PROP_FOURCC))
    codec = "".join(chr((fourcc >> 8 * i) & 0xFF) for i in range(4)).strip("\x00 ")
    if codec and codec.isprintable():
        return f"cannot decode its frames (codec '{codec}' is not supported here, or the file is truncated)"
    return "the video has no readable frames (no video stream, or the file is truncated)"


def _frame_time_ms(container_ms: float, index: int, nominal_ms: float) -> float:
    """Container timestamp when it is trustworthy (variable frame rate), else index/fps."""
    nominal = index * nominal_ms
    if container_ms and container_ms > 0 and abs(container_ms - nominal) > _VFR_TOLERANCE_MS:
        return float(container_ms)
    return nominal


class CameraSource:
    """A live camera. Its frames are stamped when captured: that is the frame's own time."""

    def __init__(self, index: int, size: tuple[int, int] = (640, 480)) -> None:
        if index >= 2**31:  # OpenCV takes a C int
            raise SourceError(f"camera {index}: no such camera; give a camera index such as 0 or 1")
        capture = cv2.VideoCapture(index)
        if not capture.isOpened():
            capture.release()
            raise SourceError(f"camera {index}: cannot open it; check it is connected and not used by another program")
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, size[0])
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, size[1])
        ok, first = capture.read()
        if not ok or first is None:
            capture.release()
            raise SourceError(f"camera {index}: opened but gives no frames; is it in use by another program?")
        fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
        height, width = first.shape[:2]
        self.capture = capture
        self.info = SourceInfo(f"camera {index}", float(fps), None, (width, height))

    def __iter__(self) -> Iterator[Frame]:
        start = time.monotonic()
        index = 0
        try:
            while True:
                ok, image = self.capture.read()
                if not ok or image is None:
                    raise SourceError(f"{self.info.name}: stopped giving frames (unplugged?)")
                yield Frame(image, time.monotonic() - start, index)
                index += 1
        finally:
            self.capture.release()


def parse_source(text: str) -> tuple[str, str | int | Path]:
    """('camera', 0) | ('track', Path) | ('video', Path): the one grammar of a source, for every
    command (`replay /dev/video0` and `live --camera 0` name the same camera)."""
    if text.isdecimal():
        return "camera", int(text)
    if device := re.fullmatch(r"/dev/video(\d+)", text):
        return "camera", int(device.group(1))
    if text.startswith("track:"):
        return "track", Path(text.removeprefix("track:"))
    path = Path(text)
    if path.suffix.lower() == ".npz":
        return "track", path
    return "video", path


def quiet_native_logs() -> None:
    """FFmpeg inside OpenCV prints its own lines on bad files, and OpenCV its own errors (a camera
    index out of range); our one-line message says it all."""
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    if "OPENCV_LOG_LEVEL" not in os.environ:
        os.environ["OPENCV_LOG_LEVEL"] = "SILENT"
        # cv2 was imported with this module and read the variable then: set it directly.
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
