"""Writing files so that a crash leaves either the old file, nothing, or a complete new one.

The file is written beside its target as `.<name>.<pid>.<random>.part<suffix>` and renamed over it
when complete, with the mode the file would have had: the replaced file's own, else 0666 less the
umask. Only a regular file is ever replaced. The temporary files of a run that was killed are
removed by the next write of the same output.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from posecoach.errors import OutputError
from posecoach.paths import check_replaceable, written_path


class PendingFile:
    """A temporary file beside `path` that becomes `path` only on `commit()`."""

    def __init__(self, path: Path, suffix: str | None = None) -> None:
        self.path = path
        path = self.target = written_path(path)  # through a symbolic link
        suffix = suffix if suffix is not None else path.suffix
        folder = path.parent if str(path.parent) else Path(".")
        _remove_stray_parts(folder, path.name)
        try:
            fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=f".part{suffix}",
                                            dir=folder)
        except OSError as e:
            raise OutputError(f"{path}: cannot write ({e.strerror}); choose another output folder") from None
        os.close(fd)
        self.tmp = Path(tmp_name)
        # Says what is wrong with the written file (None: nothing); run before it is kept.
        self.check: Callable[[Path], str | None] | None = None

    def commit(self) -> None:
        problem = self.check(self.tmp) if self.check is not None else None
        if problem is not None:
            self.discard()
            raise OutputError(f"{self.path}: could not be written completely ({problem}); is the disk full?")
        try:
            check_replaceable(self.target)  # again: it may have appeared while we wrote
        except OutputError:
            self.discard()
            raise
        try:
            _fsync(self.tmp)
            os.chmod(self.tmp, _mode_for(self.target))
            os.replace(self.tmp, self.target)
        except OSError as e:
            self.discard()
            raise OutputError(f"{self.path}: could not be written ({e.strerror}); is the disk full?") from None

    def discard(self) -> None:
        self.tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_path(path: Path, suffix: str | None = None) -> Iterator[Path]:
    """Yields a temporary path beside `path`; renames it over `path` only on success."""
    pending = PendingFile(path, suffix)
    try:
        yield pending.tmp
        pending.commit()
    except OSError as e:
        raise OutputError(f"{path}: could not be written ({e.strerror}); is the disk full?") from None
    finally:
        pending.discard()


def write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _fsync(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


_UMASK_LOCK = threading.Lock()


def _mode_for(path: Path) -> int:
    """The replaced file's permissions, else what a new file gets (0666 less the umask)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        with _UMASK_LOCK:  # the umask can only be read by setting it
            umask = os.umask(0o022)
            os.umask(umask)
        return 0o666 & ~umask


def _remove_stray_parts(folder: Path, name: str) -> None:
    """Temporary files of `name` left by a posecoach process that no longer runs."""
    pattern = re.compile(rf"\.{re.escape(name)}\.(\d+)\.[^.]+\.(part.*|probe)")
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match and not _running(int(match[1])) and entry.is_file(follow_symlinks=False):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def _running(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":  # Windows: signal 0 is Ctrl-C there, so never ask
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # another user's process, or cannot tell: leave its file alone
    return True
