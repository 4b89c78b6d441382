"""Saving tuned thresholds: as the user's override, or as a new exercise file; diff first.

The shipped exercise file is never written. `plan_*` return what would be written and its
unified diff; `write_plan` writes it atomically.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from posecoach.documents import read_document, to_toml
from posecoach.errors import OutputError, SpecError
from posecoach.exercise import catalogue
from posecoach.exercise.overrides import (
    CONFIG_ENV,
    Layer,
    apply_layer,
    load_layered,
    override_path,
    read_override,
    render_override,
    value_at,
)
from posecoach.exercise.spec import ExerciseSpec
from posecoach.sinks.atomic import write_text

_EXERCISE_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class SavePlan:
    path: Path
    old_text: str
    new_text: str
    diff: str


def _diff(old: str, new: str, old_name: str, new_name: str) -> str:
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True), old_name, new_name)
    return "".join(lines)


def plan_override(exercise_id: str, values: Mapping[str, float], note: str = "") -> SavePlan:
    """The user's override for the exercise with `values` merged in (values equal to the
    shipped ones dropped), checked against the shipped file."""
    shipped = catalogue.exercises_dir() / f"{exercise_id}.toml"
    path = override_path(exercise_id)
    existing = read_override(path)
    document = read_document(shipped, SpecError)
    merged = {**(existing.values if existing else {}), **values}
    merged = {k: v for k, v in merged.items() if value_at(document, k) != v}
    load_layered(shipped, [Layer(str(path), merged)])  # raises, naming the key, if it does not fit
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    new = render_override(exercise_id, merged, note)
    return SavePlan(path, old, new, _diff(old, new, f"{path} (before)", str(path)))


def plan_exercise_file(spec: ExerciseSpec, values: Mapping[str, float], out: Path) -> SavePlan:
    """A new exercise file at `out` (id = its file name) with the thresholds changed."""
    if not _EXERCISE_ID.match(out.stem):
        raise SpecError(f"{out}: the file name is the exercise id: use lower_case_with_underscores.toml")
    before = spec.model_dump(mode="json", exclude_none=True)
    after = dict(apply_layer(before, Layer("tuning", dict(values)), out), id=out.stem)
    ExerciseSpec.model_validate(after)
    header = f"# {after['name']}: written by posecoach tune from '{spec.id}' with tuned thresholds.\n"
    new = header + to_toml(after)
    if out.is_file():  # --force: the diff is against the file being replaced
        old = out.read_text(encoding="utf-8", errors="replace")
        return SavePlan(out, old, new, _diff(old, new, f"{out} (before)", str(out)))
    old = to_toml(before)
    return SavePlan(out, old, new, _diff(old, new, f"{spec.id} (current)", str(out)))


def write_plan(plan: SavePlan) -> None:
    try:  # the overrides folder (a --save-as folder was checked to exist before any work)
        plan.path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"{plan.path.parent}: cannot make the folder for your overrides ({e.strerror}); "
                          f"set {CONFIG_ENV} to a writable folder") from None
    write_text(plan.path, plan.new_text)
