"""The `eval`, `tune` and `calibrate` subcommands: parse, call `posecoach.tuning`, print.

`cli.build_parser` calls `register(sub)`; nothing else here is used by `cli`.
"""

from __future__ import annotations

import json
from pathlib import Path

from posecoach.bundled import bundled_dir
from posecoach.cli.common import (
    add_model_options,
    add_workers_option,
    model_choice,
    number,
    progress,
    read_files,
    read_line,
    say,
    stdin_is_terminal,
    workers,
)
from posecoach.errors import UserError


def default_eval_paths() -> list[Path]:
    """The shipped samples and, beside a source checkout only, ../shared's real clips."""
    samples = bundled_dir("samples")
    return [p for p in (samples, samples.parent.parent / "shared" / "realclips") if p.is_dir()]


def cmd_eval(args) -> int:
    from posecoach.tuning import evaluate

    paths = args.paths or default_eval_paths()
    sources = evaluate.collect_sources(paths)
    if not sources:
        where = ", ".join(str(p) for p in paths) or "samples/ (missing)"
        raise UserError(f"no annotated recordings in {where}: add a manifest.json or a <clip>.json sidecar")
    rows = evaluate.evaluate_sources(sources, args.exercise, model_choice(args), progress, workers(args),
                                     cluster=args.cluster)
    summary = evaluate.summarise(rows, args.max_mae)
    if args.json:
        print(json.dumps(evaluate.to_json(rows, summary), indent=2))
    else:
        print(evaluate.format_table(rows, summary))
    if args.max_mae is not None and not summary.scored:  # a gate with nothing to measure never passes
        raise UserError(f"--max-mae {args.max_mae:g}: none of the {summary.sources} recordings could be scored "
                        "(see why above); nothing was checked")
    return 0 if summary.passed else 1


def register(subparsers) -> None:
    """Add `eval`, `tune` and `calibrate` to the `posecoach` command."""
    p = subparsers.add_parser("eval", help="compare counted reps and holds with annotations")
    p.add_argument("paths", nargs="*", type=Path,
                   help="folders (with manifest.json or sidecars) or clips; default samples/ and ../shared/realclips")
    p.add_argument("--exercise", "-e", help="count every source as this exercise (default: the annotation's)")
    p.add_argument("--max-mae", type=number(0.0),
                   help="exit with status 1 when the mean absolute rep error is above this")
    p.add_argument("--json", action="store_true", help="print the table as JSON")
    add_model_options(p)
    add_workers_option(p)
    p.add_argument("--cluster", metavar="ADDRESS",
                   help="track the videos on a Dask cluster first: a scheduler address (tcp://host:8786) "
                        "or local:N for N worker processes here (needs the posecoach[cluster] extra)")
    p.set_defaults(func=cmd_eval)
    register_tune(subparsers)


def _confirm(plan, yes: bool) -> bool:
    """Show the diff; write when --yes, or when the person says so at a terminal."""
    from posecoach.tuning.save import write_plan

    print(plan.diff or f"{plan.path}: no change")
    if not plan.diff:
        return False
    if not yes:
        if not stdin_is_terminal():
            raise UserError(f"{plan.path}: not written; check the diff above and rerun with --yes to write it")
        if (read_line(f"Write {plan.path}? [y/N] ") or "").strip().lower() not in ("y", "yes"):
            print("not written")
            return False
    write_plan(plan)
    print(f"written: {plan.path}")
    return True


def _save(args, spec, values: dict, note: str) -> None:
    from posecoach.tuning.save import plan_exercise_file, plan_override

    if args.save_as:
        _confirm(plan_exercise_file(spec, values, args.save_as), args.yes)
    elif args.save:
        _confirm(plan_override(spec.id, {**args.set_values, **values}, note), args.yes)


def cmd_tune(args) -> int:
    from posecoach.exercise.catalogue import load_exercise
    from posecoach.exercise.overrides import parse_sets
    from posecoach.paths import check_outputs, input_paths
    from posecoach.tuning.session import TuneSession
    from posecoach.tuning.suggest import format_suggestions
    from posecoach.tuning.tune import finish, load_recordings, tune

    check_outputs({"--plot": args.plot, "--save-as": args.save_as}, args.force,
                  [*input_paths({"one of the recordings": args.sources}), *read_files(args)])
    args.set_values = parse_sets(args.set).values
    spec = load_exercise(args.exercise, sets=args.set_values)
    session = TuneSession(spec, load_recordings(args.sources, model_choice(args), progress, workers(args)))
    result = tune(spec, session, use_suggestions=args.suggest, plot=None if args.interactive else args.plot)
    if args.suggest:
        print(format_suggestions(result.suggestions))
    if args.interactive:
        from posecoach.tuning.interactive import run_window
        from posecoach.tuning.thresholds import changed

        result.values = changed(spec, run_window(session, result.values))
        result = finish(spec, session, result, args.plot)
    print("\n".join(result.before if not result.values else
                    [f"now:  {a}\nwas:  {b}" for a, b in zip(result.after, result.before, strict=True)]))
    if args.plot:
        print(f"plot: {args.plot}")
    _save(args, spec, result.values, note=f"tuned by 'posecoach tune' on {len(args.sources)} recording(s)")
    return 0


def cmd_calibrate(args) -> int:
    from posecoach.exercise.catalogue import load_exercise
    from posecoach.tuning.calibrate import calibrate, calibration_note, record_camera
    from posecoach.tuning.series import Recording
    from posecoach.tuning.session import TuneSession
    from posecoach.tuning.tune import load_recordings

    spec = load_exercise(args.exercise)
    if args.camera is not None:
        if spec.calibration is None:
            calibrate(spec, None)  # explains that the exercise cannot be calibrated, before recording
        from posecoach.cli.safety import screen_before_camera

        screen_before_camera(args)
        say(f"Recording {args.seconds:g} s from camera {args.camera}: do {spec.calibration.min_reps} or more "
             "slow, comfortable reps over your own full range.")
        track = record_camera(args.camera, args.seconds, model_choice(args))
        recordings = [Recording(f"camera {args.camera}", track, None)]
    elif args.source:
        recordings = load_recordings([args.source], model_choice(args), progress, workers(args))
    else:
        raise UserError("give a video or pose track to calibrate from, or --camera INDEX")
    result = calibrate(spec, TuneSession(spec, recordings))
    print("\n".join(result.lines))
    print(f"reps found in the recording: {result.reps_before} with the shipped thresholds, "
          f"{result.reps_after} with yours")
    if result.problem:
        raise UserError(f"not saved: {result.problem}")
    args.save, args.save_as, args.set_values = True, None, {}
    if result.values:
        _save(args, spec, result.values, note=calibration_note(recordings[0].source))
    else:
        print("your thresholds are the shipped ones: nothing to save")
    return 0


def register_tune(subparsers) -> None:
    p = subparsers.add_parser("tune", help="see and tune an exercise's thresholds on recordings")
    p.add_argument("sources", nargs="+", help="videos (tracked once, cached) or pose tracks (.npz)")
    p.add_argument("--exercise", "-e", required=True, help="exercise id or .toml file")
    p.add_argument("--plot", type=Path, help="draw measurements, thresholds, phases, reps and holds to a PNG")
    p.add_argument("--interactive", action="store_true", help="sliders for the thresholds (needs a display)")
    p.add_argument("--suggest", action="store_true", help="propose thresholds from the recordings")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a value, e.g. phases.up.bands.0.enter_above=162 (repeatable)")
    p.add_argument("--save", action="store_true", help="save the tuned values as your override (diff shown first)")
    p.add_argument("--save-as", type=Path, metavar="FILE.toml", help="write a new exercise file instead")
    p.add_argument("--yes", action="store_true", help="write without asking after showing the diff")
    p.add_argument("--force", action="store_true", help="overwrite an existing --plot or --save-as file")
    add_model_options(p)
    add_workers_option(p)
    p.set_defaults(func=cmd_tune)

    p = subparsers.add_parser("calibrate", help="fit an exercise's thresholds to your own range of movement")
    p.add_argument("source", nargs="?", help="a video or pose track of you doing a few reps")
    p.add_argument("--exercise", "-e", required=True)
    p.add_argument("--camera", help="record from this camera index instead")
    p.add_argument("--seconds", type=number(0.0, above=True), default=30.0,
                   help="how long to record from the camera (default 30)")
    p.add_argument("--yes", action="store_true", help="save without asking after showing the diff")
    from posecoach.cli.safety import add_answer_options

    add_answer_options(p)  # --camera asks the safety questions first
    add_model_options(p)
    add_workers_option(p)
    p.set_defaults(func=cmd_calibrate)
