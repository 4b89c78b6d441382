"""Issue 17, the history database under faults: held by another process for longer than a write
waits, or full. Each is one line saying what it is and what to do (never "damaged: move it
aside", never an internal error), and what was written before stays.
"""

import datetime as dt
import errno
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from posecoach.errors import OutputError
from posecoach.live.history import History

from conftest import run_cli
from records import whole_session

STARTED = dt.datetime(2026, 12, 1, 9, 0).astimezone()


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setattr(History, "BUSY_TIMEOUT_S", 0.2)
    monkeypatch.setenv("POSECOACH_DATA_DIR", str(tmp_path))
    return tmp_path / "history.sqlite3"


def busy_message(db) -> str:
    return (f"{db}: the history database is busy (another program has held it for over 0.2 s); "
            "close other posecoach sessions and try again")


def a_screening(taken_on: dt.date, note: str = ""):
    """A whole screen answered no throughout (`note`: one more answer, under a long name, to fill a page)."""
    from posecoach.live import safety

    answers = dict.fromkeys(safety.question_ids(), safety.Answer.NO) | ({note: safety.Answer.NO} if note else {})
    return safety.Screening(taken_on, answers, safety.Verdict(safety.Outcome.CLEAR, ()))


def test_a_write_meeting_a_database_held_by_another_process_says_busy(db):
    """A write History makes itself (a session's go through the keeper, which keeps them instead)."""
    with History(db) as history:
        other = sqlite3.connect(db)
        other.execute("BEGIN EXCLUSIVE")
        try:
            with pytest.raises(OutputError) as raised:
                history.save_screening(a_screening(STARTED.date()))
        finally:
            other.rollback()
            other.close()
        assert str(raised.value) == busy_message(db)
        history.save_screening(a_screening(STARTED.date()))  # once free, it writes
    with History(db) as history:
        assert history.last_screening().taken_on == STARTED.date()


def test_a_session_meeting_a_database_held_by_another_process_is_kept_and_written_once_free(db):
    from posecoach.live.history_journal import SessionKeeper

    with History(db) as history:
        keeper = SessionKeeper(history)
        keeper.start("start_programme", "Start programme", STARTED, 3)
        other = sqlite3.connect(db)
        other.execute("BEGIN EXCLUSIVE")
        try:
            keeper.end(STARTED, 2, True, None)
        finally:
            other.rollback()
            other.close()
        unsaved = str(keeper.unsaved_error())
        assert unsaved.startswith(f"{db}: this session could not be written to the history (database is locked)")
        assert unsaved.endswith("close other posecoach sessions")
        keeper.answer_worse(False, STARTED)  # once free, the next change writes it, and its journal goes
        assert keeper.saved and journals(db) == []
    with History(db) as history:
        [row] = history.sessions()
        assert row.completed


def test_opening_a_database_held_by_another_process_says_busy_not_damaged(db, capsys):
    History(db).close()
    other = sqlite3.connect(db)
    other.execute("PRAGMA journal_mode=DELETE")  # a rollback journal: an exclusive lock keeps readers out
    other.execute("BEGIN EXCLUSIVE")
    try:
        code, _, err = run_cli(capsys, "history")
    finally:
        other.rollback()
        other.close()
    assert (code, err) == (2, f"posecoach: {busy_message(db)}\n")


def test_a_full_database_says_full_not_damaged(db):
    with History(db) as history:
        whole_session(history, "start_programme", "Start programme", STARTED, 3, completed=None)
        pages = history.conn.execute("PRAGMA page_count").fetchone()[0]
        history.conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own 'disk is full'
        with pytest.raises(OutputError) as raised:
            for i in range(200):
                history.save_screening(a_screening(STARTED.date(), f"{i} " + "x" * 500))
    assert str(raised.value) == (f"{db}: cannot write the history database (database or disk is full); "
                                 "is the disk full? Free some space and try again")
    with History(db) as history:
        assert len(history.sessions()) >= 1
        assert history.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.fixture
def immutable(db):
    """The database made immutable (chattr +i): SQLite may not write it, root included."""
    History(db).close()
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", db], capture_output=True).returncode:
        pytest.skip("needs chattr +i (Linux, a filesystem with attributes, CAP_LINUX_IMMUTABLE)")
    yield db
    subprocess.run(["chattr", "-i", db], check=True)


@pytest.mark.parametrize("command", [["history"], ["safety", "--last"]])
def test_a_database_that_may_not_be_written_says_so_not_damaged(immutable, capsys, command):
    before = immutable.read_bytes()
    code, _, err = run_cli(capsys, *command)
    assert (code, err) == (2, f"posecoach: {immutable}: cannot write the history database (attempt to write a "
                              "readonly database); make it and its folder writable, or set POSECOACH_DATA_DIR "
                              "to a writable folder\n")
    assert immutable.read_bytes() == before


DAMAGES = {
    "session-date": ("UPDATE sessions SET started_at = 'yesterday' WHERE id = 1", "sessions"),
    "session-pain-text": ("UPDATE sessions SET pain_before = 'high' WHERE id = 1", "sessions"),
    "exercise-issues-json": ("UPDATE exercises SET form_issues = '{oops' WHERE id = 1", "exercises"),
    "exercise-reps-text": ("UPDATE exercises SET reps_both = 'eight' WHERE id = 1", "exercises"),
    "exercise-issues-deep": (f"UPDATE exercises SET form_issues = '{'[' * 100_000}' WHERE id = 1", "exercises"),
}


@pytest.fixture
def two_sessions(db):
    from posecoach.live.history import ExerciseRecord

    with History(db) as history:
        for day in (1, 2):
            record = ExerciseRecord(0, "glute_bridge", "Glute bridge", "done", "reps", 8, 1, reps={"both": 8})
            whole_session(history, "glute_bridge", "Glute bridge", STARTED.replace(day=day), 3, (record,), 2)
    return db


@pytest.mark.parametrize(("damage", "table"), DAMAGES.values(), ids=DAMAGES.keys())
def test_one_damaged_row_is_left_out_with_a_warning_and_blocks_nothing(two_sessions, capsys, caplog, damage,
                                                                       table):
    with sqlite3.connect(two_sessions) as conn:
        conn.execute(damage)
    code, out, err = run_cli(capsys, "history", "--csv", two_sessions.parent / "h.csv")
    assert code == 0
    [warning] = [r.getMessage() for r in caplog.records if r.name == "posecoach.live.history"]
    assert warning.startswith(f"{two_sessions}: row 1 of {table} cannot be read (")
    assert warning.endswith("); it is left out")
    rows = (two_sessions.parent / "h.csv").read_text().splitlines()
    assert len(rows) == (2 if table == "sessions" else 3)  # the header, and what could be read


@pytest.mark.parametrize("damage", ["UPDATE screenings SET answers = 'not json'",
                                    "UPDATE screenings SET outcome = 'perhaps'",
                                    "UPDATE screenings SET taken_on = 'monday'"], ids=["answers", "outcome", "date"])
def test_a_damaged_last_screening_counts_as_none(db, capsys, caplog, damage):
    with History(db) as history:
        history.save_screening(a_screening(STARTED.date()))
    with sqlite3.connect(db) as conn:
        conn.execute(damage)
    code, out, err = run_cli(capsys, "safety", "--last")
    assert (code, out) == (0, "No safety check yet.\n")
    assert "row 1 of screenings cannot be read" in caplog.text


def kept_session(db, session_id=None, key="a1b2"):
    from posecoach.live.history import ExerciseRecord, exercise_values
    from posecoach.live.history_journal import SessionLog

    record = ExerciseRecord(0, "glute_bridge", "Glute bridge", "done", "reps", 8, 1, reps={"both": 8}, pain=2)
    log = SessionLog("glute_bridge", "Glute bridge", "2026-12-01T09:00:00+00:00", "2026-12-01T09:10:00+00:00", 3,
                     ended_at="2026-12-01T09:10:00+00:00", pain_after=2, completed=True,
                     exercises=((*exercise_values(record), "2026-12-01T09:09:00+00:00"),), key=key)
    journal = db.with_name(f"{db.name}.unsaved-1-1.json")
    journal.write_text(log.to_json(session_id))
    return journal


def test_a_kept_session_from_before_keys_is_added_once_even_when_its_row_was_written_before(db):
    """A journal without a session key (written before they were): its row is the one it names, or
    one with its routine, start and source."""
    with History(db) as history:
        session = whole_session(history, "glute_bridge", "Glute bridge", dt.datetime.fromisoformat(
            "2026-12-01T09:00:00+00:00"), 3, completed=None)
        history.conn.execute("UPDATE sessions SET session_key = NULL")  # as a posecoach before keys wrote it
        history.conn.commit()
    journal = kept_session(db, session, key=None)
    with History(db) as history:
        [row] = history.sessions()
    assert not journal.exists()
    assert (row.id, row.status, row.pain_after, row.exercises[0].reps["both"]) == (session, "completed", 2, 8)
    kept_session(db, None, key=None)  # the same session again (its journal not removed after a crash): not doubled
    with History(db) as history:
        assert len(history.sessions()) == 1 and len(history.sessions()[0].exercises) == 1


@pytest.mark.parametrize("text", ["{oops", '{"version": 1, "session": {"routine": 3}}', "[" * 100_000,
                                  '{"version": 2}'], ids=["json", "types", "deep", "version"])
def test_a_damaged_kept_session_is_left_as_it_is_with_a_warning(db, caplog, text):
    journal = kept_session(db)
    journal.write_text(text)
    with History(db) as history:
        assert history.sessions() == []
    assert journal.exists()
    assert f"{journal}: a session kept beside the history cannot be read (" in caplog.text


# The journal-merge race: another process's History() merging a journal while the session that keeps
# it still runs added the session once from the journal and once more at the session's next write.
OWNER = textwrap.dedent("""
    import sqlite3, sys
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    from records import T0, bridge
    from posecoach.live.history import History, exercise_values
    from posecoach.live.history_journal import SessionKeeper

    def held(self, log, session_id):
        raise sqlite3.OperationalError("database is locked")

    real, History.save_session = History.save_session, held
    keeper = SessionKeeper(History(Path(sys.argv[1])))
    keeper.start("glute_bridge", "Glute bridge", T0, 3)  # not written: kept in a journal
    print("kept", flush=True)
    if sys.argv[2] == "crash":
        import os
        os._exit(1)
    sys.stdin.readline()  # another process opens the history meanwhile
    History.save_session = real
    keeper.add_exercise(exercise_values(bridge()), T0)
    keeper.end(T0, 2, True, None)
    print("saved" if keeper.saved else "unsaved", flush=True)
""")


def owner(db, how: str) -> subprocess.Popen:
    """A live session in its own process whose first write fails, so it keeps a journal; it waits."""
    code = OWNER.format(tests=str(Path(__file__).parents[1]))
    process = subprocess.Popen([sys.executable, "-c", code, str(db), how], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "kept\n"
    return process


def journals(db) -> list[Path]:
    return sorted(db.parent.glob(f"{db.name}.unsaved-*"))


def test_a_journal_whose_session_still_runs_is_left_to_it_and_the_session_is_added_once(db):
    session = owner(db, "wait")
    try:
        with History(db) as other:  # another posecoach starting while the session runs
            assert other.sessions() == []
        assert [p.suffix for p in journals(db)] == [".json", ".lock"]
        out, _ = session.communicate("\n", timeout=60)
    finally:
        session.kill()
    assert (session.returncode, out) == (0, "saved\n")
    with History(db) as history:
        [row] = history.sessions()
    assert (row.status, [e.exercise for e in row.exercises]) == ("completed", ["glute_bridge"])
    assert journals(db) == []


def test_a_crashed_sessions_journal_is_added_and_its_lock_file_goes(db):
    session = owner(db, "crash")
    assert session.wait(timeout=60) == 1
    assert [p.suffix for p in journals(db)] == [".json", ".lock"]  # its lock went with the process
    with History(db) as history:
        [row] = history.sessions()
    assert (row.status, row.pain_before, row.exercises) == ("partial", 3, ())
    assert journals(db) == []


def test_a_journal_added_while_its_session_runs_unlocked_still_gives_one_row(db, monkeypatch):
    """A disk too full even for the lock file: the journal is kept unlocked, so another start adds
    it while the session runs; the session's next write finds its row by its key."""
    from posecoach.live import history_journal
    from posecoach.live.history import exercise_values

    from records import T0, bridge

    def no_lock_file(path):
        raise OSError(errno.ENOSPC, "No space left on device")

    with History(db) as history:
        keeper = history_journal.SessionKeeper(history)
        with monkeypatch.context() as m:
            m.setattr(History, "save_session", lambda self, log, session_id: (_ for _ in ()).throw(
                sqlite3.OperationalError("database or disk is full")))
            m.setattr(history_journal, "_lock", no_lock_file, raising=False)
            keeper.start("glute_bridge", "Glute bridge", T0, 3)
        [journal] = journals(db)
        with History(db) as other:
            assert len(other.sessions()) == 1
        assert not journal.exists()
        keeper.add_exercise(exercise_values(bridge()), T0)
        keeper.end(T0, 2, True, None)
        assert keeper.saved
        [row] = history.sessions()
    assert (row.status, len(row.exercises)) == ("completed", 1)


def test_merging_the_same_journal_twice_adds_its_session_once(db):
    """A start that dies after its merge commits but before the journal goes: the next adds nothing more."""
    from posecoach.live.history_journal import SessionLog

    journal = kept_session(db)
    kept = journal.read_text()
    assert SessionLog.from_json(kept)[0].key is not None
    History(db).close()
    journal.write_text(kept)  # as if it had not been removed
    with History(db) as history:
        [row] = history.sessions()
    assert not journal.exists() and row.completed


def output_error_from(cause: OSError):
    """An OutputError raised `from None` while handling `cause`, as posecoach's writers raise it."""
    try:
        raise cause
    except OSError:
        try:
            raise OutputError("cannot write") from None
        except OutputError as e:
            return e


WRITE_FAILURES = {
    "sqlite-locked": (sqlite3.OperationalError("database is locked"), "BUSY"),
    "sqlite-full": (sqlite3.OperationalError("database or disk is full"), "FULL"),
    "sqlite-io": (sqlite3.OperationalError("disk I/O error"), "FULL"),
    "sqlite-read-only": (sqlite3.OperationalError("attempt to write a readonly database"), "UNWRITABLE"),
    "no-space": (OSError(errno.ENOSPC, "No space left on device"), "FULL"),
    "file-too-large": (OSError(errno.EFBIG, "File too large"), "FULL"),
    "denied": (OSError(errno.EACCES, "Permission denied"), "UNWRITABLE"),
    "output-error-read-only": (output_error_from(OSError(errno.EROFS, "Read-only file system")), "UNWRITABLE"),
    "not-a-database": (sqlite3.DatabaseError("file is not a database"), None),
}


@pytest.mark.parametrize(("error", "trouble"), WRITE_FAILURES.values(), ids=WRITE_FAILURES.keys())
def test_one_rule_says_what_a_failed_write_means(error, trouble):
    from posecoach.live.history_journal import WriteTrouble, write_trouble

    assert write_trouble(error) == (None if trouble is None else WriteTrouble[trouble])


AGAIN = "delete it, and posecoach will ask the whole safety check again"
FOLLOWUPS = {
    "not-utf8": (lambda p: p.write_bytes(b'{"flagged": "\xff"}'),
                 "damaged ('utf-8' codec can't decode byte 0xff in position 13: invalid start byte)"),
    "fifo": (lambda p: __import__("os").mkfifo(p), "not a regular file (a pipe or a device?)"),
    "device": (lambda p: p.symlink_to("/dev/zero"), "not a regular file (a pipe or a device?)"),
}


@pytest.mark.parametrize(("make", "what"), FOLLOWUPS.values(), ids=FOLLOWUPS.keys())
def test_damaged_safety_follow_ups_are_one_line_never_a_hang(db, capsys, make, what):
    path = db.parent / "followups.json"
    make(path)
    code, _, err = run_cli(capsys, "safety", "--no-red-flags")
    assert (code, err) == (2, f"posecoach: {path}: {what}; {AGAIN}\n")


NOT_OURS = {  # a SQLite file at the database's path whose tables are not posecoach's
    "sessions without its columns": ("CREATE TABLE sessions (x)", "its table sessions has no column completed"),
    "exercises without its columns": ("CREATE TABLE exercises (id INTEGER PRIMARY KEY, note TEXT)",
                                      "its table exercises has no column best_hold_s"),
}


@pytest.mark.parametrize(("schema", "why"), NOT_OURS.values(), ids=NOT_OURS.keys())
def test_a_database_with_other_tables_is_refused_and_left_as_it_was(db, capsys, schema, why):
    with sqlite3.connect(db) as conn:
        conn.execute(schema)
    conn.close()
    before = db.read_bytes()
    code, _, err = run_cli(capsys, "history")
    assert (code, err) == (2, f"posecoach: {db}: the history database is damaged or not SQLite ({why}); "
                              "move it aside and posecoach will start a new one\n")
    assert db.read_bytes() == before
