"""Issue 7, scenes: real frames through the real model, built at test time from the bundled sample.

From `samples/glute_bridge_side.mp4` (rendered bridges at 30 fps, 640x360, their times in
samples/manifest.json) the tests take the first 12 s (2 bridges) at 15 fps and make: an empty
room, the person leaving and coming back, a second person walking in, very dark frames, and the
camera on the wrong side for an exercise.
Each scene is replayed with the command line; the test checks the exit status, what is printed,
the report on disk and, where it matters, every frame's landmarks.

What MediaPipe (legacy_full) manages, measured on these scenes: the person is found in every frame
at 30% brightness and in none at 20% or below; a second person the same size, entering later, is
found on their own but never taken for the person being followed; when the person leaves, its
tracking may report a fading pose for up to 2 more frames, whose joints all read as hidden.
"""

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from posecoach import replay
from posecoach.cli.commands import main
from posecoach.exercise.catalogue import load_exercise
from posecoach.sources.tracks import load_track
from posecoach.types import Landmark as L

from conftest import SAMPLES, samples_manifest

pytestmark = pytest.mark.e2e

SAMPLE = SAMPLES / "glute_bridge_side.mp4"
FPS = 15.0  # every other frame of the 30 fps sample: half the model time, same motion
SIZE = (640, 360)
TORSO = [L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP]
UNSEEN = "I can't see you: step into the frame"


@pytest.fixture(scope="module")
def truth() -> dict:
    """The sample's ground truth (rep and hold times) from samples/manifest.json."""
    found = [c for c in samples_manifest() if c["file"] == SAMPLE.name]
    if not SAMPLE.is_file() or not found:
        pytest.skip(f"{SAMPLE} or its entry in samples/manifest.json is not present")
    assert [r["end_s"] <= 12 for r in found[0]["rep_events"]][:3] == [True, True, False]  # 2 in 12 s
    return found[0]


@pytest.fixture(scope="module")
def clip(truth) -> list[np.ndarray]:
    """The sample's first 12 s at 15 fps (180 frames)."""
    capture = cv2.VideoCapture(str(SAMPLE))
    frames = []
    while len(frames) < 12 * FPS:
        ok, image = capture.read()
        if not ok:
            break
        if int(capture.get(cv2.CAP_PROP_POS_FRAMES)) % 2 == 1:
            frames.append(image)
    capture.release()
    assert len(frames) == 180 and frames[0].shape == (360, 640, 3), f"{SAMPLE}: cannot read 12 s of 640x360"
    return frames


@pytest.fixture(scope="module")
def room(clip) -> np.ndarray:
    """The room without anyone: the left edge of the first frame (wall, skirting, floor) stretched."""
    return cv2.resize(clip[0][:, :40], SIZE)


def write_video(path: Path, frames: list[np.ndarray]) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), FPS, SIZE)
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture(scope="module")
def baseline(clip, model_path, tmp_path_factory) -> dict:
    """The unchanged 12 s: two bridges, the person in every frame."""
    video = write_video(tmp_path_factory.mktemp("baseline") / "clip.mp4", clip)
    report = replay.replay(str(video), load_exercise("glute_bridge"), model=replay.ModelChoice(path=model_path))
    assert report["reps"]["total"] == 2 and report["frames_with_pose"] == 180
    assert not report["cues"] or all(c["message"] != UNSEEN for c in report["cues"])
    return report


def replay_cli(capsys, video: Path, model_path: Path, exercise="glute_bridge", *extra) -> tuple[int, str, str, dict]:
    report = video.with_suffix(".json")
    code = main(["replay", str(video), "-e", exercise, "--model", str(model_path), "--report", str(report),
                 *map(str, extra)])
    out, err = capsys.readouterr()
    return code, out, err, json.loads(report.read_text())


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_nobody_in_the_frame(room, model_path, tmp_path, capsys):
    video = write_video(tmp_path / "empty.mp4", [room] * 45)
    code, out, err, report = replay_cli(capsys, video, model_path, "glute_bridge", "--out", tmp_path / "seen.mp4")
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == ("glute_bridge: 0 reps, 0 meeting the targets; holds: none; "
                                   "pose found in 0/45 frames")
    assert report["cues"] == [{"t_s": 0.533, "message": UNSEEN}]  # after half a second, not at once
    assert (report["frames"], report["frames_with_pose"], report["reps"]["total"]) == (45, 0, 0)
    assert (report["partial"], report["warnings"], report["holds"]) == (False, [], [])
    assert files(tmp_path) == ["empty.json", "empty.mp4", "seen.mp4"]
    assert int(cv2.VideoCapture(str(tmp_path / "seen.mp4")).get(cv2.CAP_PROP_FRAME_COUNT)) == 45


def _away(truth: dict, when: str) -> tuple[float, float]:
    first, second = truth["rep_events"][:2]
    if when == "between-reps":  # lying down after the first bridge, back before the second
        return first["end_s"] + 0.4, second["start_s"]
    hold = truth["holds"][1]  # in the middle of the second hold
    return hold["start_s"] + 0.5, hold["start_s"] + 2.0


@pytest.mark.parametrize(("when", "holds"), [("between-reps", 2), ("mid-hold", 3)])
def test_the_person_leaves_and_comes_back(clip, room, truth, baseline, model_path, tmp_path, capsys, when, holds):
    # Away in the middle of a hold, that hold becomes two; either way the rep is counted once.
    away = _away(truth, when)
    gone = [i for i in range(len(clip)) if away[0] <= i / FPS < away[1]]
    video = write_video(tmp_path / "away.mp4", [room if i in gone else f for i, f in enumerate(clip)])
    code, out, err, report = replay_cli(capsys, video, model_path)
    assert (code, err) == (0, "")
    assert "glute_bridge: 2 reps" in out
    assert report["reps"]["total"] == baseline["reps"]["total"] == 2  # neither lost nor counted twice
    # Found again at once; MediaPipe's tracking may keep a fading pose for a frame or two after the
    # person has gone (low presence, its joints read as hidden, so nothing is measured from it).
    assert 180 - len(gone) <= report["frames_with_pose"] <= 180 - len(gone) + 2
    unseen = [c["t_s"] for c in report["cues"] if c["message"] == UNSEEN]
    assert unseen == [pytest.approx(gone[0] / FPS + 0.5, abs=0.1)]
    assert len(report["holds"]) == holds
    for mine, theirs in zip(report["rep_events"], baseline["rep_events"], strict=True):
        assert mine["start_s"] == pytest.approx(theirs["start_s"], abs=0.15)
        assert mine["end_s"] == pytest.approx(theirs["end_s"], abs=0.15)


def _place(canvas: np.ndarray, image: np.ndarray, x: int, y: int) -> np.ndarray:
    canvas[y:y + 180, x:x + 320] = cv2.resize(image, (320, 180), interpolation=cv2.INTER_AREA)
    return canvas


def _track(capsys, video: Path, model_path: Path, frames: int = 180) -> tuple[dict, np.ndarray]:
    """Records the video's pose track with the CLI; returns the replayed report and torso centres."""
    track = video.with_suffix(".npz")
    assert main(["track", str(video), "-o", str(track), "--model", str(model_path)]) == 0
    assert capsys.readouterr().out == f"{track}: {frames} frames from {video} (model custom)\n"
    assert main(["replay", str(track), "-e", "glute_bridge", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)  # --json: stdout is the JSON alone
    return report, load_track(track).xy[:, TORSO].mean(axis=1)


def test_a_second_person_walking_in_is_not_followed(clip, room, model_path, tmp_path, capsys):
    # The person at half size in the bottom-left quarter; from 3 s a second person of the same
    # size, 2.5 s ahead in the same exercise, in the top-right quarter.
    ahead = int(2.5 * FPS)
    alone = [_place(room.copy(), f, 0, 180) for f in clip]
    pair = [_place(a.copy(), clip[(i + ahead) % len(clip)], 320, 0) if i >= 3 * FPS else a
            for i, a in enumerate(alone)]
    other = [_place(room.copy(), clip[i + ahead], 320, 0) for i in range(30)]
    one, one_torso = _track(capsys, write_video(tmp_path / "alone.mp4", alone), model_path)
    two, two_torso = _track(capsys, write_video(tmp_path / "pair.mp4", pair), model_path)
    seen, other_torso = _track(capsys, write_video(tmp_path / "other.mp4", other), model_path, frames=30)

    assert seen["frames_with_pose"] == 30  # the model does find the second person on their own
    assert np.all(other_torso[:, 0] > 320)
    assert one["frames_with_pose"] == two["frames_with_pose"] == 180
    assert np.all(two_torso[:, 0] < 320) and np.all(two_torso[:, 1] > 180)  # never the other one
    assert np.abs(two_torso - one_torso).max() < 10  # px: the same landmarks, give or take
    assert two["reps"] == one["reps"] and one["reps"]["total"] == 2
    for mine, theirs in zip(two["holds"], one["holds"], strict=True):
        assert mine["start_s"] == pytest.approx(theirs["start_s"], abs=0.1)
        assert mine["end_s"] == pytest.approx(theirs["end_s"], abs=0.1)


def test_dim_frames_are_still_seen(clip, baseline, model_path, tmp_path, capsys):
    video = write_video(tmp_path / "dim.mp4", [(f * 0.3).astype(np.uint8) for f in clip])
    code, out, err, report = replay_cli(capsys, video, model_path)
    assert (code, err) == (0, "")
    assert report["frames_with_pose"] == 180
    assert report["reps"]["total"] == baseline["reps"]["total"]


def test_very_dark_frames_say_they_cannot_see_you(clip, model_path, tmp_path, capsys):
    video = write_video(tmp_path / "dark.mp4", [(f * 0.15).astype(np.uint8) for f in clip[:45]])
    code, out, err, report = replay_cli(capsys, video, model_path, "glute_bridge", "--out", tmp_path / "seen.mp4")
    assert (code, err) == (0, "")
    assert out.splitlines()[0].endswith("pose found in 0/45 frames")
    assert report["cues"] == [{"t_s": 0.533, "message": UNSEEN}]
    assert files(tmp_path) == ["dark.json", "dark.mp4", "seen.mp4"]


def test_the_camera_on_the_wrong_side_for_the_exercise(clip, model_path, tmp_path, capsys):
    # Hip circles are coached standing, from the front; this camera sees a person lying side-on.
    # Both are wrong at once: the position is said first (turning round cannot fix lying down).
    video = write_video(tmp_path / "side.mp4", clip[:60])
    code, out, err, report = replay_cli(capsys, video, model_path, "hip_circles_big")
    assert (code, err) == (0, "")
    assert report["cues"] == [{"t_s": 1.533, "message": "Stand up for this exercise"}]
    assert report["reps"]["total"] == 0 and report["frames_with_pose"] == 60
