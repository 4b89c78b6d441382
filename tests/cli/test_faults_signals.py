"""Issue 17, sessions lost: SIGTERM or SIGHUP during a live session (shutdown, logout) takes
Ctrl-C's path: the session is saved as interrupted, the database stays whole, and the command
says so in one line with status 128 + the signal's number.

The session runs headless in a child process, a video played as the camera, with a stand-in for
the pose model (nobody is found: the session waits at the set-up check until the signal).
"""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from signals_helpers import reaped, signal_and_wait, wait_while_running
from synthetic import grey_video

CHILD = textwrap.dedent("""
    import contextlib, sys
    import posecoach.replay

    @contextlib.contextmanager
    def no_model(_choice=None):
        yield (lambda frame: None), {"variant": "none", "sha256": ""}

    posecoach.replay.open_estimator = no_model
    from posecoach.cli.commands import main
    sys.exit(main(sys.argv[1:]))
""")


def sessions(db):
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        try:
            return conn.execute("SELECT completed, stop_reason, ended_at FROM sessions").fetchall()
        except sqlite3.OperationalError:  # the schema is being made
            return []


def start_live_session(tmp_path, output):
    """A headless live session in a child (stand-in model), once its session row is written: (child, db)."""
    video = grey_video(tmp_path / "camera.avi")
    env = {**os.environ, "POSECOACH_DATA_DIR": str(tmp_path / "data"),
           "POSECOACH_CONFIG_DIR": str(tmp_path / "config")}
    child = subprocess.Popen([sys.executable, "-c", CHILD, "live", "--headless", "--camera", str(video),
                              "-e", "glute_bridge", "--no-red-flags", "--pain-before", "2", "--pain-after", "2"],
                             stdout=output, stderr=output, text=True, env=env)
    db = tmp_path / "data" / "history.sqlite3"
    wait_while_running(child, lambda: sessions(db), 60)
    return child, db  # the caller reaps it


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_during_a_live_session_keeps_it(tmp_path, signum):
    child, db = start_live_session(tmp_path, subprocess.PIPE)
    with reaped(child):
        assert sessions(db), "the session never started"
        time.sleep(0.5)  # well inside the session
        err = signal_and_wait(child, signum)
    assert child.returncode == 128 + signum
    assert err == f"posecoach: stopped by {signal.Signals(signum).name}\n"
    [(completed, reason, ended_at)] = sessions(db)
    assert (completed, reason) == (0, "interrupted") and ended_at is not None
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_sigkill_during_a_live_session_leaves_it_partial_and_the_database_whole(tmp_path):
    """SIGKILL cannot be caught: what was written before it stays, unfinished, and the database is intact."""
    child, db = start_live_session(tmp_path, subprocess.DEVNULL)
    with reaped(child):
        assert sessions(db), "the session never started"
        signal_and_wait(child, signal.SIGKILL)
    assert child.returncode == -signal.SIGKILL
    assert sessions(db) == [(0, None, None)]
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


REPORT_KEYS = {"partial", "frames", "reps", "holds"}


@pytest.mark.parametrize("seed", range(4))
def test_sigterm_at_a_random_point_of_a_replay_leaves_no_report_or_a_whole_one(tmp_path, seed):
    """Before the command starts, while it counts, or while it writes: either no report, or a whole JSON
    report (marked partial when the signal cut the replay short), and no temporary file beside it."""
    import json
    import random

    from synthetic import write_bridge_track

    track = write_bridge_track(tmp_path / "long.npz", reps=10)
    report = tmp_path / "r.json"
    env = {**os.environ, "POSECOACH_DATA_DIR": str(tmp_path / "data"),
           "POSECOACH_CONFIG_DIR": str(tmp_path / "config")}
    child = subprocess.Popen([sys.executable, "-m", "posecoach", "replay", str(track), "-e", "glute_bridge",
                              "--report", str(report)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True, env=env)
    with reaped(child):
        time.sleep(random.Random(seed).uniform(0.2, 3.0))  # from start-up to after the end
        err = signal_and_wait(child, signal.SIGTERM, 120)
    assert child.returncode in (0, 128 + signal.SIGTERM, -signal.SIGTERM), err
    if child.returncode == 128 + signal.SIGTERM:
        assert err == "posecoach: stopped by SIGTERM\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name not in ("data", "config")) == \
        sorted(["long.npz", *(["r.json"] if report.exists() else [])])
    if report.exists():
        data = json.loads(report.read_text())
        assert set(data) >= REPORT_KEYS
        assert data["partial"] is (child.returncode != 0)
    else:
        assert child.returncode != 0


HALF_BUILT_CHILD = textwrap.dedent("""
    import signal, sys
    from posecoach.cli import commands
    from posecoach.errors import Terminated

    class HalfBuilt:
        def __init__(self):
            raise Terminated(signal.SIGTERM)  # the signal arrives before the object is whole

        def __del__(self):
            self.pointer  # never set: the constructor did not finish

    def interrupted_command(_args):
        HalfBuilt()

    commands.cmd_exercises = interrupted_command
    sys.exit(commands.main(["exercises"]))
""")


def test_a_stop_inside_a_native_constructor_still_prints_one_line():
    """A signal that lands while MediaPipe builds an Image leaves a half-built object whose destructor
    fails (seen in CI after SIGTERM): the person still reads "stopped by SIGTERM" and nothing else."""
    done = subprocess.run([sys.executable, "-c", HALF_BUILT_CHILD], capture_output=True, text=True, timeout=60)
    assert done.returncode == 128 + signal.SIGTERM
    assert done.stderr == "posecoach: stopped by SIGTERM\n"
