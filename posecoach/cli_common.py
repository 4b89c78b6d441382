"""What every `posecoach` subcommand shares: messages, progress bars and the model options."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def progress(stream, info):
    from tqdm import tqdm

    return tqdm(stream, total=info.frame_count, unit="frame", desc=Path(info.name).name,
                file=sys.stderr, mininterval=0.5, leave=False, disable=None)


def add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, help="a pose landmarker .task file to use instead of the cache")
    parser.add_argument("--model-variant", help="model variant from 'posecoach models list' (default legacy_full)")


def add_workers_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=_workers, metavar="N",
                        help="pose model processes: a video's frames are split among them, or, for many "
                             "videos, one video each (default: one per core)")


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number of 1 or more")
    return value


def workers(args) -> int:
    """--workers, else one per core."""
    from posecoach.pose.parallel import default_workers

    return getattr(args, "workers", None) or default_workers()


def model_choice(args):
    from posecoach.app import ModelChoice  # here, so commands that never read video stay light

    return ModelChoice(variant=args.model_variant, path=args.model, notify=say)
