"""Bone-length plausibility: distrust landmarks whose limbs suddenly change length.

MediaPipe's visibility can stay high for a joint it cannot really see; the tell is a limb
that is suddenly much longer or shorter than it has been. World landmarks are in metres,
so a bone's length should not depend on the view. The gate keeps a running estimate of each
bone and lowers the visibility of both ends of a bone that strays too far from it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from posecoach.types import Landmark, Pose

L = Landmark
BONES = np.array([
    (L.LEFT_SHOULDER, L.LEFT_ELBOW), (L.LEFT_ELBOW, L.LEFT_WRIST),
    (L.RIGHT_SHOULDER, L.RIGHT_ELBOW), (L.RIGHT_ELBOW, L.RIGHT_WRIST),
    (L.LEFT_HIP, L.LEFT_KNEE), (L.LEFT_KNEE, L.LEFT_ANKLE),
    (L.RIGHT_HIP, L.RIGHT_KNEE), (L.RIGHT_KNEE, L.RIGHT_ANKLE),
    (L.LEFT_SHOULDER, L.LEFT_HIP), (L.RIGHT_SHOULDER, L.RIGHT_HIP),
])


@dataclass(frozen=True)
class PlausibilitySettings:
    max_ratio: float = 1.4  # a bone more than 40% longer or shorter than usual is implausible
    warmup_frames: int = 15  # frames of evidence before the gate judges anything
    adapt: float = 0.05  # how quickly the estimate follows plausible frames


class BoneLengthGate:
    def __init__(self, settings: PlausibilitySettings = PlausibilitySettings()) -> None:
        self.settings = settings
        self.lengths: np.ndarray | None = None
        self.frames = 0

    def __call__(self, pose: Pose | None) -> Pose | None:
        if pose is None:
            return None
        lengths = np.linalg.norm(pose.world[BONES[:, 0]] - pose.world[BONES[:, 1]], axis=-1)
        implausible = self._judge(lengths)
        self._learn(lengths, implausible)
        if not implausible.any():
            return pose
        visibility = pose.visibility.copy()
        visibility[BONES[implausible].ravel()] = 0.0
        return replace(pose, visibility=visibility)

    def _judge(self, lengths: np.ndarray) -> np.ndarray:
        if self.lengths is None or self.frames < self.settings.warmup_frames:
            return np.zeros(len(BONES), dtype=bool)
        ratio = lengths / np.maximum(self.lengths, 1e-6)
        return (ratio > self.settings.max_ratio) | (ratio < 1.0 / self.settings.max_ratio)

    def _learn(self, lengths: np.ndarray, implausible: np.ndarray) -> None:
        if self.lengths is None:
            self.lengths = lengths.copy()
        elif self.frames < self.settings.warmup_frames:
            # A running median-like start: average the first frames evenly.
            self.lengths += (lengths - self.lengths) / (self.frames + 1)
        else:
            a = self.settings.adapt
            self.lengths = np.where(implausible, self.lengths, (1 - a) * self.lengths + a * lengths)
        self.frames += 1
