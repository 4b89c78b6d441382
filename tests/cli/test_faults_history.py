"""Issue 17, the history database under faults: held by another process for longer than a write
waits, or full. Each is one line saying what it is and what to do (never "damaged: move it
aside", never an internal error), and what was written before stays.
"""

import datetime as dt
import sqlite3

import pytest

from posecoach.errors import OutputError
from posecoach.live.history import History

from conftest import run_cli

STARTED = dt.datetime(2026, 12, 1, 9, 0).astimezone()


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setattr(History, "BUSY_TIMEOUT_S", 0.2)
    monkeypatch.setenv("POSECOACH_DATA_DIR", str(tmp_path))
    return tmp_path / "history.sqlite3"


def busy_message(db) -> str:
    return (f"{db}: the history database is busy (another program has held it for over 0.2 s); "
            "close other posecoach sessions and try again")


def test_a_write_meeting_a_database_held_by_another_process_says_busy(db):
    with History(db) as history:
        session = history.start_session("start_programme", "Start programme", STARTED, 3)
        other = sqlite3.connect(db)
        other.execute("BEGIN EXCLUSIVE")
        try:
            with pytest.raises(OutputError) as raised:
                history.end_session(session, STARTED, 2, True, None)
        finally:
            other.rollback()
            other.close()
        assert str(raised.value) == busy_message(db)
        history.end_session(session, STARTED, 2, True, None)  # once free, it writes
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
        history.start_session("start_programme", "Start programme", STARTED, 3)
        pages = history.conn.execute("PRAGMA page_count").fetchone()[0]
        history.conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own 'disk is full'
        with pytest.raises(OutputError) as raised:
            for _ in range(200):
                history.start_session("start_programme", "Start programme " + "x" * 500, STARTED, 3)
    assert str(raised.value) == (f"{db}: cannot write the history database (database or disk is full); "
                                 "is the disk full? Free some space and try again")
    with History(db) as history:
        assert len(history.sessions()) >= 1
        assert history.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


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
            when = STARTED.replace(day=day)
            session = history.start_session("glute_bridge", "Glute bridge", when, 3)
            history.add_exercise(session, ExerciseRecord(0, "glute_bridge", "Glute bridge", "done", "reps", 8, 1,
                                                         reps={"both": 8}), when)
            history.end_session(session, when, 2, True, None)
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
    from posecoach.live import safety

    verdict = safety.evaluate(dict.fromkeys(safety.question_ids(), False), safety.QUESTIONS)
    with History(db) as history:
        history.save_screening(safety.Screening(STARTED.date(), dict.fromkeys(safety.question_ids(),
                                                                              safety.Answer.NO), verdict))
    with sqlite3.connect(db) as conn:
        conn.execute(damage)
    code, out, err = run_cli(capsys, "safety", "--last")
    assert (code, out) == (0, "No safety check yet.\n")
    assert "row 1 of screenings cannot be read" in caplog.text


def kept_session(db, session_id=None):
    from posecoach.live.history import ExerciseRecord, exercise_values
    from posecoach.live.history_journal import SessionLog

    record = ExerciseRecord(0, "glute_bridge", "Glute bridge", "done", "reps", 8, 1, reps={"both": 8}, pain=2)
    log = SessionLog("glute_bridge", "Glute bridge", "2026-12-01T09:00:00+00:00", "2026-12-01T09:10:00+00:00", 3,
                     ended_at="2026-12-01T09:10:00+00:00", pain_after=2, completed=True,
                     exercises=((*exercise_values(record), "2026-12-01T09:09:00+00:00"),))
    journal = db.with_name(f"{db.name}.unsaved-1-1.json")
    journal.write_text(log.to_json(session_id))
    return journal


def test_a_kept_session_is_added_once_even_when_its_row_was_written_before(db):
    with History(db) as history:
        session = history.start_session("glute_bridge", "Glute bridge", dt.datetime.fromisoformat(
            "2026-12-01T09:00:00+00:00"), 3)
    journal = kept_session(db, session)
    with History(db) as history:
        [row] = history.sessions()
    assert not journal.exists()
    assert (row.id, row.status, row.pain_after, row.exercises[0].reps["both"]) == (session, "completed", 2, 8)
    kept_session(db, None)  # the same session again (its journal not removed after a crash): not doubled
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
