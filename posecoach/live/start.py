"""The live use case: a session from the options the person gave (the CLI parses and prints).

Wires the plan, the scripted or on-screen answers, the safety scope, the camera, the model, the
history, the follow-ups, sound and speech into one `LiveSession`, and runs it.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

from posecoach.errors import SafetyStop, UserError
from posecoach.live import answers as ans
from posecoach.live import safety
from posecoach.live.followups import FollowUps, FollowUpStore, remembered_flag
from posecoach.live.history import History
from posecoach.live.plan import DEFAULT_ROUTINE
from posecoach.live.ui.session import Devices, LiveSession, SessionResult
from posecoach.replay import ModelChoice, open_estimator


@dataclass(frozen=True)
class LiveOptions:
    """What `posecoach live` was asked for; None means the default."""

    camera: str | None = None
    routine: str | None = None
    exercise: str | None = None
    reps: int | None = None
    sets: int | None = None
    headless: bool = False
    answers: Path | None = None
    no_red_flags: bool = False
    pain_before: int | None = None
    pain_between: int | None = None
    pain_after: int | None = None
    rescreen: bool = False
    mirror: bool = True
    fullscreen: bool = False
    angles: bool = False
    sound: str = "auto"
    mute: bool = False
    countdown_s: float | None = None
    rest_s: float | None = None
    model: ModelChoice = ModelChoice()


def run_live(options: LiveOptions) -> SessionResult:
    from posecoach.live.ui.sound import Sounds, Speech
    from posecoach.sources.capture import open_camera

    plan = _plan(options)
    # Scripted answers are not the person's: they neither answer the clinician check nor are saved.
    store = None if options.headless else FollowUpStore.default()
    if options.headless and (flagged := remembered_flag()) is not None:
        raise SafetyStop(f"{flagged.title}: {safety.CLINICIAN_NOT_YET} Run 'posecoach live' with a window, "
                         "or 'posecoach safety', to answer the clinician check")
    with History() as history:
        scope = _scope(history, options.rescreen, store.load() if store else FollowUps())
        ui = _ui(options, _answers(options, screening=True))
        source = open_camera(options.camera)
        with open_estimator(options.model) as (estimator, _):
            devices = Devices(history, estimator, ui, Sounds(options.sound, sys.stderr),
                              Speech.default(muted=options.mute), followups=store)
            session = LiveSession(plan, source, devices, scope, _flow_settings(options), mirror=options.mirror,
                                  angles=options.angles)
            return session.run()


def _plan(options: LiveOptions):
    from posecoach.exercise.catalogue import load_exercise, load_routine
    from posecoach.live.plan import plan_for_exercise, plan_from_routine

    if options.exercise is not None:  # given, even empty: `-e ""` is no exercise, not the default routine
        return plan_for_exercise(load_exercise(options.exercise), options.reps, options.sets)
    if options.reps or options.sets:
        raise UserError("--reps and --sets go with --exercise; a routine sets its own doses")
    return plan_from_routine(load_routine(DEFAULT_ROUTINE if options.routine is None else options.routine),
                             load_exercise)


def _answers(options: LiveOptions, screening: bool) -> ans.Answers:
    base = ans.load_answers(options.answers) if options.answers else ans.Answers()
    merged = ans.with_options(base, options.no_red_flags, options.pain_before, options.pain_between,
                              options.pain_after)
    if options.headless:
        ans.check_complete(merged, screening)
    return merged


def _scope(history: History, rescreen: bool, remembered: FollowUps):
    """The emergency signs at the start of every session; everything when due (see safety.screen_scope).
    Screenings fall due by calendar day, the one use of today's date."""
    return safety.screen_scope(history.last_screening(), dt.date.today(), rescreen=rescreen,
                               after_pain_stop=remembered.pain_stop is not None,
                               clinician_check=remembered.flagged is not None)


def _ui(options: LiveOptions, answers: ans.Answers):
    if options.headless:
        from posecoach.live.ui.window import HeadlessUI

        return HeadlessUI(ans.Answerer(answers))
    from posecoach.live.ui.window import WindowUI

    return WindowUI(fullscreen=options.fullscreen)


def _flow_settings(options: LiveOptions):
    from posecoach.live.flow import FlowSettings

    changes = {k: v for k, v in (("countdown_s", options.countdown_s), ("exercise_rest_s", options.rest_s),
                                 ("set_rest_s", options.rest_s)) if v is not None}
    return FlowSettings(**changes)
