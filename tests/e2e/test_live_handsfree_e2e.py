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

from posecoach.exercise.catalogue import load_exercise
from posecoach.live import answers as ans
from posecoach.live import voice
from posecoach.live.flow import FlowSettings, Stage
from posecoach.live.history import History
from posecoach.live.plan import plan_for_exercise
from posecoach.live.safety import Scope
from posecoach.live.ui.session import Devices, LiveSession
from posecoach.live.ui.sound import RecordingEngine, Speech
from posecoach.live.ui.window import HeadlessUI
from posecoach.replay import ModelChoice, open_estimator
from posecoach.sources.capture import OpenedSource, looped
from posecoach.sources.video import VideoSource
from posecoach.types import Frame
from posecoach.types import Landmark as L

from conftest import SAMPLES

pytestmark = pytest.mark.e2e

VIDEO = SAMPLES / "glute_bridge_side.mp4"  # three bridges with 3 s holds, lying on the back
SETTINGS = FlowSettings(countdown_s=1.0, rules_s=2.0, summary_s=2.0)
_HANDS = {"LEFT": (L.LEFT_WRIST, L.LEFT_INDEX, L.LEFT_PINKY), "RIGHT": (L.RIGHT_WRIST, L.RIGHT_INDEX, L.RIGHT_PINKY)}


def looped_camera(video: Path, times: int) -> OpenedSource:
    """The video played `times` over as one camera (not paced: every frame is taken)."""
    source = VideoSource(video)
    return OpenedSource(f"{video.name} (looped)", looped(lambda: source, times, source.info.fps), source.info.size,
                        False)


def with_hands(pose, zones: dict[str, str]):
    """The pose with each named hand moved onto the head or the other shoulder (world landmarks,
    and the pixels the same way: the detector reads a hand's place across the picture from them)."""
    world, xy = pose.world.copy(), pose.xy.copy()

    def torso(points):
        return points[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER]].mean(0) - points[[L.LEFT_HIP, L.RIGHT_HIP]].mean(0)

    per_metre = np.linalg.norm(torso(xy)) / np.linalg.norm(torso(world))
    for points, scale in ((world, 1.0), (xy, per_metre)):
        up = torso(points) / np.linalg.norm(torso(points))
        step = 0.1 * scale  # 0.1 m beyond the head's middle, in these units
        for hand, zone in zones.items():
            if zone == "head":
                place = (points[L.LEFT_EAR] + points[L.RIGHT_EAR]) / 2 + step * up
            else:  # on the other shoulder, a little toward the middle of the chest
                other = points[L.RIGHT_SHOULDER] if hand == "LEFT" else points[L.LEFT_SHOULDER]
                mine = points[L.LEFT_SHOULDER] if hand == "LEFT" else points[L.RIGHT_SHOULDER]
                place = other + 0.12 * (mine - other)
            points[list(_HANDS[hand])] = place
    return dataclasses.replace(pose, world=world, xy=xy)


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
        return self.acts(self, state, frame.t_s, pose)


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
    from posecoach.live.ui.window import WindowUI

    return Recording(WindowUI(script=answerer))


def _session(tmp_path, acts, reps: int = 2, kind: str = "headless"):
    plan = plan_for_exercise(load_exercise("glute_bridge"), reps=reps)
    answers = ans.Answers(red_flags="none", pain_before=3, hands_free=True)
    ui = _ui(kind, ans.Answerer(answers, by_keys=kind == "window"))
    engine = RecordingEngine()
    with History(tmp_path / "h.sqlite3") as history, open_estimator(ModelChoice()) as (estimator, _):
        person = Person(estimator, acts)
        devices = Devices(history, person, ui, speech=Speech(engine, threaded=False))
        session = LiveSession(plan, looped_camera(VIDEO, 2), devices, Scope.EMERGENCY, SETTINGS, drop_frames=False)
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
    assert row.worse_after is False  # not rated, but "not worse" by gesture, kept as such
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


PROGRAMME_VIDEOS = {"squat_to_chair": "squat_to_chair_side.mp4", "back_on_heels": "back_on_heels_side.mp4",
                    "glute_bridge": "glute_bridge_side.mp4", "bird_dog": "bird_dog_side.mp4"}


def programme_camera(session_of, plan, limit: int = 30 * 240) -> OpenedSource:
    """One camera for the whole programme: the person does each exercise's sample video while the flow
    is on that exercise (looped), and carries on with it through the checks and the rest after it."""
    step_s = 1.0 / 30.0

    def frames():
        t_s, index, last_at = 0.0, 0, 0
        while index < limit:  # a flow that stops moving ends with the camera, never hangs the test
            session = session_of()
            at = min(session.state.index, len(plan.items) - 1) if session is not None else 0
            video = SAMPLES / PROGRAMME_VIDEOS[plan.items[at].spec.id]
            if index and at != last_at:  # the videos are cut together: a moment of empty room between them, as when the
                # person moves to the next exercise, so the model looks for the body afresh
                for _ in range(15):
                    yield Frame(np.zeros((720, 1280, 3), np.uint8), t_s, index)
                    t_s, index = t_s + step_s, index + 1
            last_at = at
            for frame in VideoSource(video):
                yield Frame(frame.image, t_s, index)
                t_s, index = t_s + step_s, index + 1
                if session is not None and (session.state.done or min(session.state.index, len(plan.items) - 1)
                                            != at):
                    break
            if session is not None and session.state.done:
                return

    return OpenedSource("the start programme's samples, as a camera", frames(), (1280, 720), False)


def _answers_no_from_the_mat(person: Person, state, t: float, pose):
    if pose is None or state.stage not in (Stage.PAIN_CHECK, Stage.LEG_CHECK, Stage.PAIN_AFTER):
        return pose
    if person.stage is not state.stage or person.since > t:
        person.stage, person.since = state.stage, t
    return pose if t < person.since + 1.0 else with_hands(pose, {"LEFT": "across"})


@pytest.mark.skipif(not all((SAMPLES / v).is_file() for v in PROGRAMME_VIDEOS.values()),
                    reason="needs the start programme's samples")
def test_the_start_programme_from_the_mat(tmp_path, model_path):
    """All four exercises of the start programme (2 reps each here, to keep the test short), every
    question between them answered 'no' by gesture, no input at all after the first rating."""
    from posecoach.exercise.catalogue import load_routine
    from posecoach.exercise.spec import RoutineStep
    from posecoach.live.plan import Plan, plan_item

    routine = load_routine("start_programme")
    items = tuple(plan_item(load_exercise(s.exercise), RoutineStep(exercise=s.exercise, reps=2)) for s in routine.steps)
    plan = Plan(routine.id, routine.name, items, routine.description)
    answers = ans.Answers(red_flags="none", pain_before=3, hands_free=True)
    ui = Recording(HeadlessUI(ans.Answerer(answers)))
    engine = RecordingEngine()
    settings = dataclasses.replace(SETTINGS, exercise_rest_s=3.0)
    holder: list = []
    with History(tmp_path / "h.sqlite3") as history, open_estimator(ModelChoice()) as (estimator, _):
        person = Person(estimator, _answers_no_from_the_mat)
        devices = Devices(history, person, ui, speech=Speech(engine, threaded=False))
        camera = programme_camera(lambda: holder[0] if holder else None, plan)
        session = LiveSession(plan, camera, devices, Scope.EMERGENCY, settings, drop_frames=False)
        person.session = session
        holder.append(session)
        session.run()
        [row] = history.sessions()
    assert set(ui.given) <= {"safety", "safety_review", "pain_before"}, dict(ui.given)
    assert (row.routine, row.status, row.pain_before, row.pain_after) == ("start_programme", "completed", 3, None)
    assert [(e.exercise, e.status) for e in row.exercises] == [(s.exercise, "done") for s in routine.steps]
    assert engine.spoken.count(voice.WORSE) == 3 and engine.spoken.count("No") == 7  # 3 x 2 checks + the end
    print(f"\n{len(engine.spoken)} phrases spoken; frames {session.result.frames}")
