"""The live, safety and history commands, without a camera or the model."""

import datetime as dt

import pytest

from posecoach import cli, cli_live
from posecoach.history import History


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("POSECOACH_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_plain_posecoach_without_a_camera_runs_the_demo(monkeypatch, capsys):
    monkeypatch.setattr("posecoach.live.capture.camera_candidates", lambda: [])
    assert cli_live.default_command() == "demo"
    assert "No camera found: running the demo instead" in capsys.readouterr().err


def test_safety_from_options_is_remembered(capsys):
    assert cli.main(["safety", "--no-red-flags"]) == 0
    assert "No red flags reported" in capsys.readouterr().out
    assert cli.main(["safety", "--last"]) == 0
    assert capsys.readouterr().out.endswith(": No red flags reported (no red flags)\n")


def test_safety_in_the_terminal_stops_on_an_emergency_sign(monkeypatch, capsys):
    replies = iter(["maybe", "y"] + ["n"] * 22)
    monkeypatch.setattr("builtins.input", lambda prompt: next(replies))
    assert cli.main(["safety"]) == 3
    out = capsys.readouterr().out
    assert "Please answer y or n." in out and "Seek urgent medical care now" in out
    assert "not a diagnosis" in out
    with History() as history:
        assert history.last_screening().verdict.flagged == ("saddle_numbness",)


def test_headless_live_needs_its_answers(capsys):
    code = cli.main(["live", "--headless", "--camera", "x.mp4", "--exercise", "glute_bridge"])
    assert code == 2
    assert "--headless needs the safety answers: pass --no-red-flags" in capsys.readouterr().err


def test_a_missing_camera_video_is_a_clear_error(capsys, tmp_path):
    code = cli.main(["live", "--headless", "--camera", str(tmp_path / "none.mp4"), "--exercise", "glute_bridge",
                     "--no-red-flags", "--pain-before", "1", "--pain-after", "1"])
    assert code == 2
    assert "none.mp4: no such file" in capsys.readouterr().err


def test_reps_go_with_an_exercise_only(capsys):
    assert cli.main(["live", "--headless", "--reps", "3", "--no-red-flags"]) == 2
    assert "--reps and --sets go with --exercise" in capsys.readouterr().err


def test_pain_options_are_checked(capsys):
    with pytest.raises(SystemExit):
        cli.main(["live", "--pain-before", "11"])
    assert "'11' is not a whole number from 0 to 10" in capsys.readouterr().err


def test_history_table_csv_and_plot(tmp_path, capsys):
    assert cli.main(["history"]) == 0
    assert capsys.readouterr().out.startswith("No sessions yet")
    with History() as history:
        sid = history.start_session("glute_bridge", "Glute bridge", dt.datetime(2025, 1, 2, 8, 0).astimezone(), 2)
        history.end_session(sid, dt.datetime(2025, 1, 2, 8, 5).astimezone(), 1, True, None)
    out_csv, out_png = tmp_path / "h.csv", tmp_path / "h.png"
    assert cli.main(["history", "--csv", str(out_csv), "--plot", str(out_png)]) == 0
    out = capsys.readouterr().out
    assert "glute_bridge  completed  2->1" in out and f"csv: {out_csv} (1 rows)" in out
    assert out_png.stat().st_size > 1000
    assert cli.main(["history", "--csv", str(out_csv)]) == 2
    assert "already exists; use --force" in capsys.readouterr().err


def test_a_window_without_a_display_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    assert cli.main(["live", "--camera", "x.mp4", "--exercise", "glute_bridge"]) == 2
    assert "no display to open a window on (DISPLAY is not set); use --headless" in capsys.readouterr().err
