"""Interrupted and faulty runs leave complete files marked partial, never broken ones."""

import json

import cv2
import pytest

from posecoach import replay
from posecoach.cli.commands import main
from posecoach.exercise.catalogue import load_exercise

from synthetic import write_bridge_track


@pytest.fixture
def bridge_npz(tmp_path):
    return write_bridge_track(tmp_path / "bridge.npz", reps=3)


def test_a_synthetic_track_replays_with_the_cli(bridge_npz, tmp_path, capsys):
    report = tmp_path / "report.json"
    assert main(["replay", str(bridge_npz), "-e", "glute_bridge", "--report", str(report)]) == 0
    data = json.loads(report.read_text())
    assert data["reps"]["total"] == 3
    assert len(data["holds"]) == 3
    assert all(2.9 < h["duration_s"] < 4.0 for h in data["holds"])
    assert "glute_bridge: 3 reps" in capsys.readouterr().out


def _interrupt_after(frames: int):
    def progress(stream, info):
        for i, item in enumerate(stream):
            if i == frames:
                raise KeyboardInterrupt
            yield item
    return progress


def test_ctrl_c_leaves_a_partial_report_and_a_playable_video(bridge_npz, tmp_path):
    out, report = tmp_path / "a.mp4", tmp_path / "r.json"
    options = replay.ReplayOptions(out=out, report=report, progress=_interrupt_after(200))
    with pytest.raises(KeyboardInterrupt):
        replay.replay(str(bridge_npz), load_exercise("glute_bridge"), options)
    data = json.loads(report.read_text())
    assert data["partial"] is True
    assert data["frames"] == 200
    assert data["reps"]["total"] == 1
    video = cv2.VideoCapture(str(out))
    assert int(video.get(cv2.CAP_PROP_FRAME_COUNT)) == 200
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.mp4", "bridge.npz", "r.json"]


def test_ctrl_c_before_any_frame_leaves_no_video(bridge_npz, tmp_path):
    out, report = tmp_path / "a.mp4", tmp_path / "r.json"
    options = replay.ReplayOptions(out=out, report=report, progress=_interrupt_after(0))
    with pytest.raises(KeyboardInterrupt):
        replay.replay(str(bridge_npz), load_exercise("glute_bridge"), options)
    assert not out.exists()
    assert json.loads(report.read_text())["frames"] == 0


def test_cli_reports_interruption_with_status_130(bridge_npz, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("posecoach.cli.commands.progress", _interrupt_after(10))
    code = main(["replay", str(bridge_npz), "-e", "glute_bridge", "--report", str(tmp_path / "r.json")])
    assert code == 130
    assert capsys.readouterr().err.strip() == "posecoach: interrupted"
    assert json.loads((tmp_path / "r.json").read_text())["partial"] is True


def test_a_person_leaving_and_coming_back_is_not_counted_twice(tmp_path):
    # The second bridge's hold is interrupted by 2 s without anyone in the frame.
    track = write_bridge_track(tmp_path / "gap.npz", reps=3, gaps=((7.5, 9.5),))
    report = replay.replay(str(track), load_exercise("glute_bridge"))
    assert report["reps"]["total"] == 3
    assert report["frames_with_pose"] < report["frames"]
    assert any("can't see you" in c["message"] for c in report["cues"])
