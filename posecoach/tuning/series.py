"""Recordings for tuning: a track, its annotation, and its measurements as a `fast.Series`.

The series goes through the same smoothing and visibility rule as the live pipeline
(`Coach`), so the fast evaluator counts exactly what `posecoach replay` counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posecoach.exercise.fast import Series
from posecoach.exercise.measure import LandmarkArrays, measure
from posecoach.exercise.spec import ExerciseSpec
from posecoach.pipeline import CoachSettings
from posecoach.smoothing import PoseSmoother
from posecoach.sources.tracks import PoseTrack
from posecoach.tuning.truth import Truth, find_truth


@dataclass(frozen=True)
class Recording:
    source: str
    track: PoseTrack
    truth: Truth | None

    @property
    def label(self) -> str:
        return Path(self.source.removeprefix("track:")).name


def smoothed_arrays(track: PoseTrack, settings: CoachSettings) -> LandmarkArrays:
    """The track's landmarks in float64, One-Euro smoothed frame by frame as `Coach` does."""
    xy, world = track.xy.astype(np.float64), track.world.astype(np.float64)
    if settings.smoothing is not None:
        smoother = PoseSmoother(settings.smoothing)
        for frame, pose in track.poses():
            if pose is not None:
                smoothed = smoother(pose, frame.t_s)
                xy[frame.index], world[frame.index] = smoothed.xy, smoothed.world
    return LandmarkArrays(xy, world, track.visibility.astype(np.float64))


def track_series(spec: ExerciseSpec, track: PoseTrack, settings: CoachSettings | None = None) -> Series:
    settings = settings or CoachSettings()
    m = measure(spec, smoothed_arrays(track, settings), settings.min_visibility)
    has_pose = track.has_pose.astype(bool)
    values = {k: np.where(has_pose, v, np.nan) for k, v in m.values.items()}
    return Series(track.t_s, has_pose, values, m.side_visibility)


def recording_truth(source: str, track: PoseTrack) -> Truth | None:
    """The annotation of the source, or of the video a track was recorded from."""
    path = Path(source.removeprefix("track:"))
    truth = find_truth(path) if path.exists() else None
    if truth is None and (origin := track.meta.get("source")):
        origin_path = Path(str(origin).removeprefix("track:"))
        truth = find_truth(origin_path) if origin_path.parent.is_dir() else None
    return truth
