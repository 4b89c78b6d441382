"""Override layering: shipped file < user override < --set, and errors that name the layer."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from posecoach.errors import SpecError
from posecoach.exercise import overrides
from posecoach.exercise.catalogue import exercises_dir, load_all_exercises, load_exercise

UP = "phases.up.bands.0"


@pytest.fixture
def config(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv(overrides.CONFIG_ENV, str(tmp_path / "config"))
    return tmp_path / "config"


def write_override(config: Path, exercise_id: str, body: str) -> Path:
    path = config / "overrides" / f"{exercise_id}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    return path


def up_band(spec):
    return spec.phases["up"].bands[0]


def shipped_up() -> tuple[float, float]:
    """The bridge's top band as the shipped file says, read without the loader."""
    band = tomllib.loads((exercises_dir() / "glute_bridge.toml").read_text())["phases"]["up"]["bands"][0]
    return band["enter_above"], band["exit_below"]


def test_without_an_override_the_shipped_file_is_loaded(config):
    assert (up_band(load_exercise("glute_bridge")).enter_above, up_band(load_exercise("glute_bridge")).exit_below) \
        == shipped_up()


def test_the_user_override_is_layered_over_the_shipped_file(config):
    write_override(config, "glute_bridge", f'[set]\n"{UP}.enter_above" = 163\n"{UP}.exit_below" = 157\n')
    band = up_band(load_exercise("glute_bridge"))
    assert (band.enter_above, band.exit_below) == (163, 157)
    shipped_down = tomllib.loads((exercises_dir() / "glute_bridge.toml").read_text())["phases"]["down"]
    assert load_exercise("glute_bridge").phases["down"].bands[0].enter_below == \
        shipped_down["bands"][0]["enter_below"]  # untouched


def test_command_line_values_win_over_the_user_override(config):
    write_override(config, "glute_bridge", f'[set]\n"{UP}.enter_above" = 163\n"{UP}.exit_below" = 157\n')
    sets = overrides.parse_sets([f"{UP}.enter_above=170"]).values
    band = up_band(load_exercise("glute_bridge", sets=sets))
    assert (band.enter_above, band.exit_below) == (170, 157)


def test_the_shipped_file_is_never_written(config):
    shipped = exercises_dir() / "glute_bridge.toml"
    before = shipped.read_bytes()
    write_override(config, "glute_bridge", f'[set]\n"{UP}.enter_above" = 163\n')
    load_exercise("glute_bridge", sets={f"{UP}.exit_below": 150})
    assert shipped.read_bytes() == before


def test_an_override_that_no_longer_fits_names_the_file_and_key(config):
    path = write_override(config, "glute_bridge", '[set]\n"phases.top.bands.0.enter_above" = 163\n')
    with pytest.raises(SpecError) as e:
        load_exercise("glute_bridge")
    assert str(e.value).startswith(f"{path}: phases.top.bands.0.enter_above: no 'top' under phases in ")
    assert "(known: down, up)" in str(e.value)


def test_a_list_index_out_of_range_is_named(config):
    with pytest.raises(SpecError, match=r"^--set: phases.up.bands.3.enter_above: no '3' under phases.up.bands"):
        load_exercise("glute_bridge", sets={"phases.up.bands.3.enter_above": 1})


def test_an_override_that_breaks_the_gap_is_blamed(config):
    exit_below = shipped_up()[1]
    path = write_override(config, "glute_bridge", f'[set]\n"{UP}.enter_above" = {exit_below - 4:g}\n')
    with pytest.raises(SpecError) as e:
        load_exercise("glute_bridge")
    assert str(e.value) == (f"{path} (over {exercises_dir() / 'glute_bridge.toml'}): {UP}: "
                            f"enter_above ({exit_below - 4:g}) must be above exit_below ({exit_below:g})")


def test_a_wrong_type_from_the_command_line_is_blamed(config):
    with pytest.raises(SpecError, match=rf"^--set \(over .*glute_bridge.toml\): {UP}.enter_above: Input should be"):
        load_exercise("glute_bridge", sets=overrides.parse_sets([f"{UP}.enter_above=high"]).values)


@pytest.mark.parametrize(("body", "message"), [
    ("[set\n", "cannot read this override"),
    ('thresholds = 1\n', "an override holds one [set] table of key paths; found ['thresholds']"),
])
def test_a_malformed_override_file(config, body, message):
    write_override(config, "glute_bridge", body)
    with pytest.raises(SpecError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_all_exercises()


def test_a_file_given_by_path_takes_sets_but_not_the_users_override(config, tmp_path):
    write_override(config, "glute_bridge", f'[set]\n"{UP}.enter_above" = 163\n')
    copy = shutil.copy(exercises_dir() / "glute_bridge.toml", tmp_path / "glute_bridge.toml")
    assert up_band(load_exercise(str(copy))).enter_above == shipped_up()[0]
    assert up_band(load_exercise(str(copy), sets={f"{UP}.enter_above": 161})).enter_above == 161


@pytest.mark.parametrize(("text", "value"), [("162", 162), ("162.5", 162.5), ("[140, 150]", [140, 150]),
                                             ("true", True), ("hips up", "hips up"), ('"x"', "x")])
def test_set_values_are_read_as_toml(text, value):
    assert overrides.parse_sets([f"a.b={text}"]).values == {"a.b": value}


def test_a_set_without_equals_is_explained():
    with pytest.raises(SpecError, match="expected KEY.PATH=VALUE"):
        overrides.parse_sets(["phases.up.bands.0.enter_above"])


def test_a_rendered_override_reads_back(config):
    values = {f"{UP}.enter_above": 162.5, f"{UP}.exit_below": 156.0, "phases.up.label": 'the "top"'}
    path = write_override(config, "glute_bridge", overrides.render_override("glute_bridge", values, "from a test"))
    assert overrides.read_override(path).values == values
    assert load_exercise("glute_bridge").phases["up"].label == 'the "top"'
