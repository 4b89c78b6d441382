"""`posecoach live`, `posecoach safety` and `posecoach history`: parse, call the library, print.

`register(sub)` adds the three subcommands to the main parser; `default_command()` chooses
what plain `posecoach` does (a live session when a camera works, else the demo).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from posecoach import safety
from posecoach.cli_common import add_model_options, model_choice, number, say, whole_number
from posecoach.cli_safety import add_answer_options, remembered_flag
from posecoach.errors import SafetyStop, UserError

DEFAULT_ROUTINE = "start_programme"


def default_command() -> str:
    from posecoach.live.capture import camera_available

    if camera_available():
        return "live"
    say("No camera found: running the demo instead (posecoach live --camera VIDEO.mp4 to try a session)")
    return "demo"


def _plan(args):
    from posecoach.exercise.catalogue import load_exercise, load_routine
    from posecoach.live.plan import plan_for_exercise, plan_from_routine

    if args.exercise:
        return plan_for_exercise(load_exercise(args.exercise), args.reps, args.sets)
    if args.reps or args.sets:
        raise UserError("--reps and --sets go with --exercise; a routine sets its own doses")
    return plan_from_routine(load_routine(args.routine or DEFAULT_ROUTINE), load_exercise)


def _answers(args, screening: bool):
    from posecoach.live import answers as ans

    base = ans.load_answers(args.answers) if args.answers else ans.Answers()
    merged = ans.with_options(base, args.no_red_flags, args.pain_before, args.pain_between, args.pain_after)
    if args.headless:
        ans.check_complete(merged, screening)
    return merged


def _scope(history, rescreen: bool, remembered):
    """The emergency signs at the start of every session; everything when due (see safety.screen_scope)."""
    from posecoach.safety import screen_scope

    return screen_scope(history.last_screening(), dt.date.today(), rescreen=rescreen,
                        after_pain_stop=remembered.pain_stop is not None,
                        clinician_check=remembered.flagged is not None)


def _ui(args, answers):
    from posecoach.live.answers import Answerer

    if args.headless:
        from posecoach.live.window import HeadlessUI

        return HeadlessUI(Answerer(answers))
    from posecoach.live.window import WindowUI

    return WindowUI(fullscreen=args.fullscreen)


def _flow_settings(args):
    from posecoach.live.flow import FlowSettings

    changes = {k: v for k, v in (("countdown_s", args.countdown), ("exercise_rest_s", args.rest),
                                 ("set_rest_s", args.rest)) if v is not None}
    return FlowSettings(**changes)


def cmd_live(args) -> int:
    from posecoach.app import open_estimator
    from posecoach.followups import FollowUps, FollowUpStore
    from posecoach.history import History
    from posecoach.live.capture import open_camera
    from posecoach.live.session import Devices, LiveSession
    from posecoach.sound import Sounds, Speech

    plan = _plan(args)
    if args.headless and (flagged := remembered_flag()) is not None:
        # Scripted answers are not the person's: they cannot answer the clinician check either.
        raise SafetyStop(f"{flagged.title}: {safety.CLINICIAN_NOT_YET} Run 'posecoach live' with a window, "
                         "or 'posecoach safety', to answer the clinician check")
    store = None if args.headless else FollowUpStore.default()  # scripted answers are not the person's
    with History() as history:
        scope = _scope(history, args.rescreen, store.load() if store else FollowUps())
        ui = _ui(args, _answers(args, screening=True))
        source = open_camera(args.camera)
        with open_estimator(model_choice(args)) as (estimator, _):
            devices = Devices(history, estimator, ui, Sounds(args.sound, sys.stderr), Speech.default(muted=args.mute),
                              followups=store)
            session = LiveSession(plan, source, devices, scope, _flow_settings(args), mirror=not args.no_mirror,
                                  angles=args.angles)
            result = session.run()
    print(_session_summary(result))
    return 0 if result.state.verdict is None or result.state.verdict.ok else 3


def _session_summary(result) -> str:
    from posecoach.live.screens import SummaryScreen, describe

    state = result.state
    if state.verdict is not None and not state.verdict.ok:
        return "\n".join((state.verdict.title, *state.verdict.lines))
    if not state.session_started:
        return "No session was started."
    screen = describe(state)
    assert isinstance(screen, SummaryScreen)
    lines = [screen.status, screen.pain]
    lines += [f"  {r.name}: {r.status}; reps {r.reps}; holds {r.holds}; form: {r.issues}" for r in screen.rows]
    lines += list(screen.advice)
    latency = (f", latency median {result.latency_p50_ms:.0f} ms, 95% under {result.latency_p95_ms:.0f} ms"
               if result.latency_p50_ms is not None else "")
    lines.append(f"(session {result.session_id}: {result.frames} frames shown, {result.dropped} dropped{latency})")
    return "\n".join(lines)


def cmd_safety(args) -> int:
    from posecoach import safety
    from posecoach.cli_safety import scripted_answers, terminal_screen
    from posecoach.history import History

    if args.last:
        with History() as history:
            last = history.last_screening(scope=None)
        print("No safety check yet." if last is None else
              f"{last.taken_on}: {last.verdict.title} ({safety.signs(last.verdict.flagged) or 'no red flags'})")
        return 0
    verdict = terminal_screen(safety.Scope.FULL, scripted_answers(args))
    return 0 if verdict.ok else 3


def cmd_history(args) -> int:
    from posecoach.history import History, export_csv, format_table, plot_progress
    from posecoach.paths import check_outputs

    check_outputs({"--csv": args.csv, "--plot": args.plot}, args.force)
    with History() as history:
        sessions = history.sessions()
        print(format_table(sessions))
        if args.csv:
            rows = export_csv(sessions, args.csv)
            print(f"csv: {args.csv} ({rows} rows)")
        if args.plot:
            plot_progress(sessions, args.plot)
            print(f"plot: {args.plot}")
        print(f"data: {history.path}")
    return 0


def _pain(text: str) -> int:
    from posecoach.safety import check_pain

    try:
        return check_pain(int(text))
    except (ValueError, UserError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 0 to 10") from None


def _add_live(sub) -> None:
    p = sub.add_parser("live", help="a coached session in front of the camera")
    p.add_argument("--camera", help="camera index, /dev/videoN, or a video file played as a camera")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--routine", help=f"routine id (default {DEFAULT_ROUTINE}); see 'posecoach routines'")
    which.add_argument("--exercise", "-e", help="one exercise id instead of a routine")
    p.add_argument("--reps", type=whole_number(1), help="with --exercise: reps (or holds) per side and set")
    p.add_argument("--sets", type=whole_number(1), help="with --exercise: number of sets")
    p.add_argument("--headless", action="store_true", help="no window: prompts are answered by options or a file")
    add_answer_options(p)
    for name in ("before", "between", "after"):
        p.add_argument(f"--pain-{name}", type=_pain, metavar="N", help=f"headless: pain rating {name} (0-10)")
    p.add_argument("--rescreen", action="store_true", help="ask the safety questions again now")
    p.add_argument("--no-mirror", action="store_true", help="show the camera unmirrored")
    p.add_argument("--fullscreen", action="store_true", help="fill the screen (F switches it on and off)")
    p.add_argument("--angles", action="store_true", help="show the measured angles on the live view")
    p.add_argument("--sound", choices=["auto", "tone", "bell", "off"], default="auto",
                   help="sound on each rep and hold (default auto: a tone, else the terminal bell)")
    p.add_argument("--mute", action="store_true",
                   help="no speech (it is on by default when espeak-ng, or pyttsx3 on Windows/macOS, is there); "
                        "M or a finger to the lips toggles it")
    p.add_argument("--speak", action="store_true", help=argparse.SUPPRESS)  # speech is on by default now
    p.add_argument("--countdown", type=number(0.0), help="seconds of countdown before each exercise (default 3)")
    p.add_argument("--rest", type=number(0.0), help="seconds of rest between sets and exercises")
    add_model_options(p)
    p.set_defaults(func=cmd_live)


def register(sub) -> None:
    _add_live(sub)
    p = sub.add_parser("safety", help="the red-flag safety questions (asked before the first session)")
    add_answer_options(p)
    p.add_argument("--last", action="store_true", help="show the last answers' outcome and date")
    p.set_defaults(func=cmd_safety)

    p = sub.add_parser("history", help="past sessions: a table, a CSV export or a progress plot")
    p.add_argument("--csv", type=Path, help="export one row per exercise to this CSV file")
    p.add_argument("--plot", type=Path, help="draw progress over days to this PNG file")
    p.add_argument("--force", action="store_true", help="overwrite existing output files")
    p.set_defaults(func=cmd_history)
