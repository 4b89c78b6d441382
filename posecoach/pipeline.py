"""The one loop: frames and poses in, coaching steps out to every sink.

Stages: source -> pose estimator -> smoothing -> plausibility -> measurements -> tracker
-> cues -> sinks.
`Coach` holds the per-session state of the logic stages; it draws nothing and reads no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from posecoach.cues import Cue, CueBoard, cues_from_events
from posecoach.exercise.events import Event
from posecoach.exercise.measure import LandmarkArrays, Measurements, measure
from posecoach.exercise.spec import ExerciseSpec
from posecoach.exercise.tracker import ExerciseTracker, TrackerSettings, TrackerStatus
from posecoach.plausibility import BoneLengthGate, PlausibilitySettings
from posecoach.smoothing import OneEuroSettings, PoseSmoother
from posecoach.types import Frame, Pose


@dataclass(frozen=True)
class CoachSettings:
    min_visibility: float = 0.5
    smoothing: OneEuroSettings | None = field(default_factory=OneEuroSettings)
    plausibility: PlausibilitySettings | None = field(default_factory=PlausibilitySettings)
    tracker: TrackerSettings = field(default_factory=TrackerSettings)


@dataclass(frozen=True)
class Step:
    """Everything the sinks need to know about one frame."""

    frame: Frame
    pose: Pose | None
    measurements: Measurements | None
    events: list[Event]
    status: TrackerStatus
    new_cue: Cue | None
    cue: Cue | None


class Sink(Protocol):
    def write(self, step: Step) -> None: ...
    def close(self, final_events: list[Event], partial: bool) -> None: ...


class Coach:
    def __init__(self, spec: ExerciseSpec, settings: CoachSettings = CoachSettings()) -> None:
        self.spec, self.settings = spec, settings
        self.tracker = ExerciseTracker(spec, settings.tracker)
        self.smoother = PoseSmoother(settings.smoothing) if settings.smoothing else None
        self.gate = BoneLengthGate(settings.plausibility) if settings.plausibility else None
        self.cues = CueBoard()

    def step(self, frame: Frame, pose: Pose | None) -> Step:
        if self.smoother is not None:
            pose = self.smoother(pose, frame.t_s)
        if self.gate is not None:
            pose = self.gate(pose)
        m = None
        if pose is not None:
            m = measure(self.spec, LandmarkArrays.from_pose(pose), self.settings.min_visibility)
        events = self.tracker.update(m, frame.t_s)
        new_cue = self.cues.offer(cues_from_events(self.spec, events), frame.t_s)
        return Step(frame, pose, m, events, self.tracker.status, new_cue, self.cues.current)

    def finish(self) -> list[Event]:
        return self.tracker.finish()


def pose_stream(frames: Iterable[Frame], estimator) -> Iterator[tuple[Frame, Pose | None]]:
    for frame in frames:
        yield frame, estimator(frame)


def run(stream: Iterable[tuple[Frame, Pose | None]], coach: Coach, sinks: list[Sink]) -> None:
    """Drive every frame through the coach into the sinks. Ctrl-C closes them as partial."""
    partial = True
    try:
        for frame, pose in stream:
            step = coach.step(frame, pose)
            for sink in sinks:
                sink.write(step)
        partial = False
    finally:
        final = coach.finish()
        for sink in sinks:
            sink.close(final, partial)
