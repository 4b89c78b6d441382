"""Issue 17, the history database under faults: held by another process for longer than a write
waits, or full. Each is one line saying what it is and what to do (never "damaged: move it
aside", never an internal error), and what was written before stays.
"""

import datetime as dt
import sqlite3

import pytest

from posecoach.errors import OutputError
from posecoach.history import History

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
