"""Issue 17, pipes and terminals: a reader that goes away, a full output device, a closed or
ended stdin, a named pipe given as an answers file, a terminal that cannot show a file's name.

Each ends with one line (or quietly, for a closed pipe), never an internal error or a hang. The
commands run as real processes where the file descriptors matter; tracks only, no pose model.
"""

import os
import subprocess
import sys

import pytest

from conftest import run_cli
from synthetic import write_bridge_track

INTERNAL = ("internal error", "Traceback", "Exception ignored")


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "POSECOACH_DATA_DIR": str(tmp_path / "data"),
            "POSECOACH_CONFIG_DIR": str(tmp_path / "config")}


@pytest.fixture
def long_track(tmp_path_factory):
    """Forty reps: a report far larger than a pipe's buffer."""
    return write_bridge_track(tmp_path_factory.mktemp("track") / "long.npz", reps=40)


def posecoach(*argv, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "posecoach", *map(str, argv)], capture_output=True, text=True,
                          timeout=120, **kwargs)


def test_a_reader_that_goes_away_ends_the_command_quietly(long_track, env):
    command = f"{sys.executable} -m posecoach replay {long_track} -e glute_bridge --json | head -1"
    result = subprocess.run(["bash", "-c", f"{command}; echo status=${{PIPESTATUS[0]}} >&2"],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.stdout == "{\n"
    assert not any(word in result.stderr for word in INTERNAL)
    assert result.stderr.splitlines()[-1] in ("status=0", "status=141")


def test_a_pipe_closed_before_anything_is_written_exits_141_quietly(long_track, env):
    read, write = os.pipe()
    os.close(read)
    try:
        result = subprocess.run([sys.executable, "-m", "posecoach", "replay", str(long_track), "-e", "glute_bridge",
                                 "--json"], stdout=write, stderr=subprocess.PIPE, text=True, timeout=120, env=env)
    finally:
        os.close(write)
    assert result.returncode == 141
    assert not any(word in result.stderr for word in INTERNAL)


@pytest.mark.parametrize("argv", [["exercises"], ["exercises", "show", "glute_bridge"], ["replay", "TRACK", "-e",
                                                                                         "glute_bridge", "--json"],
                                  ["--version"], ["replay", "--help"]],
                         ids=["list", "show", "replay-json", "version", "help"])
def test_stdout_to_a_full_device_is_one_line(long_track, env, argv):
    argv = [str(long_track) if a == "TRACK" else a for a in argv]
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "posecoach", *argv], stdout=full, stderr=subprocess.PIPE,
                                text=True, timeout=120, env=env)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == "posecoach: cannot write the output (No space left on device); " \
                                             "is the disk full?"
    assert not any(word in result.stderr for word in INTERNAL)


NEED_TERMINAL = ("posecoach: the safety questions need a terminal: run this at a terminal, or pass --no-red-flags "
                 "(for scripts) if none of the questions in 'posecoach safety' apply\n")


@pytest.mark.parametrize("stdin", ["closed", "eof"])
def test_safety_without_an_open_stdin_is_one_line(env, stdin):
    if stdin == "closed":
        script = "import os, sys; os.close(0); from posecoach.cli.commands import main; sys.exit(main(['safety']))"
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env)
    else:
        result = posecoach("safety", stdin=subprocess.DEVNULL, env=env)
    assert (result.returncode, result.stderr) == (2, NEED_TERMINAL)


def test_a_stdin_closed_inside_the_process_is_one_line(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", None)
    code, _, err = run_cli(capsys, "safety")
    assert (code, err) == (2, NEED_TERMINAL)


def test_a_lost_stdin_while_asking_is_one_line(capsys, monkeypatch):
    def lost(_prompt):
        raise RuntimeError("input(): lost sys.stdin")
    monkeypatch.setattr("builtins.input", lost)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    code, _, err = run_cli(capsys, "safety")
    assert code == 2
    assert err == ("posecoach: the safety questions were not answered (input ended); nothing was saved: "
                   "run the command again and answer them\n")


@pytest.mark.parametrize("argv", [["safety"], ["live", "--headless", "--camera", "TRACK", "-e", "glute_bridge"],
                                  ["replay", "0", "-e", "glute_bridge"]], ids=["safety", "live", "replay-camera"])
def test_answers_naming_a_fifo_are_refused_not_waited_for(tmp_path, long_track, env, argv):
    fifo = tmp_path / "answers.toml"
    os.mkfifo(fifo)
    argv = [str(long_track) if a == "TRACK" else a for a in argv]
    result = posecoach(*argv, "--answers", fifo, env=env, stdin=subprocess.DEVNULL)  # a hang times out
    assert (result.returncode, result.stderr) == (
        2, f"posecoach: {fifo}: not a regular file (a pipe or a device?); give a TOML file\n")


def test_a_name_the_terminal_cannot_show_is_escaped(tmp_path, env):
    """An ASCII terminal, an output named with a byte that is not UTF-8 and an e-acute: escaped, not a crash."""
    track = write_bridge_track(tmp_path / "plain.npz", reps=1)
    out = tmp_path / "bad\udcff\u00e9.npz"
    result = subprocess.run([sys.executable, "-m", "posecoach", "track", track, "-o", os.fsencode(out)],
                            capture_output=True, timeout=120, env={**env, "PYTHONIOENCODING": "ascii", "LC_ALL": "C"})
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout.startswith(os.fsencode(tmp_path) + b"/bad\\udcff\\xe9.npz: 222 frames from ")
    assert out.is_file()
