"""`posecoach bench --live` runs a session per size on a short clip and prints both sizes' latencies.

Nothing here asserts speed: the figures depend on the machine.
"""

from __future__ import annotations

import contextlib
import re

import pytest

from posecoach.bench import live as bench_live
from posecoach.bundled import demo_sample

from conftest import run_cli

FIGURES = r"median +\d+\.\d ms, 95th percentile +\d+\.\d ms"


def _sizes(out: str) -> list[str]:
    return re.findall(r"^  (\d+x\d+) \((?:window|drawn, no window)\): \d+ frames shown", out, re.M)


def test_a_short_clip_prints_both_sizes(monkeypatch, capsys):
    @contextlib.contextmanager
    def no_model(choice):
        yield (lambda frame: None), {}

    monkeypatch.setattr(bench_live, "open_estimator", no_model)
    code, out, _ = run_cli(capsys, "bench", "--live", "--seconds", "0.5", "--headless")
    assert code == 0, out
    assert _sizes(out) == ["640x480", "1280x720"]
    assert len(re.findall(rf"every frame +{FIGURES}$", out, re.M)) == 2


@pytest.mark.e2e
def test_the_real_model_coaches_in_a_window_when_there_is_a_display(model_path, capsys):
    code, out, _ = run_cli(capsys, "bench", "--live", "--seconds", "2", "--model", model_path, demo_sample())
    assert code == 0, out
    assert _sizes(out) == ["640x480", "1280x720"]
    assert len(re.findall(rf"coached frames +{FIGURES}$", out, re.M)) == 2
    assert "(goal: 95th percentile under 80 ms)" in out.splitlines()[0]
