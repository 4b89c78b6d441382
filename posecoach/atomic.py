"""Writing files so that a crash leaves either the old file, nothing, or a complete new one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from posecoach.errors import OutputError


class PendingFile:
    """A temporary file beside `path` that becomes `path` only on `commit()`."""

    def __init__(self, path: Path, suffix: str | None = None) -> None:
        self.path = path
        suffix = suffix if suffix is not None else path.suffix
        folder = path.parent if str(path.parent) else Path(".")
        try:
            fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".part{suffix}", dir=folder)
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
            _fsync(self.tmp)
            os.replace(self.tmp, self.path)
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
