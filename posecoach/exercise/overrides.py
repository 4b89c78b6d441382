"""Personal overrides layered over the shipped exercise files.

Layers, lowest first: the shipped file < the user's override < `--set` values. An override is
a TOML file in the user's config folder (`<config dir>/posecoach/overrides/<id>.toml`, or
`$POSECOACH_CONFIG_DIR/overrides/<id>.toml`) with one table of key paths, the same paths the
command line takes:

    [set]
    "phases.up.bands.0.enter_above" = 162
    "phases.up.bands.0.exit_below" = 156

Every path must exist in the shipped file, so an override that no longer fits (the file was
changed) fails with an error naming the override file and the key. The shipped file is never
written to.
"""

from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from pydantic import ValidationError

from posecoach import documents
from posecoach.errors import SpecError
from posecoach.exercise import validate
from posecoach.exercise.spec import ExerciseSpec

CONFIG_ENV = "POSECOACH_CONFIG_DIR"
Value = float | int | str | bool | list


@dataclass(frozen=True)
class Layer:
    origin: str  # where the values come from, for error messages: a file or "--set"
    values: dict[str, Value]


def config_dir() -> Path:
    override = os.environ.get(CONFIG_ENV)
    return Path(override).expanduser() if override else Path(platformdirs.user_config_dir("posecoach"))


def override_path(exercise_id: str) -> Path:
    return config_dir() / "overrides" / f"{exercise_id}.toml"


def parse_value(text: str) -> Value:
    """A TOML value (`162`, `[1, 2]`, `true`, `"x"`); anything else is taken as a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_sets(items: list[str] | None) -> Layer:
    """`--set phases.up.bands.0.enter_above=162` arguments as a layer."""
    values: dict[str, Value] = {}
    for item in items or []:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise SpecError(f"--set {item}: expected KEY.PATH=VALUE, e.g. phases.up.bands.0.enter_above=162")
        values[key.strip()] = parse_value(text.strip())
    return Layer("--set", values)


def read_override(path: Path) -> Layer | None:
    if not path.exists():
        return None
    try:
        data = documents.read_document(path, SpecError)
    except SpecError as e:
        raise SpecError(f"cannot read this override ({e}); fix or delete it") from None
    unknown = sorted(set(data) - {"set"})
    if unknown or not isinstance(data.get("set", {}), dict):
        raise SpecError(f"{path}: an override holds one [set] table of key paths; found {unknown or ['set']}")
    return Layer(str(path), dict(data.get("set", {})))


def _step(node, segment: str):
    if isinstance(node, dict):
        return segment in node, segment
    if isinstance(node, list) and segment.isdecimal() and int(segment) < len(node):
        return True, int(segment)
    return False, segment


def apply_layer(data: dict, layer: Layer, shipped: Path) -> dict:
    """A copy of `data` with the layer's values set; every key path must already exist."""
    data = copy.deepcopy(data)
    for key, value in layer.values.items():
        node, parts = data, key.split(".")
        for depth, segment in enumerate(parts):
            found, index = _step(node, segment)
            if not found:
                where = ".".join(parts[:depth]) or "the top level"
                known = ", ".join(map(str, node)) if isinstance(node, dict) else f"0..{len(node) - 1}" \
                    if isinstance(node, list) else "nothing (it is a value)"
                raise SpecError(f"{layer.origin}: {key}: no '{segment}' under {where} in {shipped} "
                                f"(known: {known}); the shipped file changed? fix or delete the override")
            if depth == len(parts) - 1:
                node[index] = value
            else:
                node = node[index]
    return data


def _blame(where: str, layers: list[Layer]) -> Layer | None:
    for layer in reversed(layers):
        for key in layer.values:
            if where == key or where.startswith(key + ".") or key.startswith(where + "."):
                return layer
    return None


def validate_layered(data: dict, shipped: Path, layers: list[Layer]) -> ExerciseSpec:
    """Validate the merged document; a problem at an overridden key names the override."""
    try:
        spec = ExerciseSpec.model_validate(data)
        problems = validate.cross_check(spec)
    except ValidationError as e:
        where, _, message = documents.first_problem(e, validate.UNION_TAGS).partition(": ")
        problems, spec = [(where, message)], None
    if problems:
        where, message = problems[0]
        layer = _blame(where, layers)
        origin = f"{layer.origin} (over {shipped})" if layer else str(shipped)
        raise SpecError(f"{origin}: {where}: {message}")
    return spec


def user_layers(exercise_id: str, sets: Mapping[str, Value] | None) -> list[Layer]:
    layers = [layer for layer in (read_override(override_path(exercise_id)),) if layer is not None]
    return layers + ([Layer("--set", dict(sets))] if sets else [])


def load_layered(path: Path, layers: list[Layer]) -> ExerciseSpec:
    """The exercise file at `path` with the layers applied in order."""
    if not any(layer.values for layer in layers):
        return validate.load_exercise_file(path)
    validate.load_exercise_file(path)  # the shipped file must be valid on its own
    data = documents.read_document(path, SpecError)
    for layer in layers:
        data = apply_layer(data, layer, path)
    spec = validate_layered(data, path, layers)
    if spec.id != path.stem:
        raise SpecError(f"{path}: id: an override cannot rename the exercise (to '{spec.id}')")
    return spec


def render_override(exercise_id: str, values: Mapping[str, Value], note: str = "") -> str:
    """The text of an override file holding `values`."""
    lines = [f"# posecoach: personal values for '{exercise_id}', layered over the shipped exercise file.",
             "# Delete this file to go back to the shipped values."]
    lines += [f"# {line}" for line in note.splitlines()]
    lines.append("[set]")
    lines += [f'"{key}" = {documents.toml_value(value)}' for key, value in values.items()]
    return "\n".join(lines) + "\n"


def value_at(data, key: str):
    """The value at a key path in a document (None when it is not there)."""
    node = data
    for segment in key.split("."):
        found, index = _step(node, segment)
        if not found:
            return None
        node = node[index]
    return node
