"""The `eval`, `tune` and `calibrate` subcommands: parse, call `posecoach.tuning`, print.

`cli.build_parser` calls `register(sub)`; nothing else here is used by `cli`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from posecoach.app import ModelChoice
from posecoach.errors import UserError

PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_EVAL_PATHS = (PROJECT_DIR / "samples", PROJECT_DIR.parent / "shared" / "realclips")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _progress(stream, info):
    from tqdm import tqdm

    return tqdm(stream, total=info.frame_count, unit="frame", desc=f"tracking {Path(info.name).name}",
                file=sys.stderr, mininterval=0.5, leave=False, disable=None)


def _model(args) -> ModelChoice:
    return ModelChoice(variant=args.model_variant, path=args.model, notify=_say)


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, help="a pose landmarker .task file (videos are tracked once and cached)")
    parser.add_argument("--model-variant", help="model variant from 'posecoach models list'")


def cmd_eval(args) -> int:
    from posecoach.tuning import evaluate

    paths = args.paths or [p for p in DEFAULT_EVAL_PATHS if p.is_dir()]
    sources = evaluate.collect_sources(paths)
    if not sources:
        where = ", ".join(str(p) for p in paths) or "samples/ (missing)"
        raise UserError(f"no annotated recordings in {where}: add a manifest.json or a <clip>.json sidecar")
    rows = [evaluate.evaluate_source(s, args.exercise, _model(args), _progress) for s in sources]
    summary = evaluate.summarise(rows, args.max_mae)
    if args.json:
        print(json.dumps(evaluate.to_json(rows, summary), indent=2))
    else:
        print(evaluate.format_table(rows, summary))
    return 0 if summary.passed else 1


def register(subparsers) -> None:
    """Add `eval`, `tune` and `calibrate` to the `posecoach` command."""
    p = subparsers.add_parser("eval", help="compare counted reps and holds with annotations")
    p.add_argument("paths", nargs="*", type=Path,
                   help="folders (with manifest.json or sidecars) or clips; default samples/ and ../shared/realclips")
    p.add_argument("--exercise", "-e", help="count every source as this exercise (default: the annotation's)")
    p.add_argument("--max-mae", type=float, help="exit with status 1 when the mean absolute rep error is above this")
    p.add_argument("--json", action="store_true", help="print the table as JSON")
    _add_model_options(p)
    p.set_defaults(func=cmd_eval)
