"""The exercise and routine files: every shipped one loads, and each kind of mistake in a file
gives one exact line naming the file, the key path and what is wrong."""

from pathlib import Path

import pytest

from posecoach.errors import SpecError
from posecoach.exercise.catalogue import (
    EXERCISES_ENV,
    exercise_ids,
    load_exercise,
    load_exercise_file,
    load_routine,
    routine_ids,
)
from posecoach.exercise.measure import landmark_names
from posecoach.exercise.overrides import CONFIG_ENV

from conftest import ROOT

EXERCISES = ROOT / "exercises"
LISTED = {  # every id in ../shared/exercises.md
    "ninety_ninety", "knee_to_chest", "double_knee_to_chest", "figure_four_stretch", "knee_rolls",
    "glute_bridge", "pelvic_lift_legs_up", "back_on_heels", "bird_dog", "cat_cow", "prone_press_up",
    "squat_to_chair", "forward_bend", "reverse_lunge", "hip_circles_big", "hip_circles_small",
    "heel_raise_squeeze",
}
ROUTINES = {"start_programme", "acute_relief", "desk_break", "home_guide", "rocking_relief"}


@pytest.fixture(autouse=True)
def no_user_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "config"))
    monkeypatch.delenv(EXERCISES_ENV, raising=False)


def test_the_catalogue_is_the_list():
    assert set(exercise_ids(EXERCISES)) == LISTED
    assert set(routine_ids(EXERCISES / "routines")) == ROUTINES


@pytest.mark.parametrize("path", sorted(EXERCISES.glob("*.toml")), ids=lambda p: p.stem)
def test_every_exercise_file_loads(path):
    spec = load_exercise_file(path)
    assert spec.id == path.stem
    assert spec.rep or spec.hold
    if spec.sides != "bilateral":
        names = [n for m in spec.measurements.values() for n in landmark_names(m)]
        assert any("{side}" in n for n in names), "a per-side exercise measures something of {side}"


@pytest.mark.parametrize("path", sorted((EXERCISES / "routines").glob("*.toml")), ids=lambda p: p.stem)
def test_every_routine_file_loads(path):
    routine = load_routine(path.stem, EXERCISES / "routines")
    assert routine.id == path.stem
    for step in routine.steps:
        load_exercise(step.exercise, EXERCISES)


VALID = '''\
id = "probe"
name = "Probe"
position = "supine"
view = "side"
setup = "Camera at your side."
instructions = ["Lift, hold, lower."]
required_landmarks = ["{side}_shoulder", "{side}_hip", "{side}_knee"]

[measurements.hip]
kind = "joint_angle"
points = ["{side}_shoulder", "{side}_hip", "{side}_knee"]

[phases.down]
bands = [{ measurement = "hip", enter_below = 145, exit_above = 152 }]

[phases.up]
bands = [{ measurement = "hip", enter_above = 160, exit_below = 154 }]

[rep]
sequence = ["down", "up", "down"]

[hold]
phase = "up"

[[checks]]
kind = "rep_reaches"
measurement = "hip"
at_least = 165
cue = "Higher"
'''
UP = "enter_above = 160, exit_below = 154"
SWAY = '''[measurements.way]
kind = "sway_direction"
point = ["left_hip"]
base = ["left_ankle"]
top = ["left_shoulder"]
across = ["left_hip", "right_hip"]

'''

INVALID = [
    ("unknown_top_key", ('view = "side"', 'view = "side"\ncolour = "red"'),
     "colour: unknown key (check the spelling; see docs in README 'Adding an exercise')"),
    ("unknown_band_key", (UP, "enter_above = 160, exit_below = 154, dwell = 1"),
     "phases.up.bands.0.dwell: unknown key (check the spelling; see docs in README 'Adding an exercise')"),
    ("unknown_measurement_in_band",
     ('bands = [{ measurement = "hip", enter_above', 'bands = [{ measurement = "knee", enter_above'),
     "phases.up.bands.0.measurement: unknown measurement 'knee' (known: hip)"),
    ("unknown_measurement_in_check", ('measurement = "hip"\nat_least', 'measurement = "hips"\nat_least'),
     "checks.0.measurement: unknown measurement 'hips' (known: hip)"),
    ("unknown_measurement_kind", ('kind = "joint_angle"', 'kind = "angle"'),
     "measurements.hip: Input tag 'angle' found using 'kind' does not match any of the expected tags: "
     "'joint_angle', 'segment_angle', 'height', 'distance', 'line_offset', 'lateral_offset', "
     "'sway_direction', 'sway_distance', 'sway_forwards'"),
    ("unknown_landmark", ('"{side}_hip", "{side}_knee"]\n\n[phases', '"{side}_hip", "{side}_kne"]\n\n[phases'),
     "measurements.hip: unknown landmark '{side}_kne'"),
    ("unknown_plain_landmark", ('required_landmarks = ["{side}_shoulder"', 'required_landmarks = ["shoulder"'),
     "required_landmarks.0: unknown landmark 'shoulder' (use {side}_hip style templates)"),
    ("sway_without_base", ("[phases.down]", SWAY.replace('base = ["left_ankle"]\n', "") + "[phases.down]"),
     "measurements.way.base: Field required"),
    ("sway_unknown_across_landmark", ("[phases.down]", SWAY.replace('"right_hip"]', '"right_hips"]') + "[phases.down]"),
     "measurements.way: unknown landmark 'right_hips' (use {side}_hip style templates)"),
    ("direction_threshold_out_of_range",
     ("[phases.down]", SWAY + '[phases.side]\nbands = [{ measurement = "way", enter_between = [100, 170], '
      'exit_outside = [90, 190] }]\n\n[phases.down]'),
     "phases.side.bands.0: thresholds for sway_direction 'way' must be within [-180, 180] degrees"),
    ("thresholds_without_a_gap", (UP, "enter_above = 160, exit_below = 165"),
     "phases.up.bands.0: enter_above (160) must be above exit_below (165)"),
    ("equal_thresholds", ("enter_below = 145, exit_above = 152", "enter_below = 150, exit_above = 150"),
     "phases.down.bands.0: enter_below (150) must be below exit_above (150)"),
    ("angle_threshold_out_of_range", (UP, "enter_above = 190, exit_below = 154"),
     "phases.up.bands.0: thresholds for joint_angle 'hip' must be within [0, 180] degrees"),
    ("negative_angle_threshold", ("enter_below = 145, exit_above = 152", "enter_below = -5, exit_above = 152"),
     "phases.down.bands.0: thresholds for joint_angle 'hip' must be within [0, 180] degrees"),
    ("missing_exit_threshold", (UP, "enter_above = 160"),
     "phases.up.bands.0: enter_above needs exit_below (the threshold for leaving)"),
    ("two_enter_thresholds", (UP, "enter_above = 160, exit_below = 154, enter_below = 100"),
     "phases.up.bands.0: give exactly one of enter_above, enter_below, enter_between"),
    ("mismatched_exit", (UP, "enter_above = 160, exit_above = 170"),
     "phases.up.bands.0: enter_above needs exit_below (the threshold for leaving)"),
    ("narrow_exit_outside", (UP, "enter_between = [150, 170], exit_outside = [145, 170]"),
     "phases.up.bands.0: exit_outside [145, 170] must be wider than enter_between [150, 170] on both sides"),
    ("unknown_phase_in_rep", ('sequence = ["down", "up", "down"]', 'sequence = ["down", "top", "down"]'),
     "rep.sequence.1: unknown phase 'top' (known: down, up)"),
    ("unknown_hold_phase", ('phase = "up"', 'phase = "top"'),
     "hold.phase: unknown phase 'top' (known: down, up)"),
    ("rep_and_hold_missing", ('[rep]\nsequence = ["down", "up", "down"]\n\n[hold]\nphase = "up"\n', ""),
     "(top level): an exercise needs a [rep], a [hold] or both"),
    ("directions_without_a_cycle", ('sequence = ["down", "up", "down"]',
                                    'sequence = ["down", "up", "down"]\ndirections = ["cw", "acw"]'),
     "rep: directions need a cycle: a sequence of 3 or more different phases"),
    ("cycle_ending_where_it_began", ('sequence = ["down", "up", "down"]',
                                     'sequence = ["down", "up", "down"]\ncycle = true'),
     "rep: a cycle is a sequence of different phases; do not repeat the first at the end "
     "(a turn ends back at it by itself)"),
    ("bad_side_value", ('view = "side"', 'view = "side"\nsides = "both"'),
     "sides: Input should be 'bilateral', 'each' or 'alternating'"),
    ("negative_dwell", ('[phases.up]\n', '[phases.up]\nmin_dwell_s = -1\n'),
     "phases.up.min_dwell_s: Input should be greater than or equal to 0"),
    ("still_speed_of_zero", ('phase = "up"', 'phase = "up"\nsettle_speed = 0'),
     "hold.settle_speed: Input should be greater than 0"),
    ("missing_name", ('name = "Probe"\n', ""), "name: Field required"),
    ("check_with_two_bounds", ("at_least = 165", "at_least = 165\nat_most = 170"),
     "checks.0: give exactly one of at_least, at_most"),
    ("bad_toml", ('name = "Probe"', "name = Probe"),
     "not valid TOML: Invalid value (at line 2, column 8)"),
    ("id_not_the_file_name", ('id = "probe"', 'id = "other"'),
     "id: 'other' must match the file name 'probe'"),
]


@pytest.mark.parametrize(("edit", "message"), [(e, m) for _, e, m in INVALID], ids=[i for i, _, _ in INVALID])
def test_invalid_exercise_file_names_file_key_and_problem(tmp_path, edit, message):
    old, new = edit
    assert old in VALID
    path = tmp_path / "probe.toml"
    path.write_text(VALID.replace(old, new, 1))
    with pytest.raises(SpecError) as error:
        load_exercise_file(path)
    assert str(error.value) == f"{path}: {message}"


def test_the_valid_document_is_valid(tmp_path):
    (tmp_path / "probe.toml").write_text(VALID)
    assert load_exercise_file(tmp_path / "probe.toml").id == "probe"


def test_more_problems_are_counted_after_the_first(tmp_path):
    path = tmp_path / "probe.toml"
    path.write_text(VALID.replace('name = "Probe"\n', "").replace('view = "side"', 'view = "top"'))
    with pytest.raises(SpecError) as error:
        load_exercise_file(path)
    assert str(error.value) == f"{path}: name: Field required (and 1 more problem)"


@pytest.fixture
def catalogue_dir(tmp_path, monkeypatch):
    """A small exercises folder with a routines folder, used through POSECOACH_EXERCISES_DIR."""
    for name in ("glute_bridge", "bird_dog"):
        (tmp_path / f"{name}.toml").write_text((EXERCISES / f"{name}.toml").read_text())
    (tmp_path / "routines").mkdir()
    monkeypatch.setenv(EXERCISES_ENV, str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("command", ["exercises", "routines"])
@pytest.mark.parametrize("state", ["missing", "empty"])
def test_a_missing_or_empty_catalogue_is_an_error_not_an_empty_listing(
        tmp_path, monkeypatch, capsys, command, state):
    from posecoach.cli.commands import main

    folder = tmp_path / "catalogue"
    if state == "empty":
        (folder / "routines").mkdir(parents=True)
    monkeypatch.setenv(EXERCISES_ENV, str(folder))
    assert main([command]) == 2
    out, err = capsys.readouterr()
    where = folder if command == "exercises" else folder / "routines"
    kind = command.rstrip("s")
    problem = f"no {kind} folder there" if state == "missing" else f"no {kind} files (*.toml) there"
    assert (out, err) == ("", f"posecoach: {where}: {problem}; check ${EXERCISES_ENV}\n")


@pytest.mark.parametrize(
    ("wanted", "message"),
    [
        ("glute_bridg", "unknown exercise 'glute_bridg': did you mean glute_bridge?"),
        ("bird", "unknown exercise 'bird': did you mean bird_dog?"),
        ("plank", "unknown exercise 'plank': run 'posecoach exercises' to list them"),
    ],
)
def test_unknown_exercise_id_suggests_close_ones(catalogue_dir, wanted, message):
    with pytest.raises(SpecError) as error:
        load_exercise(wanted)
    assert str(error.value) == message


ROUTINE = '''\
id = "probe"
name = "Probe routine"
description = "Two exercises."

[[steps]]
exercise = "glute_bridge"
reps = 10

[[steps]]
exercise = "bird_dgo"
'''


def test_routine_naming_an_unknown_exercise(catalogue_dir):
    path = catalogue_dir / "routines" / "probe.toml"
    path.write_text(ROUTINE)
    with pytest.raises(SpecError) as error:
        load_routine("probe")
    assert str(error.value) == f"{path}: steps.1.exercise: unknown exercise 'bird_dgo': did you mean bird_dog?"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("reps = 10", "reps = 0"), "steps.0.reps: Input should be greater than or equal to 1"),
        (("reps = 10", "repeats = 10"),
         "steps.0.repeats: unknown key (check the spelling; see docs in README 'Adding an exercise')"),
        (('description = "Two exercises."\n', ""), "description: Field required"),
    ],
)
def test_invalid_routine_file(catalogue_dir, edit, message):
    path = catalogue_dir / "routines" / "probe.toml"
    path.write_text(ROUTINE.replace('"bird_dgo"', '"bird_dog"').replace(*edit))
    with pytest.raises(SpecError) as error:
        load_routine("probe")
    assert str(error.value) == f"{path}: {message}"


def test_unknown_routine_suggests_close_ones(catalogue_dir):
    (catalogue_dir / "routines" / "probe.toml").write_text(ROUTINE.replace('"bird_dgo"', '"bird_dog"'))
    with pytest.raises(SpecError) as error:
        load_routine("prob")
    assert str(error.value) == "unknown routine 'prob': did you mean probe?"


def test_the_environment_points_at_another_catalogue(catalogue_dir):
    assert exercise_ids() == ["bird_dog", "glute_bridge"]
    assert load_exercise("bird_dog").sides == "alternating"


def test_exercise_files_describe_what_they_measure():
    from posecoach.exercise.catalogue import describe_exercise

    text = describe_exercise(load_exercise_file(EXERCISES / "knee_to_chest.toml"))
    assert "sides: each" in text
    assert "phase pulled: hip <= 70 (leave > 80)" in text


def test_a_tempo_target_is_described_with_its_own_cue():
    from posecoach.exercise.catalogue import describe_exercise

    text = describe_exercise(load_exercise_file(EXERCISES / "squat_to_chair.toml"))
    assert 'tempo: "Slower: take 4-5 s for each squat, down and up" when a rep' in text
    assert "s per rep" not in text  # the timed part of a rep is not the whole squat


def test_no_exercise_file_is_python():
    assert not list(Path(EXERCISES).rglob("*.py"))


def test_circles_describe_their_turn():
    from posecoach.exercise.catalogue import describe_exercise

    text = describe_exercise(load_exercise_file(ROOT / "tests" / "data" / "circles_from_above.toml"))
    assert "a rep: one turn right -> front -> left -> back, starting anywhere (anticlockwise or clockwise)" in text
    text = describe_exercise(load_exercise_file(EXERCISES / "hip_circles_small.toml"))
    assert "a rep: one turn right -> left -> right, starting anywhere\n" in text
