"""Issue 17, impossible options and gates that cannot fail: each is one line and status 2, before
any work; `eval --max-mae` with nothing scored fails instead of passing.
"""

import json

import pytest

from posecoach.sources.tracks import save_track

from conftest import run_cli
from synthetic import angle_track, bridge_profile

IMPOSSIBLE = {
    "live --reps 0": ("live", "--reps", "0"),
    "live --sets 0": ("live", "--sets", "0"),
    "live --sets 1.5": ("live", "--sets", "1.5"),
    "live --countdown nan": ("live", "--countdown", "nan"),
    "live --countdown inf": ("live", "--countdown", "inf"),
    "live --rest -1": ("live", "--rest", "-1"),
    "bench --frames 0": ("bench", "--frames", "0"),
    "eval --max-mae nan": ("eval", "--max-mae", "nan"),
    "eval --max-mae -1": ("eval", "--max-mae", "-1"),
    "calibrate --seconds 0": ("calibrate", "-e", "glute_bridge", "--seconds", "0"),
}
WHAT = {"0": "is not a whole number of 1 or more", "1.5": "is not a whole number of 1 or more",
        "nan": "is not a number of at least 0", "inf": "is not a number of at least 0",
        "-1": "is not a number of at least 0"}


@pytest.mark.parametrize("argv", IMPOSSIBLE.values(), ids=IMPOSSIBLE.keys())
def test_an_impossible_option_is_one_line(capsys, argv):
    with pytest.raises(SystemExit) as done:
        run_cli(capsys, *argv)
    assert done.value.code == 2
    _, err = capsys.readouterr()
    command, option, value = argv[0], argv[-2], argv[-1]
    what = "is not a number above 0" if option == "--seconds" else WHAT[value]
    assert err == f"posecoach {command}: argument {option}: '{value}' {what} (see 'posecoach {command} --help')\n"


def test_a_missing_argument_is_one_line_too(capsys):
    with pytest.raises(SystemExit) as done:
        run_cli(capsys, "replay")
    assert done.value.code == 2
    assert capsys.readouterr().err == ("posecoach replay: the following arguments are required: source, "
                                       "--exercise/-e (see 'posecoach replay --help')\n")


@pytest.fixture
def nothing_scorable(tmp_path):
    t_s, hip = bridge_profile(2)
    save_track(angle_track(t_s, hip, source="a.npz"), tmp_path / "a.npz")
    manifest = {"clips": [{"file": "a.npz", "exercise_id": "no_such_exercise", "reps": 2, "holds": []}]}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    return tmp_path


@pytest.mark.parametrize("as_json", [False, True], ids=["table", "json"])
def test_max_mae_with_nothing_scored_fails(nothing_scorable, capsys, as_json):
    code, out, err = run_cli(capsys, "eval", nothing_scorable, "--max-mae", "0.5", *["--json"] * as_json)
    assert code == 2
    assert err == ("posecoach: --max-mae 0.5: none of the 1 recordings could be scored (see why above); "
                   "nothing was checked\n")
    assert "unknown exercise 'no_such_exercise'" in out


def test_without_max_mae_nothing_scored_is_only_reported(nothing_scorable, capsys):
    code, out, _ = run_cli(capsys, "eval", nothing_scorable)
    assert code == 0 and "skipped: unknown exercise" in out


LONG = "a" * 300


@pytest.mark.parametrize("argv", [("replay", f"{LONG}.npz", "-e", "glute_bridge"),
                                  ("replay", "TRACK", "-e", "glute_bridge", "--report", f"{LONG}.json"),
                                  ("track", "TRACK", "-o", f"{LONG}.npz")],
                         ids=["source", "report", "track-output"])
def test_an_over_long_file_name_is_one_line(tmp_path, capsys, argv):
    track = tmp_path / "t.npz"
    t_s, hip = bridge_profile(1)
    save_track(angle_track(t_s, hip), track)
    code, out, err = run_cli(capsys, *(str(track) if a == "TRACK" else a for a in argv))
    assert (code, out) == (2, "")
    assert err == f"posecoach: {'a' * 57}...: the file name is too long for this system; choose a shorter path\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.npz"]


def test_any_other_os_error_is_still_an_internal_error_line(capsys, monkeypatch):
    def broken(_args):
        raise OSError(13, "Permission denied", "/somewhere")
    monkeypatch.setattr("posecoach.cli.commands.cmd_exercises", broken)
    code, _, err = run_cli(capsys, "exercises")
    assert code == 1
    assert err == ("posecoach: internal error: PermissionError: [Errno 13] Permission denied: '/somewhere' "
                   "(run with --debug for details)\n")


HUGE = "9" * 20
CAMERAS = {  # a source that looks like a camera index but is none OpenCV can take
    "replay huge index": (("replay", HUGE, "-e", "glute_bridge", "--no-red-flags"),
                          f"camera {HUGE}: no such camera; give a camera index such as 0 or 1"),
    "track /dev/video huge": (("track", f"/dev/video{HUGE}", "-o", "o.npz", "--no-red-flags"),
                              f"camera {HUGE}: no such camera; give a camera index such as 0 or 1"),
    "replay superscript two": (("replay", "\u00b2", "-e", "glute_bridge"), "\u00b2: no such file; check the path"),
    "--set a band index in superscript": (
        ("tune", "-e", "glute_bridge", "TRACK", "--set", "phases.up.bands.\u00b2.enter_above=1"),
        "--set: phases.up.bands.\u00b2.enter_above: no '\u00b2' under phases.up.bands in"),
}


@pytest.mark.parametrize(("argv", "message"), CAMERAS.values(), ids=CAMERAS.keys())
def test_a_number_no_camera_or_list_can_take_is_one_line(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    t_s, hip = bridge_profile(1)
    save_track(angle_track(t_s, hip), tmp_path / "t.npz")
    code, out, err = run_cli(capsys, *("t.npz" if a == "TRACK" else a for a in argv))
    assert (code, err.count("\n")) == (2, 1)
    assert err.startswith(f"posecoach: {message}")


NOT_FINITE = {  # NaN compares false with everything: a check of NaN would never fire
    "check at_least nan": ("checks.0.at_least=nan", "checks.0.at_least"),
    "check max -inf": ("checks.2.max=-inf", "checks.2.max"),
    "threshold inf": ("phases.up.bands.0.enter_above=inf", "phases.up.bands.0.enter_above"),
}


@pytest.mark.parametrize(("setting", "key"), NOT_FINITE.values(), ids=NOT_FINITE.keys())
def test_an_exercise_value_that_is_not_finite_is_refused(tmp_path, capsys, setting, key):
    t_s, hip = bridge_profile(1)
    save_track(angle_track(t_s, hip), tmp_path / "t.npz")
    code, out, err = run_cli(capsys, "tune", "-e", "glute_bridge", tmp_path / "t.npz", "--set", setting,
                             "--save", "--yes")
    assert (code, out) == (2, "")
    assert err.endswith(f"exercises/glute_bridge.toml): {key}: Input should be a finite number\n")
    assert not list(tmp_path.rglob("overrides"))


@pytest.mark.parametrize("size", ["0x0", "640x0", "100000x100000", "1280x720x3", "widexhigh"])
def test_an_impossible_bench_size_is_one_line_before_any_frame_is_read(capsys, size):
    code, out, err = run_cli(capsys, "bench", "--size", size, "--frames", "1")
    assert (code, out) == (2, "")
    assert err == f"posecoach: --size {size}: give WIDTHxHEIGHT, each from 1 to 7680 pixels, e.g. 1280x720\n"


@pytest.mark.parametrize(("option", "value", "bound"), [("--reps", "201", "200"), ("--sets", "21", "20"),
                                                        ("--reps", "1" + "0" * 18, "200")])
def test_a_live_dose_past_a_routine_file_s_bounds_is_one_line_before_the_camera(capsys, option, value, bound):
    code, out, err = run_cli(capsys, "live", "--headless", "--camera", "not-there.mp4", "-e", "glute_bridge",
                             option, value, "--no-red-flags", "--pain-before", "1", "--pain-after", "1")
    assert (code, out) == (2, "")
    assert err == f"posecoach: {option}: Input should be less than or equal to {bound}\n"


@pytest.mark.parametrize(("option", "what"), [("--exercise", "exercise"), ("--routine", "routine")])
def test_an_empty_exercise_or_routine_is_unknown_not_the_default(capsys, option, what):
    code, out, err = run_cli(capsys, "live", "--headless", "--camera", "not-there.mp4", option, "",
                             "--no-red-flags", "--pain-before", "1", "--pain-after", "1")
    assert (code, out) == (2, "")
    assert err == f"posecoach: unknown {what} '': run 'posecoach {what}s' to list them\n"


@pytest.mark.parametrize("source", ["TRACK", "0"], ids=["a track", "a camera"])
def test_bench_on_something_with_no_video_frames_says_it_needs_a_video(tmp_path, capsys, source):
    # A track was "cannot decode this file as video; convert it to MP4": wrong advice for a track.
    if source == "TRACK":
        t_s, hip = bridge_profile(1)
        save_track(angle_track(t_s, hip), tmp_path / "t.npz")
        source = str(tmp_path / "t.npz")
    code, out, err = run_cli(capsys, "bench", source)
    assert (code, out) == (2, "")
    assert err == f"posecoach: {source}: bench times the pose model on a video's frames; give a video file\n"
