"""MediaPipe PoseLandmarker (Tasks API, VIDEO mode) behind a plain `Frame -> Pose` call.

This is the boundary: normalised coordinates become pixels here, once, and nothing after
it sees a MediaPipe object.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

import mediapipe as mp
import numpy as np
from mediapipe.tasks.python import BaseOptions
from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode

from posecoach.errors import ModelError
from posecoach.paths import native_path
from posecoach.pose.settings import EstimatorSettings
from posecoach.types import Frame, Landmark, Pose

# MediaPipe's C++ side logs start-up chatter straight to file descriptor 2 while it loads
# the model and warms up; Python-level errors still raise.
_NOISY_FIRST_CALLS = 3


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _rgb(bgr: np.ndarray) -> np.ndarray:
    """The picture in RGB, channel by channel: a quarter of the time of copying `bgr[..., ::-1]`
    whole (0.2 against 0.8 ms a 640x360 frame), as each channel copies in one stride."""
    rgb = np.empty_like(bgr)
    rgb[..., 0], rgb[..., 1], rgb[..., 2] = bgr[..., 2], bgr[..., 1], bgr[..., 0]
    return rgb


_TORSO = [Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP, Landmark.RIGHT_HIP]


class PoseEstimator:
    """Use as a context manager so the landmarker is closed explicitly."""

    def __init__(self, settings: EstimatorSettings) -> None:
        self.settings = settings
        options = PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=native_path(settings.model_path, ModelError)),
            running_mode=RunningMode.VIDEO,
            num_poses=settings.max_people,
            min_pose_detection_confidence=settings.min_detection_confidence,
            min_pose_presence_confidence=settings.min_presence_confidence,
            min_tracking_confidence=settings.min_tracking_confidence,
        )
        try:
            with _native_stderr_silenced():
                self._landmarker = PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as e:
            raise ModelError(f"{settings.model_path}: cannot load this pose model ({e}); "
                             "run 'posecoach models fetch' to get a working one") from None
        self._followed: np.ndarray | None = None
        self._calls = 0
        self._last_ms = -1

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._landmarker.close()

    def __call__(self, frame: Frame) -> Pose | None:
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=_rgb(frame.image))
        # MediaPipe's VIDEO mode takes whole, strictly increasing milliseconds.
        t_ms = max(int(round(frame.t_s * 1000.0)), self._last_ms + 1)
        self._last_ms = t_ms
        if self._calls < _NOISY_FIRST_CALLS:
            self._calls += 1
            with _native_stderr_silenced():
                result = self._landmarker.detect_for_video(image, t_ms)
        else:
            result = self._landmarker.detect_for_video(image, t_ms)
        poses = [_to_pose(lms, world, frame) for lms, world in
                 zip(result.pose_landmarks, result.pose_world_landmarks, strict=True)]
        return self._follow(poses)

    def _follow(self, poses: list[Pose]) -> Pose | None:
        """Keep following the person nearest to the one followed so far (else the largest)."""
        if not poses:
            return None
        if self._followed is None:
            chosen = max(poses, key=_torso_size)
        else:
            chosen = min(poses, key=lambda p: float(np.linalg.norm(_torso_centre(p) - self._followed)))
        self._followed = _torso_centre(chosen)
        return chosen


def _to_pose(landmarks, world_landmarks, frame: Frame) -> Pose:
    width, height = frame.size
    values = np.array([(lm.x, lm.y, lm.visibility or 0.0, lm.presence or 0.0) for lm in landmarks],
                      dtype=np.float64)
    world = np.array([(lm.x, lm.y, lm.z) for lm in world_landmarks], dtype=np.float64)
    # Rounded through float32, the precision pose tracks store, so that replaying a
    # recorded track gives exactly the numbers a live run saw.
    values = values.astype(np.float32).astype(np.float64)
    world = world.astype(np.float32).astype(np.float64)
    return Pose(
        xy=(values[:, :2] * (width, height)).astype(np.float32).astype(np.float64),
        world=world,
        visibility=values[:, 2],
        presence=values[:, 3],
        image_size=(width, height),
    )


def _torso_centre(pose: Pose) -> np.ndarray:
    return pose.xy[_TORSO].mean(axis=0)


def _torso_size(pose: Pose) -> float:
    span = pose.xy[_TORSO].max(axis=0) - pose.xy[_TORSO].min(axis=0)
    return float(np.hypot(*span))
