"""`posecoach bench` times every stage on the real model, one frame at a time: its memory does not
grow with the frames asked for (it used to hold them all, with their annotated copies).

Nothing here asserts speed: the figures depend on the machine.
"""

from __future__ import annotations

import re
import tracemalloc

import pytest

from posecoach.bench.model import STAGES, run_bench
from posecoach.bundled import demo_sample
from posecoach.replay import ModelChoice

from conftest import run_cli

pytestmark = pytest.mark.e2e


def test_bench_prints_every_stage_for_the_frames_asked(model_path, capsys):
    code, out, _ = run_cli(capsys, "bench", "--frames", "12", "--model", str(model_path), str(demo_sample()))
    assert code == 0, out
    assert re.search(r": 12 frames at \d+x\d+$", out.splitlines()[0])
    for stage in STAGES:
        assert re.search(rf"^  {re.escape(stage)} +\d+\.\d\d ms/frame$", out, re.M), stage


def _peak_bytes(model_path, frames: int) -> int:
    tracemalloc.start()
    try:
        result = run_bench(str(demo_sample()), "glute_bridge", ModelChoice(path=model_path), frames)
        assert result.frames == frames
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_frames_timed(model_path):
    _peak_bytes(model_path, 2)  # the first run's one-time allocations (imports, the exercise catalogue)
    few, many = _peak_bytes(model_path, 10), _peak_bytes(model_path, 90)
    frame_bytes = 640 * 360 * 3
    # Holding the frames and their annotated copies would add 2 x 80 frames (about 110 MB) here.
    assert many - few < 10 * frame_bytes, (few, many)
