"""Issue 17, sessions lost: a disk that fills in the middle of a live session.

The session runs headless in a child process (a grey video as the camera, a stand-in model that
returns a synthetic glute bridge), and once its session row is written the child's disk really
fills: a small tmpfs of its own filled to the last byte (when the test may mount one, as root),
or the child's file size limit (RLIMIT_FSIZE) set to the files' sizes, so no file may grow
(EFBIG; Python ignores SIGXFSZ). The exercise is done meanwhile. What a person gets:
- the disk fills once: the space reserved at the start (history.sqlite3.reserve) is given back and
  the session is saved whole, exit 0 with a one-line warning to free some space;
- no file can grow: the session is kept in a small journal beside the database, exit 2 with one
  line saying where; the next command adds it to the history;
- too little space even for the reserve: exit 2, one line saying the exercise is lost.
Every time the database passes `PRAGMA integrity_check`.
"""

import os
import re
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT
from synthetic import grey_video

CHILD = textwrap.dedent("""
    import contextlib, errno, os, resource, sqlite3, sys
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    import posecoach.replay
    from synthetic import bridge_track

    poses = [pose for _, pose in bridge_track(reps=20).poses()]
    data = Path(os.environ["POSECOACH_DATA_DIR"])
    filled = []

    def started():
        with contextlib.closing(sqlite3.connect(data / "history.sqlite3")) as conn:
            return conn.execute("SELECT count(*) FROM sessions").fetchone()[0] > 0

    def fill_the_disk():
        if {how!r} == "none":  # benchmarks/hostile.py: the same session on a disk that never fills
            return
        if {how!r} == "rlimit":  # no file may grow past its size now (the reserve is the keeper's own)
            sizes = [p.stat().st_size for p in data.iterdir() if not p.name.endswith(".reserve")]
            resource.setrlimit(resource.RLIMIT_FSIZE, (max(sizes), resource.RLIM_INFINITY))
            return
        with open(data / f"filler{{len(filled)}}", "wb", buffering=0) as f:
            for chunk in (1 << 16, 1 << 12, 1):
                try:
                    while True:
                        f.write(b"x" * chunk)
                except OSError as e:
                    assert e.errno == errno.ENOSPC, e

    @contextlib.contextmanager
    def bridge_model(_choice=None):
        def estimate(frame):
            if not filled and started():
                fill_the_disk()
                filled.append(frame.index)
            return poses[frame.index % len(poses)]
        yield estimate, {{"variant": "none", "sha256": ""}}

    posecoach.replay.open_estimator = bridge_model
    from posecoach.cli.commands import main
    sys.exit(main(sys.argv[1:]))
""")
LIVE = ["live", "--headless", "-e", "glute_bridge", "--reps", "1", "--countdown", "0", "--no-red-flags",
        "--pain-before", "3", "--pain-after", "2", "--sound", "off", "--mute"]
FULL = "database or disk is full"


@pytest.fixture
def data_disk(tmp_path, request):
    """The data folder: on a 2 MB tmpfs of its own ("tmpfs"), or an ordinary folder ("rlimit")."""
    data = tmp_path / "data"
    data.mkdir()
    if request.param.startswith("tmpfs"):
        if os.geteuid() != 0:
            pytest.skip("mounting a small filesystem needs root")
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(data)],
                                 capture_output=True, check=False)
        if mounted.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
        yield request.param, data
        subprocess.run(["umount", "-l", str(data)], check=False)
    else:
        yield request.param, data


def posecoach(tmp_path, data, *args, child=None):
    env = {**os.environ, "POSECOACH_DATA_DIR": str(data), "POSECOACH_CONFIG_DIR": str(tmp_path / "config")}
    command = [sys.executable, "-c", child, *args] if child else [sys.executable, "-m", "posecoach", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=180, check=False)


def live_session_on_a_filling_disk(tmp_path, how, data):
    camera = grey_video(tmp_path / "camera.avi", seconds=40)
    return posecoach(tmp_path, data, *LIVE, "--camera", str(camera), child=CHILD.format(tests=str(ROOT / "tests"),
                                                                                        how=how))


def rows(db):
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return (conn.execute("SELECT completed, stop_reason, pain_before, pain_after FROM sessions").fetchall(),
                conn.execute("SELECT exercise, status, reps_both, pain FROM exercises").fetchall())


WHOLE = ([(1, None, 3, 2)], [("glute_bridge", "done", 1, 2)])


@pytest.mark.parametrize("data_disk", ["tmpfs"], indirect=True)
def test_a_disk_that_fills_mid_session_is_saved_in_the_reserved_space_and_said(tmp_path, data_disk):
    """The disk fills once: the space reserved at the start takes the session, whole, with a warning."""
    done = live_session_on_a_filling_disk(tmp_path, *data_disk)
    data = data_disk[1]
    assert done.returncode == 0, done.stderr
    assert done.stderr == (f"WARNING posecoach.live.ui.session: {data}: the disk is full; this session was saved in "
                           "the space posecoach keeps in reserve: free some space before the next session\n")
    assert sorted(data.glob("*.unsaved-*")) == []
    assert rows(data / "history.sqlite3") == WHOLE


@pytest.mark.parametrize("data_disk", ["tmpfs"], indirect=True)
def test_a_disk_too_full_for_the_reserve_says_what_was_lost_and_keeps_the_database_whole(tmp_path, data_disk):
    """Less free space at the start than the reserve takes: when the disk fills, nothing can keep the
    exercise; the one line says so, and what was written before stays, readable."""
    how, data = data_disk
    free = os.statvfs(data).f_bavail * os.statvfs(data).f_frsize
    (data / "filler-before").write_bytes(b"x" * (free - 150 * 1024))
    done = live_session_on_a_filling_disk(tmp_path, how, data)
    db = data / "history.sqlite3"
    assert done.returncode == 2, done.stderr
    assert done.stderr == (f"posecoach: {db}: this session could not be written to the history ({FULL}), nor kept "
                           "beside it (No space left on device): 1 exercise lost; free some space before the next "
                           "session\n")
    assert sorted(p.name for p in data.iterdir() if not p.name.startswith("filler")) == \
        ["history.sqlite3", "history.sqlite3-shm", "history.sqlite3-wal"]  # no stray temporary file
    assert rows(db) == ([(0, None, 3, None)], [])


@pytest.mark.parametrize("data_disk", ["rlimit"], indirect=True)
def test_a_disk_that_stays_full_keeps_the_exercise_and_the_next_start_adds_it(tmp_path, data_disk):
    """No file may grow any more: exit 2, one line saying where the session is kept (a small new file
    still fits); the next command adds it to the history, whole."""
    how, data = data_disk
    done = live_session_on_a_filling_disk(tmp_path, how, data)
    db = data / "history.sqlite3"
    [journal] = sorted(data.glob("history.sqlite3.unsaved-*.json"))
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        f"posecoach: {db}: this session could not be written to the history (disk I/O error); what was done "
        f"(1 exercise) is kept in {journal} and goes into the history the next time posecoach starts: "
        "free some space\n")
    assert "  Glute bridge: done; reps 1;" in done.stdout  # the summary is shown as usual
    assert rows(db) == ([(0, None, 3, None)], [])  # what reached the database before the disk filled

    later = posecoach(tmp_path, data, "history")
    assert later.returncode == 0, later.stderr
    assert later.stderr == (f"WARNING posecoach.live.history: {journal}: a session that could not be written earlier "
                            "is now in the history\n")
    assert re.search(r"glute_bridge", later.stdout), later.stdout
    assert not journal.exists()
    assert rows(db) == WHOLE
