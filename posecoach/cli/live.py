"""`posecoach live`, `posecoach safety` and `posecoach history`: parse, call the library, print.

`register(sub)` adds the three subcommands to the main parser; `default_command()` chooses
what plain `posecoach` does (a live session when a camera works, else the demo).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from posecoach.cli.common import add_model_options, model_choice, number, say, whole_number
from posecoach.cli.safety import add_answer_options
from posecoach.errors import UserError
from posecoach.live import safety
from posecoach.live.plan import DEFAULT_ROUTINE


def default_command() -> str:
    from posecoach.sources.capture import camera_available

    if camera_available():
        return "live"
    say("No camera found: running the demo instead (posecoach live --camera VIDEO.mp4 to try a session)")
    return "demo"


def cmd_live(args) -> int:
    from posecoach.live.start import LiveOptions, run_live

    result = run_live(LiveOptions(
        camera=args.camera, routine=args.routine, exercise=args.exercise, reps=args.reps, sets=args.sets,
        headless=args.headless, answers=args.answers, no_red_flags=args.no_red_flags,
        pain_before=args.pain_before, pain_between=args.pain_between, pain_after=args.pain_after,
        rescreen=args.rescreen, mirror=not args.no_mirror, fullscreen=args.fullscreen, angles=args.angles,
        sound=args.sound, mute=args.mute, countdown_s=args.countdown, rest_s=args.rest, model=model_choice(args)))
    print(_session_summary(result))
    if result.unsaved is not None:  # what was done is kept beside the database: say where, status 2
        raise result.unsaved
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
    from posecoach.cli.safety import scripted_answers, terminal_screen
    from posecoach.live.history import History

    if args.last:
        with History() as history:
            last = history.last_screening(scope=None)
        print("No safety check yet." if last is None else
              f"{last.taken_on}: {last.verdict.title} ({safety.signs(last.verdict.flagged) or 'no red flags'})")
        return 0
    verdict = terminal_screen(safety.Scope.FULL, scripted_answers(args))
    return 0 if verdict.ok else 3


def cmd_history(args) -> int:
    from posecoach.live.history import History, export_csv, format_table, plot_progress
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
    from posecoach.live.safety import check_pain

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
