"""Finding and loading exercise and routine files, with errors that name file and key path."""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from posecoach.bundled import bundled_dir
from posecoach.errors import SpecError
from posecoach.exercise.measure import landmark_names
from posecoach.exercise.spec import ANGLE_KINDS, ExerciseSpec, RoutineSpec
from posecoach.types import Landmark

EXERCISES_ENV = "POSECOACH_EXERCISES_DIR"
Model = TypeVar("Model", bound=BaseModel)


def exercises_dir() -> Path:
    """The folder of exercise files: $POSECOACH_EXERCISES_DIR or the shipped `exercises/`."""
    override = os.environ.get(EXERCISES_ENV)
    return Path(override) if override else bundled_dir("exercises")


def routines_dir() -> Path:
    return exercises_dir() / "routines"


def _format_location(loc: Iterable[str | int]) -> str:
    # Discriminated unions put the tag (e.g. "rep_reaches") into the path; drop it.
    parts = [str(p) for p in loc]
    tags = {"joint_angle", "segment_angle", "height", "distance", "line_offset",
            "lateral_offset", "sway_direction", "sway_distance", "rep_reaches", "stays_within"}
    return ".".join(p for p in parts if p not in tags) or "(top level)"


def _first_error(path: Path, error: ValidationError) -> SpecError:
    first = error.errors()[0]
    where = _format_location(first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key (check the spelling; see docs in README 'Adding an exercise')"
    more = len(error.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return SpecError(f"{path}: {where}: {message}{suffix}")


def parse_file(path: Path, model: type[Model]) -> Model:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError(f"{path}: cannot read: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise SpecError(f"{path}: not valid TOML: {e}") from None
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise _first_error(path, e) from None


def _landmark_problem(name: str) -> str | None:
    templated = "{side}" in name or "{other}" in name
    probe = name.replace("{side}", "left").replace("{other}", "right")
    if probe.upper() not in Landmark.__members__:
        return f"unknown landmark '{name}'" + (" (use {side}_hip style templates)" if not templated else "")
    return None


def _cross_check(spec: ExerciseSpec) -> list[tuple[str, str]]:
    """Problems a single key cannot see: references between sections and threshold ranges."""
    problems: list[tuple[str, str]] = []
    for i, name in enumerate(spec.required_landmarks):
        if problem := _landmark_problem(name):
            problems.append((f"required_landmarks.{i}", problem))
    for key, m in spec.measurements.items():
        for name in landmark_names(m):
            if problem := _landmark_problem(name):
                problems.append((f"measurements.{key}", problem))
    known = ", ".join(spec.measurements)
    for phase_name, phase in spec.phases.items():
        for i, band in enumerate(phase.bands):
            where = f"phases.{phase_name}.bands.{i}"
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
    elif spec.hold and spec.hold.settle_within and spec.phases[spec.hold.phase].bands[0].enter_between:
        problems.append(("hold.settle_within", "needs the hold phase's first band to be enter_above or "
                                               "enter_below (the furthest value is then the highest or lowest)"))
    for i, check in enumerate(spec.checks):
        if check.measurement not in spec.measurements:
            problems.append((f"checks.{i}.measurement", f"unknown measurement '{check.measurement}' (known: {known})"))
        for j, name in enumerate(getattr(check, "phases", [])):
            if name not in spec.phases:
                problems.append((f"checks.{i}.phases.{j}", f"unknown phase '{name}' (known: {phases})"))
    return problems


def load_exercise_file(path: Path) -> ExerciseSpec:
    spec = parse_file(path, ExerciseSpec)
    problems = _cross_check(spec)
    if problems:
        where, message = problems[0]
        raise SpecError(f"{path}: {where}: {message}")
    if path.stem != spec.id:
        raise SpecError(f"{path}: id: '{spec.id}' must match the file name '{path.stem}'")
    return spec


def _ids_in(directory: Path, kind: str) -> list[str]:
    """The ids of the `kind` files in `directory`; none at all is an error, never an empty listing."""
    fix = f"check ${EXERCISES_ENV}" if os.environ.get(EXERCISES_ENV) else "reinstall posecoach"
    if not directory.is_dir():
        raise SpecError(f"{directory}: no {kind} folder there; {fix}")
    ids = sorted(p.stem for p in directory.glob("*.toml"))
    if not ids:
        raise SpecError(f"{directory}: no {kind} files (*.toml) there; {fix}")
    return ids


def exercise_ids(directory: Path | None = None) -> list[str]:
    return _ids_in(directory or exercises_dir(), "exercise")


def _unknown(kind: str, wanted: str, known: list[str]) -> SpecError:
    close = difflib.get_close_matches(wanted, known, n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}?" if close else f"run 'posecoach {kind}s' to list them"
    return SpecError(f"unknown {kind} '{wanted}': {hint}")


def load_exercise(exercise_id: str, directory: Path | None = None, sets: dict | None = None) -> ExerciseSpec:
    """Load by id, or by path when given something that looks like a file.

    Layered (issue 5, see overrides.py): the file < the user's override for this id (not for
    a file given by path) < `sets` ({"phases.up.bands.0.enter_above": 162}, from --set).
    """
    from posecoach.exercise.overrides import Layer, load_layered, user_layers

    if exercise_id.endswith(".toml"):
        return load_layered(Path(exercise_id), [Layer("--set", dict(sets))] if sets else [])
    directory = directory or exercises_dir()
    path = directory / f"{exercise_id}.toml"
    if not path.is_file():
        raise _unknown("exercise", exercise_id, exercise_ids(directory))
    return load_layered(path, user_layers(exercise_id, sets))


def load_all_exercises(directory: Path | None = None) -> dict[str, ExerciseSpec]:
    directory = directory or exercises_dir()
    return {i: load_exercise(i, directory) for i in exercise_ids(directory)}


def routine_ids(directory: Path | None = None) -> list[str]:
    return _ids_in(directory or routines_dir(), "routine")


def describe_step(step) -> str:
    spec = load_exercise(step.exercise)
    t = spec.targets
    reps, sets, hold = step.reps or t.reps, step.sets or t.sets, step.hold_s or t.hold_s
    dose = [f"{reps} reps" if reps else None, f"{sets} sets" if sets and sets > 1 else None,
            f"hold {hold:g} s" if hold else None]
    return f"{spec.name}: {', '.join(d for d in dose if d) or 'as comfortable'}"


def load_routine(routine_id: str, directory: Path | None = None) -> RoutineSpec:
    directory = directory or routines_dir()
    path = directory / f"{routine_id}.toml"
    if not path.is_file():
        raise _unknown("routine", routine_id, routine_ids(directory))
    routine = parse_file(path, RoutineSpec)
    known = exercise_ids(directory.parent)
    for i, step in enumerate(routine.steps):
        if step.exercise not in known:
            error = _unknown("exercise", step.exercise, known)
            raise SpecError(f"{path}: steps.{i}.exercise: {error}")
    return routine



def describe_exercise(spec: ExerciseSpec) -> str:
    """A human-readable summary: what to do, the dose, the camera set-up and what is measured."""
    t = spec.targets
    dose = [f"{t.reps} reps" if t.reps else None, f"{t.sets} sets" if t.sets > 1 else None,
            f"hold {t.hold_s:g} s" if t.hold_s else None, f"rest {t.rest_s:g} s" if t.rest_s else None,
            f"at least {t.rep_min_s:g} s per rep" if t.rep_min_s and not t.too_fast_cue else None]
    lines = [f"{spec.name} ({spec.id})", f"  position: {spec.position}; camera: {spec.view} view",
             f"  set-up: {spec.setup}", f"  sides: {spec.sides}",
             f"  dose: {', '.join(d for d in dose if d) or 'as comfortable'}"]
    if t.rep_min_s and t.too_fast_cue:
        lines.append(f"  tempo: \"{t.too_fast_cue}\" when a rep, timed from leaving the start position, "
                     f"takes under {t.rep_min_s:g} s")
    lines.append("  how:")
    lines += [f"    {i}. {step}" for i, step in enumerate(spec.instructions, 1)]
    lines.append("  measured: " + ", ".join(f"{n} ({m.kind})" for n, m in spec.measurements.items()))
    for name, phase in spec.phases.items():
        bands = "; ".join(_band_text(b) for b in phase.bands)
        lines.append(f"  phase {name}: {bands} (for {phase.min_dwell_s:g} s)")
    if spec.rep:
        if spec.rep.directions:
            ways = " or ".join(spec.rep.directions)
            lines.append(f"  a rep: one turn {' -> '.join(spec.rep.sequence)}, starting anywhere ({ways})")
        elif spec.rep.cycle:
            turn = [*spec.rep.sequence, spec.rep.sequence[0]]
            lines.append(f"  a rep: one turn {' -> '.join(turn)}, starting anywhere")
        else:
            lines.append(f"  a rep: {' -> '.join(spec.rep.sequence)}")
    if spec.hold:
        lines.append(f"  hold: time in '{spec.hold.phase}' (dropouts under {spec.hold.grace_s:g} s bridged)")
    lines += [f"  check: {c.cue}" for c in spec.checks]
    return "\n".join(lines)


def _band_text(band) -> str:
    if band.enter_above is not None:
        return f"{band.measurement} >= {band.enter_above:g} (leave < {band.exit_below:g})"
    if band.enter_below is not None:
        return f"{band.measurement} <= {band.enter_below:g} (leave > {band.exit_above:g})"
    (lo, hi), (out_lo, out_hi) = band.enter_between, band.exit_outside
    return f"{lo:g} <= {band.measurement} <= {hi:g} (leave outside {out_lo:g}..{out_hi:g})"
