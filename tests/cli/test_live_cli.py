"""The live, safety and history commands, without a camera or the model."""

import datetime as dt

import pytest

from posecoach.cli import commands as cli
from posecoach.cli import live as cli_live
from posecoach.live import safety
from posecoach.live.history import History
from posecoach.live.history_journal import SessionKeeper


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("POSECOACH_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_plain_posecoach_without_a_camera_runs_the_demo(monkeypatch, capsys):
    monkeypatch.setattr("posecoach.sources.capture.camera_candidates", lambda: [])
    assert cli_live.default_command() == "demo"
    assert "No camera found: running the demo instead" in capsys.readouterr().err


def test_scripted_safety_answers_are_never_saved_as_the_person_s(capsys, data_dir):
    assert cli.main(["safety", "--no-red-flags"]) == 0
    out = capsys.readouterr().out
    assert "No red flags reported" in out and "(scripted answers: not saved as your safety check)" in out
    assert cli.main(["safety", "--last"]) == 0
    assert capsys.readouterr().out == "No safety check yet.\n"
    assert not (data_dir / "followups.json").exists()


def _remember_a_flag():
    from posecoach.live import followups as fu

    flagged = fu.Flagged(("chest_pain",), safety.Outcome.EMERGENCY, dt.date(2026, 12, 1))
    fu.FollowUpStore.default().save(fu.FollowUps(flagged=flagged))


def test_scripted_answers_cannot_clear_a_sign_reported_before(capsys, data_dir):
    _remember_a_flag()
    assert cli.main(["safety", "--no-red-flags"]) == 3
    out = capsys.readouterr().out
    assert safety.CLINICIAN_NOT_YET in out and "No red flags reported" not in out


def test_a_scripted_camera_replay_stops_on_a_sign_reported_before(capsys, data_dir):
    _remember_a_flag()
    assert cli.main(["replay", "0", "-e", "glute_bridge", "--no-red-flags"]) == 3
    assert "not starting the camera" in capsys.readouterr().err


def test_a_headless_live_session_stops_on_a_sign_reported_before(capsys, data_dir):
    _remember_a_flag()
    assert cli.main(["live", "--headless", "--exercise", "glute_bridge", "--no-red-flags",
                     "--pain-before", "1", "--pain-after", "1"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and safety.CLINICIAN_NOT_YET in err


@pytest.fixture
def terminal(monkeypatch):
    """A person at a terminal: `replies` are typed in order."""
    def type_in(*replies):
        given = iter(replies)
        monkeypatch.setattr("builtins.input", lambda prompt: next(given))
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    return type_in


N = len(safety.QUESTIONS)


def test_input_ending_at_a_question_saves_nothing_and_says_so(monkeypatch, capsys, data_dir):
    def ended(prompt):
        raise EOFError
    monkeypatch.setattr("builtins.input", ended)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    assert cli.main(["safety"]) == 2
    assert capsys.readouterr().err == ("posecoach: the safety questions were not answered (input ended); "
                                       "nothing was saved: run the command again and answer them\n")
    assert cli.main(["safety", "--last"]) == 0
    assert capsys.readouterr().out == "No safety check yet.\n"


@pytest.mark.parametrize(("exercise", "stops"), [("glute_bridge", True), ("squat_to_chair", False)])
def test_pregnancy_stops_a_camera_session_only_for_a_floor_exercise(terminal, capsys, exercise, stops):
    terminal(*["y" if q.id == "pregnancy" else "n" for q in safety.QUESTIONS], "y")
    code = cli.main(["replay", "9", "-e", exercise])  # camera 9: not on this machine
    err = capsys.readouterr().err
    if stops:
        assert code == 3 and "not starting the camera" in err
    else:  # screened and cleared: it goes on to the camera, which is not there
        assert code == 2 and "not starting the camera" not in err


def test_safety_in_the_terminal_stops_on_an_emergency_sign(terminal, capsys):
    terminal("maybe", "y", *["n"] * (N - 1), "y")
    assert cli.main(["safety"]) == 3
    out = capsys.readouterr().out
    assert "Please answer y (yes), n (no) or u (not sure)." in out and "Seek urgent medical care now" in out
    assert "You answered yes or not sure to: numbness in the buttocks, inner thighs or groin." in out
    assert "not a diagnosis" in out
    with History() as history:
        assert history.last_screening().verdict.flagged == ("saddle_numbness",)


def test_the_terminal_screen_has_back_not_sure_and_an_answer_check(terminal, capsys):
    # y to the first, back, n instead; "not sure" to fever; at the check: "no", so once more, all no.
    terminal("y", "b", "n", *["n"] * 8, "u", *["n"] * (N - 10), "n", *["n"] * N, "y")
    assert cli.main(["safety"]) == 0
    out = capsys.readouterr().out
    assert "  not sure a fever" in out and "Then let's go through them again." in out
    assert "No red flags reported" in out


def test_a_camera_replay_asks_the_safety_questions_first(terminal, capsys, monkeypatch):
    opened = []
    monkeypatch.setattr("posecoach.replay.open_poses", lambda *a, **k: opened.append(a))
    terminal(*["n"] * 8, "y", *["n"] * (N - 9), "y")  # chest pain (first launch: the whole screen), checked
    assert cli.main(["replay", "0", "-e", "glute_bridge", "--show"]) == 3
    captured = capsys.readouterr()
    assert "Seek urgent medical care now" in captured.out and "chest pain" in captured.out
    assert "not starting the camera" in captured.err and opened == []


@pytest.mark.parametrize("argv", [["replay", "0", "-e", "glute_bridge", "--show"], ["track", "0", "-o", "t.npz"],
                                  ["calibrate", "-e", "glute_bridge", "--camera", "0"]])
def test_every_camera_command_is_screened_and_a_script_must_say_so(argv, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert cli.main(argv) == 2
    assert capsys.readouterr().err == ("posecoach: the safety questions need a terminal: run this at a terminal, "
                                       "or pass --no-red-flags (for scripts) if none of the questions in "
                                       "'posecoach safety' apply\n")


def test_a_video_replay_is_not_a_camera_session(capsys, tmp_path):
    assert cli.main(["replay", str(tmp_path / "none.mp4"), "-e", "glute_bridge"]) == 2
    assert "safety" not in capsys.readouterr().err


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
        keeper = SessionKeeper(history)
        keeper.start("glute_bridge", "Glute bridge", dt.datetime(2025, 1, 2, 8, 0).astimezone(), 2)
        keeper.end(dt.datetime(2025, 1, 2, 8, 5).astimezone(), 1, True, None)
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
