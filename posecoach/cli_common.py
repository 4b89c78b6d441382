"""What every `posecoach` subcommand shares: messages, progress bars and the model options."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def stdin_is_terminal() -> bool:
    """Whether a person can answer at a terminal (stdin may be closed: then None, or a closed file)."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):
        return False


def read_line(prompt: str) -> str | None:
    """One line typed at the terminal; None when the input ended (Ctrl-D) or is closed."""
    try:
        return input(prompt)
    except (EOFError, RuntimeError, ValueError, OSError):  # RuntimeError: "input(): lost sys.stdin"
        return None


def progress(stream, info):
    from tqdm import tqdm

    return tqdm(stream, total=info.frame_count, unit="frame", desc=Path(info.name).name,
                file=sys.stderr, mininterval=0.5, leave=False, disable=None)


def add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, help="a pose landmarker .task file to use instead of the cache")
    parser.add_argument("--model-variant", help="model variant from 'posecoach models list' (default legacy_full)")


def read_files(args) -> list:
    """The files a command reads besides its sources (exercise file, answers, model): never an output."""
    from posecoach.paths import input_paths

    return input_paths({"the exercise file": getattr(args, "exercise", None),
                        "the answers file": getattr(args, "answers", None),
                        "the pose model": getattr(args, "model", None)})


def model_choice(args):
    from posecoach.app import ModelChoice  # here, so commands that never read video stay light

    return ModelChoice(variant=args.model_variant, path=args.model, notify=say)
