"""Runs a live session: the capture thread, the model, the flow, the screen and the history.

The loop takes the newest frame, runs the pose model when the flow watches the person (from
the rule screen on: for gestures on every screen, the coach and the set-up check from each
instruction card to the end of the exercise), turns a held gesture into a `Gestured` input,
advances the flow with the frame's own time, shows the screen and carries out the flow's
effects. Ctrl-C, a crash or a camera that stops all end in `flow.interrupt` or `SourceEnded`,
so the history keeps what was done, marked partial; a write that fails (a full disk) keeps it
beside the database (history_journal), and `SessionResult.unsaved` says where.
"""

from __future__ import annotations

import datetime as dt
import logging
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from posecoach.errors import OutputError, SourceError
from posecoach.live import flow
from posecoach.live import followups as fu
from posecoach.live.followups import FollowUpStore
from posecoach.live.gestures import GestureDetector, GestureReading
from posecoach.live.history import History, exercise_values
from posecoach.live.history_journal import WRITE_ERRORS, SessionKeeper
from posecoach.live.plan import Plan
from posecoach.live.remote import gesture_key
from posecoach.live.safety import Scope, Screening
from posecoach.live.setup import assess_setup
from posecoach.live.signals import (
    AnsweredWorse,
    ClinicianChecked,
    EndSession,
    Gestured,
    Input,
    RateExercise,
    SaveExercise,
    SaveScreening,
    Say,
    Sound,
    SourceEnded,
    StartSession,
    StartTracking,
    Tick,
)
from posecoach.live.tally import side_key
from posecoach.live.ui.draw import View
from posecoach.live.ui.sound import Sounds, Speech
from posecoach.pipeline import Coach, CoachSettings, Step
from posecoach.sources.capture import LatestFrame, OpenedSource
from posecoach.types import Frame, Pose

log = logging.getLogger(__name__)

Estimator = Callable[[Frame], Pose | None]
# The set-up check runs on these screens: to move a card on, to start, and to notice the person leaving.
_SETUP_CHECKED = frozenset({flow.Stage.CARD, flow.Stage.SETUP, flow.Stage.COUNTDOWN, flow.Stage.ACTIVE})


@dataclass
class Devices:
    """What the session talks to besides the camera. Sounds and speech are optional."""

    history: History
    estimator: Estimator
    ui: object  # HeadlessUI or WindowUI: show(state, view) -> inputs; close()
    sounds: Sounds = field(default_factory=lambda: Sounds("off"))
    speech: Speech = field(default_factory=Speech)
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now().astimezone()
    followups: FollowUpStore | None = None  # None: a scripted run, which neither reads nor writes them


@dataclass
class SessionResult:
    state: flow.FlowState
    session_id: int | None
    frames: int = 0  # frames shown
    dropped: int = 0  # frames the capture thread replaced before they were taken
    model_frames: int = 0
    latency_ms: list[float] = field(default_factory=list)  # capture -> shown, per frame
    coached_ms: list[float] = field(default_factory=list)  # the same, for frames shown with the coach's step
    unsaved: OutputError | None = None  # the session could not be written: where it is kept, what to do

    @property
    def latency_p50_ms(self) -> float | None:
        return statistics.median(self.latency_ms) if self.latency_ms else None

    @property
    def latency_p95_ms(self) -> float | None:
        if len(self.latency_ms) < 2:
            return self.latency_p50_ms
        return statistics.quantiles(self.latency_ms, n=20)[-1]


def spoken_cue(cue) -> str:
    """A cue as said, timed to the movement: a finished rep's fault is said for the next one (the
    person has already lowered), and the end of a hold is said by the flow ("Time. Now relax.")."""
    if cue.about == "held":
        return ""
    if cue.about == "last_rep":
        return f"Next one: {cue.message[:1].lower()}{cue.message[1:]}"
    return cue.message


class LiveSession:
    def __init__(self, plan: Plan, source: OpenedSource, devices: Devices, scope: Scope | None = Scope.FULL,
                 settings: flow.FlowSettings | None = None, coach: CoachSettings | None = None,
                 mirror: bool = True, drop_frames: bool = True, angles: bool = False) -> None:
        self.plan, self.source, self.devices, self.mirror = plan, source, devices, mirror
        self.angles = angles
        self.drop_frames = drop_frames
        self.coach_settings = coach or CoachSettings()
        remembered = devices.followups.load() if devices.followups else None
        self.state = flow.start(plan, settings or flow.FlowSettings(), scope, remembered)
        self.result = SessionResult(self.state, None)
        self.coach: Coach | None = None
        self.gestures = GestureDetector()
        devices.speech.set_muted(devices.speech.muted or self.state.muted)
        self.keeper = SessionKeeper(devices.history)  # the session's rows: kept even when a write fails

    def run(self) -> SessionResult:
        try:
            with LatestFrame(self.source.frames, drop=self.drop_frames) as grabber:
                self._loop(grabber)
                self.result.dropped = grabber.dropped
        except BaseException as e:
            reason = "interrupted" if isinstance(e, KeyboardInterrupt) else "error"
            self._apply(flow.interrupt(self.state, reason))
            if (unsaved := self.keeper.unsaved_error()) is not None:
                log.warning("%s", unsaved)  # the interruption's own line follows
            raise
        finally:
            self.devices.ui.close()
            self.devices.speech.close()
        self.result.state = self.state
        self.result.unsaved = self.keeper.unsaved_error()
        if (notice := self.keeper.notice()) is not None:
            log.warning("%s", notice)
        return self.result

    def _loop(self, grabber: LatestFrame) -> None:
        for frame, arrived in self._frames(grabber):
            step, gesture = self._track(frame)
            self._advance(self._tick(frame, step))
            if gesture is not None and gesture.fired is not None:
                self._advance(Gestured(gesture.fired))
            shown = gesture if gesture is not None and gesture.candidate is not None and gesture_key(
                self.state.stage, gesture.candidate) is not None else None
            view = View(frame, step, self.coach.spec if self.coach else None, self.mirror, shown, self.angles)
            for event in self.devices.ui.show(self.state, view):
                self._advance(event)
            self.result.frames += 1
            if arrived is not None:
                self.result.latency_ms.append((time.monotonic() - arrived) * 1000.0)
                if step is not None:
                    self.result.coached_ms.append(self.result.latency_ms[-1])
            if self.state.done:
                return

    def _frames(self, grabber: LatestFrame) -> Iterator[tuple[Frame, float | None]]:
        """Camera frames while they come; then a still frame whose time goes on, for the closing prompts."""
        last = Frame(None, 0.0, -1)
        while True:
            try:
                captured = grabber.get()
            except SourceError as e:
                log.warning("%s", e)
                captured = None
            if captured is None:
                break
            last = captured.frame
            yield captured.frame, captured.arrived_s
        self._advance(SourceEnded("camera"))
        ended_at = time.monotonic()
        while not self.state.done:
            # No camera any more, but the closing prompts still need time to pass (a question's
            # answer pause, telling a held key from a new press): from the last frame's time on,
            # the still frame's clock follows the monotonic clock. Nothing is counted any more.
            yield Frame(None, last.t_s + (time.monotonic() - ended_at), last.index), None

    def _track(self, frame: Frame) -> tuple[Step | None, GestureReading | None]:
        """The model on this frame when the flow watches: the coach's step, and the gesture reading."""
        state = self.state
        coached = self.coach is not None and state.needs_pose
        if frame.image is None or not (coached or state.watches_gestures):
            return None, None
        self.result.model_frames += 1
        pose = self.devices.estimator(frame)
        gesture = self.gestures.update(pose, frame.t_s) if state.watches_gestures else None
        if not coached:
            return None, gesture
        step = self.coach.step(frame, pose)
        if step.new_cue is not None and state.stage is flow.Stage.ACTIVE and not state.away:
            self.devices.speech.say(spoken_cue(step.new_cue))
        return step, gesture

    def _tick(self, frame: Frame, step: Step | None) -> Tick:
        if step is None:
            return Tick(frame.t_s)
        setup = None
        if self.state.stage in _SETUP_CHECKED:
            setup = assess_setup(self.coach.spec, step.pose, step.measurements, self.coach_settings.tracker)
        holds = {side_key(side): s for side, s in step.status.hold_s.items()}
        return Tick(frame.t_s, tuple(step.events), setup, holds)

    def _advance(self, event: Input) -> None:
        self._apply(flow.advance(self.state, event))

    def _apply(self, transition: flow.Transition) -> None:
        self.state = transition.state
        self.devices.speech.set_muted(self.state.muted)
        for effect in transition.effects:
            self._effect(effect)

    def _remember(self, change: Callable[[fu.FollowUps], fu.FollowUps]) -> None:
        store = self.devices.followups
        if store is not None:
            try:
                store.save(change(store.load()))
            except OutputError as e:  # a full disk: the session goes on, and its history is kept apart
                log.warning("%s; the safety follow-ups were not saved", e)

    def _effect(self, effect) -> None:
        d, history = self.devices, self.devices.history
        if isinstance(effect, StartTracking):
            self.coach = Coach(self.plan.items[effect.index].spec, self.coach_settings)
        elif isinstance(effect, StartSession):
            self.keeper.start(self.plan.id, self.plan.name, d.now(), effect.pain_before, self.source.name)
        elif isinstance(effect, SaveExercise):
            self.keeper.add_exercise(exercise_values(effect.record), d.now())
        elif isinstance(effect, RateExercise):
            self.keeper.rate_last(effect.pain, d.now())
        elif isinstance(effect, AnsweredWorse):
            self.keeper.answer_worse(effect.worse, d.now())
        elif isinstance(effect, EndSession) and self.keeper.log is not None:
            self.keeper.end(d.now(), effect.pain_after, effect.completed, effect.stop_reason)
            today, baseline = d.now().date(), self.state.baseline
            self._remember(lambda f: fu.after_session(f, effect.stop_reason, effect.completed, baseline,
                                                      effect.pain_after, today))
        elif isinstance(effect, SaveScreening):
            today = d.now().date()
            try:
                history.save_screening(Screening(today, effect.answers, effect.verdict, effect.scope))
            except WRITE_ERRORS as e:  # a full disk: the session goes on; the verdict already holds
                log.warning("%s; this safety check was not saved", e)
            self._remember(lambda f: fu.after_screening(f, effect.verdict, effect.answers, today))
        elif isinstance(effect, ClinicianChecked):
            self._remember(lambda f: fu.after_clinician_check(f, effect.ok))
        elif isinstance(effect, Say):
            d.speech.say(effect.text, effect.urgent)
        elif isinstance(effect, Sound):
            d.sounds.play(effect.kind)
        self.result.session_id = self.keeper.session_id
        # Anything else has nothing to act on. The keeper never raises: a write that fails keeps the
        # session beside the database, and run() says so at the end.
