"""The exercise file format: pydantic models, strict about every key.

An exercise file declares named measurements, phases as bands on those measurements
(enter and exit thresholds with a gap), a rep as a sequence of phases, a timed hold,
targets and form checks. `catalogue.py` loads files and turns validation failures into
one-line errors naming the file and the key path.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

Side = Literal["left", "right"]
SIDES: tuple[Side, Side] = ("left", "right")


class Strict(BaseModel):
    # No NaN or infinity anywhere: every comparison with NaN is false, so a check or threshold of
    # NaN would silently never (or always) fire.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


Space = Literal["pixel", "world"]


class JointAngle(Strict):
    """Angle at the middle landmark of three, degrees; 180 = straight."""

    kind: Literal["joint_angle"]
    points: tuple[str, str, str]
    space: Space = "pixel"


class SegmentAngle(Strict):
    """Acute angle of a segment to the image horizontal or vertical, degrees [0, 90]."""

    kind: Literal["segment_angle"]
    points: tuple[str, str]
    reference: Literal["horizontal", "vertical"]


class Height(Strict):
    """How far `point` is above `reference` (mean of its landmarks), in torso lengths."""

    kind: Literal["height"]
    point: list[str] = Field(min_length=1)
    reference: list[str] = Field(min_length=1)


class Distance(Strict):
    """Distance between the means of two landmark groups, in torso lengths."""

    kind: Literal["distance"]
    between: tuple[list[str], list[str]]
    space: Space = "pixel"


class LineOffset(Strict):
    """Signed distance of `point` from the line through `line`, in torso lengths (+ = above)."""

    kind: Literal["line_offset"]
    point: list[str] = Field(min_length=1)
    line: tuple[str, str]


class LateralOffset(Strict):
    """Sideways shift of `point` from `reference` along `axis`, in torso lengths; + = towards
    the axis's second landmark. The default axis, left hip -> right hip, is the person's
    left-right axis (+ = towards their right); `["{other}_hip", "{side}_hip"]` makes + point
    towards the side being tracked.

    With `top`, sideways is the axis made square to the line from `reference` up to `top` (e.g.
    the feet to the shoulders): a tilted hip or ankle line then leaks none of the height between
    `point` and `reference` into the shift, and a tilted camera changes nothing."""

    kind: Literal["lateral_offset"]
    point: list[str] = Field(min_length=1)
    reference: list[str] = Field(min_length=1)
    axis: tuple[str, str] = ("left_hip", "right_hip")
    top: list[str] | None = Field(None, min_length=1)
    space: Space = "world"


class _Sway(Strict):
    """How `point` has moved off the body line from `base` to `top` (e.g. the hips off the line
    from the ankles to the shoulders), seen along that line in the person's own frame: right is
    `across` (left hip -> right hip) made square to the line, forwards is the way the chest faces.
    World landmarks, so a front view still sees forwards and backwards."""

    point: list[str] = Field(min_length=1)
    base: list[str] = Field(min_length=1)
    top: list[str] = Field(min_length=1)
    across: tuple[str, str] = ("left_hip", "right_hip")


class SwayDirection(_Sway):
    """Which way, degrees in [-180, 180]: 0 = to the person's right, 90 = forwards,
    180 (= -180) = to their left, -90 = backwards. Seen from above, increasing is anticlockwise."""

    kind: Literal["sway_direction"]


class SwayDistance(_Sway):
    """How far, in torso lengths."""

    kind: Literal["sway_distance"]


class SwayForwards(_Sway):
    """How far forwards (+) or backwards (-), in torso lengths: the part of the distance along
    the way the chest faces. The front foot of a lunge is a stride ahead of the back one; the
    feet of a squat, however wide, are side by side."""

    kind: Literal["sway_forwards"]


Measurement = Annotated[
    JointAngle | SegmentAngle | Height | Distance | LineOffset | LateralOffset | SwayDirection | SwayDistance
    | SwayForwards,
    Field(discriminator="kind"),
]

ANGLE_KINDS = {"joint_angle": (0.0, 180.0), "segment_angle": (0.0, 90.0), "sway_direction": (-180.0, 180.0)}


# A band's three forms: the enter field and the exit field that goes with it.
BAND_FORMS = {"enter_above": "exit_below", "enter_below": "exit_above", "enter_between": "exit_outside"}


class Band(Strict):
    """A measurement band: enter it past the enter threshold, leave it past the exit one.

    `classify` is the one place the band rule is written; everything that asks whether a
    value is in a band (live tracking, whole-track tracking, tuning) asks it.
    """

    measurement: str
    enter_above: float | None = None
    exit_below: float | None = None
    enter_below: float | None = None
    exit_above: float | None = None
    enter_between: tuple[float, float] | None = None
    exit_outside: tuple[float, float] | None = None

    @model_validator(mode="after")
    def _one_form_with_a_gap(self) -> Band:
        forms = {
            "enter_above": (self.enter_above, "exit_below", self.exit_below),
            "enter_below": (self.enter_below, "exit_above", self.exit_above),
            "enter_between": (self.enter_between, "exit_outside", self.exit_outside),
        }
        given = [name for name, (enter, _, _) in forms.items() if enter is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of enter_above, enter_below, enter_between")
        enter, exit_name, exit_value = forms[given[0]]
        if exit_value is None:
            raise ValueError(f"{given[0]} needs {exit_name} (the threshold for leaving)")
        stray = [n for n, (_, ex_name, ex) in forms.items() if ex is not None and n != given[0]]
        if stray:
            raise ValueError(f"{forms[stray[0]][1]} does not go with {given[0]}")
        _check_gap(given[0], enter, exit_name, exit_value)
        return self

    @property
    def form(self) -> str:
        """Which enter field is given: enter_above, enter_below or enter_between."""
        return next(name for name in BAND_FORMS if getattr(self, name) is not None)

    @property
    def entered_from_below(self) -> bool:
        """An enter_above band: the further into it, the higher the value."""
        return self.enter_above is not None

    @property
    def enter_centre(self) -> float:
        """The enter threshold (the middle of the range for enter_between)."""
        return self.enter_above if self.enter_above is not None else \
            self.enter_below if self.enter_below is not None else sum(self.enter_between) / 2

    def classify(self, value):
        """(inside the enter threshold, past the exit threshold) for a float or an array of them;
        an unknown value (NaN) is neither."""
        if self.enter_above is not None:
            return value >= self.enter_above, value < self.exit_below
        if self.enter_below is not None:
            return value <= self.enter_below, value > self.exit_above
        (lo, hi), (out_lo, out_hi) = self.enter_between, self.exit_outside
        return (lo <= value) & (value <= hi), (value < out_lo) | (value > out_hi)

    @property
    def thresholds(self) -> tuple[float, ...]:
        values = (self.enter_above, self.exit_below, self.enter_below, self.exit_above)
        pairs = (self.enter_between or ()) + (self.exit_outside or ())
        return tuple(v for v in values if v is not None) + tuple(pairs)


def _check_gap(enter_name: str, enter, exit_name: str, exit_value) -> None:
    if enter_name == "enter_above" and not enter > exit_value:
        raise ValueError(f"enter_above ({enter:g}) must be above exit_below ({exit_value:g})")
    if enter_name == "enter_below" and not enter < exit_value:
        raise ValueError(f"enter_below ({enter:g}) must be below exit_above ({exit_value:g})")
    if enter_name == "enter_between":
        (lo, hi), (out_lo, out_hi) = enter, exit_value
        if not lo < hi:
            raise ValueError(f"enter_between must be [low, high], got [{lo:g}, {hi:g}]")
        if not (out_lo < lo and out_hi > hi):
            raise ValueError(
                f"exit_outside [{out_lo:g}, {out_hi:g}] must be wider than "
                f"enter_between [{lo:g}, {hi:g}] on both sides"
            )


class Phase(Strict):
    """Entered when every band is entered; left when any band is left.

    `unless` names a look-alike by what sets it apart (a squat is a lunge's knee bend with the
    feet side by side): while one of its bands is entered the phase cannot be entered, and is
    left; entering again needs that band left (or its value unknown: a hidden foot never
    blocks). `state` is the one place this rule is written.
    """

    bands: list[Band] = Field(min_length=1)
    unless: list[Band] = []
    min_dwell_s: float = Field(0.2, ge=0.0, le=10.0)
    label: str | None = None

    def state(self, value_of):
        """(entered, exited, known: every band has a value), for floats or arrays of them;
        `value_of(name)` gives a measurement's value(s)."""
        inside, outside = zip(*(b.classify(value_of(b.measurement)) for b in self.bands), strict=True)
        entered, exited = np.logical_and.reduce(inside), np.logical_or.reduce(outside)
        known = np.logical_and.reduce([~np.isnan(value_of(b.measurement)) for b in self.bands])
        for band in self.unless:
            value = value_of(band.measurement)
            looks_alike, clear = band.classify(value)
            entered = entered & (clear | np.isnan(value))
            exited = exited | looks_alike
        return entered, exited, known

    @property
    def all_bands(self) -> list[tuple[str, int, Band]]:
        """("bands" or "unless", index, band) for every band, in file order."""
        return [("bands", i, b) for i, b in enumerate(self.bands)] + \
               [("unless", i, b) for i, b in enumerate(self.unless)]


class Rep(Strict):
    """A rep is completed when the phases are entered in this order.

    With `cycle = true` the sequence is a cycle of different phases and a rep is one turn
    through all of them, in the order written or backwards, starting with any and back to it
    (e.g. ["right", "left"]: one side-to-side swing, from either side). `directions` (two names,
    for circles; a cycle of 3 or more phases, `cycle` implied) also name each turn's way: as
    written (the first name) or backwards (the second).
    """

    sequence: list[str] = Field(min_length=2)
    cycle: bool = False
    directions: tuple[str, str] | None = None

    @model_validator(mode="after")
    def _cycles_of_different_phases(self) -> Rep:
        different = len(set(self.sequence)) == len(self.sequence)
        if self.directions is not None and (len(self.sequence) < 3 or not different):
            raise ValueError("directions need a cycle: a sequence of 3 or more different phases")
        if self.cycle and not different:
            raise ValueError("a cycle is a sequence of different phases; do not repeat the first at the end "
                             "(a turn ends back at it by itself)")
        return self

    @property
    def is_cycle(self) -> bool:
        return self.cycle or self.directions is not None


class Hold(Strict):
    """Time spent in `phase` is a hold; dropouts shorter than `grace_s` do not break it."""

    phase: str
    grace_s: float = Field(0.5, ge=0.0, le=5.0)
    # The hold is the settled part: where the hold phase's first band measurement is within this
    # much of the furthest it got in that hold, not the way into the position or out of it.
    settle_within: float | None = Field(None, gt=0.0)
    # The hold is where that measurement is still: moving slower than this, in its units per second
    # (degrees per second for an angle), over `settle_window_s` and for at least that long. Frame
    # times, never a clock; a median each side of a frame, so one stray frame changes nothing.
    settle_speed: float | None = Field(None, gt=0.0)
    settle_window_s: float = Field(0.4, gt=0.0, le=5.0)


class Targets(Strict):
    reps: int | None = Field(None, ge=1, le=200)
    sets: int = Field(1, ge=1, le=20)
    hold_s: float | None = Field(None, gt=0.0, le=3600.0)
    rest_s: float = Field(0.0, ge=0.0, le=600.0)
    rep_min_s: float | None = Field(None, gt=0.0, le=60.0)
    rep_max_s: float | None = Field(None, gt=0.0, le=600.0)
    # The "slower" cue in the exercise's own words: a rep is timed from leaving the start phase
    # to coming back, shorter than the whole movement, so "take about {rep_min_s} s" can mislead.
    too_fast_cue: str | None = Field(None, min_length=1)


class RepReaches(Strict):
    """Over each rep, the measurement must reach at least / at most this value."""

    kind: Literal["rep_reaches"]
    measurement: str
    at_least: float | None = None
    at_most: float | None = None
    cue: str

    @model_validator(mode="after")
    def _one_bound(self) -> RepReaches:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("give exactly one of at_least, at_most")
        return self


class StaysWithin(Strict):
    """While in `phases`, the measurement must stay within [min, max]."""

    kind: Literal["stays_within"]
    measurement: str
    phases: list[str] = Field(min_length=1)
    min: float | None = None
    max: float | None = None
    min_duration_s: float = Field(0.5, ge=0.0, le=10.0)
    cue: str

    @model_validator(mode="after")
    def _some_bound(self) -> StaysWithin:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and not self.min < self.max:
            raise ValueError(f"min ({self.min:g}) must be below max ({self.max:g})")
        return self


Check = Annotated[RepReaches | StaysWithin, Field(discriminator="kind")]


class Calibration(Strict):
    """Which thresholds a personal calibration may move (key paths such as
    `phases.up.bands.0.enter_above`), each within a safe [lowest, highest] range."""

    thresholds: dict[str, tuple[float, float]] = Field(min_length=1)
    min_reps: int = Field(2, ge=1, le=20)

    @model_validator(mode="after")
    def _ranges(self) -> Calibration:
        for key, (lo, hi) in self.thresholds.items():
            if not lo < hi:
                raise ValueError(f"thresholds.{key}: the range must be [lowest, highest], got [{lo:g}, {hi:g}]")
        return self


class ExerciseSpec(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    position: Literal["supine", "prone", "quadruped", "standing"]  # see exercise/position.py
    view: Literal["side", "front", "any"]
    setup: str
    instructions: list[str] = Field(min_length=1)
    sides: Literal["bilateral", "each", "alternating"] = "bilateral"
    required_landmarks: list[str] = Field(min_length=1)
    measurements: dict[str, Measurement] = Field(min_length=1)
    phases: dict[str, Phase] = Field(min_length=1)
    rep: Rep | None = None
    hold: Hold | None = None
    targets: Targets = Targets()
    checks: list[Check] = []
    calibration: Calibration | None = None  # issue 5: thresholds `posecoach calibrate` may personalise
    # Exercises that are the same movement in another size or with one leg more (single and
    # double knee to chest): a recording of one may count as the other. Read only by the
    # accuracy checks; every other exercise must count nothing on this one's recordings.
    look_alikes: list[str] = []

    def may_count_on(self, other: ExerciseSpec) -> bool:
        """Whether this exercise may count on a recording of `other`: itself, or a look-alike
        declared by either of them."""
        return other.id == self.id or other.id in self.look_alikes or self.id in other.look_alikes

    @model_validator(mode="after")
    def _counts_something(self) -> ExerciseSpec:
        if self.rep is None and self.hold is None:
            raise ValueError("an exercise needs a [rep], a [hold] or both")
        return self

    @model_validator(mode="after")
    def _calibration_names_thresholds(self) -> ExerciseSpec:
        for key in self.calibration.thresholds if self.calibration else ():
            if not _is_threshold(self, key):
                raise ValueError(f"calibration.thresholds: '{key}' is not a threshold of this exercise "
                                 "(use phases.<phase>.bands.<n>.<enter_above|exit_below|enter_below|exit_above>)")
        return self

    @property
    def unilateral(self) -> bool:
        return self.sides != "bilateral"


def _is_threshold(spec: ExerciseSpec, key: str) -> bool:
    """Whether `key` (phases.<phase>.bands.<n>.<field>) names a one-number threshold of the spec."""
    parts = key.split(".")
    if len(parts) != 5 or parts[0] != "phases" or parts[2] != "bands" or not parts[3].isdecimal():
        return False
    phase = spec.phases.get(parts[1])
    if phase is None or int(parts[3]) >= len(phase.bands):
        return False
    fields = ("enter_above", "exit_below", "enter_below", "exit_above")
    return parts[4] in fields and getattr(phase.bands[int(parts[3])], parts[4]) is not None


class RoutineStep(Strict):
    exercise: str
    reps: int | None = Field(None, ge=1, le=200)
    sets: int | None = Field(None, ge=1, le=20)
    hold_s: float | None = Field(None, gt=0.0, le=3600.0)
    rest_s: float | None = Field(None, ge=0.0, le=600.0)
    note: str | None = None  # how this routine wants the exercise done; first on the card


class RoutineSpec(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    description: str
    steps: list[RoutineStep] = Field(min_length=1)
