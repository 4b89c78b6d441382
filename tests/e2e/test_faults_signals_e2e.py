"""Issue 17, sessions lost, with the real model: SIGTERM, SIGHUP and SIGKILL at a random point of a
headless live session keep every exercise completed before the signal (SIGTERM and SIGHUP also the
one in progress, marked partial; SIGKILL all but that one), and the database passes
`PRAGMA integrity_check`.

The camera is the rendered sample `samples/glute_bridge_side.mp4` (paced in real time), the model
the real MediaPipe one, the plan a two-step routine of one glute bridge each (a routine folder of
its own in tmp_path). The signal comes a random 0-3 s after the first exercise is in the database:
during the rating, the next card or the second bridge. Each run takes under 10 s of wall time and
about 4 s of CPU; tests/cli/test_faults_signals.py covers the same with a stand-in model, at no cost.
"""

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from conftest import ROOT, SAMPLES
from signals_helpers import reaped, signal_and_wait, wait_while_running

pytestmark = pytest.mark.e2e

ROUTINE = """id = "two_bridges"
name = "Two bridges"
description = "One glute bridge, twice."

[[steps]]
exercise = "glute_bridge"
reps = 1

[[steps]]
exercise = "glute_bridge"
reps = 1
"""
SEEDS = {signal.SIGTERM: 1, signal.SIGHUP: 2, signal.SIGKILL: 3}


def exercises(db):
    if not db.exists():
        return []
    with sqlite3.connect(db, timeout=5) as conn:
        try:
            return conn.execute("SELECT exercise, status, reps_both FROM exercises ORDER BY id").fetchall()
        except sqlite3.OperationalError:  # the schema is being made
            return []


def session_row(db):
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return conn.execute("SELECT completed, stop_reason, ended_at IS NOT NULL FROM sessions").fetchall()


@pytest.mark.parametrize("signum", SEEDS, ids=lambda s: s.name)
def test_a_signal_at_a_random_point_of_a_real_session_keeps_the_completed_exercises(tmp_path, model_path, signum):
    video = SAMPLES / "glute_bridge_side.mp4"
    if not video.is_file():
        pytest.skip("samples/glute_bridge_side.mp4 is not there")
    exercises_dir = tmp_path / "exercises"
    (exercises_dir / "routines").mkdir(parents=True)
    shutil.copy(ROOT / "exercises" / "glute_bridge.toml", exercises_dir)
    (exercises_dir / "routines" / "two_bridges.toml").write_text(ROUTINE)
    db = tmp_path / "data" / "history.sqlite3"
    env = {**os.environ, "POSECOACH_DATA_DIR": str(db.parent), "POSECOACH_CONFIG_DIR": str(tmp_path / "config"),
           "POSECOACH_EXERCISES_DIR": str(exercises_dir)}
    child = subprocess.Popen(
        [sys.executable, "-m", "posecoach", "live", "--headless", "--camera", str(video), "--routine", "two_bridges",
         "--no-red-flags", "--pain-before", "3", "--pain-between", "3", "--pain-after", "2", "--countdown", "0",
         "--rest", "0", "--sound", "off", "--mute", "--model", str(model_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    with reaped(child):
        wait_while_running(child, lambda: exercises(db), 90, poll_s=0.05)
        assert exercises(db) == [("glute_bridge", "done", 1)], "the first bridge was never counted"
        time.sleep(random.Random(SEEDS[signum]).uniform(0.0, 3.0))
        before = exercises(db)  # what was completed when the signal comes
        err = signal_and_wait(child, signum)
    after = exercises(db)
    assert after[:len(before)] == before  # every completed exercise is kept
    if signum == signal.SIGKILL:
        assert child.returncode == -signal.SIGKILL
        assert after == before  # all but the one in progress
        assert session_row(db) == [(0, None, 0)]
    else:
        assert child.returncode == 128 + signum, err
        assert err == f"posecoach: stopped by {signal.Signals(signum).name}\n"
        assert all(status == "partial" for _, status, _ in after[len(before):])  # the one in progress, if begun
        assert len(after) <= 2
        assert session_row(db) == [(0, "interrupted", 1)]
