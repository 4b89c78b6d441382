"""Issue 17, damaged documents: whatever damage an exercise file, an answers file, a user's override
or posecoach's own JSON (safety follow-ups, eval annotations) has, reading it gives one line naming
the file, as a UserError, or the document as read: never another exception.

The property tests start from documents that load and damage them two ways: the text (a cut, bytes
put in, a line doubled or dropped, cut short) and the data (a key dropped, added, or given a value
of another kind, then written back as TOML or JSON).
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posecoach import documents
from posecoach.errors import UserError
from posecoach.exercise import overrides
from posecoach.exercise.catalogue import exercises_dir, load_exercise, load_exercise_file
from posecoach.live.answers import load_answers
from posecoach.live.followups import FollowUpStore
from posecoach.tuning.truth import find_truth, manifest_entries

DEEP = 100_000


# ---- posecoach's own JSON, nested past Python's recursion limit ----------------------------------

def test_safety_follow_ups_nested_too_deeply_are_damaged_not_an_internal_error(tmp_path):
    path = tmp_path / "followups.json"
    path.write_text('{"a": ' * DEEP + "1" + "}" * DEEP)
    with pytest.raises(UserError) as raised:
        FollowUpStore(path).load()
    assert str(raised.value) == (f"{path}: damaged (nested too deeply); delete it, and posecoach will ask "
                                 "the whole safety check again")


def test_an_eval_manifest_or_sidecar_nested_too_deeply_is_one_line(tmp_path):
    (tmp_path / "manifest.json").write_text("[" * DEEP + "]" * DEEP)
    with pytest.raises(UserError) as raised:
        manifest_entries(tmp_path)
    assert str(raised.value) == f"{tmp_path / 'manifest.json'}: not valid JSON: nested too deeply"
    sidecar = tmp_path / "clip.json"
    sidecar.write_text('{"reps": ' * DEEP)
    with pytest.raises(UserError) as raised:
        find_truth(tmp_path / "clip.mp4")
    assert str(raised.value) == f"{sidecar}: not valid JSON: nested too deeply"


# ---- property tests: damaged documents give a UserError naming the file, or load ----------------

SCALARS = (st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.text(max_size=12)
           | st.floats(allow_nan=True, allow_infinity=True))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=3), max_leaves=8)


def _loads_or_names_the_file(load, path: Path):
    try:
        return load(path)
    except UserError as error:
        message = str(error)
        assert "\n" not in message, message
        assert str(path) in message, message
        return None


@st.composite
def text_damage(draw, text: str) -> bytes:
    data = text.encode()
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["cut", "insert", "double-line", "drop-line", "truncate"]))
        if kind == "cut":
            data = data[:at] + data[at + draw(st.integers(1, 40)):]
        elif kind == "insert":
            data = data[:at] + draw(st.binary(min_size=1, max_size=8) | st.sampled_from(
                [b"[", b"]", b"{", b"=", b'"', b"\n[x]\n", b"\xff", b"nan", b"1e999", b"\n"])) + data[at:]
        elif kind == "truncate":
            data = data[:at]
        else:
            lines = data.split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            lines[i:i + 1] = [lines[i]] * (2 if kind == "double-line" else 0)
            data = b"\n".join(lines)
    return data


def _paths(node, prefix=()):
    """Every key path in a document, tables and lists alike."""
    yield prefix
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield from _paths(value, (*prefix, key))


@st.composite
def data_damage(draw, document: dict) -> dict:
    document = json.loads(json.dumps(document))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(list(_paths(document))[1:] or [("extra",)]))
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["drop", "replace", "add"]))
        with contextlib.suppress(KeyError, IndexError, TypeError):
            if action == "drop":
                del parent[path[-1]]
            elif action == "replace":
                parent[path[-1]] = draw(VALUES)
            elif isinstance(parent, dict):
                parent[draw(st.text(min_size=1, max_size=8))] = draw(VALUES)
    return document


def _as_toml(document: dict) -> bytes | None:
    try:
        return documents.to_toml(document).encode()
    except (TypeError, ValueError):  # the writer has no TOML for this value (a NaN key path, ...)
        return None


SHIPPED = exercises_dir() / "glute_bridge.toml"
ANSWERS = {"red_flags": {"saddle_numbness": False, "fever": "unsure"}, "pain_before": 2, "pain_after": 3,
           "keys": [{"t_s": 12.5, "key": "hurt"}]}
OVERRIDE = {"set": {"phases.up.bands.0.enter_above": 165.0, "phases.up.bands.0.exit_below": 158.0}}
PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def shipped_document() -> dict:
    return documents.read_document(SHIPPED)


@PROPERTY
@given(data=st.data())
def test_a_damaged_exercise_file_loads_or_names_the_file(shipped_document, data):
    kind = data.draw(st.sampled_from(["text", "data"]))
    content = (data.draw(text_damage(SHIPPED.read_text())) if kind == "text"
               else _as_toml(data.draw(data_damage(shipped_document))))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "glute_bridge.toml"
        path.write_bytes(content or b"")
        _loads_or_names_the_file(load_exercise_file, path)


@PROPERTY
@given(data=st.data(), suffix=st.sampled_from([".toml", ".json"]))
def test_a_damaged_answers_file_loads_or_names_the_file(data, suffix):
    damaged = data.draw(data_damage(ANSWERS))
    if suffix == ".json":
        text = json.dumps(damaged)  # NaN and Infinity included: Python's JSON reads them
        content = data.draw(text_damage(text)) if data.draw(st.booleans()) else text.encode()
    else:
        content = _as_toml(damaged) or b""
        content = data.draw(text_damage(content.decode())) if data.draw(st.booleans()) else content
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"answers{suffix}"
        path.write_bytes(content)
        _loads_or_names_the_file(load_answers, path)


@PROPERTY
@given(data=st.data())
def test_a_damaged_override_loads_or_names_the_file(data, monkeypatch_module):
    damaged = data.draw(data_damage(OVERRIDE))
    if data.draw(st.booleans()):  # a value at a key path the exercise may not have
        key = data.draw(st.sampled_from(["phases.up.bands.0.enter_above", "phases.up.bands.9.enter_above",
                                         "measurements", "phases.up", "id", "nope.deeper", "phases.up.bands.x"]))
        damaged.setdefault("set", {})
        if isinstance(damaged["set"], dict):
            damaged["set"][key] = data.draw(VALUES)
    content = _as_toml(damaged) or b""
    if data.draw(st.booleans()):
        content = data.draw(text_damage(content.decode()))
    with tempfile.TemporaryDirectory() as tmp:
        monkeypatch_module.setenv(overrides.CONFIG_ENV, tmp)
        path = Path(tmp) / "overrides" / "glute_bridge.toml"
        path.parent.mkdir()
        path.write_bytes(content)
        _loads_or_names_the_file(lambda _p: load_exercise("glute_bridge"), path)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_the_damage_strategies_reach_the_loaders_checks():
    """The property tests are only worth something if damage gets past the parser: one that does."""
    document = documents.read_document(SHIPPED)
    document["phases"]["up"]["bands"][0]["enter_above"] = 1000.0  # past the parser and pydantic: the range check
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "glute_bridge.toml"
        path.write_text(documents.to_toml(document))
        with pytest.raises(UserError) as raised:
            load_exercise_file(path)
    assert f"{path}: phases.up.bands.0: thresholds" in str(raised.value)


@pytest.mark.parametrize("value", ["true", '"3"', "3.0"])
def test_a_pain_rating_in_an_answers_file_is_a_whole_number_not_a_yes(tmp_path, value):
    # Read laxly, `pain_before = true` was a rating of 1 given for the person.
    path = tmp_path / "answers.toml"
    path.write_text(f"pain_before = {value}\n")
    with pytest.raises(UserError, match=r"answers\.toml: pain_before: "):
        load_answers(path)
