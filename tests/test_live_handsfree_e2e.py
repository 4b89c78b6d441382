"""A session from the mat through the real runner: a video as the camera, the real model, headless.

After the first rating nothing is pressed: the headless answerer is told to answer only the first
screen (`hands_free`), and every input it gives is recorded by screen. The person's gestures are
put into the real model's pose when the flow asks for them (the hands moved onto the head or the
other shoulder), and for 3 s the person is not seen at all (leaving the view and coming back).
Speech is captured from the engine.
"""

from __future__ import annotations

import dataclasses
import os
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from posecoach.app import ModelChoice, open_estimator
from posecoach.exercise.catalogue import load_exercise
from posecoach.history import History
from posecoach.live import answers as ans
from posecoach.live import voice
from posecoach.live.capture import OpenedSource
from posecoach.live.flow import FlowSettings, Stage
from posecoach.live.plan import plan_for_exercise
from posecoach.live.session import Devices, LiveSession
from posecoach.live.window import HeadlessUI
from posecoach.safety import Scope
from posecoach.sound import RecordingEngine, Speech
from posecoach.sources import VideoSource
from posecoach.types import Frame
from posecoach.types import Landmark as L

from conftest import SAMPLES

pytestmark = pytest.mark.e2e

VIDEO = SAMPLES / "glute_bridge_side.mp4"  # three bridges with 3 s holds, lying on the back
SETTINGS = FlowSettings(countdown_s=1.0, rules_s=2.0, summary_s=2.0)
_HANDS = {"LEFT": (L.LEFT_WRIST, L.LEFT_INDEX, L.LEFT_PINKY), "RIGHT": (L.RIGHT_WRIST, L.RIGHT_INDEX, L.RIGHT_PINKY)}


def looped(video: Path, times: int) -> OpenedSource:
    """The video played `times` over as one camera, frame times running on (not paced: every frame is taken)."""
    source = VideoSource(video)
    step_ms = 1000.0 / source.info.fps

    def frames():
        offset, index = 0.0, 0
        for _ in range(times):
            last = 0.0
            for frame in source:
                yield Frame(frame.image, offset + frame.t_ms, index)
                last, index = frame.t_ms, index + 1
            offset += last + step_ms

    return OpenedSource(f"{video.name} (looped)", frames(), source.info.size, False)


def with_hands(pose, zones: dict[str, str]):
    """The pose with each named hand moved onto the head or the other shoulder (world landmarks)."""
    world = pose.world.copy()
    up = (world[L.LEFT_SHOULDER] + world[L.RIGHT_SHOULDER]) / 2 - (world[L.LEFT_HIP] + world[L.RIGHT_HIP]) / 2
    up /= np.linalg.norm(up)
    for hand, zone in zones.items():
        if zone == "head":
            place = (world[L.LEFT_EAR] + world[L.RIGHT_EAR]) / 2 + 0.1 * up
        else:  # on the other shoulder, a little toward the middle of the chest
            other = world[L.RIGHT_SHOULDER] if hand == "LEFT" else world[L.LEFT_SHOULDER]
            mine = world[L.LEFT_SHOULDER] if hand == "LEFT" else world[L.RIGHT_SHOULDER]
            place = other + 0.12 * (mine - other)
        world[list(_HANDS[hand])] = place
    return dataclasses.replace(pose, world=world)


class Person:
    """The real model's pose, with what the person does when a screen asks for it."""

    def __init__(self, estimator, acts) -> None:
        self.estimator, self.acts, self.session = estimator, acts, None
        self.away_until: float | None = None
        self.left_view = False
        self.stage, self.since = None, 0.0

    def __call__(self, frame: Frame):
        pose = self.estimator(frame)
        state = self.session.state
        return self.acts(self, state, frame.t_ms / 1000.0, pose)


class Recording:
    """Passes a UI's inputs on, keeping them by the screen they were given on."""

    def __init__(self, ui) -> None:
        self.ui, self.given = ui, defaultdict(list)

    def show(self, state, view):
        inputs = self.ui.show(state, view)
        if inputs:
            self.given[state.stage.value] += inputs
        return inputs

    def close(self):
        self.ui.close()


def _ui(kind: str, answerer):
    if kind == "headless":
        return Recording(HeadlessUI(answerer))
    if not os.environ.get("DISPLAY"):
        pytest.skip("needs a display (run under xvfb-run)")
    from posecoach.live.window import WindowUI

    return Recording(WindowUI(script=answerer))


def _session(tmp_path, acts, reps: int = 2, kind: str = "headless"):
    plan = plan_for_exercise(load_exercise("glute_bridge"), reps=reps)
    answers = ans.Answers(red_flags="none", pain_before=3, hands_free=True)
    ui = _ui(kind, ans.Answerer(answers, by_keys=kind == "window"))
    engine = RecordingEngine()
    with History(tmp_path / "h.sqlite3") as history, open_estimator(ModelChoice()) as (estimator, _):
        person = Person(estimator, acts)
        devices = Devices(history, person, ui, speech=Speech(engine, threaded=False))
        session = LiveSession(plan, looped(VIDEO, 2), devices, Scope.EMERGENCY, SETTINGS, drop_frames=False)
        person.session = session
        result = session.run()
        rows = history.sessions()
    return result, rows, ui.given, engine.spoken, person


def _mat_session(person: Person, state, t: float, pose):
    """Bridges; after the first rep, out of view for 3 s; at the end, 'no' (not worse)."""
    if state.stage is Stage.ACTIVE and state.tally.segment.get("both") == 1 and not person.left_view:
        person.left_view, person.away_until = True, t + 3.0
    if person.away_until is not None and t < person.away_until:
        return None
    if state.stage is Stage.PAIN_AFTER and pose is not None:
        return with_hands(pose, {"LEFT": "across"})
    return pose


@pytest.mark.skipif(not VIDEO.is_file(), reason="needs samples/glute_bridge_side.mp4")
@pytest.mark.parametrize("kind", ["headless", "window"])
def test_a_whole_session_from_the_mat_needs_no_key_after_the_first_rating(tmp_path, model_path, kind):
    result, rows, given, spoken, _ = _session(tmp_path, _mat_session, kind=kind)
    assert result.state.done
    laptop = {"safety", "safety_review", "pain_before"}
    assert set(given) <= laptop, f"answered after the first rating: {dict(given)}"
    [row] = rows
    assert (row.status, row.pain_before, row.pain_after) == ("completed", 3, None)
    [exercise] = row.exercises
    assert (exercise.status, exercise.reps["both"]) == ("done", 2)
    for phrase in ("Exercise 1 of 1: Glute bridge. 2 reps, hold 3 seconds.", "1", "Go", "2",
                   voice.AWAY, voice.BACK, "No", "Completed: well done. What you did is saved."):
        assert phrase in spoken, phrase
    assert not any(" s " in f"{p} " for p in spoken)  # units as words
    print("\nspoken:", " | ".join(spoken))


def _hurts_lying_down(person: Person, state, t: float, pose):
    """During the first bridge, both hands on the head; on the stop screen "next" ends the session; at
    the end, 'it hurts' again (worse). On each screen the hands come down for a second first."""
    if pose is None or state.stage not in (Stage.ACTIVE, Stage.HURT, Stage.PAIN_AFTER):
        return pose
    if person.stage is not state.stage:
        person.stage, person.since = state.stage, t
    if t < person.since + 1.0:
        return pose
    if state.stage is Stage.HURT:
        return with_hands(pose, {"LEFT": "head", "RIGHT": "across"})
    return with_hands(pose, {"LEFT": "head", "RIGHT": "head"})


@pytest.mark.skipif(not VIDEO.is_file(), reason="needs samples/glute_bridge_side.mp4")
def test_it_hurts_by_gesture_lying_down_stops_the_session(tmp_path, model_path):
    result, rows, given, spoken, _ = _session(tmp_path, _hurts_lying_down)
    assert set(given) <= {"safety", "safety_review", "pain_before"}
    [row] = rows
    assert (row.status, row.stop_reason, row.pain_after) == ("partial", "pain", None)
    assert row.exercises[0].status == "stopped"
    assert spoken.index("Stopping") < spoken.index(voice.STOP)
