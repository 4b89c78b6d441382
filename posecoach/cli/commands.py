"""The `posecoach` command: parses arguments, calls one use case (`replay`, `live.start`, `tuning`),
prints. Nothing else lives here."""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
import signal
import sys
import threading
import warnings
from pathlib import Path

from posecoach import __version__, replay
from posecoach.bundled import demo_sample
from posecoach.cli import live as cli_live
from posecoach.cli import safety as cli_safety
from posecoach.cli import tune as cli_tune
from posecoach.cli.common import (
    OneLineParser,
    add_model_options,
    add_workers_option,
    model_choice,
    number,
    progress,
    read_files,
    say,
    whole_number,
    workers,
)
from posecoach.errors import PosecoachError, Terminated, UserError
from posecoach.sinks.report import report_json
from posecoach.sources.video import parse_source, quiet_native_logs


def _summary(report: dict) -> str:
    reps = report["reps"]
    sides = f" (left {reps['left']}, right {reps['right']})" if reps["left"] is not None else ""
    holds = ", ".join(f"{h['duration_s']:.1f}s" for h in report["holds"]) or "none"
    return (f"{report['exercise']}: {reps['total']} reps{sides}, {reps['good']} meeting the targets; "
            f"holds: {holds}; pose found in {report['frames_with_pose']}/{report['frames']} frames")


def _screen_if_camera(args) -> None:
    """A camera means a person exercising in front of it: the safety screen comes first."""
    if parse_source(args.source)[0] == "camera":
        cli_safety.screen_before_camera(args)


def cmd_replay(args) -> int:
    from posecoach.exercise.catalogue import load_exercise

    spec = load_exercise(args.exercise)
    _screen_if_camera(args)
    options = replay.ReplayOptions(out=args.out, report=args.report, show=args.show,
                                force=args.force, workers=workers(args), progress=progress,
                                inputs=read_files(args))
    report = replay.replay(args.source, spec, options, model_choice(args))
    # With --json, stdout is the JSON alone (for `| jq`); the human lines go to stderr.
    tell = say if args.json else print
    tell(_summary(report))
    for warning in report["warnings"]:
        say(f"warning: {warning}")
    for label, path in (("annotated video", args.out), ("report", args.report)):
        if path:
            tell(f"{label}: {path}")
    if args.json:
        print(report_json(report))
    return 0


def cmd_demo(args) -> int:
    sample = demo_sample()
    if not sample.is_file():
        raise UserError(f"{sample}: the bundled sample is missing; reinstall posecoach")
    try:
        args.out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"{args.out_dir}: cannot make the output folder ({e.strerror}); "
                        "choose another with --out-dir") from None
    args.source = str(sample)
    args.exercise = "glute_bridge"
    args.out = args.out_dir / "demo_annotated.mp4"
    args.report = args.out_dir / "demo_report.json"
    args.force, args.json, args.show = True, False, args.show
    say(f"Replaying the bundled sample {sample.name} (no camera needed)")
    return cmd_replay(args)


def cmd_track(args) -> int:
    _screen_if_camera(args)
    meta = replay.record_track(args.source, args.output, args.force, model_choice(args), progress, workers(args),
                            read_files(args))
    print(f"{args.output}: {meta['frames']} frames from {meta['source']} "
          f"(model {meta['model'].get('variant')})")
    return 0


def cmd_models(args) -> int:
    from posecoach.pose import models

    if args.action == "fetch":
        path = models.fetch_model(args.variant or models.DEFAULT_VARIANT, _download_bar())
        print(f"ready: {path}")
        return 0
    for row in models.model_table():
        mark = "installed" if row.installed else "-"
        default = " (default)" if row.is_default else ""
        print(f"{row.variant:<12} {mark:<10} {row.description}{default}")
    print(f"cache: {models.model_cache_dir()}")
    return 0


def _download_bar():
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int | None) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="B", unit_scale=True, file=sys.stderr, leave=False)
        bar.update(done - bar.n)

    return update


def cmd_exercises(args) -> int:
    from posecoach.exercise import catalogue

    if args.id:
        print(catalogue.describe_exercise(catalogue.load_exercise(args.id)))
        return 0
    for exercise_id, spec in catalogue.load_all_exercises().items():
        print(f"{exercise_id:<24} {spec.name}  [{spec.position}, {spec.view} view]")
    return 0


def cmd_routines(args) -> int:
    from posecoach.exercise import catalogue

    if args.id:
        routine = catalogue.load_routine(args.id)
        print(f"{routine.name} ({routine.id})\n  {routine.description}")
        for i, step in enumerate(routine.steps, 1):
            print(f"  {i}. {catalogue.describe_step(step)}")
        return 0
    for routine_id in catalogue.routine_ids():
        routine = catalogue.load_routine(routine_id)
        print(f"{routine_id:<24} {routine.name}  ({len(routine.steps)} exercises)")
    return 0


def cmd_synth(args) -> int:
    from posecoach.synth.cli import synth_main

    try:
        return synth_main(args.synth_args)
    except ModuleNotFoundError as e:
        raise UserError(f"synth needs the 'synth' extra ({e.name} is missing): "
                        "pip install -e '.[synth]' (torch, anny, moderngl)") from None


def cmd_bench(args) -> int:
    from posecoach.bench.model import format_bench, run_bench

    source = args.source or str(demo_sample())
    if parse_source(source)[0] != "video":  # the model's speed needs pictures: a track has none
        raise UserError(f"{source}: bench times the pose model on a video's frames; give a video file")
    size = _parse_size(args.size) if args.size else None
    if args.live:
        return _bench_live(Path(source), args, size)
    print(format_bench(run_bench(source, args.exercise, model_choice(args), args.frames, size)))
    return 0


def _bench_live(source: Path, args, size: tuple[int, int] | None) -> int:
    from posecoach.bench.live import LIVE_SIZES, format_live_bench, run_live_bench
    from posecoach.sinks.display import display_problem

    window = not args.headless and display_problem() is None  # else drawn as the window would, not shown
    results = run_live_bench(source, args.exercise, model_choice(args), args.seconds,
                             (size,) if size else LIVE_SIZES, window)
    print(format_live_bench(results))
    return 0


MAX_SIDE = 7680  # 8K: a frame OpenCV can resize and the model can take


def _parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        width = height = 0
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise UserError(f"--size {text}: give WIDTHxHEIGHT, each from 1 to {MAX_SIDE} pixels, e.g. 1280x720")
    return width, height


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="posecoach",
        description="Coaches low-back-pain exercises in front of a camera: counts reps, times holds, cues form.")
    parser.add_argument("--version", action="version", version=f"posecoach {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("replay", help="count reps and holds in a video or pose track")
    p.add_argument("source", help="video file, pose track (.npz), camera index or /dev/videoN")
    p.add_argument("--exercise", "-e", required=True, help="exercise id or .toml file")
    p.add_argument("--out", type=Path, help="write an annotated video (.mp4)")
    p.add_argument("--report", type=Path, help="write a JSON report")
    p.add_argument("--show", action="store_true", help="show the annotated video in a window")
    p.add_argument("--force", action="store_true", help="overwrite existing output files")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    cli_safety.add_answer_options(p)  # a camera source asks the safety questions first
    add_model_options(p)
    add_workers_option(p)
    p.set_defaults(func=cmd_replay)

    p = sub.add_parser("demo", help="replay the bundled sample into ./out (no camera needed)")
    p.add_argument("--out-dir", type=Path, default=Path("out"))
    p.add_argument("--show", action="store_true")
    add_model_options(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("track", help="record every frame's pose to a .npz track")
    p.add_argument("source", help="video file, camera index or /dev/videoN")
    p.add_argument("-o", "--output", type=Path, required=True)
    p.add_argument("--force", action="store_true")
    cli_safety.add_answer_options(p)
    add_model_options(p)
    add_workers_option(p)
    p.set_defaults(func=cmd_track)

    p = sub.add_parser("models", help="list or fetch pose models")
    p.add_argument("action", nargs="?", choices=["list", "fetch"], default="list")
    p.add_argument("variant", nargs="?")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("exercises", help="list exercises, or show one")
    p.add_argument("action", nargs="?", choices=["show"])
    p.add_argument("id", nargs="?")
    p.set_defaults(func=cmd_exercises)

    p = sub.add_parser("routines", help="list routines, or show one")
    p.add_argument("action", nargs="?", choices=["show"])
    p.add_argument("id", nargs="?")
    p.set_defaults(func=cmd_routines)

    p = sub.add_parser("bench", help="time each pipeline stage on a video")
    p.add_argument("source", nargs="?")
    p.add_argument("--exercise", "-e", default="glute_bridge")
    p.add_argument("--frames", type=whole_number(1), default=300, help="frames to time (default 300)")
    p.add_argument("--size", help="resize frames to WIDTHxHEIGHT first, e.g. 1280x720")
    p.add_argument("--live", action="store_true",
                   help="capture-to-display latency of a live session with the video as the camera, "
                        "at 640x480 and 1280x720 (or --size)")
    p.add_argument("--seconds", type=number(0.1), help="with --live: play only this much of the video")
    p.add_argument("--headless", action="store_true", help="with --live: draw every screen but open no window")
    add_model_options(p)
    p.set_defaults(func=cmd_bench)
    p = sub.add_parser("synth", add_help=False,
                       help="render an exercise video with exact ground truth (needs the synth extra)")
    p.add_argument("synth_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_synth)
    cli_tune.register(sub)  # eval, tune, calibrate (issue 5)
    cli_live.register(sub)  # live, safety, history (issue 4)
    return parser


def _tolerant_streams() -> None:
    """A terminal that cannot show a character (an ASCII locale, a file name that is not UTF-8)
    shows an escape instead of failing the command."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def _silence_stdout() -> None:
    """stdout is pointed at devnull so the interpreter's final flush cannot fail again."""
    with contextlib.suppress(AttributeError, ValueError, OSError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def _stop_like_ctrl_c(signum, _frame) -> None:
    for other in _STOP_SIGNALS:  # once: a second signal must not break the saving that follows
        signal.signal(other, signal.SIG_IGN)
    raise Terminated(signum)


def _run(args) -> int:
    code = args.func(args)
    if sys.stdout is not None:
        sys.stdout.flush()  # here, so a closed pipe or a full disk is handled below, not at exit
    return code


def main(argv: list[str] | None = None) -> int:
    _tolerant_streams()
    quiet_native_logs()
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["synth"]:  # the renderer parses its own options, --help included
        args = argparse.Namespace(func=cmd_synth, synth_args=argv[1:], debug=False, command="synth")
    else:
        args = _parse(parser, argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.command is None:
        args = _parse(parser, [cli_live.default_command(), *(argv or [])])
    previous = _catch_stop_signals()
    try:
        with _library_noise_logged():
            return _guarded(args)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextlib.contextmanager
def _library_noise_logged():
    """While the command runs, what libraries would print on their own (an ignored destructor
    failure, a warning) goes to the debug log instead."""
    previous_hook, sys.unraisablehook = sys.unraisablehook, _log_destructor_failure
    previous_show, warnings.showwarning = warnings.showwarning, _log_library_warning
    try:
        yield
    finally:
        warnings.showwarning = previous_show
        sys.unraisablehook = previous_hook


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """The arguments; argparse's own output (--help, --version) that cannot be written (a full
    disk) is one line and status 2, as for every other output."""
    try:
        return parser.parse_args(argv)
    except BrokenPipeError:
        _silence_stdout()  # the reader went away (`posecoach --help | head -1`): quietly, as below
        raise SystemExit(141) from None
    except OSError as error:
        print(f"posecoach: {_os_problem(error) or error}", file=sys.stderr)
        raise SystemExit(2) from None


def _log_destructor_failure(unraisable) -> None:
    """Ctrl-C or a stop signal that lands inside a native object's constructor (MediaPipe's Image)
    leaves a half-built object whose destructor then fails. Python ignores that failure anyway; it
    goes to the debug log so the person still reads one line, not a traceback."""
    logging.getLogger("posecoach").debug("ignored in %r: %s", unraisable.object, unraisable.exc_value,
                                         exc_info=(unraisable.exc_type, unraisable.exc_value,
                                                   unraisable.exc_traceback))


def _log_library_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A library's warning (numpy dividing by a torso of no length, or by frames of the same time)
    goes to the debug log: the person reads posecoach's own lines, never a line of numpy's source."""
    logging.getLogger("posecoach").debug("%s:%s: %s: %s", filename, lineno, category.__name__, message)


def _catch_stop_signals() -> dict:
    """SIGTERM and SIGHUP take Ctrl-C's path while the command runs; returns the handlers they had."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {signum: signal.signal(signum, _stop_like_ctrl_c) for signum in _STOP_SIGNALS}


def _guarded(args) -> int:
    """The command, with every failure mapped to one line and an exit status."""
    try:
        return _run(args)
    except PosecoachError as e:
        if args.debug:
            raise
        print(f"posecoach: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt as e:
        signum = getattr(e, "signum", None)
        with contextlib.suppress(OSError, ValueError):  # after SIGHUP the terminal may be gone
            print("posecoach: interrupted" if signum is None else
                  f"posecoach: stopped by {signal.Signals(signum).name}", file=sys.stderr)
        return 130 if signum is None else 128 + signum
    except BrokenPipeError:
        # The reader went away (`posecoach exercises | head`): stop quietly, as other tools do.
        _silence_stdout()
        return 141
    except Exception as e:  # noqa: BLE001 - last resort: one line, the traceback only on --debug
        if args.debug:
            raise
        if (problem := _os_problem(e)) is not None:
            print(f"posecoach: {problem}", file=sys.stderr)
            return 2
        print(f"posecoach: internal error: {type(e).__name__}: {e} (run with --debug for details)",
              file=sys.stderr)
        return 1


def _os_problem(e: Exception) -> str | None:
    """The operating system's refusals that are the person's to fix, as one line (else None)."""
    if not isinstance(e, OSError):
        return None
    if e.errno == errno.ENAMETOOLONG:
        name = os.fsdecode(e.filename) if e.filename is not None else "a path"
        name = name if len(name) <= 60 else name[:57] + "..."
        return str(UserError(f"{name}: the file name is too long for this system; choose a shorter path"))
    if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO):
        # What posecoach writes itself says which file; this is the terminal or a redirection.
        _silence_stdout()
        return f"cannot write the output ({e.strerror}); is the disk full?"
    return None


if __name__ == "__main__":
    sys.exit(main())
