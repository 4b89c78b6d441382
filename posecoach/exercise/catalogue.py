"""Finding and loading exercise and routine files, with errors that name file and key path."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from posecoach.bundled import bundled_dir
from posecoach.errors import SpecError
from posecoach.exercise.overrides import Layer, load_layered, user_layers
from posecoach.exercise.spec import ExerciseSpec, RoutineSpec
from posecoach.exercise.validate import load_exercise_file, parse_file

__all__ = ["load_exercise_file", "parse_file"]  # with the functions below: the catalogue's API

EXERCISES_ENV = "POSECOACH_EXERCISES_DIR"


def exercises_dir() -> Path:
    """The folder of exercise files: $POSECOACH_EXERCISES_DIR or the shipped `exercises/`."""
    override = os.environ.get(EXERCISES_ENV)
    return Path(override) if override else bundled_dir("exercises")


def routines_dir() -> Path:
    return exercises_dir() / "routines"


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
        if phase.unless:
            bands += "; unless " + " or ".join(_band_text(b) for b in phase.unless)
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
