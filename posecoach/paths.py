"""Checking paths up front, so a bad one fails before any work with a message saying what to do.

`check_outputs` is the one check every output of every command goes through: what is at the
path (only a regular file may be replaced, and only with --force), the folder, and that the
output is none of the command's inputs, none of posecoach's own files and no other output.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from posecoach.errors import OutputError, SourceError, UserError


def check_readable_file(path: Path, what: str) -> None:
    if not path.exists():
        raise SourceError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise SourceError(f"{path}: is a directory; give a {what} file")
    if not path.is_file():  # a named pipe or a device: its size says nothing, and reading it may block
        raise SourceError(f"{path}: not a regular file (a pipe or a device?); give a {what} file")
    if path.stat().st_size == 0:
        raise SourceError(f"{path}: the file is empty; give a {what} file")


def is_native(path: Path) -> bool:
    """Whether OpenCV and MediaPipe can take `path`: its bytes on disk are its UTF-8 spelling."""
    text = str(path)
    try:
        return os.fsencode(text) == text.encode("utf-8")
    except UnicodeError:
        return False


def native_path(path: Path, error: type[UserError]) -> str:
    """The path as OpenCV and MediaPipe take it, or `error`: they read a name as UTF-8 and crash
    (SIGSEGV) on one that is not, so a name that is not UTF-8 on disk (or not ASCII under an
    ASCII filesystem encoding) is refused here, before they see it."""
    text = str(path)
    if not is_native(path):
        raise error(f"{path}: OpenCV and MediaPipe cannot take this file name (it is not UTF-8 here); rename it "
                    "using ASCII letters and digits, or run under a UTF-8 locale (e.g. LANG=C.UTF-8)")
    return text


_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def check_replaceable(path: Path) -> None:
    """Only a regular file is ever replaced by an output, even with --force: never a folder, a
    named pipe, a device (`/dev/null`) or a socket."""
    try:
        mode = os.stat(path).st_mode
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise OutputError(f"{path}: is a loop of symbolic links; give the name of a regular file") from None
        return
    kind = next((kind for test, kind in _KINDS if test(mode)), None)
    if kind == "a directory":
        raise OutputError(f"{path}: is a directory; give a file name")
    if kind is not None:
        raise OutputError(f"{path}: is {kind}, which posecoach never replaces; give the name of a regular file")


Inputs = list[tuple[str, Path]]  # (what it is, path): the files a command reads


def check_output(path: Path, force: bool, inputs: Inputs = ()) -> None:
    check_outputs({"": path}, force, inputs)


def check_outputs(outputs: Mapping[str, Path | None], force: bool, inputs: Inputs = ()) -> None:
    """Every output of one command (option name -> path), checked together before any work.

    An output may be none of `inputs` (see `input_paths`) and none of posecoach's own files.
    """
    given = {option: Path(path) for option, path in outputs.items() if path is not None}
    seen: dict[Path, str] = {}
    not_outputs = [*inputs, *_own_files()] if given else []
    for option, path in given.items():
        _check_one(path, force, not_outputs)
        key = _identity(path)
        if key in seen:
            raise OutputError(f"{path}: given for both {seen[key]} and {option}; give each output its own file")
        seen[key] = option


def written_path(path: Path) -> Path:
    """Where an output at `path` is written: through a symbolic link, to the file it names (as the
    shell's `>` does), so a link is never replaced by a file, and a dangling one needs its folder."""
    return Path(os.path.realpath(path)) if os.path.islink(path) else path


def _check_one(path: Path, force: bool, inputs: Inputs) -> None:
    check_replaceable(path)
    for what, other in inputs:
        if _same_or_inside(path, other):
            raise OutputError(f"{path}: is {what}; write the output to another file")
    if path.exists() and not force:
        raise OutputError(f"{path}: already exists; use --force to overwrite it")
    path = written_path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if parent.exists() and not parent.is_dir():
        raise OutputError(f"{parent}: is a file, not a folder; choose another output path")
    if not parent.is_dir():
        raise OutputError(f"{parent}: no such folder; create it or choose another output path")
    try:  # os.access says yes to root, and on /proc; only writing tells
        with tempfile.NamedTemporaryFile(prefix=f".{path.name}.{os.getpid()}.", suffix=".probe", dir=parent):
            pass
    except OSError:
        raise OutputError(f"{parent}: cannot write there; choose another output folder") from None


def _identity(path: Path) -> tuple[int, int] | Path:
    try:
        st = os.stat(path)
        return st.st_dev, st.st_ino  # hard links and symbolic links are the same file
    except OSError:
        return Path(os.path.realpath(path))


def _same_or_inside(path: Path, other: Path) -> bool:
    """`path` is the file `other`, or an existing file inside the folder `other` (a new file
    there, such as a new exercise in a checkout's `exercises/`, replaces nothing)."""
    if _identity(path) == _identity(other):
        return True
    real, folder = Path(os.path.realpath(path)), Path(os.path.realpath(other))
    return other.is_dir() and path.exists() and folder in real.parents


def _own_files() -> Inputs:
    """posecoach's own files, never an output: the history database, the follow-ups, the shipped exercises."""
    from posecoach.bundled import bundled_dir
    from posecoach.live.followups import FILE_NAME
    from posecoach.live.history import DB_NAME, data_dir

    db = data_dir() / DB_NAME
    return [("posecoach's history database", db), ("the history database's journal", Path(f"{db}-wal")),
            ("the history database's index", Path(f"{db}-shm")),
            ("the history database's reserved space", Path(f"{db}.reserve")),
            *(("a session kept beside the history database", kept) for kept in db.parent.glob(f"{DB_NAME}.unsaved-*")),
            ("posecoach's safety follow-ups", data_dir() / FILE_NAME),
            ("in posecoach's shipped exercise files", bundled_dir("exercises"))]


def input_paths(named: Mapping[str, Iterable[str | Path | None] | str | Path | None]) -> Inputs:
    """Inputs for `check_outputs` from option values (what it is -> a value or values); a camera
    index, an exercise id or any name that is not an existing file is skipped."""
    found: Inputs = []
    for what, values in named.items():
        for value in values if isinstance(values, list | tuple) else [values]:
            text = None if value is None else str(value).removeprefix("track:")
            if text and os.path.isfile(text):
                found.append((what, Path(text)))
    return found
