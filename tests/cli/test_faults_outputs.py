"""Issue 17, outputs that must not destroy things. Every output of every command goes through one
check (posecoach/paths.py `check_outputs`) and one writer (posecoach/sinks/atomic.py):

- only a regular file is ever replaced, and only with --force: never a named pipe, a device, a
  socket or a folder;
- an output is never one of the command's inputs, never posecoach's history database or safety
  follow-ups, never a shipped exercise file, and never another output of the same command;
- a replaced file keeps its permissions, a new one gets 0666 less the umask;
- the temporary files of a killed run are removed by the next run.

Each case drives the real command line (tracks only: no pose model) and checks the exit status,
the exact message, and that nothing else changed.
"""

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from posecoach.bundled import bundled_dir
from posecoach.live.history import DB_NAME, History
from posecoach.live.history_journal import SessionKeeper

from conftest import run_cli
from synthetic import write_bridge_track


@pytest.fixture
def track(tmp_path):
    return write_bridge_track(tmp_path / "bridge.npz", reps=2)


@pytest.fixture(autouse=True)
def own_data(tmp_path, monkeypatch):
    """A history database and safety follow-ups of this test's own, with one session."""
    data = tmp_path / "data"
    monkeypatch.setenv("POSECOACH_DATA_DIR", str(data))
    monkeypatch.setenv("POSECOACH_CONFIG_DIR", str(tmp_path / "config"))
    import datetime as dt

    with History() as history:
        SessionKeeper(history).start("start_programme", "Start programme", dt.datetime(2026, 12, 1, 9), 3)
    (data / "followups.json").write_text("{}\n")
    return data


def snapshot(folder: Path) -> dict:
    """Every entry under `folder`: its kind, mode and content (files), to compare before and after."""
    found = {}
    for path in sorted(folder.rglob("*")):
        st = os.lstat(path)
        content = path.read_bytes() if stat.S_ISREG(st.st_mode) else None
        found[str(path.relative_to(folder))] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), content)
    return found


def make(kind: str, path: Path) -> Path:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.close()
    return path


KINDS = {"fifo": "a named pipe (FIFO), which posecoach never replaces; give the name of a regular file",
         "socket": "a socket, which posecoach never replaces; give the name of a regular file",
         "folder": "a directory; give a file name"}

# Every command's outputs, as argv builders: (name of the output, argv with it).
COMMANDS = {
    "replay --report": lambda t, out: ["replay", t, "-e", "glute_bridge", "--report", out],
    "replay --out": lambda t, out: ["replay", t, "-e", "glute_bridge", "--out", out],
    "track -o": lambda t, out: ["track", t, "-o", out],
    "history --csv": lambda t, out: ["history", "--csv", out],
    "history --plot": lambda t, out: ["history", "--plot", out],
    "tune --plot": lambda t, out: ["tune", "-e", "glute_bridge", t, "--plot", out],
    "tune --save-as": lambda t, out: ["tune", "-e", "glute_bridge", t, "--save-as", out, "--yes"],
}


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.replace(" ", "").replace("--", "-"))
@pytest.mark.parametrize("kind", KINDS)
def test_only_a_regular_file_is_ever_replaced_even_with_force(tmp_path, capsys, track, kind, command):
    target = make(kind, tmp_path / "out_file")
    before = snapshot(tmp_path)
    code, _, err = run_cli(capsys, *COMMANDS[command](track, target), "--force")
    assert (code, err) == (2, f"posecoach: {target}: is {KINDS[kind]}\n")
    assert snapshot(tmp_path) == before


def test_dev_null_is_never_replaced(track, capsys):
    """As root, `--report /dev/null --force` used to turn the system's /dev/null into a file."""
    code, _, err = run_cli(capsys, "replay", track, "-e", "glute_bridge", "--report", "/dev/null", "--force")
    assert (code, err) == (2, "posecoach: /dev/null: is a device, which posecoach never replaces; "
                              "give the name of a regular file\n")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def tiny_video(path: Path) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (64, 48))
    for i in range(5):
        writer.write(np.full((48, 64, 3), 40 * i, np.uint8))
    writer.release()
    return path


def exercise_copy(tmp_path: Path) -> Path:
    path = tmp_path / "my_bridge.toml"
    text = (bundled_dir("exercises") / "glute_bridge.toml").read_text()
    path.write_text(text.replace('id = "glute_bridge"', 'id = "my_bridge"', 1))
    return path


# An output onto something the command reads, or onto posecoach's own files, even with --force.
NOT_OUTPUTS = {
    "replay --report onto the track": (lambda tmp, t: ["replay", t, "-e", "glute_bridge", "--report", t],
                                       "{t}: is the input; write the output to another file"),
    "replay --out onto the track": (lambda tmp, t: ["replay", t, "-e", "glute_bridge", "--out", t],
                                    "{t}: is the input; write the output to another file"),
    "replay via track: prefix": (lambda tmp, t: ["replay", f"track:{t}", "-e", "glute_bridge", "--report", t],
                                 "{t}: is the input; write the output to another file"),
    "track -o onto the video": (lambda tmp, t: ["track", tiny_video(tmp / "v.avi"), "-o", tmp / "v.avi"],
                                "{tmp}/v.avi: is the input; write the output to another file"),
    "replay --report onto the exercise file": (
        lambda tmp, t: ["replay", t, "-e", exercise_copy(tmp), "--report", tmp / "my_bridge.toml"],
        "{tmp}/my_bridge.toml: is the exercise file; write the output to another file"),
    "replay --report onto a symlink to the track": (
        lambda tmp, t: ["replay", t, "-e", "glute_bridge", "--report", _link(tmp / "link.json", t)],
        "{tmp}/link.json: is the input; write the output to another file"),
    "history --csv onto the database": (lambda tmp, t: ["history", "--csv", tmp / "data" / DB_NAME],
                                        "{tmp}/data/" + DB_NAME + ": is posecoach's history database; "
                                        "write the output to another file"),
    "history --plot onto the follow-ups": (lambda tmp, t: ["history", "--plot", tmp / "data" / "followups.json"],
                                           "{tmp}/data/followups.json: is posecoach's safety follow-ups; "
                                           "write the output to another file"),
    "history --csv onto the database's reserved space": (
        lambda tmp, t: ["history", "--csv", tmp / "data" / f"{DB_NAME}.reserve"],
        "{tmp}/data/" + DB_NAME + ".reserve: is the history database's reserved space; write the output to another "
        "file"),
    "replay --report onto a session kept beside the database": (
        lambda tmp, t: ["replay", t, "-e", "glute_bridge", "--report", _kept_session(tmp)],
        "{tmp}/data/" + DB_NAME + ".unsaved-1-1.json: is a session kept beside the history database; write the "
        "output to another file"),
    "tune --plot onto a recording": (lambda tmp, t: ["tune", "-e", "glute_bridge", t, "--plot", t],
                                     "{t}: is one of the recordings; write the output to another file"),
    "tune --save-as onto a shipped exercise": (
        lambda tmp, t: ["tune", "-e", "glute_bridge", t, "--save-as", bundled_dir("exercises") / "glute_bridge.toml",
                        "--yes"],
        str(bundled_dir("exercises") / "glute_bridge.toml") + ": is in posecoach's shipped exercise files; "
        "write the output to another file"),
    "tune --save-as onto the exercise file": (
        lambda tmp, t: ["tune", "-e", exercise_copy(tmp), t, "--save-as", tmp / "my_bridge.toml", "--yes"],
        "{tmp}/my_bridge.toml: is the exercise file; write the output to another file"),
}


def _kept_session(tmp: Path) -> Path:
    (tmp / "data").mkdir(exist_ok=True)
    kept = tmp / "data" / f"{DB_NAME}.unsaved-1-1.json"
    kept.write_text("{}")
    return kept


def _link(link: Path, target: Path) -> Path:
    link.symlink_to(target)
    return link


TWICE = {
    "replay --out and --report": (lambda tmp, t: ["replay", t, "-e", "glute_bridge", "--out", tmp / "x.mp4",
                                                  "--report", tmp / "x.mp4"],
                                  "{tmp}/x.mp4: given for both --out and --report; give each output its own file"),
    "replay through a hard link": (lambda tmp, t: ["replay", t, "-e", "glute_bridge", "--out", _file(tmp / "a.mp4"),
                                                   "--report", _hard_link(tmp / "b.json", tmp / "a.mp4")],
                                   "{tmp}/b.json: given for both --out and --report; give each output its own file"),
    "history --csv and --plot": (lambda tmp, t: ["history", "--csv", tmp / "h", "--plot", tmp / "h"],
                                 "{tmp}/h: given for both --csv and --plot; give each output its own file"),
    "tune --plot and --save-as": (lambda tmp, t: ["tune", "-e", "glute_bridge", t, "--plot", tmp / "b.toml",
                                                  "--save-as", tmp / "b.toml", "--yes"],
                                  "{tmp}/b.toml: given for both --plot and --save-as; give each output its own file"),
}


def _file(path: Path) -> Path:
    path.write_text("old")
    return path


def _hard_link(link: Path, target: Path) -> Path:
    link.hardlink_to(target)
    return link


@pytest.mark.parametrize(("argv", "message"), [*NOT_OUTPUTS.values(), *TWICE.values()],
                         ids=[*NOT_OUTPUTS.keys(), *TWICE.keys()])
def test_an_output_is_its_own_file_never_an_input_or_posecoach_s_own(tmp_path, capsys, track, argv, message):
    """Refused even with --force, with one line, and nothing in the folder or the shipped files changes."""
    shipped = snapshot(bundled_dir("exercises"))
    argv = argv(tmp_path, track)
    before = snapshot(tmp_path)
    code, _, err = run_cli(capsys, *argv, "--force")
    assert (code, err) == (2, f"posecoach: {message.format(tmp=tmp_path, t=track)}\n")
    assert snapshot(tmp_path) == before
    assert snapshot(bundled_dir("exercises")) == shipped


@pytest.mark.parametrize("option", ["--plot", "--save-as"])
def test_tune_outputs_need_force_to_overwrite(tmp_path, capsys, track, option):
    target = _file(tmp_path / ("p.png" if option == "--plot" else "b.toml"))
    code, _, err = run_cli(capsys, "tune", "-e", "glute_bridge", track, option, target, "--yes")
    assert (code, err) == (2, f"posecoach: {target}: already exists; use --force to overwrite it\n")
    assert target.read_text() == "old"


def test_tune_plot_onto_a_folder_or_a_missing_folder_says_so(tmp_path, capsys, track):
    (tmp_path / "plots").mkdir()
    code, out, err = run_cli(capsys, "tune", "-e", "glute_bridge", track, "--plot", tmp_path / "plots")
    assert (code, out, err) == (2, "", f"posecoach: {tmp_path}/plots: is a directory; give a file name\n")
    code, out, err = run_cli(capsys, "tune", "-e", "glute_bridge", track, "--plot", tmp_path / "nowhere" / "p.png")
    assert (code, out) == (2, "")
    assert err == f"posecoach: {tmp_path}/nowhere: no such folder; create it or choose another output path\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bridge.npz", "data", "plots"]


def test_tune_plot_with_force_replaces_the_file_atomically(tmp_path, capsys, track):
    plot = _file(tmp_path / "p.png")
    code, out, _ = run_cli(capsys, "tune", "-e", "glute_bridge", track, "--plot", plot, "--force")
    assert code == 0 and f"plot: {plot}" in out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bridge.npz", "data", "p.png"]  # no temporary file


def test_save_as_over_an_existing_file_diffs_against_that_file(tmp_path, capsys, track):
    target = tmp_path / "my_bridge.toml"
    target.write_text('id = "my_bridge"\n# my own notes\n')
    code, out, _ = run_cli(capsys, "tune", "-e", "glute_bridge", track, "--set",
                           "phases.up.bands.0.enter_above=163", "--save-as", target, "--force", "--yes")
    assert code == 0
    assert f"--- {target} (before)\n+++ {target}\n" in out
    assert "-# my own notes\n" in out
    assert "enter_above = 163" in target.read_text()


def umask_run(mask: int, argv: list) -> subprocess.CompletedProcess:
    script = f"import os, sys; os.umask({mask}); from posecoach.cli.commands import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", script, *map(str, argv)], capture_output=True, text=True)


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_a_new_output_gets_the_usual_permissions(tmp_path, track, mask, mode):
    report, video = tmp_path / "r.json", tmp_path / "v.mp4"
    result = umask_run(mask, ["replay", track, "-e", "glute_bridge", "--report", report, "--out", video])
    assert result.returncode == 0, result.stderr
    assert (stat.S_IMODE(report.stat().st_mode), stat.S_IMODE(video.stat().st_mode)) == (mode, mode)


@pytest.mark.parametrize("mode", [0o644, 0o600, 0o664])
def test_a_replaced_output_keeps_its_permissions(tmp_path, capsys, track, mode):
    report = _file(tmp_path / "r.json")
    report.chmod(mode)
    code, _, _ = run_cli(capsys, "replay", track, "-e", "glute_bridge", "--report", report, "--force")
    assert code == 0 and json.loads(report.read_text())["reps"]["total"] == 2
    assert stat.S_IMODE(report.stat().st_mode) == mode


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_temporary_files_of_a_killed_run_are_removed_by_the_next(tmp_path, capsys, track):
    dead = dead_pid()
    stray = [tmp_path / f".r.json.{dead}.k1ll3d_x.part.json", tmp_path / f".r.json.{dead}.abc.probe",
             tmp_path / f".v.mp4.{dead}.zz9.part.mp4"]
    kept = [tmp_path / f".r.json.{os.getpid()}.alive.part.json",  # a run still going: its file stays
            tmp_path / ".r.json.notes", tmp_path / "other.part.json"]
    for path in stray + kept:
        path.write_text("partial")
    code, _, _ = run_cli(capsys, "replay", track, "-e", "glute_bridge", "--report", tmp_path / "r.json",
                         "--out", tmp_path / "v.mp4")
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["bridge.npz", "data", "r.json", "v.mp4", *(p.name for p in kept)])


@pytest.mark.parametrize("cache", ["a-file", "a-file/tracks"])
def test_a_track_cache_that_cannot_be_a_folder_is_one_line_before_the_model_runs(tmp_path, capsys, monkeypatch,
                                                                                  cache):
    (tmp_path / "a-file").write_text("not a folder\n")
    model = tmp_path / "m.task"
    model.write_bytes(b"model")
    monkeypatch.setattr("posecoach.pose.models.resolve_model", lambda *a, **k: model)
    monkeypatch.setenv("POSECOACH_TRACK_CACHE", str(tmp_path / cache))
    video = Path(__file__).parents[1] / "data" / "vfr.mp4"
    code, _, err = run_cli(capsys, "tune", "-e", "glute_bridge", video)
    reason = "File exists" if cache == "a-file" else "Not a directory"
    assert (code, err) == (2, f"posecoach: {tmp_path / cache}: cannot make the track cache folder ({reason}); "
                              "set POSECOACH_TRACK_CACHE to a writable folder\n")
    assert (tmp_path / "a-file").read_text() == "not a folder\n"


SUFFIXES = {"replay --report": ".json", "replay --out": ".mp4", "track -o": ".npz", "history --csv": ".csv",
            "tune --plot": ".png", "tune --save-as": ".toml"}


@pytest.mark.parametrize("existing", [False, True], ids=["dangling", "to-a-file"])
@pytest.mark.parametrize("command", SUFFIXES, ids=lambda c: c.replace(" ", "").replace("--", "-"))
def test_an_output_through_a_symbolic_link_writes_the_file_it_names_and_keeps_the_link(tmp_path, capsys, track,
                                                                                     command, existing):
    real = tmp_path / "real"
    real.mkdir()
    name = "my_bridge.toml" if command == "tune --save-as" else f"out{SUFFIXES[command]}"
    if existing:
        (real / name).write_text("old\n")
        os.chmod(real / name, 0o600)
    link = _link(tmp_path / name, Path("real") / name)
    code, _, err = run_cli(capsys, *COMMANDS[command](track, link), *["--force"] * existing)
    assert (code, err) == (0, "")
    assert os.readlink(link) == f"real/{name}"  # the link was not replaced by a file
    assert (real / name).read_bytes() != b"old\n"
    assert sorted(p.name for p in real.iterdir()) == [name]
    if existing:
        assert stat.S_IMODE(os.stat(real / name).st_mode) == 0o600


@pytest.mark.parametrize(("target", "message"), [
    ("nowhere/out.json", "{tmp}/nowhere: no such folder; create it or choose another output path"),
    ("out.json", "{tmp}/out.json: is a loop of symbolic links; give the name of a regular file")],
    ids=["into-a-missing-folder", "a-loop"])
def test_an_output_through_a_link_that_leads_nowhere_is_refused(tmp_path, capsys, track, target, message):
    link = _link(tmp_path / "out.json", Path(target))
    before = snapshot(tmp_path)
    code, _, err = run_cli(capsys, "replay", track, "-e", "glute_bridge", "--report", link, "--force")
    assert (code, err) == (2, f"posecoach: {message.format(tmp=tmp_path)}\n")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("command", [("tune", "--set", "phases.up.bands.0.enter_above=162", "--save", "--yes"),
                                     ("calibrate", "--yes")], ids=["tune-save", "calibrate"])
def test_an_overrides_folder_that_cannot_be_made_is_one_line(tmp_path, capsys, monkeypatch, track, command):
    config = tmp_path / "config"
    config.mkdir()
    (config / "overrides").write_text("a file where the folder goes\n")
    monkeypatch.setenv("POSECOACH_CONFIG_DIR", str(config))
    code, _, err = run_cli(capsys, command[0], "-e", "glute_bridge", track, *command[1:])
    assert (code, err) == (2, f"posecoach: {config / 'overrides'}: cannot make the folder for your overrides "
                              "(File exists); set POSECOACH_CONFIG_DIR to a writable folder\n")
    assert (config / "overrides").read_text() == "a file where the folder goes\n"
