"""`posecoach tune` and `calibrate` on synthetic tracks with known phases."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from posecoach.cli import commands as cli
from posecoach.exercise import overrides
from posecoach.exercise.catalogue import EXERCISES_ENV, exercises_dir, load_exercise, load_exercise_file
from posecoach.sources.tracks import save_track
from posecoach.tuning.series import Recording
from posecoach.tuning.session import TuneSession
from posecoach.tuning.suggest import suggest
from posecoach.tuning.tune import load_recordings, tune

from synthetic import angle_track, bridge_profile

UP, DOWN = "phases.up.bands.0", "phases.down.bands.0"


@pytest.fixture(autouse=True)
def config(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv(overrides.CONFIG_ENV, str(tmp_path / "config"))
    return tmp_path / "config"


def noisy_bridge(reps: int = 3, low: float = 130.0, high: float = 175.0, seed: int = 0, dropout=None):
    t_s, hip = bridge_profile(reps, low=low, high=high)
    hip = hip + np.random.default_rng(seed).normal(0, 1.5, len(hip))
    has_pose = None
    if dropout:
        has_pose = ~((t_s >= dropout[0]) & (t_s < dropout[1]))
    return angle_track(t_s, hip, has_pose=has_pose)


@pytest.fixture
def bridge_npz(tmp_path) -> Path:
    path = tmp_path / "bridge.npz"
    save_track(noisy_bridge(dropout=(8.0, 8.4)), path)
    holds = [(1.6, 4.6), (7.3, 10.3), (13.0, 16.0)]
    truth = {"exercise_id": "glute_bridge", "reps": 3, "holds": [{"start_s": a, "end_s": b} for a, b in holds]}
    (tmp_path / "bridge.json").write_text(json.dumps(truth))
    return path


def test_the_plot_marks_what_the_evaluator_counted(bridge_npz, tmp_path):
    spec = load_exercise("glute_bridge")
    session = TuneSession(spec, load_recordings([str(bridge_npz)]))
    result = tune(spec, session, plot=tmp_path / "plot.png")
    # One trace per measurement the phases are decided on: the hip's carries the counting.
    assert [a.measurement for a in result.plot.axes] == ["hip", "knee"]
    axes = result.plot.axes[0]
    outcome = session.count()[0].outcome
    assert len(axes.reps) == len(outcome.reps) == 3
    assert axes.reps == [(r.start_s, r.end_s) for r in outcome.reps]
    assert axes.holds == [(h.start_s, h.end_s) for h in outcome.holds]
    assert {t.key: t.value for t in axes.thresholds} == {f"{DOWN}.enter_below": 145, f"{DOWN}.exit_above": 152,
                                                         f"{UP}.enter_above": 160, f"{UP}.exit_below": 154}
    assert [p for p, _, _ in axes.phase_spans][:4] == ["down", "up", "down", "up"]
    assert axes.no_pose == [pytest.approx((8.0, 8.4 - 1 / 30), abs=0.02)]
    assert (axes.truth_reps, axes.truth_holds[0]) == (3, (1.6, 4.6))
    assert axes.title.startswith("bridge.npz: hip: 3 reps (annotated 3); holds 3.")
    assert (tmp_path / "plot.png").stat().st_size > 20_000


def test_tune_command_prints_counts_and_writes_the_plot(bridge_npz, tmp_path, capsys):
    code = cli.main(["tune", "-e", "glute_bridge", str(bridge_npz), "--plot", str(tmp_path / "p.png")])
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[0].startswith("bridge.npz: 3 reps (annotated 3); holds ")
    assert f"plot: {tmp_path / 'p.png'}" in out


@pytest.mark.parametrize("annotated", [True, False])
def test_suggestions_land_between_the_phases(annotated):
    track = noisy_bridge(reps=4, low=128.0, high=172.0, seed=2)
    truth = None
    if annotated:
        from posecoach.tuning.truth import Truth
        from posecoach.types import Span

        t_s, _ = bridge_profile(4)
        holds = tuple(Span(1.6 + i * 5.7, 4.6 + i * 5.7) for i in range(4))
        truth = Truth("glute_bridge", 4, None, None, holds, Path("x"))
    spec = load_exercise("glute_bridge")
    # The hip's thresholds: the knee (a steady 90 in this track) only tells a bridge from lying flat.
    suggestions = {s.key: s for s in suggest(spec, TuneSession(spec, [Recording("t", track, truth)]).count())
                   if s.key.startswith((UP, DOWN))}
    values = {k: s.proposed for k, s in suggestions.items()}
    # Down frames sit at 128 +- 1.5 (at most ~133), up frames at 172 +- 1.5 (at least ~167).
    assert all(133 < v < 167 for v in values.values()), values
    assert values[f"{DOWN}.enter_below"] < values[f"{DOWN}.exit_above"]
    assert values[f"{UP}.exit_below"] < values[f"{UP}.enter_above"]
    assert values[f"{DOWN}.enter_below"] < values[f"{UP}.enter_above"]
    assert all(s.margin > 3 for s in suggestions.values())
    counted = TuneSession(spec, [Recording("t", track, truth)]).count(values)[0].outcome
    assert len(counted.reps) == 4


def test_overlapping_phases_get_no_suggestion():
    spec = load_exercise("glute_bridge")
    flat = angle_track(np.arange(0, 10, 1 / 30), np.full(300, 150.0) + np.random.default_rng(1).normal(0, 3, 300))
    found = suggest(spec, TuneSession(spec, [Recording("t", flat, None)]).count())
    assert all(s.proposed is None or abs(s.proposed - 150) < 10 for s in found)


def test_save_writes_the_users_override_and_never_the_shipped_file(bridge_npz, config, capsys):
    shipped = (exercises_dir() / "glute_bridge.toml").read_bytes()
    argv = ["tune", "-e", "glute_bridge", str(bridge_npz), "--set", f"{UP}.enter_above=163", "--save"]
    assert cli.main(argv) == 2  # no terminal to ask at, no --yes: shows the diff, writes nothing
    out = capsys.readouterr().out
    assert f'+"{UP}.enter_above" = 163' in out and not (config / "overrides").exists()
    assert cli.main([*argv, "--yes"]) == 0
    assert f"written: {config / 'overrides' / 'glute_bridge.toml'}" in capsys.readouterr().out
    assert load_exercise("glute_bridge").phases["up"].bands[0].enter_above == 163
    assert (exercises_dir() / "glute_bridge.toml").read_bytes() == shipped


def test_save_as_writes_a_new_loadable_exercise_file(bridge_npz, tmp_path, capsys):
    out_file = tmp_path / "my_bridge.toml"
    assert cli.main(["tune", "-e", "glute_bridge", str(bridge_npz), "--suggest", "--save-as", str(out_file),
                     "--yes"]) == 0
    out = capsys.readouterr().out
    assert '-id = "glute_bridge"' in out and '+id = "my_bridge"' in out
    spec = load_exercise_file(out_file)
    assert spec.id == "my_bridge" and 133 < spec.phases["up"].bands[0].enter_above < 167


def test_the_interactive_tuner_recounts_as_a_slider_moves(bridge_npz):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from posecoach.tuning.interactive import Tuner

    figure = Figure(figsize=(14, 8))
    FigureCanvasAgg(figure)
    spec = load_exercise("glute_bridge")
    tuner = Tuner(TuneSession(spec, load_recordings([str(bridge_npz)])), figure)
    assert tuner.lines[0].startswith("bridge.npz: 3 reps")
    tuner.sliders[f"{UP}.enter_above"].set_val(178)  # above the bridge: no rep reaches it
    assert tuner.lines[0].startswith("bridge.npz: 0 reps") and tuner.values[f"{UP}.enter_above"] == 178
    tuner.sliders[f"{UP}.enter_above"].set_val(150)  # below exit_below 154: refused, values kept
    assert tuner.message.startswith("not applied:") and tuner.values[f"{UP}.enter_above"] == 178
    figure.savefig(bridge_npz.with_suffix(".png"))


@pytest.fixture
def calibratable(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "exercises"
    folder.mkdir()
    text = (exercises_dir() / "glute_bridge.toml").read_text()
    assert f'"{UP}.enter_above" = [150, 170]' in text and f'"{UP}.exit_below" = [144, 164]' in text
    (folder / "glute_bridge.toml").write_text(text)
    shutil.copy(exercises_dir() / "squat_to_chair.toml", folder)
    monkeypatch.setenv(EXERCISES_ENV, str(folder))
    return folder


def test_calibrate_fits_a_low_bridge_within_the_safe_range(calibratable, config, tmp_path, capsys):
    track = tmp_path / "me.npz"
    save_track(noisy_bridge(reps=3, low=132.0, high=158.0), track)  # never reaches the shipped 160
    assert cli.main(["calibrate", "-e", "glute_bridge", str(track), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "reps found in the recording: 0 with the shipped thresholds, 3 with yours" in out
    band = load_exercise("glute_bridge").phases["up"].bands[0]  # what a live session now loads
    assert 150 <= band.enter_above < 158 and 144 <= band.exit_below < band.enter_above
    assert load_exercise("glute_bridge").phases["down"].bands[0].enter_below == 145  # not calibratable


def test_calibrate_holds_thresholds_to_the_declared_bounds(calibratable, config, tmp_path, capsys):
    track = tmp_path / "me.npz"
    save_track(noisy_bridge(reps=3, low=100.0, high=140.0), track)
    assert cli.main(["calibrate", "-e", "glute_bridge", str(track), "--yes"]) == 2
    out, err = capsys.readouterr()
    assert f"{UP}.enter_above: 160 -> 150 (your range suggests " in out and "held to the safe range 150..170" in out
    assert "not saved: only 0 rep(s) found with your thresholds" in err
    assert not (config / "overrides").exists()


def test_an_exercise_without_calibration_says_so(calibratable, tmp_path, capsys):
    path = calibratable / "glute_bridge.toml"
    path.write_text(path.read_text().split("[calibration]")[0])
    track = tmp_path / "me.npz"
    save_track(noisy_bridge(), track)
    assert cli.main(["calibrate", "-e", "glute_bridge", str(track)]) == 2
    assert "'glute_bridge' has no [calibration] table" in capsys.readouterr().err


def test_calibration_keys_must_name_thresholds(calibratable):
    path = calibratable / "glute_bridge.toml"
    path.write_text(path.read_text().replace(f'"{UP}.exit_below" = [144, 164]', '"phases.up.label" = [1, 2]'))
    with pytest.raises(Exception, match="calibration.thresholds: 'phases.up.label' is not a threshold"):
        load_exercise("glute_bridge")
