"""Issue 7, input files: pose tracks from another format version, another model, another layout;
a truncated video whose report must say so.

Each test drives the real command line and checks the exit status, the exact message and what
is left on disk. Replaying a track never needs the model, so none of these load MediaPipe.
"""

import contextlib
import dataclasses
import json

import cv2
import numpy as np
import pytest

from posecoach.sources.tracks import FORMAT_VERSION, load_track, save_track

from conftest import run_cli
from synthetic import bridge_track

RECORDED_WITH = {"variant": "legacy_full",
                 "sha256": "342e46ea48b61ba8c12755cdbff0271aa56c5d557a57098fa2d979574fc2763e"}


def track_file(tmp_path, name="session.npz", **meta):
    track = bridge_track(reps=2)
    track = dataclasses.replace(track, meta={**track.meta, "model": RECORDED_WITH, **meta})
    save_track(track, tmp_path / name)
    return tmp_path / name


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (0, "pose track format 0 is not supported (this posecoach reads format 1); "
            "record it again with 'posecoach track'"),
        (None, "pose track has no format version (this posecoach reads format 1); "
               "record it again with 'posecoach track'"),
        (2, "pose track format 2 was written by a newer posecoach (this one reads format 1); "
            "upgrade posecoach, or record it again with this one"),
    ],
    ids=["older", "unversioned", "newer"],
)
def test_a_track_of_another_format_version_is_refused(tmp_path, capsys, version, message):
    assert FORMAT_VERSION == 1
    track = track_file(tmp_path, format_version=version)
    report = tmp_path / "report.json"
    code, out, err = run_cli(capsys, "replay", track, "-e", "glute_bridge", "--report", report)
    assert code == 2
    assert err == f"posecoach: {track}: {message}\n"
    assert out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["session.npz"]  # no report, no temporary file


def test_a_track_replays_with_its_own_model_and_says_so_when_another_is_asked_for(tmp_path, capsys):
    track = track_file(tmp_path)
    report = tmp_path / "report.json"
    code, out, err = run_cli(capsys, "replay", track, "-e", "glute_bridge", "--report", report,
                             "--model-variant", "full")
    assert code == 0
    warning = ("the pose track was recorded with model legacy_full: its own landmarks are used, "
               "--model-variant full is ignored")
    assert err == f"warning: {warning}\n"
    assert "glute_bridge: 2 reps" in out
    data = json.loads(report.read_text())
    assert data["model"] == RECORDED_WITH
    assert data["warnings"] == [warning]
    assert data["reps"]["total"] == 2


def test_asking_for_the_track_s_own_model_is_no_warning(tmp_path, capsys):
    track = track_file(tmp_path)
    code, out, err = run_cli(capsys, "replay", track, "-e", "glute_bridge", "--model-variant", "legacy_full")
    assert (code, err) == (0, "")
    assert "glute_bridge: 2 reps" in out


def test_a_model_file_other_than_the_track_s_is_ignored_with_a_warning(tmp_path, capsys):
    track = track_file(tmp_path)
    other = tmp_path / "other.task"
    other.write_bytes(b"not the model that recorded the track")
    code, _, err = run_cli(capsys, "replay", track, "-e", "glute_bridge", "--model", other)
    assert code == 0
    assert err == (f"warning: the pose track was recorded with model legacy_full: its own landmarks are used, "
                   f"--model {other} is ignored\n")


def test_with_json_stdout_is_the_report_alone(tmp_path, capsys):
    track = track_file(tmp_path)
    report = tmp_path / "report.json"
    code, out, err = run_cli(capsys, "replay", track, "-e", "glute_bridge", "--json", "--report", report)
    assert code == 0
    assert json.loads(out) == json.loads(report.read_text())
    summary, where = err.splitlines()  # the human lines move to stderr
    assert summary.startswith("glute_bridge: 2 reps, 2 meeting the targets; holds: ")
    assert where == f"report: {report}"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # A model with another landmark layout (e.g. 17 COCO keypoints) recorded this track.
        (lambda t: dataclasses.replace(t, xy=t.xy[:, :17], world=t.world[:, :17],
                                       visibility=t.visibility[:, :17], presence=t.presence[:, :17]),
         "pose track has 17 landmarks per frame, not 33 (recorded with another kind of model?); "
         "record it again with 'posecoach track'"),
        (lambda t: dataclasses.replace(t, t_s=t.t_s[:-5]),
         "pose track arrays have different numbers of frames (t_ms 409, has_pose 414, xy 414, world 414, "
         "visibility 414, presence 414); record it again with 'posecoach track'"),
    ],
    ids=["17-landmarks", "short-times"],
)
def test_a_track_with_another_landmark_layout_is_refused(tmp_path, capsys, change, message):
    track = bridge_track(reps=2)
    assert len(track.t_s) == 414
    path = tmp_path / "odd.npz"
    save_track(change(track), path)
    code, out, err = run_cli(capsys, "replay", path, "-e", "glute_bridge", "--report", tmp_path / "r.json")
    assert code == 2
    assert err == f"posecoach: {path}: {message}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["odd.npz"]


def test_a_track_missing_an_array_is_refused(tmp_path, capsys):
    track = bridge_track(reps=2)
    path = tmp_path / "partial.npz"
    np.savez(path, meta=np.array(json.dumps(track.meta)), t_ms=track.t_s * 1000.0, has_pose=track.has_pose, xy=track.xy)
    code, _, err = run_cli(capsys, "replay", path, "-e", "glute_bridge")
    assert code == 2
    assert err == (f"posecoach: {path}: pose track is missing arrays or has unexpected ones; "
                   "record it again with 'posecoach track'\n")


def test_a_current_track_still_loads(tmp_path):
    track = load_track(track_file(tmp_path))
    assert track.meta["format_version"] == FORMAT_VERSION
    assert track.xy.shape == (414, 33, 2) and track.xy.dtype == np.float32


@contextlib.contextmanager
def no_model(_choice=None):
    """Stands in for the pose model: nobody is ever found (these frames are flat grey)."""
    yield (lambda frame: None), {"variant": "none", "sha256": ""}


def test_a_truncated_video_is_replayed_and_its_report_file_says_so(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("posecoach.replay.open_estimator", no_model)
    whole = tmp_path / "whole.avi"
    writer = cv2.VideoWriter(str(whole), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (160, 90))
    for i in range(60):
        writer.write(np.full((90, 160, 3), 4 * i, np.uint8))
    writer.release()
    cut = tmp_path / "cut.avi"  # an AVI's header keeps the frame count; its index is at the end
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    report = tmp_path / "r.json"
    code, out, err = run_cli(capsys, "replay", cut, "-e", "glute_bridge", "--report", report)
    warning = "the video ended after 22 of 60 frames: it may be truncated"
    assert code == 0
    assert err == f"warning: {warning}\n"
    assert "pose found in 0/22 frames" in out
    data = json.loads(report.read_text())
    assert (data["warnings"], data["frames"], data["partial"]) == ([warning], 22, False)
