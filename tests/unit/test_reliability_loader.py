"""Issue 7, exercise files: property-based tests of the loader.

Documents are built from the real exercise files with keys dropped, keys renamed and values
replaced, written as TOML and loaded. Whatever the document, loading either gives a spec or
raises SpecError, whose one line starts with the file's path; the unchanged files load.
"""

import math
import tempfile
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from posecoach.errors import SpecError
from posecoach.exercise.catalogue import load_exercise, load_exercise_file
from posecoach.exercise.spec import ExerciseSpec

from conftest import ROOT

FILES = sorted((ROOT / "exercises").glob("*.toml"))
DOCUMENTS = {p.stem: tomllib.loads(p.read_text(encoding="utf-8")) for p in FILES}


# --- writing TOML (the standard library only reads it) -------------------------------------

def _string(text: str) -> str:
    escaped = "".join(f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F or c in '"\\' else c for c in text)
    return f'"{escaped}"'


def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)  # repr gives inf, -inf, 1e+16: all TOML
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{_string(k)} = {_value(v)}" for k, v in value.items()) + "}"


def to_toml(document: dict) -> str:
    return "".join(f"{_string(k)} = {_value(v)}\n" for k, v in document.items())


def test_the_writer_round_trips_every_exercise_file():
    for document in DOCUMENTS.values():
        assert tomllib.loads(to_toml(document)) == document


# --- mutating documents ----------------------------------------------------------------------

def _paths(node, prefix=()):
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return
    for key, child in items:
        yield (*prefix, key)
        yield from _paths(child, (*prefix, key))


def _parent(document, path):
    node = document
    for key in path[:-1]:
        node = node[key]
    return node


KNOWN_KEYS = sorted({p[-1] for d in DOCUMENTS.values() for p in _paths(d) if isinstance(p[-1], str)})
KNOWN_VALUES = [_parent(d, p)[p[-1]] for d in DOCUMENTS.values() for p in _paths(d)
                if not isinstance(_parent(d, p)[p[-1]], dict | list)]

text = st.text(st.characters(codec="utf-8"), max_size=12)
scalars = st.one_of(st.booleans(), st.integers(-(2**63), 2**63 - 1), st.floats(), text,
                    st.sampled_from(KNOWN_VALUES))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(text, inner, max_size=4)), max_leaves=8)


@st.composite
def mutated(draw):
    """(file stem, document): a real exercise file with 1 to 4 keys dropped, renamed or replaced."""
    stem = draw(st.sampled_from(sorted(DOCUMENTS)))
    document = tomllib.loads(to_toml(DOCUMENTS[stem]))  # a deep copy
    for _ in range(draw(st.integers(1, 4))):
        paths = list(_paths(document))
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, key = _parent(document, path), path[-1]
        action = draw(st.sampled_from(["drop", "rename", "replace", "nudge"]))
        if action == "drop":
            del parent[key]
        elif action == "rename" and isinstance(parent, dict):
            new_key = draw(st.one_of(st.sampled_from(KNOWN_KEYS), text))
            parent[new_key] = parent.pop(key)
        elif action == "nudge" and isinstance(parent[key], int | float) and not isinstance(parent[key], bool):
            parent[key] = parent[key] + draw(st.sampled_from([-200, -10, -1, 1, 10, 200]))
        else:
            parent[key] = draw(values)
    return stem, document


def _load_or_spec_error(path: Path, load):
    try:
        return load(path)
    except SpecError as e:
        message = str(e)
        assert message.startswith(f"{path}: "), message
        assert "\n" not in message, message
        return e


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_a_damaged_exercise_file_gives_a_spec_error_naming_the_file(case):
    stem, document = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{stem}.toml"
        path.write_text(to_toml(document), encoding="utf-8")
        result = _load_or_spec_error(path, load_exercise_file)
        # The same through the public entry point (a .toml path goes through the override layers).
        again = _load_or_spec_error(path, lambda p: load_exercise(str(p)))
        assert type(result) is type(again)
        event("loads" if isinstance(result, ExerciseSpec) else str(result).split(": ")[1].split(".")[0])
        if isinstance(result, ExerciseSpec):
            assert result.id == stem


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_bytes_that_are_not_toml_give_a_spec_error(content):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "glute_bridge.toml"
        path.write_bytes(content)
        assert isinstance(_load_or_spec_error(path, load_exercise_file), SpecError)


@pytest.mark.parametrize("stem", sorted(DOCUMENTS))
def test_an_unchanged_file_written_back_loads_the_same(stem, tmp_path):
    path = tmp_path / f"{stem}.toml"
    path.write_text(to_toml(DOCUMENTS[stem]), encoding="utf-8")
    assert load_exercise_file(path) == load_exercise_file(ROOT / "exercises" / f"{stem}.toml")


@pytest.mark.parametrize("change", [
    lambda d: d["measurements"].update({"a\nb": d["measurements"].pop("hip")}),
    lambda d: d["required_landmarks"].append("left\nhip"),
], ids=["key", "value"])
def test_a_line_break_in_a_name_still_gives_one_line(change, tmp_path):
    document = tomllib.loads(to_toml(DOCUMENTS["glute_bridge"]))
    change(document)
    path = tmp_path / "glute_bridge.toml"
    path.write_text(to_toml(document), encoding="utf-8")
    with pytest.raises(SpecError) as error:
        load_exercise_file(path)
    assert "\n" not in str(error.value)
