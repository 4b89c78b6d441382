"""Writing frames to an mp4 file with OpenCV (mp4v: the encoder every OpenCV wheel has)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from posecoach.synth.webcam import WebcamOptions, degrade


def write_video(path: Path, frames: Iterable[np.ndarray], fps: float, size: tuple[int, int],
                webcam: WebcamOptions,
                sink: Callable[[int, np.ndarray], None] | None = None) -> int:
    """Degrade each RGB frame like a webcam and encode it; returns the frame count."""
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write mp4v video to {path}")
    n = 0
    try:
        for i, frame in enumerate(frames):
            img = degrade(frame, i, webcam)
            if sink is not None:
                sink(i, img)
            writer.write(np.ascontiguousarray(img[..., ::-1]))
            n += 1
    finally:
        writer.release()
    return n
