"""Pose extraction on every core: segments, seams, and counts equal to a one-worker run.

The tolerance at the seams, on the committed 640x360 samples, for landmarks visible (> 0.5) in
both runs from the first seam on: median distance at most 0.5 px, 95th percentile at most 3 px,
every such landmark within 10 px in at least 90 % of the frames, and a pose found by one run but
not the other in at most 1 % of the frames. The first segment is the one-worker run exactly.
MediaPipe tracks from the last landmarks, so a seam that falls where the person is briefly lost
(knee_to_chest_side, frame 330) differs for a few frames more than elsewhere; counts never do.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from posecoach import replay
from posecoach.errors import SourceError
from posecoach.exercise.catalogue import load_exercise
from posecoach.pose.parallel import WARMUP_FRAMES, Segment, map_files, parallel_poses, plan_segments
from posecoach.pose.settings import EstimatorSettings
from posecoach.sources.tracks import PoseTrack, load_track, save_track
from posecoach.sources.video import VideoSource
from posecoach.tuning import cache
from posecoach.tuning.tune import load_recordings

from conftest import SAMPLES, run_cli, samples_manifest


@pytest.mark.parametrize(("frames", "workers", "expected"), [
    (600, 1, [Segment(0, None, 0)]),
    (600, 2, [Segment(0, 300, 0), Segment(300, None, 255)]),
    (601, 3, [Segment(0, 200, 0), Segment(200, 401, 155), Segment(401, None, 356)]),
    (299, 2, [Segment(0, None, 0)]),  # too short for two: the warm-up would cost more than it saves
    (450, 8, [Segment(0, 150, 0), Segment(150, 300, 105), Segment(300, None, 255)]),
    (None, 4, [Segment(0, None, 0)]),  # a length the container does not tell: one pass
])
def test_segments_cover_every_frame_once_with_a_warm_up(frames, workers, expected):
    segments = plan_segments(frames, workers)
    assert segments == expected
    assert all(s.start - s.warm_start in (0, WARMUP_FRAMES) for s in segments)


def test_segments_need_a_worker():
    with pytest.raises(ValueError, match="at least 1"):
        plan_segments(100, 0)


def test_many_files_map_in_order_one_per_worker():
    assert list(map_files(abs, [-3, 1, -2, 5], workers=2)) == [3, 1, 2, 5]


def test_a_worker_failure_reaches_the_caller(tmp_path):
    not_video = tmp_path / "clip.mp4"
    not_video.write_text("not a video")
    settings = EstimatorSettings(tmp_path / "no.task")
    stream = parallel_poses(not_video, settings, [Segment(0, 10, 0), Segment(10, None, 0)])
    with pytest.raises(SourceError, match="clip.mp4: cannot decode"):
        list(stream)


# The model-running part: a few samples, chosen for a two-sided exercise and a difficult seam.
E2E_SAMPLES = ["glute_bridge_side.mp4", "bird_dog_side.mp4", "knee_to_chest_side.mp4"]


def _exercise(name: str) -> str:
    return next(c["exercise_id"] for c in samples_manifest() if c["file"] == name)


@pytest.fixture(scope="module")
def tracks(model_path, tmp_path_factory):
    """Per sample: the one-worker track (in the track cache, as eval makes it) and a two-worker one
    recorded by `posecoach track --workers 2`."""
    out = tmp_path_factory.mktemp("parallel")
    pairs = {}
    for name in E2E_SAMPLES:
        one = cache.source_track_path(str(SAMPLES / name), replay.ModelChoice(path=model_path), workers=1)
        two = out / f"{name}.npz"
        code = _cli("track", SAMPLES / name, "-o", two, "--workers", "2", "--model", model_path)
        assert code == 0
        pairs[name] = (load_track(one), load_track(two))
    return pairs


def _cli(*argv) -> int:
    from posecoach.cli.commands import main

    return main([str(a) for a in argv])


@pytest.mark.e2e
@pytest.mark.parametrize("name", E2E_SAMPLES)
def test_counts_equal_one_worker(tracks, name, tmp_path):
    spec = load_exercise(_exercise(name))
    one, two = (replay.replay(f"track:{_saved(track, tmp_path / f'{i}.npz')}", spec)
                for i, track in enumerate(tracks[name]))
    assert two["reps"] == one["reps"]
    assert [h["side"] for h in two["holds"]] == [h["side"] for h in one["holds"]]
    assert [h["duration_s"] for h in two["holds"]] == pytest.approx([h["duration_s"] for h in one["holds"]], abs=0.1)
    assert two["frames"] == one["frames"]


@pytest.mark.e2e
@pytest.mark.parametrize("name", E2E_SAMPLES)
def test_landmarks_at_the_seam_within_tolerance(tracks, name):
    one, two = tracks[name]
    assert np.array_equal(one.t_s, two.t_s)
    seam = plan_segments(len(one.t_s), 2)[1].start
    for key in ("has_pose", "xy", "world", "visibility", "presence"):
        assert np.array_equal(getattr(one, key)[:seam], getattr(two, key)[:seam], equal_nan=True), key
    assert np.mean(one.has_pose[seam:] != two.has_pose[seam:]) <= 0.01
    both = (one.has_pose & two.has_pose)[seam:]
    visible = ((one.visibility > 0.5) & (two.visibility > 0.5))[seam:][both]
    distance = np.linalg.norm(one.xy[seam:][both] - two.xy[seam:][both], axis=-1)
    seen = distance[visible]
    assert np.median(seen) <= 0.5
    assert np.percentile(seen, 95) <= 3.0
    worst = np.where(visible, distance, 0.0).max(axis=1)
    assert np.mean(worst <= 10.0) >= 0.9


@pytest.mark.e2e
def test_replay_with_video_output_on_two_workers(tracks, model_path, tmp_path, capsys):
    """The pictures are decoded again beside the workers' poses: same counts, every frame written."""
    name = E2E_SAMPLES[0]
    code, _, _ = run_cli(capsys, "replay", SAMPLES / name, "-e", _exercise(name), "--workers", "2",
                         "--model", model_path, "--out", tmp_path / "a.mp4", "--report", tmp_path / "r.json")
    assert code == 0
    report = json.loads((tmp_path / "r.json").read_text())
    one = replay.replay(f"track:{_saved(tracks[name][0], tmp_path / 'one.npz')}", load_exercise(_exercise(name)))
    assert report["reps"] == one["reps"] and report["frames"] == one["frames"]
    assert report["warnings"] == []
    assert VideoSource(tmp_path / "a.mp4").info.frame_count == report["frames"]


def _saved(track: PoseTrack, path: Path) -> Path:
    save_track(track, path)
    return path


@pytest.mark.e2e
def test_eval_one_file_per_worker_gives_the_one_worker_table(tracks, model_path, capsys):
    """The tracks are cached by the fixture: this checks the per-file workers, not the model."""
    paths = [SAMPLES / n for n in E2E_SAMPLES]
    one = run_cli(capsys, "eval", *paths, "--workers", "1", "--model", model_path)
    two = run_cli(capsys, "eval", *paths, "--workers", "2", "--model", model_path)
    assert one[0] == two[0] and one[1] == two[1]
    assert len(one[1].splitlines()) == len(E2E_SAMPLES) + 3


@pytest.mark.e2e
def test_tune_loads_many_videos_one_per_worker(tracks, model_path):
    recordings = load_recordings([str(SAMPLES / n) for n in E2E_SAMPLES], replay.ModelChoice(path=model_path),
                                 workers=2)
    for name, recording in zip(E2E_SAMPLES, recordings, strict=True):
        assert recording.source == str(SAMPLES / name)
        assert np.array_equal(recording.track.xy, tracks[name][0].xy, equal_nan=True)
