"""The live loop end to end: a video as the camera (paced in real time), the real model, headless.

Uses the bundled sample when it is there, else a real clip from ../shared (trimmed into
tmp_path, never into the project); skips when neither is available.
"""

import re

import cv2
import pytest

from posecoach.cli import commands as cli
from posecoach.live.history import History

from conftest import REALCLIPS, ROOT, SAMPLES, samples_manifest

pytestmark = pytest.mark.e2e


def _bridge_video(tmp_path) -> tuple[str, int]:
    """(video path, complete reps in it) for a side-view glute bridge."""
    for clip in samples_manifest():
        if clip.get("exercise_id", clip.get("exercise")) == "glute_bridge" and (SAMPLES / clip["file"]).is_file():
            return str(SAMPLES / clip["file"]), min(int(clip["reps"]), 2)
    real = REALCLIPS / "glute_bridge" / "istock_glute_bridges_side.mp4"
    if not real.is_file():
        pytest.skip("no glute bridge video: neither samples/ nor ../shared has one")
    return _trim(real, tmp_path / "bridge.mp4", seconds=11.5), 2  # holds end at 3.4 s and 9.9 s


def _trim(source, out, seconds: float) -> str:
    reader = cv2.VideoCapture(str(source))
    fps = reader.get(cv2.CAP_PROP_FPS)
    size = (int(reader.get(cv2.CAP_PROP_FRAME_WIDTH)), int(reader.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    for _ in range(int(seconds * fps)):
        ok, image = reader.read()
        if not ok:
            break
        writer.write(image)
    reader.release()
    writer.release()
    return str(out)


def test_a_headless_session_on_a_video_camera(tmp_path, monkeypatch, capsys, model_path):
    video, reps = _bridge_video(tmp_path)
    monkeypatch.setenv("POSECOACH_DATA_DIR", str(tmp_path / "data"))
    code = cli.main(["live", "--camera", video, "--exercise", "glute_bridge", "--reps", str(reps), "--headless",
                     "--no-red-flags", "--pain-before", "3", "--pain-after", "2", "--countdown", "0",
                     "--sound", "off"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.startswith("Completed: well done.\nPain before 3, after 2\n  Glute bridge: done; reps 2;")
    latency = float(re.search(r"latency median (\d+) ms", out).group(1))
    assert latency < 200  # about 30 ms here; generous for a busy 2-core CI machine
    with History() as history:
        [row] = history.sessions()
        screening = history.last_screening(scope=None)
    assert (row.routine, row.status, row.pain_before, row.pain_after) == ("glute_bridge", "completed", 3, 2)
    [exercise] = row.exercises
    assert (exercise.status, exercise.reps["both"]) == ("done", reps)
    assert exercise.hold_s["both"] > 3.0
    assert screening is None  # --no-red-flags is a script's declaration, never saved as the person's screening
    assert not (tmp_path / "data" / "followups.json").exists()



def test_the_screenshot_script_still_imports():
    """docs/screenshots/make_screenshots.py is run by hand; importing it catches a renamed API."""
    import importlib.util

    script = ROOT / "docs" / "screenshots" / "make_screenshots.py"
    spec = importlib.util.spec_from_file_location("make_screenshots", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert callable(module.main)
