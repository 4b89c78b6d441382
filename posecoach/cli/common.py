"""What every `posecoach` subcommand shares: messages, progress bars and the model options."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path


class OneLineParser(argparse.ArgumentParser):
    """A bad option is one line too (status 2): what is wrong, and where the help is; no usage dump."""

    def error(self, message: str):
        from posecoach.errors import UserError

        self.exit(2, f"{self.prog}: {UserError(message)} (see '{self.prog} --help')\n")

    def _print_message(self, message: str, file=None) -> None:
        # argparse drops a failed write of --help or --version (a full disk): let it be seen.
        if message:
            stream = file or sys.stdout
            stream.write(message)
            stream.flush()


def whole_number(minimum: int):
    """An argparse type: a whole number of at least `minimum` (`--reps 0` is impossible)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of {minimum} or more")
        return value
    parse.__name__ = "whole number"
    return parse


def number(minimum: float = 0.0, above: bool = False):
    """An argparse type: a finite number of at least `minimum` (above it with `above`): never NaN or inf."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < minimum or (above and value == minimum):
            raise argparse.ArgumentTypeError(f"{text!r} is not a number {'above' if above else 'of at least'} "
                                             f"{minimum:g}")
        return value
    parse.__name__ = "number"
    return parse


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
    from posecoach.replay import ModelChoice  # here, so commands that never read video stay light

    return ModelChoice(variant=args.model_variant, path=args.model, notify=say)
