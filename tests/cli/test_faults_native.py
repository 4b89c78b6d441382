"""Issue 17, crashes below Python: file names OpenCV and MediaPipe cannot take (not UTF-8, or not
ASCII under an ASCII filesystem encoding) used to end in SIGSEGV, and a window without a usable
display in a Qt abort. Both are now checked first (paths.native_path, display.require_display):
exit 2, one line, nothing written.

Names are tried in child processes, so that a regression crashes the child and fails the test
instead of killing the test run. Tracks only: no pose model.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from posecoach.sinks import display

from conftest import run_cli
from synthetic import write_bridge_track

CANNOT = (": OpenCV and MediaPipe cannot take this file name (it is not UTF-8 here); rename it using ASCII "
          "letters and digits, or run under a UTF-8 locale (e.g. LANG=C.UTF-8)")


@pytest.fixture
def env(tmp_path_factory):
    user = tmp_path_factory.mktemp("user")
    return {**os.environ, "POSECOACH_DATA_DIR": str(user / "data"), "POSECOACH_CONFIG_DIR": str(user / "config")}


def video(path: Path) -> Path:
    plain = path.with_name("plain.avi")
    writer = cv2.VideoWriter(str(plain), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (64, 48))
    for i in range(5):
        writer.write(np.full((48, 64, 3), 40 * i, np.uint8))
    writer.release()
    os.rename(plain, path)
    return path


def posecoach(env, *argv) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "posecoach", *(os.fsencode(a) if isinstance(a, Path) else a
                                                                for a in argv)],
                          capture_output=True, timeout=120, env=env, stdin=subprocess.DEVNULL)


def listing(folder: Path) -> list[str]:
    return sorted(os.listdir(os.fsencode(folder)))


BAD = "bad\udcff"  # the byte 0xff, which is not UTF-8, as Python names it


@pytest.mark.parametrize("command", ["replay", "live", "bench"])
def test_a_video_named_with_a_byte_that_is_not_utf8_is_refused(tmp_path, env, command):
    clip = video(tmp_path / f"{BAD}.avi")
    argv = {"replay": ["replay", clip, "-e", "glute_bridge"],
            "live": ["live", "--headless", "--camera", clip, "-e", "glute_bridge", "--no-red-flags",
                     "--pain-before", "2", "--pain-after", "2"],
            "bench": ["bench", clip]}[command]
    before = listing(tmp_path)
    result = posecoach(env, *argv)
    assert (result.returncode, result.stderr) == (2, f"posecoach: {tmp_path}/bad\\udcff.avi{CANNOT}\n".encode())
    assert listing(tmp_path) == before


def test_an_annotated_video_named_so_is_refused_before_any_file_is_made(tmp_path, env):
    track = write_bridge_track(tmp_path / "t.npz", reps=1)
    out = tmp_path / f"{BAD}.mp4"
    result = posecoach(env, "replay", track, "-e", "glute_bridge", "--out", out, "--report", tmp_path / "r.json")
    assert (result.returncode, result.stderr) == (2, f"posecoach: {tmp_path}/bad\\udcff.mp4{CANNOT}\n".encode())
    assert listing(tmp_path) == [b"t.npz"]  # no temporary file, no report


@pytest.mark.parametrize("argv", [("models", "list"), ("models", "fetch"),
                                  ("replay", "clip.avi", "-e", "glute_bridge")])
def test_a_model_folder_named_with_a_byte_that_is_not_utf8_names_the_setting_before_filling_it(tmp_path, env, argv):
    """The model file's name is posecoach's own: the advice is to change POSECOACH_MODEL_DIR, and nothing
    is built into a folder MediaPipe could not open the model from."""
    video(tmp_path / "clip.avi")
    folder = tmp_path / f"{BAD}-models"
    env = {**env, "POSECOACH_MODEL_DIR": os.fsencode(folder)}
    result = subprocess.run([sys.executable, "-m", "posecoach", *argv], capture_output=True, timeout=120, env=env,
                            stdin=subprocess.DEVNULL, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (2, (
        f"posecoach: POSECOACH_MODEL_DIR={tmp_path}/bad\\udcff-models: MediaPipe cannot open a model under this "
        "folder (its name is not UTF-8 here); set POSECOACH_MODEL_DIR to a folder with an ASCII path, or run under "
        "a UTF-8 locale\n").encode())
    assert not os.path.exists(os.fsencode(folder))


def test_a_non_ascii_name_under_an_ascii_filesystem_encoding_is_refused(tmp_path, env):
    clip = video(tmp_path / "caf\u00e9.avi")
    ascii_env = {**env, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    result = posecoach(ascii_env, "replay", clip, "-e", "glute_bridge")
    assert result.returncode == 2
    assert result.stderr == f"posecoach: {tmp_path}/caf\\udcc3\\udca9.avi{CANNOT}\n".encode()


def test_a_utf8_name_is_fine(tmp_path):
    from posecoach.sources.video import VideoSource

    assert VideoSource(video(tmp_path / "caf\u00e9 \u2014 1.avi")).info.size == (64, 48)


@pytest.mark.parametrize(("value", "problem"), [
    (None, "no display to open a window on (DISPLAY is not set)"),
    (":NUMBER", "cannot connect to the display DISPLAY=':NUMBER' (not running, or not yours to use)"),
    ("nonsense", "cannot connect to the display DISPLAY='nonsense' (not running, or not yours to use)"),
], ids=["unset", "nobody-there", "malformed"])
def test_show_without_a_usable_display_is_one_line(tmp_path, capsys, monkeypatch, value, problem):
    number = free_display()
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    if value is None:
        monkeypatch.delenv("DISPLAY", raising=False)
    else:
        monkeypatch.setenv("DISPLAY", value.replace("NUMBER", str(number)))
    track = write_bridge_track(tmp_path / "t.npz", reps=1)
    code, out, err = run_cli(capsys, "replay", track, "-e", "glute_bridge", "--show", "--report", tmp_path / "r.json")
    problem = problem.replace("NUMBER", str(number))
    assert (code, out, err) == (2, "", f"posecoach: {problem}; drop --show, or run under a desktop session or "
                                       "xvfb-run\n")
    assert listing(tmp_path) == [b"t.npz"]


def test_live_without_a_usable_display_is_one_line(env):
    result = posecoach({**env, "DISPLAY": f":{free_display()}"}, "live", "-e", "glute_bridge")
    assert result.returncode == 2
    assert result.stderr.endswith(b"(not running, or not yours to use); use --headless, or run under a desktop "
                                  b"session or xvfb-run\n") and result.stderr.count(b"\n") == 1


def free_display() -> int:
    return next(n for n in range(170, 260) if not os.path.exists(f"/tmp/.X11-unix/X{n}")
                and not os.path.exists(f"/tmp/.X{n}-lock"))


@pytest.fixture
def xvfb(tmp_path):
    """Starts an X server of this test's own; yields (display, start(auth=None))."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed")
    started = []

    def start(auth: Path | None = None) -> str:
        number = free_display()
        argv = ["Xvfb", f":{number}", "-nolisten", "tcp", "-screen", "0", "320x240x24"]
        server = subprocess.Popen(argv + (["-auth", str(auth)] if auth else []), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        started.append(server)
        for _ in range(100):
            if os.path.exists(f"/tmp/.X11-unix/X{number}"):
                return f":{number}"
            time.sleep(0.05)
        pytest.skip("Xvfb did not start")

    yield start
    for server in started:
        server.terminate()
        server.wait(timeout=10)


def test_a_running_display_is_usable(xvfb, monkeypatch):
    monkeypatch.setenv("DISPLAY", xvfb())
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    assert display.display_problem() is None


def test_a_display_that_refuses_us_is_reported_quietly(xvfb, tmp_path, monkeypatch, capfd):
    cookie = tmp_path / "xauth"  # the server wants a key that this client does not have
    field = lambda data: len(data).to_bytes(2, "big") + data  # noqa: E731
    cookie.write_bytes((256).to_bytes(2, "big") + field(socket.gethostname().encode()) + field(b"0")
                       + field(b"MIT-MAGIC-COOKIE-1") + field(os.urandom(16)))
    number = xvfb(auth=cookie)
    monkeypatch.setenv("DISPLAY", number)
    monkeypatch.setenv("XAUTHORITY", str(tmp_path / "none"))
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    assert display.display_problem() == (f"cannot connect to the display DISPLAY='{number}' "
                                         "(not running, or not yours to use)")
    assert capfd.readouterr().err == ""  # the server's reason is not printed by libxcb


def test_an_offscreen_qt_platform_is_the_person_s_choice(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert display.display_problem() is None


@pytest.mark.parametrize("argv", [("replay", "/dev/video99", "-e", "glute_bridge", "--no-red-flags"),
                                  ("track", "98", "-o", "o.npz", "--no-red-flags")], ids=["replay", "track"])
def test_a_camera_that_is_not_there_is_one_line_without_opencv_s_own(env, tmp_path, argv):
    done = subprocess.run([sys.executable, "-m", "posecoach", *argv], capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in env.items() if k != "OPENCV_LOG_LEVEL"}, cwd=tmp_path,
                          stdin=subprocess.DEVNULL)
    index = argv[1].removeprefix("/dev/video")
    assert (done.returncode, done.stderr) == (2, f"posecoach: camera {index}: cannot open it; check it is "
                                                 "connected and not used by another program\n")
