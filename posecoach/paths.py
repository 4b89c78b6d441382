"""Checking paths up front, so a bad one fails before any work with a message saying what to do."""

from __future__ import annotations

import tempfile
from pathlib import Path

from posecoach.errors import OutputError, SourceError


def check_readable_file(path: Path, what: str) -> None:
    if not path.exists():
        raise SourceError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise SourceError(f"{path}: is a directory; give a {what} file")
    if path.stat().st_size == 0:
        raise SourceError(f"{path}: the file is empty; give a {what} file")


def check_output(path: Path, force: bool) -> None:
    """Refuse to overwrite without --force, and fail early on a folder we cannot write."""
    if path.exists() and not force:
        raise OutputError(f"{path}: already exists; use --force to overwrite it")
    if path.is_dir():
        raise OutputError(f"{path}: is a directory; give a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if parent.exists() and not parent.is_dir():
        raise OutputError(f"{parent}: is a file, not a folder; choose another output path")
    if not parent.is_dir():
        raise OutputError(f"{parent}: no such folder; create it or choose another output path")
    try:  # os.access says yes to root, and on /proc; only writing tells
        with tempfile.NamedTemporaryFile(prefix=f".{path.name}.", suffix=".probe", dir=parent):
            pass
    except OSError:
        raise OutputError(f"{parent}: cannot write there; choose another output folder") from None
