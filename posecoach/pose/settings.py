"""The pose estimator's settings, apart from `estimator` so that a process can name them
(to hand them to pose workers, or key the track cache) without loading MediaPipe."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class EstimatorSettings:
    model_path: Path
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    # One: MediaPipe then tracks that person from their last landmarks and runs its detector only
    # when the track is lost. With more, the detector runs on every frame while fewer people are
    # tracked, and its box replaces the tracked one wherever they overlap (AssociationNormRect
    # keeps the later input), so a curled-up body (child's pose) gets a fresh, badly framed crop.
    # A second person who walks in is then not looked for while the first is tracked.
    max_people: int = 1

    def __post_init__(self) -> None:
        for name in ("min_detection_confidence", "min_presence_confidence", "min_tracking_confidence"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be within [0, 1]")
        if self.max_people < 1:
            raise ValueError("max_people must be at least 1")
