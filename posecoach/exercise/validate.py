"""The checks one key cannot make alone: references between sections and threshold ranges.

The loader, the override layers and the tuning sliders all validate through here, so a value
that loading would refuse can never be produced any other way.
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from posecoach import documents
from posecoach.errors import SpecError
from posecoach.exercise.measure import landmark_names
from posecoach.exercise.spec import ANGLE_KINDS, Check, ExerciseSpec, Measurement
from posecoach.types import Landmark

# Tagged unions put the tag (e.g. "rep_reaches") into pydantic's key path; it is not a key.
UNION_TAGS = frozenset(
    typing.get_args(member.model_fields["kind"].annotation)[0]
    for union in (Measurement, Check) for member in typing.get_args(typing.get_args(union)[0]))
UNKNOWN_KEY = "unknown key (check the spelling; see docs in README 'Adding an exercise')"
Model = TypeVar("Model", bound=BaseModel)


def parse_file(path: Path, model: type[Model]) -> Model:
    """An exercise or routine file as `model`, each key checked on its own."""
    return documents.load_model(path, model, SpecError, UNION_TAGS, UNKNOWN_KEY)


def load_exercise_file(path: Path) -> ExerciseSpec:
    """The exercise file at `path` as shipped (no personal layers), fully checked."""
    spec = parse_file(path, ExerciseSpec)
    raise_first(cross_check(spec), path)
    if path.stem != spec.id:
        raise SpecError(f"{path}: id: '{spec.id}' must match the file name '{path.stem}'")
    return spec


def raise_first(problems: list[tuple[str, str]], origin: object) -> None:
    if problems:
        where, message = problems[0]
        raise SpecError(f"{origin}: {where}: {message}")


def landmark_problem(name: str) -> str | None:
    templated = "{side}" in name or "{other}" in name
    probe = name.replace("{side}", "left").replace("{other}", "right")
    if probe.upper() not in Landmark.__members__:
        return f"unknown landmark '{name}'" + (" (use {side}_hip style templates)" if not templated else "")
    return None


def cross_check(spec: ExerciseSpec) -> list[tuple[str, str]]:
    """Problems a single key cannot see: references between sections and threshold ranges."""
    problems: list[tuple[str, str]] = []
    for i, name in enumerate(spec.required_landmarks):
        if problem := landmark_problem(name):
            problems.append((f"required_landmarks.{i}", problem))
    for key, m in spec.measurements.items():
        for name in landmark_names(m):
            if problem := landmark_problem(name):
                problems.append((f"measurements.{key}", problem))
    known = ", ".join(spec.measurements)
    for phase_name, phase in spec.phases.items():
        for group, i, band in phase.all_bands:
            where = f"phases.{phase_name}.{group}.{i}"
            m = spec.measurements.get(band.measurement)
            if m is None:
                problems.append((f"{where}.measurement", f"unknown measurement '{band.measurement}' (known: {known})"))
            elif m.kind in ANGLE_KINDS:
                lo, hi = ANGLE_KINDS[m.kind]
                if any(not lo <= v <= hi for v in band.thresholds):
                    problems.append((where, f"thresholds for {m.kind} '{band.measurement}' "
                                     f"must be within [{lo:g}, {hi:g}] degrees"))
    phases = ", ".join(spec.phases)
    if spec.rep:
        for i, name in enumerate(spec.rep.sequence):
            if name not in spec.phases:
                problems.append((f"rep.sequence.{i}", f"unknown phase '{name}' (known: {phases})"))
    if spec.hold and spec.hold.phase not in spec.phases:
        problems.append(("hold.phase", f"unknown phase '{spec.hold.phase}' (known: {phases})"))
    elif spec.hold and spec.hold.settle_within and spec.phases[spec.hold.phase].bands[0].form == "enter_between":
        problems.append(("hold.settle_within", "needs the hold phase's first band to be enter_above or "
                                               "enter_below (the furthest value is then the highest or lowest)"))
    for i, check in enumerate(spec.checks):
        if check.measurement not in spec.measurements:
            problems.append((f"checks.{i}.measurement", f"unknown measurement '{check.measurement}' (known: {known})"))
        for j, name in enumerate(getattr(check, "phases", [])):
            if name not in spec.phases:
                problems.append((f"checks.{i}.phases.{j}", f"unknown phase '{name}' (known: {phases})"))
    return problems
