"""Issue 7, output and exit codes: full or unwritable output folders, internal errors, --debug.

Replays a synthetic pose track (no model needed) through the real command line, and checks the
exit status, the exact stderr and the folder afterwards: a complete file or nothing, never a
broken file or a temporary one left behind.
"""

import errno
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from posecoach.cli.commands import main
from posecoach.sinks import atomic

from conftest import run_cli
from synthetic import write_bridge_track

TESTS = Path(__file__).parents[1]


@pytest.fixture
def track(tmp_path_factory):
    return write_bridge_track(tmp_path_factory.mktemp("track") / "bridge.npz", reps=2)


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _enospc(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_at_the_final_rename_leaves_no_file(track, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(atomic.os, "replace", _enospc)
    out, report = tmp_path / "a.mp4", tmp_path / "r.json"
    code, _, err = run_cli(capsys, "replay", track, "-e", "glute_bridge", "--out", out, "--report", report)
    assert code == 2
    assert err == f"posecoach: {out}: could not be written (No space left on device); is the disk full?\n"
    assert listing(tmp_path) == []  # neither output, no temporary file, no report of a failed run


def test_a_full_disk_while_writing_the_report_leaves_the_old_one(track, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(atomic, "_fsync", _enospc)  # where a full disk shows up on a real file system
    report = tmp_path / "r.json"
    report.write_text('{"old": true}')
    code, _, err = run_cli(capsys, "replay", track, "-e", "glute_bridge", "--report", report, "--force")
    assert code == 2
    assert err == f"posecoach: {report}: could not be written (No space left on device); is the disk full?\n"
    assert listing(tmp_path) == ["r.json"]
    assert report.read_text() == '{"old": true}'


@pytest.fixture
def tiny_disk(tmp_path):
    """A real 64 KB file system, so that OpenCV's own writer meets a full disk (needs root)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if shutil.which("mount") is None or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_a_really_full_disk_leaves_no_broken_video(track, tiny_disk):
    out, report = tiny_disk / "a.mp4", tiny_disk / "r.json"
    result = subprocess.run([sys.executable, "-m", "posecoach", "replay", str(track), "-e", "glute_bridge",
                             "--out", str(out), "--report", str(report)], capture_output=True, text=True)
    assert result.returncode == 2
    # OpenCV's writer only logs failed writes: the video is checked before it is renamed into place,
    # and FFmpeg's and OpenCV's own log lines are kept off the terminal.
    assert result.stderr == (f"posecoach: {out}: could not be written completely (the video has 0 of "
                             f"414 frames); is the disk full?\n")
    assert listing(tiny_disk) == []


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (lambda tmp: Path("/proc/r.json"), "/proc: cannot write there; choose another output folder"),
        (lambda tmp: Path("/sys/r.json"), "/sys: cannot write there; choose another output folder"),
        (lambda tmp: tmp / "notes.txt" / "r.json",
         "{tmp}/notes.txt: is a file, not a folder; choose another output path"),
        (lambda tmp: tmp / "sub", "{tmp}/sub: is a directory; give a file name"),
    ],
    ids=["proc", "sys", "file-as-folder", "folder-as-file"],
)
def test_an_unwritable_output_fails_before_any_work(track, tmp_path, capsys, monkeypatch, where, message):
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    (tmp_path / "sub").mkdir()
    work = []
    monkeypatch.setattr("posecoach.replay.open_poses", lambda *a, **k: work.append(a))
    code, out, err = run_cli(capsys, "replay", track, "-e", "glute_bridge", "--report", where(tmp_path), "--force")
    assert code == 2
    assert err == f"posecoach: {message.format(tmp=tmp_path)}\n"
    assert (out, work) == ("", [])  # refused up front: nothing was replayed
    assert listing(tmp_path) == ["notes.txt", "sub"] and listing(tmp_path / "sub") == []


def _boom_after(frames: int):
    from posecoach.pipeline import Coach

    step = Coach.step

    def failing(self, frame, pose):
        if frame.index == frames:
            raise RuntimeError("boom")
        return step(self, frame, pose)
    return failing


def test_an_internal_error_exits_1_with_one_line_and_keeps_a_partial_report(track, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("posecoach.pipeline.Coach.step", _boom_after(200))
    report = tmp_path / "r.json"
    code, _, err = run_cli(capsys, "replay", track, "-e", "glute_bridge", "--report", report)
    assert code == 1
    assert err == "posecoach: internal error: RuntimeError: boom (run with --debug for details)\n"
    data = json.loads(report.read_text())
    assert (data["partial"], data["frames"], data["reps"]["total"]) == (True, 200, 1)
    assert listing(tmp_path) == ["r.json"]


def test_debug_lets_the_internal_error_through(track, capsys, monkeypatch):
    monkeypatch.setattr("posecoach.pipeline.Coach.step", _boom_after(0))
    with pytest.raises(RuntimeError, match="boom"):
        main(["--debug", "replay", str(track), "-e", "glute_bridge"])


FAULTY = textwrap.dedent("""
    import sys
    from posecoach.pipeline import Coach
    def boom(self, frame, pose):
        raise RuntimeError("boom")
    Coach.step = boom
    from posecoach.cli.commands import main
    sys.exit(main(sys.argv[1:]))
""")


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_the_traceback_shows_only_with_debug(track, debug):
    argv = ["--debug"] * debug + ["replay", str(track), "-e", "glute_bridge"]
    result = subprocess.run([sys.executable, "-c", FAULTY, *argv], capture_output=True, text=True)
    assert result.returncode == 1
    if debug:
        assert "Traceback (most recent call last)" in result.stderr
        assert result.stderr.rstrip().endswith("RuntimeError: boom")
    else:
        assert result.stderr == "posecoach: internal error: RuntimeError: boom (run with --debug for details)\n"
