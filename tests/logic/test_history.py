"""The history database: where it lives, WAL and transactions, partial sessions, exports."""

import csv
import dataclasses
import datetime as dt
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from posecoach.errors import UserError
from posecoach.live import safety
from posecoach.live.history import (
    CSV_COLUMNS,
    History,
    daily_progress,
    data_dir,
    default_db_path,
    exercise_values,
    export_csv,
    format_table,
    plot_progress,
)
from posecoach.live.history_journal import SessionKeeper

from records import T0, bridge, knee_to_chest, whole_session


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("POSECOACH_DATA_DIR", str(tmp_path / "data"))
    with History() as history:
        yield history


def test_the_data_folder_can_be_overridden(tmp_path, monkeypatch):
    monkeypatch.setenv("POSECOACH_DATA_DIR", str(tmp_path))
    assert data_dir() == tmp_path
    assert default_db_path() == tmp_path / "history.sqlite3"
    monkeypatch.delenv("POSECOACH_DATA_DIR")
    assert data_dir().name == "posecoach"


def test_wal_mode_and_schema(db):
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == 2
    assert db.path.parent.name == "data"


def test_a_version_1_database_keeps_its_screenings_as_whole_screens(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.executescript("CREATE TABLE screenings (id INTEGER PRIMARY KEY, taken_on TEXT NOT NULL, answers TEXT "
                      "NOT NULL, outcome TEXT NOT NULL, flagged TEXT NOT NULL); PRAGMA user_version=1;")
    old.execute("INSERT INTO screenings (taken_on, answers, outcome, flagged) VALUES "
                "('2025-03-01', '{\"fever\": true}', 'see_clinician', '[\"fever\"]')")
    old.commit()
    old.close()
    with History(path) as db:
        last = db.last_screening()
    assert last.scope is safety.Scope.FULL and last.answers == {"fever": safety.Answer.YES}


def test_a_session_is_written_at_start_and_marked_partial_until_it_ends(db):
    keeper = SessionKeeper(db)
    keeper.start("start_programme", "Start programme", T0, 3, "camera 0")
    [row] = db.sessions()
    assert (row.id, row.status, row.ended_at, row.pain_before, row.exercises) == (
        keeper.session_id, "partial", None, 3, ())
    keeper.add_exercise(exercise_values(bridge()), T0 + dt.timedelta(minutes=2))
    keeper.add_exercise(exercise_values(knee_to_chest()), T0 + dt.timedelta(minutes=4))
    keeper.rate_last(4, T0 + dt.timedelta(minutes=4))
    keeper.end(T0 + dt.timedelta(minutes=5), 2, True, None)
    [row] = db.sessions()
    assert row.status == "completed" and row.pain_after == 2 and row.stop_reason is None
    assert row.ended_at == T0 + dt.timedelta(minutes=5)
    assert row.exercises == (bridge(), dataclasses.replace(knee_to_chest(), pain=4))


def test_a_stopped_session_keeps_its_reason(db):
    whole_session(db, "glute_bridge", "Glute bridge", T0, 2, (bridge(reps=3, status="stopped"),), None, False,
                  "pain")
    [row] = db.sessions()
    assert (row.status, row.stop_reason, row.pain_after) == ("partial", "pain", None)


CRASH = textwrap.dedent("""
    import datetime as dt, os, sys
    sys.path.insert(0, {tests!r})
    from records import bridge, T0
    from posecoach.live.history import History, exercise_values
    from posecoach.live.history_journal import SessionKeeper
    keeper = SessionKeeper(History())
    keeper.start("start_programme", "Start programme", T0, 4)
    keeper.add_exercise(exercise_values(bridge()), T0)
    os._exit(1)  # a crash: no close, no end of session
""")


def test_a_crash_leaves_the_partial_session_and_an_intact_database(tmp_path, monkeypatch):
    monkeypatch.setenv("POSECOACH_DATA_DIR", str(tmp_path))
    code = CRASH.format(tests=str(__import__("pathlib").Path(__file__).parents[1]))
    subprocess.run([sys.executable, "-c", code], check=False, env={**__import__("os").environ})
    with History() as history:
        assert history.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        [row] = history.sessions()
    assert row.status == "partial" and row.ended_at is None
    assert [e.exercise for e in row.exercises] == ["glute_bridge"]


def test_screenings_are_remembered_with_their_date(db):
    assert db.last_screening() is None
    for day, yes in ((dt.date(2025, 3, 1), ()), (dt.date(2025, 3, 9), ("fever",))):
        a = {q.id: q.id in yes for q in safety.QUESTIONS}
        db.save_screening(safety.Screening(day, a, safety.evaluate(a)))
    last = db.last_screening()
    assert last.taken_on == dt.date(2025, 3, 9)
    assert last.verdict == safety.Verdict(safety.Outcome.URGENT, ("fever",))
    assert last.answers["fever"] is safety.Answer.YES and last.answers["cancer"] is safety.Answer.NO


def test_the_seven_day_clock_counts_whole_screens_only(db):
    """The emergency signs asked at every session do not postpone the whole screen."""
    everything = {q.id: False for q in safety.QUESTIONS}
    db.save_screening(safety.Screening(dt.date(2025, 3, 1), everything, safety.evaluate(everything)))
    urgent_only = {q.id: False for q in safety.questions_for(safety.Scope.EMERGENCY)}
    db.save_screening(safety.Screening(dt.date(2025, 3, 9), urgent_only, safety.Verdict(safety.Outcome.CLEAR, ()),
                                       safety.Scope.EMERGENCY))
    assert db.last_screening().taken_on == dt.date(2025, 3, 1)
    assert db.last_screening(scope=None).scope is safety.Scope.EMERGENCY


def test_a_damaged_database_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("POSECOACH_DATA_DIR", str(tmp_path))
    (tmp_path / "history.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(UserError, match=r"history database is damaged or not SQLite .*move it aside"):
        History()


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "h.sqlite3"
    sqlite3.connect(path).execute("PRAGMA user_version=99").connection.close()
    with pytest.raises(UserError, match=r"written by a newer posecoach \(schema 99\)"):
        History(path)


def two_days(db) -> None:
    whole_session(db, "start_programme", "Start programme", T0, 4, (bridge(reps=6),), 3)
    day2 = T0 + dt.timedelta(days=1)
    whole_session(db, "acute_relief", "Acute relief", day2, 3, (bridge(reps=8), knee_to_chest()), completed=None)
    whole_session(db, "start_programme", "Start programme", day2 + dt.timedelta(hours=2), 3,
                  completed=None)  # crashed at once


def test_the_history_table(db):
    assert format_table([]) == "No sessions yet: run 'posecoach live' to do one."
    two_days(db)
    lines = format_table(db.sessions()).splitlines()
    assert lines[0].split() == ["date", "routine", "status", "pain", "exercise", "result", "reps", "holds",
                                "form", "issues"]
    assert lines[1].split()[:8] == ["2025-03-10", "09:30", "start_programme", "completed", "4->3",
                                    "glute_bridge", "done", "6"]
    assert lines[3].split() == ["knee_to_chest", "partial", "-", "4", "(83", "s)", "-"]
    assert lines[4].split()[:6] == ["2025-03-11", "11:30", "start_programme", "partial", "3->-", "-"]


def test_a_closing_answer_by_yes_no_is_kept_and_shown_in_place_of_a_rating(db, tmp_path):
    """ "Worse than before?" answered from the mat: no rating, but the answer, said plainly."""
    for day, worse in ((0, False), (1, True)):
        keeper = SessionKeeper(db)
        keeper.start("glute_bridge", "Glute bridge", T0 + dt.timedelta(days=day), 3)
        keeper.add_exercise(exercise_values(bridge()), T0)
        keeper.answer_worse(worse, T0)
        keeper.end(T0, None, not worse, "pain" if worse else None)
    rows = db.sessions()
    assert [(r.pain_after, r.worse_after) for r in rows] == [(None, False), (None, True)]
    lines = format_table(rows).splitlines()
    assert "3->not worse" in lines[1] and "3->worse" in lines[2]
    out = tmp_path / "history.csv"
    export_csv(rows, out)
    assert [(r["pain_after"], r["pain_after_answer"]) for r in csv.DictReader(out.open())] == [
        ("", "not worse"), ("", "worse")]


def test_a_database_without_the_answer_column_gains_it(tmp_path):
    path = tmp_path / "h.sqlite3"
    with History(path) as db:
        whole_session(db, "glute_bridge", "Glute bridge", T0, 3, completed=None)
        db.conn.execute("ALTER TABLE sessions DROP COLUMN worse_after")
    with History(path) as db:
        [row] = db.sessions()
        assert row.worse_after is None and db.conn.execute("PRAGMA user_version").fetchone()[0] == 2


def test_a_database_without_session_keys_gains_them_and_its_sessions_stay(tmp_path):
    """A database written before sessions had keys: the column and its unique index are added, and
    its sessions, with no key, are read as before."""
    path = tmp_path / "h.sqlite3"
    with History(path) as db:
        db.conn.execute("DROP INDEX sessions_by_key")
        db.conn.execute("ALTER TABLE sessions DROP COLUMN session_key")
        db.conn.execute("INSERT INTO sessions (routine, routine_name, started_at, updated_at) "
                        "VALUES ('glute_bridge', 'Glute bridge', '2025-03-10T09:30:00+00:00', "
                        "'2025-03-10T09:30:00+00:00')")
        db.conn.commit()
    with History(path) as db:
        [row] = db.sessions()
        assert row.routine == "glute_bridge"
        assert db.conn.execute("SELECT session_key FROM sessions").fetchall() == [(None,)]
        indexes = {r[1]: r[2] for r in db.conn.execute("PRAGMA index_list(sessions)")}
        assert indexes["sessions_by_key"] == 1  # unique


def test_csv_export(db, tmp_path):
    two_days(db)
    out = tmp_path / "history.csv"
    assert export_csv(db.sessions(), out) == 4
    rows = list(csv.DictReader(out.open()))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[0]["exercise"] == "glute_bridge" and rows[0]["reps_both"] == "6"
    assert rows[0]["form_issues"] == "Lift your hips a little higher (x1)"
    assert rows[2]["hold_s"] == "83.0" and rows[2]["exercise_status"] == "partial"
    assert rows[3]["status"] == "partial" and rows[3]["exercise"] == ""
    assert not list(tmp_path.glob(".history.csv*"))  # no temporary file left behind


def test_daily_progress_and_plot(db, tmp_path):
    two_days(db)
    days = daily_progress(db.sessions())
    assert list(days) == ["2025-03-10", "2025-03-11"]
    assert days["2025-03-11"]["reps"] == {"glute_bridge": 8}  # knee to chest counts holds, not reps
    assert days["2025-03-11"]["hold_s"]["knee_to_chest"] == 83.0
    assert days["2025-03-11"]["pain_before"] == [3, 3] and days["2025-03-11"]["pain_after"] == []
    out = tmp_path / "progress.png"
    plot_progress(db.sessions(), out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plotting_nothing_says_so(db, tmp_path):
    with pytest.raises(UserError, match="no sessions to plot yet"):
        plot_progress([], tmp_path / "p.png")
