"""Shared fixtures. Tests that need ../shared or the real model say so and skip cleanly."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

from posecoach.exercise.catalogue import load_exercise
from posecoach.exercise.measure import Measurements

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REALCLIPS = SHARED / "realclips"
REALCLIPS_MORE = SHARED / "realclips_more"
SAMPLES = ROOT / "samples"

# The same examples every run, so CI is reproducible; a local `--hypothesis-profile explore` searches afresh.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def realclips_manifest(folder: Path = REALCLIPS) -> list[dict]:
    """The clips listed in a shared folder's manifest, each with its `path`; none when absent."""
    path = folder / "manifest.json"
    clips = json.loads(path.read_text())["clips"] if path.is_file() else []
    return [{**clip, "path": folder / clip["file"]} for clip in clips]


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    """`posecoach ARGV...` in this process: (exit status, stdout, stderr)."""
    from posecoach.cli import main

    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def samples_manifest() -> list[dict]:
    path = SAMPLES / "manifest.json"
    return json.loads(path.read_text())["clips"] if path.is_file() else []


USER_DIRS = ("POSECOACH_CONFIG_DIR", "POSECOACH_DATA_DIR", "POSECOACH_TRACK_CACHE")


@pytest.fixture(autouse=True, scope="session")
def isolated_user_dirs(tmp_path_factory):
    """Keep a developer's own overrides, history and track cache out of the tests (and back)."""
    saved = {key: os.environ.get(key) for key in USER_DIRS}
    base = tmp_path_factory.mktemp("user-dirs")
    for key in USER_DIRS:
        os.environ[key] = str(base / key.lower())
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The real pose model, fetched or built on first use (needs PyPI the first time)."""
    from posecoach.pose.models import resolve_model

    return resolve_model()


@pytest.fixture(scope="session")
def video_track(model_path, tmp_path_factory):
    """`video_track(path)`: the video's pose track through the real model, recorded once for the
    whole test session (and kept across runs in $POSECOACH_TEST_TRACKS when that is set)."""
    from posecoach import app
    from posecoach.pose.models import file_sha256

    folder = Path(os.environ.get("POSECOACH_TEST_TRACKS") or tmp_path_factory.mktemp("video_tracks"))
    folder.mkdir(parents=True, exist_ok=True)
    made: dict[Path, Path] = {}

    def track(video: Path) -> Path:
        video = Path(video)
        if video not in made:
            out = folder / f"{file_sha256(video)[:24]}-{file_sha256(model_path)[:16]}.npz"
            if not out.is_file():
                app.record_track(str(video), out, force=True, model=app.ModelChoice(path=model_path), workers=1)
            made[video] = out
        return made[video]

    return track


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not REALCLIPS.is_dir():
        pytest.skip("../shared is not present")
    return SHARED


def fake_measurements(values: dict, visibility: float = 0.9, view_ratio: float = 0.2,
                      hidden: dict | None = None) -> Measurements:
    """Measurements for a tracker test. `values` maps name -> value, or name -> {side: value}."""
    out = {}
    for name, value in values.items():
        sides = value if isinstance(value, dict) else {"left": value, "right": value}
        for side, v in sides.items():
            out[(name, side)] = np.float64(math.nan if v is None else v)
    return Measurements(
        values=out,
        side_visibility={"left": np.float64(visibility), "right": np.float64(visibility - 0.1)},
        view_ratio=np.float64(view_ratio),
        hidden=hidden or {},
    )


@pytest.fixture
def bridge():
    return load_exercise("glute_bridge")


@pytest.fixture
def bridge_plan(bridge):
    from posecoach.live.plan import plan_for_exercise

    return plan_for_exercise(bridge, reps=2)


@pytest.fixture
def two_exercises(bridge):
    """A routine of the glute bridge (2 reps) and a copy of it named "second" (1 rep)."""
    from posecoach.exercise.spec import RoutineStep
    from posecoach.live.plan import Plan, plan_item

    other = bridge.model_copy(update={"id": "second", "name": "Second"})
    return Plan("r", "Routine", (plan_item(bridge, RoutineStep(exercise="glute_bridge", reps=2)),
                                 plan_item(other, RoutineStep(exercise="second", reps=1))))
