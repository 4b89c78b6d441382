"""Issue 7: no network access, except an explicit or first-use model download.

With the model already in the cache, replaying a pose track and a video must not open a single
socket: Python's sockets are replaced by ones that refuse (and note the attempt), and then, where
the system allows it, the real command runs in a network namespace with no network at all.
"""

import json
import shutil
import socket
import subprocess
import sys

import cv2
import numpy as np
import pytest

from posecoach.cli.commands import main

from synthetic import write_bridge_track


@pytest.fixture
def no_network(monkeypatch):
    attempts = []

    def refuse(name):
        def call(*args, **kwargs):
            attempts.append((name, args))
            raise OSError(f"network use in a test: socket.{name}{args}")
        return call

    class RefusingSocket(socket.socket):  # still a class, so that modules can subclass it on import
        def __init__(self, *args, **kwargs):
            refuse("socket")(*args, **kwargs)

    monkeypatch.setattr(socket, "socket", RefusingSocket)
    for name in ("create_connection", "getaddrinfo", "gethostbyname"):
        monkeypatch.setattr(socket, name, refuse(name))
    return attempts


@pytest.fixture
def video(tmp_path):
    path = tmp_path / "grey.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 15.0, (160, 90))
    for _ in range(10):
        writer.write(np.full((90, 160, 3), 100, np.uint8))
    writer.release()
    return path


def test_the_guard_does_refuse(no_network):
    import urllib.request

    with pytest.raises(OSError, match="network use in a test"):
        urllib.request.urlopen("http://pypi.org/simple/", timeout=1)
    assert no_network and no_network[0][0] in ("create_connection", "getaddrinfo")


def test_replaying_a_track_uses_no_network(no_network, tmp_path, capsys):
    track = write_bridge_track(tmp_path / "bridge.npz", reps=2)
    assert main(["replay", str(track), "-e", "glute_bridge", "--report", str(tmp_path / "r.json")]) == 0
    assert "glute_bridge: 2 reps" in capsys.readouterr().out
    assert no_network == []


@pytest.mark.e2e
def test_replaying_a_video_with_the_cached_model_uses_no_network(model_path, no_network, video, tmp_path, capsys):
    # No --model: the default variant is looked up in the cache (model_path made sure it is there).
    report = tmp_path / "r.json"
    code = main(["replay", str(video), "-e", "glute_bridge", "--report", str(report), "--out", str(tmp_path / "a.mp4")])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert "pose found in 0/10 frames" in out
    assert json.loads(report.read_text())["model"]["variant"] == "legacy_full"
    assert no_network == []


@pytest.mark.e2e
def test_the_command_runs_in_a_network_namespace_without_network(model_path, video, tmp_path):
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-n", "true"], capture_output=True).returncode:
        pytest.skip("cannot make a network namespace here (needs unshare and root)")
    report = tmp_path / "r.json"
    result = subprocess.run([unshare, "-n", sys.executable, "-m", "posecoach", "replay", str(video),
                             "-e", "glute_bridge", "--report", str(report)], capture_output=True, text=True)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        "glute_bridge: 0 reps, 0 meeting the targets; holds: none; pose found in 0/10 frames", f"report: {report}"]
