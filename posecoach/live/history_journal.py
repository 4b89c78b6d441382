"""A live session's writes to the history that never lose what was done (issue 17: a disk that fills).

`SessionKeeper` holds the whole session in memory and writes it whole (`History.save_session`,
one transaction) after each change. A write that fails (a full disk, a file too large, an I/O
error, a database held too long) does not end the session: the session goes on, and what was done
so far is written at once, atomically, to a journal beside the database
(`history.sqlite3.unsaved-<pid>-<time>.json`), in the space the keeper reserved when the session
began (`history.sqlite3.reserve`, released for it). Each later change tries the database again
(and removes the journal once it is in); when the session ends still unsaved, `finish()` raises one
line saying where it is kept. The next `History()` opened (any command) adds every journal into the
database and removes it, so the session shows up in `posecoach history`.

A journal belongs to its session while the session runs: the keeper holds a lock on a file beside
it (`...unsaved-<pid>-<time>.lock`) from its first write to the session's end, and `History()` in
another process leaves a locked journal alone (the lock goes with the process, so a crashed
session's journal is added). Merging takes the same lock, so two starts never add one journal
twice, and a session's key (`SessionLog.key`) makes writing it again update its one row.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import enum
import errno
import json
import logging
import os
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from posecoach.errors import OutputError
from posecoach.live.history_rows import exercise_of, now_text
from posecoach.sinks.atomic import write_text

log = logging.getLogger("posecoach.live.history")
RESERVE_BYTES = 256 * 1024  # about 60 journal rewrites of a long routine
WRITE_ERRORS = (OutputError, sqlite3.Error, OSError)


@dataclass(frozen=True)
class SessionLog:
    """A whole session as its rows: the session's columns and each exercise's column values (in
    `history.EXERCISE_COLUMNS` order, without the session id)."""

    routine: str
    routine_name: str
    started_at: str
    updated_at: str
    pain_before: int | None
    source: str = ""
    ended_at: str | None = None
    pain_after: int | None = None
    completed: bool = False
    stop_reason: str | None = None
    exercises: tuple[tuple, ...] = ()
    worse_after: bool | None = None  # the closing "worse than before?" answered yes/no, with no rating
    key: str | None = None  # the session's own key (None only in a journal from before keys, version 1)

    def to_json(self, session_id: int | None) -> str:
        return json.dumps({"version": 2, "session_id": session_id, "session": dataclasses.asdict(self)}, indent=1)

    @classmethod
    def from_json(cls, text: str) -> tuple[SessionLog, int | None]:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("version") not in (1, 2):
            raise ValueError("not a posecoach session journal")
        fields = dict(data["session"])
        fields["exercises"] = tuple(tuple(row) for row in fields.get("exercises", ()))
        found = cls(**fields)
        for row in found.exercises:
            exercise_of((None, None, *row[:-1]))  # the type checks every row is read through
        for text_field in (found.routine, found.routine_name, found.source):
            if not isinstance(text_field, str):
                raise TypeError(f"expected text, not {text_field!r}")
        if found.key is not None and not isinstance(found.key, str):
            raise TypeError(f"expected a session key, not {found.key!r}")
        dt.datetime.fromisoformat(found.started_at)
        session_id = data.get("session_id")
        if session_id is not None and (not isinstance(session_id, int) or isinstance(session_id, bool)):
            raise TypeError(f"expected a session id, not {session_id!r}")
        return found, session_id


class WriteTrouble(enum.Enum):
    """Why a write to the history failed, as what to do about it: the one rule for every message
    about it (History's own errors, a kept session's line, a journal not merged yet)."""

    BUSY = "close other posecoach sessions"  # another process held the database past the busy wait
    FULL = "free some space"
    UNWRITABLE = "make it and its folder writable"


FULL_ERRNOS = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


def write_trouble(e: BaseException) -> WriteTrouble | None:
    """What a failed write's error says is wrong; None when it is none of these (a damaged database)."""
    text = str(e).lower()
    if "locked" in text or "busy" in text:
        return WriteTrouble.BUSY
    if isinstance(system := _system_error(e), OSError):
        return WriteTrouble.FULL if system.errno in FULL_ERRNOS else WriteTrouble.UNWRITABLE
    if "full" in text or "disk i/o" in text:  # SQLite's own words for a full disk
        return WriteTrouble.FULL
    if "readonly" in text:  # SQLite's words for a file it may not write (read-only, immutable)
        return WriteTrouble.UNWRITABLE
    return None


def _advice(e: BaseException) -> str:
    """What to do about a write that failed; one that says nothing clearer most likely met a full disk."""
    return (write_trouble(e) or WriteTrouble.FULL).value


def _system_error(e: BaseException) -> BaseException:
    """An OutputError's own OSError (`raise ... from None` keeps it as the context), else `e`."""
    if isinstance(e, OutputError) and isinstance(e.__context__, OSError):
        return e.__context__
    return e


def _reason(e: BaseException) -> str:
    """What the system said."""
    e = _system_error(e)
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    return str(e)


class SessionKeeper:
    """The live session's history: `start`, `add_exercise`, `rate_last`, `end`; none raises."""

    def __init__(self, history) -> None:
        self.history = history
        self.log: SessionLog | None = None
        self.session_id: int | None = None
        self.problem: BaseException | None = None  # the last write's failure, while unsaved
        self.journal: Path | None = None
        self.journal_problem: str | None = None
        self.kept = 0  # exercises in the journal last written
        self.used_reserve = False
        self.lock: BinaryIO | None = None  # held on the journal's lock file while the session runs
        self.reserve = Path(f"{history.path}.reserve")
        _make_reserve(self.reserve)

    def start(self, routine: str, routine_name: str, at: dt.datetime, pain_before: int | None,
              source: str = "") -> None:
        self.log = SessionLog(routine, routine_name, now_text(at), now_text(at), pain_before, source,
                              key=uuid.uuid4().hex)
        self._save()

    def add_exercise(self, values: tuple, at: dt.datetime) -> None:
        """`values`: the exercise's columns (`history.exercise_values`)."""
        if self.log is not None:
            self._change(at, exercises=(*self.log.exercises, (*values, now_text(at))))

    def rate_last(self, pain: int, at: dt.datetime) -> None:
        if self.log is not None and self.log.exercises:
            last = list(self.log.exercises[-1])
            last[-2] = pain  # the pain column, before saved_at
            self._change(at, exercises=(*self.log.exercises[:-1], tuple(last)))

    def answer_worse(self, worse: bool, at: dt.datetime) -> None:
        if self.log is not None:
            self._change(at, worse_after=worse)

    def end(self, at: dt.datetime, pain_after: int | None, completed: bool, stop_reason: str | None) -> None:
        if self.log is not None:
            self._change(at, ended_at=now_text(at), pain_after=pain_after, completed=completed,
                         stop_reason=stop_reason)
        if self.journal is not None:  # the journal is final: the next start may add it
            _unlock(self.lock, _lock_path(self.journal))
            self.lock = None

    @property
    def saved(self) -> bool:
        return self.problem is None

    def unsaved_error(self) -> OutputError | None:
        """One line for a session that ends unsaved: where it is kept and what to do (None: saved)."""
        if self.problem is None or self.log is None:
            return None
        db, why, advice = self.history.path, _reason(self.problem), _advice(self.problem)
        n = self.kept if self.journal is not None and self.journal.exists() else len(self.log.exercises)
        done = f"{n} exercise{'s' if n != 1 else ''}"
        if self.journal is not None and self.journal.exists():
            return OutputError(f"{db}: this session could not be written to the history ({why}); what was done "
                               f"({done}) is kept in {self.journal} and goes into the history the next time "
                               f"posecoach starts: {advice}")
        return OutputError(f"{db}: this session could not be written to the history ({why}), nor kept beside it "
                           f"({self.journal_problem}): {done} lost; {advice} before the next session")

    def notice(self) -> str | None:
        """For a session saved only thanks to the reserve: the disk is full, say so (else None)."""
        if self.problem is None and self.used_reserve:
            return (f"{self.history.path.parent}: the disk is full; this session was saved in the space posecoach "
                    "keeps in reserve: free some space before the next session")
        return None

    def _change(self, at: dt.datetime, **changes) -> None:
        self.log = dataclasses.replace(self.log, updated_at=now_text(at), **changes)
        self._save()

    def _save(self) -> None:
        try:
            self.session_id = self.history.save_session(self.log, self.session_id)
        except WRITE_ERRORS as e:
            if self.problem is None:
                log.info("%s: cannot write this session (%s); it goes on, kept beside the database",
                            self.history.path, _reason(e))
            self.problem = e
            self._keep()
            return
        self.problem = None
        if self.journal is not None:
            self.journal.unlink(missing_ok=True)
            _unlock(self.lock, _lock_path(self.journal))
            self.journal, self.lock = None, None

    def _keep(self) -> None:
        """The session so far, atomically in the journal; in the reserved space when the disk is full."""
        if self.journal is None:
            self.journal = self.history.path.with_name(
                f"{self.history.path.name}.unsaved-{os.getpid()}-{time.time_ns()}.json")
        if self.lock is None:
            with contextlib.suppress(OSError):  # no lock (a disk too full even for it): kept all the same
                self.lock = _lock(_lock_path(self.journal))
        text = self.log.to_json(self.session_id)
        try:
            write_text(self.journal, text)
        except OutputError:
            if self.reserve.exists():
                self.reserve.unlink(missing_ok=True)  # what the reserve is for
                self.used_reserve = True
            try:
                write_text(self.journal, text)
            except OutputError as e:
                self.journal_problem = _reason(e)  # an earlier journal, if any, stays
                return
        self.journal_problem, self.kept = None, len(self.log.exercises)


def _make_reserve(path: Path) -> None:
    """Space kept for the journal; on a disk already too full, none (the journal may still fit)."""
    try:
        if path.stat().st_size >= RESERVE_BYTES:
            return
    except OSError:
        pass
    try:
        with open(path, "wb") as f:
            f.write(b"\0" * RESERVE_BYTES)
            f.flush()
            os.fsync(f.fileno())
    except OSError:
        path.unlink(missing_ok=True)


def _lock_path(journal: Path) -> Path:
    return journal.with_suffix(".lock")


def _lock(path: Path) -> BinaryIO:
    """An exclusive lock on `path` (made if missing), held until `_unlock`, or until the process
    ends. BlockingIOError when another holds it; another OSError when it cannot be made."""
    handle = open(path, "a+b")  # noqa: SIM115 -- held open for as long as the lock is
    try:
        _lock_now(handle)
        if not _still_there(handle, path):  # removed by the one that held it: it guards nothing now
            raise BlockingIOError(f"{path}: let go of just now")
    except BaseException:
        handle.close()
        raise
    return handle


def _still_there(handle: BinaryIO, path: Path) -> bool:
    try:
        return os.fstat(handle.fileno()).st_ino == path.stat().st_ino
    except FileNotFoundError:
        return False


if os.name == "nt":
    import msvcrt

    def _lock_now(handle: BinaryIO) -> None:
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError as e:
            raise BlockingIOError(str(e)) from None

    def _unlock(handle: BinaryIO | None, path: Path) -> None:
        """Lets go of the lock, then removes its file (Windows removes no open file; one that
        another has opened meanwhile stays, harmless)."""
        if handle is not None:
            handle.close()
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
else:
    import fcntl

    def _lock_now(handle: BinaryIO) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError when held

    def _unlock(handle: BinaryIO | None, path: Path) -> None:
        """Removes the lock file, then lets go of it (in that order: one waiting for it finds it gone)."""
        if handle is not None:
            path.unlink(missing_ok=True)
            handle.close()


def merge_journals(history) -> None:
    """Adds every session kept beside the database into it (one transaction each), removing each
    journal added; one that cannot be read or written yet stays, with a warning. A journal whose
    session still runs (its lock held) is left to it."""
    for journal in sorted(history.path.parent.glob(f"{history.path.name}.unsaved-*.json")):
        try:
            lock = _lock(_lock_path(journal))
        except BlockingIOError:
            log.info("%s: kept by a session still running; it adds it itself", journal)
            continue
        except OSError:  # no lock file can be made (a full disk): added all the same, its key keeps one row
            lock = None
        try:
            if journal.exists():  # its session may have saved it, and removed it, before letting go
                _merge(history, journal)
        finally:
            _unlock(lock, _lock_path(journal))


def _merge(history, journal: Path) -> None:
    try:
        found, session_id = SessionLog.from_json(journal.read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError, KeyError, IndexError, RecursionError) as e:
        reason = "nested too deeply" if isinstance(e, RecursionError) else e
        log.warning("%s: a session kept beside the history cannot be read (%s); it is left as it is", journal,
                    reason)
        return
    try:
        history.save_session(found, session_id)
    except WRITE_ERRORS as e:
        log.warning("%s: cannot add this kept session to the history yet (%s); %s", journal, _reason(e),
                    _advice(e))
        return
    journal.unlink(missing_ok=True)  # only once its transaction is committed
    log.warning("%s: a session that could not be written earlier is now in the history", journal)
