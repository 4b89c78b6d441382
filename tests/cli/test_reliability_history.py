"""Issue 7, storage: two sessions writing the history database at the same moment.

Two processes start together on a database that does not exist yet (so they also race to create
it and switch it to WAL), and each writes whole sessions the way `posecoach live` does (SessionKeeper: the
whole session after each change): at its start, each exercise as it ends, its pain rating, the end.
Every row must be there afterwards and SQLite's integrity check must pass.
"""

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from posecoach.live.history import History

TESTS = Path(__file__).parents[1]
SESSIONS = 30

WRITER = textwrap.dedent("""
    import datetime as dt, sys, time
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    from records import T0, bridge, knee_to_chest
    from posecoach.live.history import History, exercise_values
    from posecoach.live.history_journal import SessionKeeper

    name, folder = sys.argv[1], Path(sys.argv[2])
    (folder / f"ready-{{name}}").touch()
    while len(list(folder.glob("ready-*"))) < 2:  # both processes start writing together
        time.sleep(0.001)
    for i in range({sessions}):
        at = T0 + dt.timedelta(minutes=i)
        with History() as history:  # one connection per session, as the live app opens it
            keeper = SessionKeeper(history)
            keeper.start(f"routine-{{name}}", f"{{name}} {{i}}", at, 3, name)
            keeper.add_exercise(exercise_values(bridge(reps=i)), at)
            time.sleep(0.002)  # the other process writes in between
            keeper.add_exercise(exercise_values(knee_to_chest()), at)
            keeper.rate_last(4, at)
            keeper.end(at, 2, True, None)
            if not keeper.saved:  # kept beside the database instead: a write that failed
                sys.exit(str(keeper.unsaved_error()))
""")


def test_two_sessions_writing_at_once_lose_nothing(tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("POSECOACH_DATA_DIR", str(data))
    code = WRITER.format(tests=str(TESTS), sessions=SESSIONS)
    writers = [subprocess.Popen([sys.executable, "-c", code, name, str(tmp_path)], stderr=subprocess.PIPE,
                                text=True) for name in ("a", "b")]
    results = [(w.wait(timeout=120), w.stderr.read()) for w in writers]
    for w in writers:
        w.stderr.close()
    assert results == [(0, ""), (0, "")]

    with History() as history:
        assert history.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert history.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        sessions = history.sessions()
    assert len(sessions) == 2 * SESSIONS
    by_id = [s.routine for s in sorted(sessions, key=lambda s: s.id)]
    switches = sum(x != y for x, y in zip(by_id, by_id[1:], strict=False))
    assert switches >= 5, "the two writers did not overlap"  # typically about 50
    for name in ("a", "b"):
        mine = [s for s in sessions if s.routine == f"routine-{name}"]
        assert sorted(s.routine_name for s in mine) == sorted(f"{name} {i}" for i in range(SESSIONS))
        assert all(s.status == "completed" and s.pain_after == 2 for s in mine)
        assert all([e.exercise for e in s.exercises] == ["glute_bridge", "knee_to_chest"] for s in mine)
        assert all(s.exercises[1].pain == 4 for s in mine)
        assert sorted(s.exercises[0].total_reps for s in mine) == list(range(SESSIONS))
    # Nothing left half-written beside the database (the WAL is checkpointed on the last close), and
    # no journal: only the space the keeper reserves for one.
    assert sorted(p.name for p in data.iterdir()) == ["history.sqlite3", "history.sqlite3.reserve"]
    raw = sqlite3.connect(data / "history.sqlite3")
    assert raw.execute("SELECT count(*) FROM exercises").fetchone()[0] == 4 * SESSIONS
    raw.close()
