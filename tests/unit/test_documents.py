"""Every settings file posecoach reads fails the same way on damage: one line, file named, no hang."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posecoach import documents
from posecoach.errors import UserError
from posecoach.exercise.catalogue import load_exercise_file, parse_file
from posecoach.exercise.spec import RoutineSpec
from posecoach.live.answers import load_answers
from posecoach.pose.models import load_manifest
from posecoach.synth.motion import load_motion
from posecoach.tuning.thresholds import with_values

LOADERS: dict[str, tuple[str, Callable[[Path], object]]] = {
    "exercise": ("glute_bridge.toml", load_exercise_file),
    "routine": ("start.toml", lambda p: parse_file(p, RoutineSpec)),
    "manifest": ("manifest.toml", load_manifest),
    "answers toml": ("answers.toml", load_answers),
    "answers json": ("answers.json", load_answers),
    "motion": ("glute_bridge.toml", load_motion),
}

DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "not utf-8": (lambda p: p.write_bytes(b"name = \"\xff\xfe\"\n"), "not UTF-8 text; save it as UTF-8"),
    "nested too deeply": (lambda p: p.write_text(
        "x = " + "[" * 50_000 + "]" * 50_000 if p.suffix == ".toml" else "[" * 50_000 + "]" * 50_000),
        "nested too deeply"),
    "a folder": (lambda p: p.mkdir(), "is a folder"),
    "a pipe": (lambda p: os.mkfifo(p), "not a regular file"),
    "missing": (lambda p: None, "no such file"),
    "too large": (lambda p: p.write_bytes(b"#" * (documents.MAX_DOCUMENT_BYTES + 1)), "too large"),
}


def _one_line_naming(error: BaseException, path: Path, words: str) -> None:
    message = str(error)
    assert "\n" not in message and str(path) in message and words in message, message


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
@pytest.mark.parametrize("loader", LOADERS, ids=list(LOADERS))
def test_a_damaged_settings_file_is_one_line_naming_it(tmp_path: Path, loader: str, damage: str) -> None:
    name, load = LOADERS[loader]
    make, words = DAMAGE[damage]
    path = tmp_path / name
    make(path)
    with pytest.raises(UserError) as error:
        load(path)  # a pipe with no writer must be refused, never opened (that would block)
    _one_line_naming(error.value, path, words)


def test_a_json_document_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    path.write_text("[1, 2]")
    with pytest.raises(UserError) as error:
        load_answers(path)
    _one_line_naming(error.value, path, "expected a JSON object")


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_as_an_exercise_file_are_a_user_error_or_an_exercise(data: bytes) -> None:
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"posecoach-hyp-{os.getpid()}" / "probe.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    try:
        load_exercise_file(path)
    except UserError as error:
        assert "\n" not in str(error) and str(path) in str(error)


def test_the_writer_round_trips_a_document() -> None:
    import tomllib

    document = {"id": "x", "n": 2, "f": 0.5, "ok": True, "quote": 'a "b"\nc', "list": [1, 2],
                "inline": [{"a": 1}], "table": {"key with space": 1, "sub": {"z": [0.25]}},
                "rows": [{"a": 1}, {"a": 2}]}
    assert tomllib.loads(documents.to_toml(document)) == document


def test_a_slider_cannot_make_thresholds_the_loader_refuses() -> None:
    from posecoach.errors import SpecError
    from posecoach.exercise.catalogue import load_exercise

    spec = load_exercise("glute_bridge")
    key = next(f"phases.{name}.bands.{i}.{form}" for name, phase in spec.phases.items()
               for i, band in enumerate(phase.bands) for form in ("enter_above", "exit_below")
               if getattr(band, form) is not None and spec.measurements[band.measurement].kind == "joint_angle")
    # 200 and 195 keep the band's own gap, so only the loader's angle-range cross-check sees them
    gap_form = "exit_below" if key.endswith("enter_above") else "enter_above"
    other = key.rsplit(".", 1)[0] + "." + gap_form
    values = {key: 200.0, other: 195.0} if key.endswith("enter_above") else {key: 195.0, other: 200.0}
    with pytest.raises(SpecError, match=r"must be within \[0, 180\] degrees"):
        with_values(spec, values)
