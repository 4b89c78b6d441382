"""Session history in SQLite: what was done, the pain ratings, the safety screens.

The database lives in the user's data folder (`POSECOACH_DATA_DIR` overrides it), in WAL
mode, and every write is one transaction. A session row is written when the session
starts, marked incomplete, and updated after each exercise, so a crash, Ctrl-C or a pulled
camera leaves the work done so far, marked as partial.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import math
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from posecoach.errors import OutputError, UserError
from posecoach.safety import Outcome, Scope, Screening, Verdict, as_answer

log = logging.getLogger(__name__)
ENV_DATA_DIR = "POSECOACH_DATA_DIR"
DB_NAME = "history.sqlite3"
SCHEMA_VERSION = 2  # 2: screenings.scope (the whole screen, or the emergency signs only)
SIDE_KEYS = ("left", "right", "both")
EXERCISE_STATUSES = ("done", "partial", "skipped", "stopped")

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
    source TEXT NOT NULL DEFAULT ''
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


def data_dir() -> Path:
    """$POSECOACH_DATA_DIR, else the platform's user data folder for posecoach."""
    override = os.environ.get(ENV_DATA_DIR)
    return Path(override) if override else Path(platformdirs.user_data_dir("posecoach"))


def default_db_path() -> Path:
    return data_dir() / DB_NAME


def _now_text(when: dt.datetime) -> str:
    return when.isoformat(timespec="seconds")


@dataclass(frozen=True)
class ExerciseRecord:
    """One exercise of a session: the counts per side ('both' for bilateral), holds and issues."""

    position: int
    exercise: str
    name: str
    status: str
    unit: str  # "reps" or "holds": what the target counts
    target: int  # per side and set
    sets: int
    reps: Mapping[str, int] = field(default_factory=dict)  # left/right/both
    good_reps: int = 0
    holds: int = 0
    hold_s: Mapping[str, float] = field(default_factory=dict)  # seconds held, per side
    best_hold_s: float = 0.0
    form_issues: Mapping[str, int] = field(default_factory=dict)  # message -> times
    duration_s: float = 0.0
    pain: int | None = None  # rating asked after this exercise, if any

    @property
    def total_reps(self) -> int:
        return sum(self.reps.get(k, 0) for k in SIDE_KEYS)

    @property
    def total_hold_s(self) -> float:
        return sum(self.hold_s.get(k, 0.0) for k in SIDE_KEYS)


@dataclass(frozen=True)
class SessionRow:
    id: int
    routine: str
    routine_name: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    completed: bool
    stop_reason: str | None
    pain_before: int | None
    pain_after: int | None
    exercises: tuple[ExerciseRecord, ...]

    @property
    def status(self) -> str:
        return "completed" if self.completed else "partial"


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

    def _prepare_when_free(self) -> None:
        """Two sessions may create a new database at once: switching it to WAL can then meet
        the other's lock without SQLite's busy wait, so wait and try again, for as long as a
        write would wait."""
        deadline = time.monotonic() + self.BUSY_TIMEOUT_S
        while True:
            try:
                return self._prepare()
            except sqlite3.OperationalError as e:
                busy = "locked" in str(e) or "busy" in str(e)
                if not busy or time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)

    def _prepare(self) -> None:
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
            self.conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _write_problem(self, e: sqlite3.Error) -> OutputError | None:
        """A database held too long by another process, or a full disk, said as such (else None)."""
        text = str(e).lower()
        if "locked" in text or "busy" in text:
            return OutputError(f"{self.path}: the history database is busy (another program has held it for "
                               f"over {self.BUSY_TIMEOUT_S:g} s); close other posecoach sessions and try again")
        if "full" in text or "disk i/o" in text:
            return OutputError(f"{self.path}: cannot write the history database ({e}); is the disk full? "
                               "Free some space and try again")
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

    def start_session(self, routine: str, routine_name: str, started_at: dt.datetime,
                      pain_before: int | None, source: str = "") -> int:
        """Writes the session row at once, marked incomplete; returns its id."""
        with self._transaction():
            cursor = self.conn.execute(
                "INSERT INTO sessions (routine, routine_name, started_at, updated_at, pain_before, source) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (routine, routine_name, _now_text(started_at), _now_text(started_at), pain_before, source))
        return int(cursor.lastrowid)

    def add_exercise(self, session_id: int, record: ExerciseRecord, at: dt.datetime) -> int:
        """Saves one exercise of a session; returns its row id."""
        r = record
        with self._transaction():
            cursor = self.conn.execute(
                "INSERT INTO exercises (session_id, position, exercise, name, status, unit, target, sets, "
                "reps_left, reps_right, reps_both, good_reps, holds, hold_s_left, hold_s_right, hold_s_both, "
                "best_hold_s, form_issues, duration_s, pain, saved_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (session_id, r.position, r.exercise, r.name, r.status, r.unit, r.target, r.sets,
                 *(int(r.reps.get(k, 0)) for k in SIDE_KEYS), r.good_reps, r.holds,
                 *(float(r.hold_s.get(k, 0.0)) for k in SIDE_KEYS), r.best_hold_s,
                 json.dumps(dict(r.form_issues), sort_keys=True), r.duration_s, r.pain, _now_text(at)))
            self.conn.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (_now_text(at), session_id))
        return int(cursor.lastrowid)

    def rate_exercise(self, exercise_id: int, pain: int) -> None:
        """The pain rating asked just after an exercise."""
        with self._transaction():
            self.conn.execute("UPDATE exercises SET pain = ? WHERE id = ?", (pain, exercise_id))

    def end_session(self, session_id: int, ended_at: dt.datetime, pain_after: int | None,
                    completed: bool, stop_reason: str | None) -> None:
        with self._transaction():
            self.conn.execute(
                "UPDATE sessions SET ended_at = ?, updated_at = ?, pain_after = ?, completed = ?, "
                "stop_reason = ? WHERE id = ?",
                (_now_text(ended_at), _now_text(ended_at), pain_after, int(completed), stop_reason, session_id))

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
        return None if row is None else _readable(self.path, "screenings", row, _screening)

    def sessions(self) -> list[SessionRow]:
        """Every session, oldest first, with its exercises; a row that cannot be read is left out, with a warning."""
        rows = self.conn.execute(
            "SELECT id, routine, routine_name, started_at, ended_at, completed, stop_reason, pain_before, "
            "pain_after FROM sessions ORDER BY started_at, id").fetchall()
        exercises = self._exercises()
        found = (_readable(self.path, "sessions", r, lambda r: _session(r, exercises)) for r in rows)
        return [s for s in found if s is not None]

    def _exercises(self) -> dict[int, list[ExerciseRecord]]:
        out: dict[int, list[ExerciseRecord]] = {}
        for row in self.conn.execute(
                "SELECT id, session_id, position, exercise, name, status, unit, target, sets, reps_left, reps_right, "
                "reps_both, good_reps, holds, hold_s_left, hold_s_right, hold_s_both, best_hold_s, form_issues, "
                "duration_s, pain FROM exercises ORDER BY session_id, id"):
            if (record := _readable(self.path, "exercises", row, _exercise)) is not None:
                out.setdefault(row[1], []).append(record)
        return out


_UNREADABLE = (ValueError, TypeError, KeyError, AttributeError, IndexError)


def _readable(path: Path, table: str, row: tuple, parse):
    """`parse(row)`, or None with a warning when the row is damaged (edited by hand, another program)."""
    try:
        return parse(row)
    except _UNREADABLE as e:  # json.JSONDecodeError is a ValueError
        log.warning("%s: row %s of %s cannot be read (%s); it is left out", path, row[0], table, e)
        return None


def _screening(row: tuple) -> Screening:
    verdict = Verdict(Outcome(row[3]), tuple(_json(row[4], list)))
    answers = {k: as_answer(v) for k, v in _json(row[2], dict).items()}
    return Screening(dt.date.fromisoformat(row[1]), answers, verdict, Scope(row[5]))


def _session(r: tuple, exercises: dict[int, list[ExerciseRecord]]) -> SessionRow:
    return SessionRow(r[0], _text(r[1]), _text(r[2]), dt.datetime.fromisoformat(r[3]),
                      dt.datetime.fromisoformat(r[4]) if r[4] else None, bool(r[5]), r[6], _count(r[7], True),
                      _count(r[8], True), tuple(exercises.get(r[0], ())))


def _exercise(row: tuple) -> ExerciseRecord:
    row = row[1:]
    return ExerciseRecord(
        position=_count(row[1]), exercise=_text(row[2]), name=_text(row[3]), status=_text(row[4]),
        unit=_text(row[5]), target=_count(row[6]), sets=_count(row[7]),
        reps=dict(zip(SIDE_KEYS, map(_count, row[8:11]), strict=True)), good_reps=_count(row[11]),
        holds=_count(row[12]), hold_s=dict(zip(SIDE_KEYS, map(_seconds, row[13:16]), strict=True)),
        best_hold_s=_seconds(row[16]), form_issues=_json(row[17], dict), duration_s=_seconds(row[18]),
        pain=_count(row[19], True))


def _json(text, kind: type):
    value = json.loads(text)
    if not isinstance(value, kind):
        raise TypeError(f"expected a JSON {kind.__name__}")
    return value


def _text(value) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, not {value!r}")
    return value


def _count(value, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"expected a whole number, not {value!r}")
    return value


def _seconds(value) -> float:
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise TypeError(f"expected seconds, not {value!r}")
    return float(value)


def iter_table_rows(sessions: list[SessionRow]) -> Iterator[dict[str, object]]:
    """One flat row per exercise (a session without exercises gives one row)."""
    for s in sessions:
        base = {"session": s.id, "started_at": _now_text(s.started_at),
                "ended_at": _now_text(s.ended_at) if s.ended_at else "", "routine": s.routine,
                "status": s.status, "stop_reason": s.stop_reason or "",
                "pain_before": _blank(s.pain_before), "pain_after": _blank(s.pain_after)}
        for e in s.exercises or (None,):
            yield base | _exercise_columns(e)


def _blank(value: object) -> object:
    return "" if value is None else value


def _exercise_columns(e: ExerciseRecord | None) -> dict[str, object]:
    if e is None:
        return dict.fromkeys(CSV_EXERCISE_COLUMNS, "")
    return {"exercise": e.exercise, "exercise_status": e.status, "unit": e.unit, "target": e.target,
            "sets": e.sets, "reps_left": e.reps.get("left", 0), "reps_right": e.reps.get("right", 0),
            "reps_both": e.reps.get("both", 0), "good_reps": e.good_reps, "holds": e.holds,
            "hold_s": round(e.total_hold_s, 1), "best_hold_s": round(e.best_hold_s, 1),
            "form_issues": "; ".join(f"{m} (x{n})" for m, n in e.form_issues.items()),
            "exercise_pain": _blank(e.pain)}


CSV_EXERCISE_COLUMNS = ("exercise", "exercise_status", "unit", "target", "sets", "reps_left", "reps_right",
                        "reps_both", "good_reps", "holds", "hold_s", "best_hold_s", "form_issues",
                        "exercise_pain")
CSV_COLUMNS = ("session", "started_at", "ended_at", "routine", "status", "stop_reason", "pain_before",
               "pain_after", *CSV_EXERCISE_COLUMNS)


def format_table(sessions: list[SessionRow]) -> str:
    """A plain-text table: one line per exercise, the session's columns on its first line."""
    if not sessions:
        return "No sessions yet: run 'posecoach live' to do one."
    header = ("date", "routine", "status", "pain", "exercise", "result", "reps", "holds", "form issues")
    lines = [header]
    for s in sessions:
        pain = f"{_dash(s.pain_before)}->{_dash(s.pain_after)}"
        status = s.status + (f" ({s.stop_reason})" if s.stop_reason else "")
        first = (s.started_at.strftime("%Y-%m-%d %H:%M"), s.routine, status, pain)
        for i, e in enumerate(s.exercises or (None,)):
            lead = first if i == 0 else ("",) * 4
            lines.append(lead + (_exercise_cells(e) if e else ("-",) * 5))
    widths = [max(len(str(row[i])) for row in lines) for i in range(len(header))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
                     for row in lines)


def _dash(value: object) -> str:
    return "-" if value is None else str(value)


def _exercise_cells(e: ExerciseRecord) -> tuple[str, ...]:
    if e.unit != "reps":
        reps = "-"
    elif e.reps.get("both", 0) or not (e.reps.get("left", 0) or e.reps.get("right", 0)):
        reps = str(e.total_reps)
    else:
        reps = f"L{e.reps.get('left', 0)} R{e.reps.get('right', 0)}"
    holds = f"{e.holds} ({e.total_hold_s:.0f} s)" if e.holds or e.total_hold_s else "-"
    issues = ", ".join(e.form_issues) if e.form_issues else "-"
    return e.exercise, e.status, reps, holds, issues


def export_csv(sessions: list[SessionRow], path: Path) -> int:
    """Writes one row per exercise, atomically; returns the number of rows."""
    import csv

    from posecoach.atomic import atomic_path

    rows = list(iter_table_rows(sessions))
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def daily_progress(sessions: list[SessionRow]) -> dict[str, dict]:
    """Per day: reps and seconds held per exercise, and the mean pain before and after."""
    days: dict[str, dict] = {}
    for s in sessions:
        day = days.setdefault(s.started_at.date().isoformat(),
                              {"reps": {}, "hold_s": {}, "pain_before": [], "pain_after": []})
        for e in s.exercises:
            if e.unit == "reps":
                day["reps"][e.exercise] = day["reps"].get(e.exercise, 0) + e.total_reps
            if e.total_hold_s:
                day["hold_s"][e.exercise] = day["hold_s"].get(e.exercise, 0.0) + e.total_hold_s
        for key in ("pain_before", "pain_after"):
            if getattr(s, key) is not None:
                day[key].append(getattr(s, key))
    return days


def plot_progress(sessions: list[SessionRow], path: Path) -> None:
    """Reps and hold time per exercise, and the pain trend, over days; a PNG written atomically."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from posecoach.atomic import atomic_path

    days = daily_progress(sessions)
    if not days:
        raise UserError("no sessions to plot yet: run 'posecoach live' first")
    dates = [dt.date.fromisoformat(d) for d in days]
    figure = Figure(figsize=(9, 8), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(3, 1, sharex=True)
    for ax, key, label in ((axes[0], "reps", "reps per day"), (axes[1], "hold_s", "seconds held per day")):
        names = sorted({n for d in days.values() for n in d[key]})
        for name in names:  # only the days the exercise was done: a missing day is not a zero
            done = [(when, d[key][name]) for when, d in zip(dates, days.values(), strict=True) if name in d[key]]
            ax.plot(*zip(*done, strict=True), marker="o", label=name)
        ax.set_ylabel(label)
        ax.set_ylim(bottom=0)
        if names:
            ax.legend(fontsize="small", loc="best")
    for key, style in (("pain_before", "o-"), ("pain_after", "s--")):
        values = [sum(d[key]) / len(d[key]) if d[key] else float("nan") for d in days.values()]
        axes[2].plot(dates, values, style, label=key.replace("_", " "))
    axes[2].set(ylabel="pain (0-10)", ylim=(-0.5, 10.5))
    axes[2].legend(fontsize="small", loc="best")
    figure.autofmt_xdate()
    figure.suptitle("posecoach progress")
    with atomic_path(path, suffix=".png") as tmp:
        figure.savefig(tmp, format="png", dpi=100)
