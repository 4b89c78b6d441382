"""An exercise's thresholds as key paths (`phases.up.bands.0.enter_above`), read and changed.

The same key paths are used by `--set`, by override files and by the tuning sliders.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import ValidationError

from posecoach import documents
from posecoach.errors import SpecError
from posecoach.exercise import validate
from posecoach.exercise.overrides import Layer, apply_layer
from posecoach.exercise.spec import BAND_FORMS, Band, ExerciseSpec


@dataclass(frozen=True)
class Threshold:
    key: str
    phase: str
    measurement: str
    field: str  # enter_above, exit_below, ...; enter_between.0 for a range's low end
    value: float
    group: str = "bands"  # or "unless": a band of a look-alike that stops the phase

    @property
    def is_enter(self) -> bool:
        return self.field.startswith("enter")


def band_fields(band: Band) -> list[tuple[str, float]]:
    enter, exit_ = band.form, BAND_FORMS[band.form]
    if enter == "enter_between":
        (lo, hi), (out_lo, out_hi) = band.enter_between, band.exit_outside
        return [("enter_between.0", lo), ("enter_between.1", hi), ("exit_outside.0", out_lo),
                ("exit_outside.1", out_hi)]
    return [(enter, getattr(band, enter)), (exit_, getattr(band, exit_))]


def thresholds(spec: ExerciseSpec) -> list[Threshold]:
    found = []
    for phase_name, phase in spec.phases.items():
        for group, i, band in phase.all_bands:
            for field, value in band_fields(band):
                key = f"phases.{phase_name}.{group}.{i}.{field}"
                found.append(Threshold(key, phase_name, band.measurement, field, float(value), group))
    return found


def band_measurements(spec: ExerciseSpec) -> list[str]:
    """The measurements phases are decided on, in file order."""
    names = [b.measurement for p in spec.phases.values() for _, _, b in p.all_bands]
    return list(dict.fromkeys(names))


def with_values(spec: ExerciseSpec, values: Mapping[str, float]) -> ExerciseSpec:
    """A copy of the spec with thresholds changed (raises SpecError if it breaks a band)."""
    if not values:
        return spec
    data = apply_layer(spec.model_dump(mode="json"), Layer("tuning", dict(values)),
                       f"exercise '{spec.id}'")
    try:
        tuned = ExerciseSpec.model_validate(data)
    except ValidationError as e:
        raise SpecError(documents.first_problem(e, validate.UNION_TAGS)) from None
    # The same cross-checks as loading: a slider can never make thresholds the loader refuses.
    validate.raise_first(validate.cross_check(tuned), f"exercise '{spec.id}'")
    return tuned


def changed(spec: ExerciseSpec, values: Mapping[str, float]) -> dict[str, float]:
    """The values that differ from the spec's own."""
    current = {t.key: t.value for t in thresholds(spec)}
    return {k: v for k, v in values.items() if current.get(k) != v}
