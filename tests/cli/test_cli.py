"""The command line: exit codes and one-line messages for bad input (no model needed)."""

import os
import subprocess
import sys

import pytest

from posecoach.cli.commands import main
from posecoach.exercise.catalogue import load_exercise

from conftest import run_cli


def _file(name: str, content: bytes | None):
    def make(folder):
        if content is not None:
            (folder / name).write_bytes(content)
        return folder / name if name else folder
    return make


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_file("missing.mp4", None), "missing.mp4: no such file; check the path"),
        (_file("", None), "is a directory; give a video file"),
        (_file("empty.mp4", b""), "empty.mp4: the file is empty; give a video file"),
        (lambda folder: (os.mkfifo(folder / "pipe.npz"), folder / "pipe.npz")[1],
         "pipe.npz: not a regular file (a pipe or a device?); give a pose track (.npz) file"),
        (lambda folder: (os.mkfifo(folder / "pipe.mp4"), folder / "pipe.mp4")[1],
         "pipe.mp4: not a regular file (a pipe or a device?); give a video file"),
        (_file("notes.mp4", b"not a video"), "notes.mp4: cannot decode this file as video; convert it to MP4 (H.264)"),
        (_file("t.npz", b"junk"), "t.npz: not a readable pose track"),
    ],
)
def test_unreadable_input_exits_2_with_one_line(tmp_path, capsys, make, message):
    code, out, err = run_cli(capsys, "replay", str(make(tmp_path)), "-e", "glute_bridge")
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_unknown_exercise_suggests_the_nearest(capsys, tmp_path):
    code, _, err = run_cli(capsys, "replay", str(tmp_path / "x.mp4"), "-e", "glute_brige")
    assert code == 2
    assert err.strip() == "posecoach: unknown exercise 'glute_brige': did you mean glute_bridge?"


def test_existing_output_is_refused_without_force(capsys, tmp_path):
    report = tmp_path / "r.json"
    report.write_text("{}")
    code, _, err = run_cli(capsys, "replay", "x.mp4", "-e", "glute_bridge", "--report", str(report))
    assert code == 2
    assert err.strip() == f"posecoach: {report}: already exists; use --force to overwrite it"
    assert report.read_text() == "{}"


def test_unwritable_output_folder(capsys, tmp_path):
    code, _, err = run_cli(capsys, "replay", "x.mp4", "-e", "glute_bridge",
                           "--report", str(tmp_path / "nope" / "r.json"))
    assert code == 2
    assert "nope: no such folder; create it or choose another output path" in err


def test_exercises_lists_ids_and_show_prints_the_definition(capsys):
    code, out, _ = run_cli(capsys, "exercises")
    assert code == 0
    assert "glute_bridge" in out and "Glute bridge" in out
    code, out, _ = run_cli(capsys, "exercises", "show", "glute_bridge")
    assert code == 0
    up = load_exercise("glute_bridge").phases["up"].bands[0]
    assert f"phase up: hip >= {up.enter_above:g} (leave < {up.exit_below:g})" in out
    assert "a rep: down -> up -> down" in out


def test_bad_argument_exits_2_through_the_real_entry_point():
    result = subprocess.run([sys.executable, "-m", "posecoach", "replay"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_synth_without_its_extra_says_how_to_install_it(capsys):
    pytest.importorskip("numpy")
    try:
        import anny  # noqa: F401
        pytest.skip("the synth extra is installed")
    except ImportError:
        pass
    code, _, err = run_cli(capsys, "synth", "glute_bridge", "-o", "x.mp4")
    assert code == 2
    assert err.strip() == ("posecoach: synth needs the 'synth' extra (anny is missing): "
                           "pip install -e '.[synth]' (torch, anny, moderngl)")


def test_synth_help_is_the_renderer_s_own(capsys):
    with pytest.raises(SystemExit) as done:
        main(["synth", "--help"])
    assert done.value.code == 0
    assert "usage: posecoach synth" in capsys.readouterr().out
