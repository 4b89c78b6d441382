"""What a live session will coach: the exercises of a routine (or one exercise) with their doses.

Each item carries its spec with the routine's dose written into the targets, so the tracker,
the overlay and the flow all see the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import ValidationError

from posecoach.documents import first_problem
from posecoach.errors import UserError
from posecoach.exercise.spec import SIDES, ExerciseSpec, RoutineSpec, RoutineStep

DEFAULT_ROUTINE = "start_programme"  # what `posecoach live` coaches when not told

Segment = tuple[int, str | None]  # (set number from 1, side for "one side then the other")


@dataclass(frozen=True)
class PlanItem:
    spec: ExerciseSpec
    target: int  # reps (or holds, for a hold-only exercise) per side and set
    sets: int
    rest_after_s: float | None  # the routine's rest after this exercise; None: the flow's default
    note: str | None = None  # the routine's own word on this exercise (RoutineStep.note)

    @property
    def unit(self) -> str:
        return "reps" if self.spec.rep else "holds"

    @property
    def segments(self) -> tuple[Segment, ...]:
        """One segment per set, or per set and side when the sides are done one after the other."""
        sides: tuple[str | None, ...] = SIDES if self.spec.sides == "each" else (None,)
        return tuple((n, side) for n in range(1, self.sets + 1) for side in sides)

    def dose_text(self) -> str:
        """'8 reps, hold 3 s', '3 holds of 20 s each side', 'hold 300 s', plus the sets."""
        hold = self.spec.targets.hold_s
        per_side = " each side" if self.spec.unilateral else ""
        if self.spec.rep:
            parts = [f"{self.target} rep{'s' if self.target > 1 else ''}{per_side}",
                     f"hold {hold:g} s" if hold else None]
        elif self.target > 1:
            parts = [f"{self.target} holds" + (f" of {hold:g} s" if hold else "") + per_side]
        else:
            parts = [(f"hold {hold:g} s" if hold else "hold") + per_side]
        if self.sets > 1:
            parts.append(f"{self.sets} sets")
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class Plan:
    id: str
    name: str
    items: tuple[PlanItem, ...]
    advice: str = ""  # the routine's own advice (its description): shown on the first card and the summary


def _with_dose(spec: ExerciseSpec, step: RoutineStep) -> ExerciseSpec:
    changes = {k: v for k, v in (("reps", step.reps), ("sets", step.sets), ("hold_s", step.hold_s))
               if v is not None}
    if not changes:
        return spec
    return spec.model_copy(update={"targets": spec.targets.model_copy(update=changes)})


def plan_item(spec: ExerciseSpec, step: RoutineStep | None = None) -> PlanItem:
    step = step or RoutineStep(exercise=spec.id)
    spec = _with_dose(spec, step)
    target = spec.targets.reps or 1
    return PlanItem(spec, target, spec.targets.sets, step.rest_s, step.note)


def plan_from_routine(routine: RoutineSpec, load: Callable[[str], ExerciseSpec]) -> Plan:
    items = tuple(plan_item(load(step.exercise), step) for step in routine.steps)
    return Plan(routine.id, routine.name, items, routine.description)


def plan_for_exercise(spec: ExerciseSpec, reps: int | None = None, sets: int | None = None) -> Plan:
    try:  # --reps and --sets within the bounds a routine file has
        step = RoutineStep(exercise=spec.id, reps=reps, sets=sets)
    except ValidationError as e:
        raise UserError(f"--{first_problem(e)}") from None
    item = plan_item(spec, step)
    return Plan(spec.id, spec.name, (item,))
