"""Session history in SQLite: what was done, the pain ratings, the safety screens.

The database lives in the user's data folder (`POSECOACH_DATA_DIR` overrides it), in WAL
mode, and every write is one transaction. A session row is written when the session
starts, marked incomplete, and updated after each exercise, so a crash, Ctrl-C or a pulled
camera leaves the work done so far, marked as partial.
A write a live session cannot make (a full disk) keeps the session beside the database until the
next start adds it (history_journal).

Records and the checks rows are read through are in history_rows; the table, CSV and plot
of the sessions in history_views (both re-exported here).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import platformdirs

from posecoach.errors import OutputError, UserError
from posecoach.live.history_journal import SessionLog, WriteTrouble, merge_journals, write_trouble
from posecoach.live.history_rows import (
    EXERCISE_STATUSES,
    SIDE_KEYS,
    ExerciseRecord,
    SessionRow,
    exercise_of,
    readable,
    screening_of,
    session_of,
)
from posecoach.live.history_views import (
    CSV_COLUMNS,
    CSV_EXERCISE_COLUMNS,
    daily_progress,
    export_csv,
    format_table,
    iter_table_rows,
    plot_progress,
)
from posecoach.live.safety import Scope, Screening, as_answer

__all__ = ["CSV_COLUMNS", "CSV_EXERCISE_COLUMNS", "DB_NAME", "ENV_DATA_DIR", "EXERCISE_STATUSES", "SCHEMA_VERSION",
           "SIDE_KEYS", "ExerciseRecord", "History", "SessionRow", "daily_progress", "data_dir",
           "default_db_path", "export_csv", "format_table", "iter_table_rows", "plot_progress"]
ENV_DATA_DIR = "POSECOACH_DATA_DIR"
DB_NAME = "history.sqlite3"
SCHEMA_VERSION = 2  # 2: screenings.scope (the whole screen, or the emergency signs only)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    routine TEXT NOT NULL,
    routine_name TEXT NOT NULL,
    started_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    ended_at TEXT,
    completed INTEGER NOT NULL DEFAULT 0,
    stop_reason TEXT,
    pain_before INTEGER,
    pain_after INTEGER,
    source TEXT NOT NULL DEFAULT '',
    worse_after INTEGER,
    session_key TEXT
);
CREATE TABLE IF NOT EXISTS exercises (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    exercise TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('done', 'partial', 'skipped', 'stopped')),
    unit TEXT NOT NULL,
    target INTEGER NOT NULL,
    sets INTEGER NOT NULL,
    reps_left INTEGER NOT NULL, reps_right INTEGER NOT NULL, reps_both INTEGER NOT NULL,
    good_reps INTEGER NOT NULL,
    holds INTEGER NOT NULL,
    hold_s_left REAL NOT NULL, hold_s_right REAL NOT NULL, hold_s_both REAL NOT NULL,
    best_hold_s REAL NOT NULL,
    form_issues TEXT NOT NULL,
    duration_s REAL NOT NULL,
    pain INTEGER,
    saved_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS exercises_by_session ON exercises(session_id, position);
CREATE TABLE IF NOT EXISTS screenings (
    id INTEGER PRIMARY KEY,
    taken_on TEXT NOT NULL,
    answers TEXT NOT NULL,
    outcome TEXT NOT NULL,
    flagged TEXT NOT NULL,
    scope TEXT NOT NULL DEFAULT 'full'
);
"""



# Columns added to a table after it was first shipped (`_prepare` adds them to an older database).
_ADDED_LATER = {("screenings", "scope"), ("sessions", "worse_after"), ("sessions", "session_key")}


def _schema_problem(conn: sqlite3.Connection) -> str | None:
    """A table of posecoach's that lacks a column it has always had: not posecoach's database (else None)."""
    expected = sqlite3.connect(":memory:")
    try:
        expected.executescript(_SCHEMA)
        for (table,) in expected.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
            want = {row[1] for row in expected.execute(f"PRAGMA table_info({table})")}
            missing = sorted(c for c in want - have if (table, c) not in _ADDED_LATER)
            if have and missing:  # no columns: the table is new, made by _prepare
                return f"its table {table} has no column {missing[0]}"
    finally:
        expected.close()
    return None


_INSERT_EXERCISE = (
    "INSERT INTO exercises (session_id, position, exercise, name, status, unit, target, sets, reps_left, reps_right, "
    "reps_both, good_reps, holds, hold_s_left, hold_s_right, hold_s_both, best_hold_s, form_issues, duration_s, pain, "
    "saved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def exercise_values(r: ExerciseRecord) -> tuple:
    """An exercise's columns, from position to pain (the row without its ids and saved_at)."""
    return (r.position, r.exercise, r.name, r.status, r.unit, r.target, r.sets,
            *(int(r.reps.get(k, 0)) for k in SIDE_KEYS), r.good_reps, r.holds,
            *(float(r.hold_s.get(k, 0.0)) for k in SIDE_KEYS), r.best_hold_s,
            json.dumps(dict(r.form_issues), sort_keys=True), r.duration_s, r.pain)


def data_dir() -> Path:
    """$POSECOACH_DATA_DIR, else the platform's user data folder for posecoach."""
    override = os.environ.get(ENV_DATA_DIR)
    return Path(override) if override else Path(platformdirs.user_data_dir("posecoach"))


def default_db_path() -> Path:
    return data_dir() / DB_NAME


class History:
    """The history database. Use as a context manager; every write is one transaction."""

    BUSY_TIMEOUT_S = 5.0  # how long a write waits for another process holding the database

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_db_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, timeout=self.BUSY_TIMEOUT_S)
        except (OSError, sqlite3.Error) as e:
            raise OutputError(f"{self.path}: cannot open the history database ({e}); "
                              f"set {ENV_DATA_DIR} to a writable folder") from None
        try:
            self._prepare_when_free()
        except sqlite3.DatabaseError as e:
            self.conn.close()
            if (problem := self._write_problem(e)) is not None:  # busy or full is no damage
                raise problem from None
            raise UserError(f"{self.path}: the history database is damaged or not SQLite ({e}); "
                            "move it aside and posecoach will start a new one") from None
        merge_journals(self)  # sessions a full disk kept beside it

    def _prepare_when_free(self) -> None:
        """Two sessions may create a new database at once: switching it to WAL can then meet
        the other's lock without SQLite's busy wait, so wait and try again, for as long as a
        write would wait."""
        deadline = time.monotonic() + self.BUSY_TIMEOUT_S
        while True:
            try:
                return self._prepare()
            except sqlite3.OperationalError as e:
                if write_trouble(e) is not WriteTrouble.BUSY or time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)

    def _prepare(self) -> None:
        if (problem := _schema_problem(self.conn)) is not None:  # before anything is changed in it
            raise sqlite3.DatabaseError(problem)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise UserError(f"{self.path}: written by a newer posecoach (schema {version}); upgrade posecoach")
        with self.conn:
            self.conn.executescript(_SCHEMA)
            columns = {row[1] for row in self.conn.execute("PRAGMA table_info(screenings)")}
            if "scope" not in columns:  # a version 1 database: every screen it holds was a whole one
                self.conn.execute("ALTER TABLE screenings ADD COLUMN scope TEXT NOT NULL DEFAULT 'full'")
            # The closing "worse than before?" answered yes (1) or no (0) instead of a rating. Added
            # to a database without it, within schema 2: a posecoach without it reads every column it
            # knows and leaves this one empty.
            if "worse_after" not in {row[1] for row in self.conn.execute("PRAGMA table_info(sessions)")}:
                self.conn.execute("ALTER TABLE sessions ADD COLUMN worse_after INTEGER")
            # Each session's own key (SessionLog.key), so that writing it again, from its journal by
            # another process or after a crash, updates its one row. Added the same way, within
            # schema 2; a posecoach without it leaves it empty, and empty keys never clash.
            if "session_key" not in {row[1] for row in self.conn.execute("PRAGMA table_info(sessions)")}:
                self.conn.execute("ALTER TABLE sessions ADD COLUMN session_key TEXT")
            self.conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS sessions_by_key ON sessions(session_key)")
            self.conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _write_problem(self, e: sqlite3.Error) -> OutputError | None:
        """A database held too long by another process, a full disk or a file it may not write, said as such
        (else None)."""
        trouble = write_trouble(e)
        if trouble is WriteTrouble.BUSY:
            return OutputError(f"{self.path}: the history database is busy (another program has held it for "
                               f"over {self.BUSY_TIMEOUT_S:g} s); {trouble.value} and try again")
        if trouble is WriteTrouble.FULL:
            return OutputError(f"{self.path}: cannot write the history database ({e}); is the disk full? "
                               f"{trouble.value.capitalize()} and try again")
        if trouble is WriteTrouble.UNWRITABLE:
            return OutputError(f"{self.path}: cannot write the history database ({e}); {trouble.value}, "
                               f"or set {ENV_DATA_DIR} to a writable folder")
        return None

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        try:
            with self.conn:
                yield
        except sqlite3.OperationalError as e:
            raise (self._write_problem(e) or e) from None

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    def save_session(self, log: SessionLog, session_id: int | None) -> int:
        """The whole session in one transaction (its row, and its exercises replaced); returns its id.
        Writing the same session again updates its row (found by its key), never adds a second.
        Raises what SQLite or the system raised: the caller (history_journal) keeps the session."""
        worse = None if log.worse_after is None else int(log.worse_after)
        row = (log.routine, log.routine_name, log.started_at, log.updated_at, log.ended_at, int(log.completed),
               log.stop_reason, log.pain_before, log.pain_after, log.source, worse, log.key)
        with self._immediate():
            session_id = self._row_of(log, session_id)
            if session_id is None:
                session_id = int(self.conn.execute(
                    "INSERT INTO sessions (routine, routine_name, started_at, updated_at, ended_at, completed, "
                    "stop_reason, pain_before, pain_after, source, worse_after, session_key) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row).lastrowid)
            else:
                self.conn.execute(
                    "UPDATE sessions SET routine = ?, routine_name = ?, started_at = ?, updated_at = ?, ended_at = ?, "
                    "completed = ?, stop_reason = ?, pain_before = ?, pain_after = ?, source = ?, worse_after = ?, "
                    "session_key = ? WHERE id = ?", (*row, session_id))
            self.conn.execute("DELETE FROM exercises WHERE session_id = ?", (session_id,))
            self.conn.executemany(_INSERT_EXERCISE, [(session_id, *values) for values in log.exercises])
        return session_id

    def _row_of(self, log: SessionLog, session_id: int | None) -> int | None:
        """The row holding this session already: the one with its key. A journal written before
        sessions had keys: the row it had, or one with its routine, start and source."""
        if log.key is not None:
            found = self.conn.execute("SELECT id FROM sessions WHERE session_key = ?", (log.key,)).fetchone()
        else:
            found = self.conn.execute(
                "SELECT id FROM sessions WHERE routine = ? AND started_at = ? AND source = ? "
                "ORDER BY id = ? DESC, id", (log.routine, log.started_at, log.source, session_id)).fetchone()
        return None if found is None else int(found[0])

    @contextlib.contextmanager
    def _immediate(self) -> Iterator[None]:
        """A transaction that takes the write lock first: what it reads (the session's row) cannot
        change under it, and two processes writing the same session take turns."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.rollback()
            raise
        self.conn.commit()

    def save_screening(self, screening: Screening) -> None:
        answers = {k: as_answer(v).value for k, v in screening.answers.items()}
        with self._transaction():
            self.conn.execute(
                "INSERT INTO screenings (taken_on, answers, outcome, flagged, scope) VALUES (?, ?, ?, ?, ?)",
                (screening.taken_on.isoformat(), json.dumps(answers, sort_keys=True),
                 screening.verdict.outcome.value, json.dumps(list(screening.verdict.flagged)),
                 screening.scope.value))

    def last_screening(self, scope: Scope | None = Scope.FULL) -> Screening | None:
        """The last whole screen (or the last of any scope, with scope=None). One that cannot be
        read counts as none, so the whole screen is asked again."""
        where, params = ("WHERE scope = ?", (scope.value,)) if scope else ("", ())
        row = self.conn.execute(
            f"SELECT id, taken_on, answers, outcome, flagged, scope FROM screenings {where} ORDER BY id DESC LIMIT 1",
            params).fetchone()
        return None if row is None else readable(self.path, "screenings", row, screening_of)

    def sessions(self) -> list[SessionRow]:
        """Every session, oldest first, with its exercises; a row that cannot be read is left out, with a warning."""
        rows = self.conn.execute(
            "SELECT id, routine, routine_name, started_at, ended_at, completed, stop_reason, pain_before, "
            "pain_after, worse_after FROM sessions ORDER BY started_at, id").fetchall()
        exercises = self._exercises()
        found = (readable(self.path, "sessions", r, lambda r: session_of(r, exercises)) for r in rows)
        return [s for s in found if s is not None]

    def _exercises(self) -> dict[int, list[ExerciseRecord]]:
        out: dict[int, list[ExerciseRecord]] = {}
        for row in self.conn.execute(
                "SELECT id, session_id, position, exercise, name, status, unit, target, sets, reps_left, reps_right, "
                "reps_both, good_reps, holds, hold_s_left, hold_s_right, hold_s_both, best_hold_s, form_issues, "
                "duration_s, pain FROM exercises ORDER BY session_id, id"):
            if (record := readable(self.path, "exercises", row, exercise_of)) is not None:
                out.setdefault(row[1], []).append(record)
        return out

