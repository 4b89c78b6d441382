"""A dataset tracked on a real Dask cluster (`posecoach eval --cluster`).

The cluster is a real one: `local:2` starts a scheduler and two worker processes for the run
and stops them after. Its tracks are the ones a local run makes, a rerun redoes nothing, and a
video that cannot be read fails alone, with its reason.
"""

from __future__ import annotations

import json

import numpy as np
import psutil
import pytest

from posecoach import replay
from posecoach.errors import UserError
from posecoach.sources.tracks import load_track
from posecoach.tuning import cluster
from posecoach.tuning.cache import cache_path

from conftest import SAMPLES, run_cli

SHORT = ["squat_to_chair_side_rushed.mp4", "ninety_ninety_side.mp4"]


@pytest.mark.parametrize("address", ["local:0", "local:two", "nowhere", ""])
def test_a_bad_address_says_what_to_give(address):
    with pytest.raises(UserError, match="local:N"):
        cluster.parse_address(address)


def test_addresses_name_a_scheduler_or_a_local_cluster():
    assert cluster.parse_address("tcp://10.0.0.5:8786") == ("tcp://10.0.0.5:8786", None)
    assert cluster.parse_address("local:3") == (None, 3)


def _child_processes() -> set[int]:
    """This process's children, but multiprocessing's resource tracker, which lives as long as we do."""
    return {p.pid for p in psutil.Process().children(recursive=True)
            if not any("resource_tracker" in part for part in p.cmdline())}


@pytest.mark.e2e
def test_the_cluster_tracks_as_a_local_run_resumes_and_reports_failures_per_file(model_path, tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video at all")
    videos = [SAMPLES / name for name in SHORT] + [broken]
    before = _child_processes()
    finished = []

    run = cluster.track_videos(videos, "local:2", model_path, lambda video, error: finished.append(video))

    assert _child_processes() <= before  # the local cluster was stopped
    assert sorted(finished) == sorted(str(v.resolve()) for v in videos)
    assert set(run.failed) == {str(broken.resolve())} and "broken.mp4" in run.failed[str(broken.resolve())]
    assert sorted(run.tracked) == sorted(str((SAMPLES / n).resolve()) for n in SHORT)
    for name in SHORT:
        local = tmp_path / name.replace(".mp4", ".npz")
        replay.record_track(str(SAMPLES / name), local, model=replay.ModelChoice(path=model_path), workers=1)
        mine, theirs = load_track(local), load_track(run.tracked[str((SAMPLES / name).resolve())])
        assert np.array_equal(mine.has_pose, theirs.has_pose), name
        assert np.allclose(mine.xy, theirs.xy, equal_nan=True, atol=1e-3), name
        assert cache_path(SAMPLES / name, model_path) == run.tracked[str((SAMPLES / name).resolve())]

    again = cluster.track_videos(videos[:2], "local:2", model_path)
    assert again.tracked == {} and again.failed == {} and sorted(again.cached) == sorted(run.tracked)


@pytest.mark.e2e
def test_eval_on_the_cluster_gives_the_local_table(model_path, capsys, tmp_path):
    clips = [SAMPLES / name for name in SHORT]
    code, out, _ = run_cli(capsys, "eval", *clips, "--cluster", "local:2", "--json", "--model", model_path)
    assert code == 0
    on_cluster = json.loads(out)
    code, out, _ = run_cli(capsys, "eval", *clips, "--workers", "1", "--json", "--model", model_path)
    assert json.loads(out) == on_cluster
    assert [row["counted"] for row in on_cluster["sources"]] == [row["expected"] for row in on_cluster["sources"]]
