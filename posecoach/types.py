"""Plain data that flows between the pipeline stages.

Nothing here knows about MediaPipe or OpenCV: a `Pose` holds numpy arrays in pixels
(and metres for world landmarks), converted once at the pose-estimator boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np


class Landmark(IntEnum):
    """BlazePose's 33 landmarks, the one naming used everywhere (files say `left_hip`)."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32

    @classmethod
    def from_name(cls, name: str) -> Landmark:
        return cls[name.upper()]

    @property
    def label(self) -> str:
        return self.name.lower()


NUM_LANDMARKS = len(Landmark)

# Bones drawn by the overlay and used for plausibility checks.
SKELETON: tuple[tuple[Landmark, Landmark], ...] = (
    (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER),
    (Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
    (Landmark.LEFT_SHOULDER, Landmark.LEFT_HIP),
    (Landmark.RIGHT_SHOULDER, Landmark.RIGHT_HIP),
    (Landmark.LEFT_SHOULDER, Landmark.LEFT_ELBOW),
    (Landmark.LEFT_ELBOW, Landmark.LEFT_WRIST),
    (Landmark.RIGHT_SHOULDER, Landmark.RIGHT_ELBOW),
    (Landmark.RIGHT_ELBOW, Landmark.RIGHT_WRIST),
    (Landmark.LEFT_HIP, Landmark.LEFT_KNEE),
    (Landmark.LEFT_KNEE, Landmark.LEFT_ANKLE),
    (Landmark.RIGHT_HIP, Landmark.RIGHT_KNEE),
    (Landmark.RIGHT_KNEE, Landmark.RIGHT_ANKLE),
    (Landmark.LEFT_ANKLE, Landmark.LEFT_HEEL),
    (Landmark.LEFT_HEEL, Landmark.LEFT_FOOT_INDEX),
    (Landmark.LEFT_ANKLE, Landmark.LEFT_FOOT_INDEX),
    (Landmark.RIGHT_ANKLE, Landmark.RIGHT_HEEL),
    (Landmark.RIGHT_HEEL, Landmark.RIGHT_FOOT_INDEX),
    (Landmark.RIGHT_ANKLE, Landmark.RIGHT_FOOT_INDEX),
    (Landmark.NOSE, Landmark.LEFT_EYE),
    (Landmark.NOSE, Landmark.RIGHT_EYE),
    (Landmark.LEFT_EYE, Landmark.LEFT_EAR),
    (Landmark.RIGHT_EYE, Landmark.RIGHT_EAR),
)


@dataclass(frozen=True)
class Frame:
    """One decoded image (BGR, as OpenCV gives it) and when it was captured.

    `image` is None for frames replayed from a recorded pose track. `t_s` is seconds from the
    source's start: the one time, in the one unit, every stage after the source reads.
    """

    image: np.ndarray | None
    t_s: float
    index: int

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        assert self.image is not None, "a frame replayed from a pose track has no image"
        height, width = self.image.shape[:2]
        return width, height


@dataclass(frozen=True)
class Pose:
    """One person's landmarks in one frame, in pixels and metres.

    `xy` is (33, 2) pixels in the frame; `world` is (33, 3) metres around the hip centre;
    `visibility` and `presence` are (33,) in [0, 1]. Its time is its frame's (`Frame.t_s`), the
    one time from the source on.
    """

    xy: np.ndarray
    world: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    image_size: tuple[int, int]


@dataclass(frozen=True)
class SourceInfo:
    """What a frame source is: its name, frame rate, length (None if live) and (width, height)."""

    name: str
    fps: float
    frame_count: int | None
    size: tuple[int, int]


@dataclass(frozen=True)
class Span:
    """A stretch of time in seconds (a hold, an annotated hold), optionally on one side."""

    start_s: float
    end_s: float
    side: str | None = None

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s
