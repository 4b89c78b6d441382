"""The wheel is the whole program: built from this tree and installed into a new venv outside
it, `posecoach` lists the catalogue and the models and runs the demo on the bundled sample.

The venv gets the locked versions (uv.lock, exported as requirements) from uv's cache, which
`make test` has filled already, so this needs no download beyond what set-up fetched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from uv import find_uv_bin

from posecoach.bundled import DEMO_SAMPLE_NAME, FOLDERS

from conftest import ROOT, samples_manifest

UV = find_uv_bin()
# What a checkout holds that is not source: never copied into the build tree.
NOT_SOURCE = (".git", ".venv*", ".uv-tool", "out", "dist", "build", "*.egg-info", "__pycache__",
              ".pytest_cache", ".ruff_cache")


def _run(*command, cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True,
                          text=True, check=False, timeout=600, **kwargs)


def test_every_package_folder_is_in_pyproject_s_list():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    code = {".".join(init.parent.relative_to(ROOT).parts)
            for init in (ROOT / "posecoach").rglob("__init__.py")}
    bundled = {f"posecoach._bundled.{name}": name for name in FOLDERS}
    assert set(setuptools["packages"]) == code | set(bundled)
    assert setuptools["package-dir"] == bundled


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tree = tmp_path_factory.mktemp("source") / "posecoach"
    shutil.copytree(ROOT, tree, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    dist = tree.parent / "dist"
    built = _run(UV, "build", "--wheel", "--out-dir", dist, cwd=tree)
    assert built.returncode == 0, built.stderr
    (path,) = dist.glob("posecoach-*.whl")
    return path


def test_the_wheel_carries_the_catalogue_the_manifest_and_one_demo_clip(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    data = "posecoach/_bundled/"
    for folder in ("exercises", "exercises/routines", "exercises/motions"):
        shipped = {n.removeprefix(f"{data}{folder}/") for n in names
                   if n.startswith(f"{data}{folder}/") and n.count("/") == folder.count("/") + 3}
        assert shipped == {p.name for p in (ROOT / folder).glob("*.toml")}, folder
    assert f"{data}models/manifest.toml" in names
    stem = DEMO_SAMPLE_NAME.removesuffix(".mp4")
    assert {n for n in names if n.startswith(f"{data}samples/")} == {
        f"{data}samples/{stem}.mp4", f"{data}samples/{stem}.truth.npz"}


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A new venv with the wheel and the locked dependencies; returns its `posecoach`."""
    home = tmp_path_factory.mktemp("installed")
    requirements = home / "requirements.txt"
    exported = _run(UV, "export", "--frozen", "--no-hashes", "--no-emit-project", "--output-file",
                    requirements, cwd=ROOT)
    assert exported.returncode == 0, exported.stderr
    venv = home / "venv"
    assert _run(UV, "venv", "--python", sys.executable, venv, cwd=home).returncode == 0
    install = _run(UV, "pip", "install", "--python", venv / "bin" / "python", "-r", requirements,
                   wheel, cwd=home)
    assert install.returncode == 0, install.stderr
    return venv / "bin" / "posecoach"


@pytest.mark.parametrize(("command", "folder"), [("exercises", "exercises"), ("routines", "exercises/routines")])
def test_the_installed_program_lists_the_shipped_catalogue(installed, tmp_path, command, folder):
    listed = _run(installed, command, cwd=tmp_path)
    assert (listed.returncode, listed.stderr) == (0, "")
    ids = [line.split()[0] for line in listed.stdout.splitlines()]
    assert ids == sorted(p.stem for p in (ROOT / folder).glob("*.toml"))


def test_the_installed_program_reads_its_model_manifest(installed, tmp_path):
    listed = _run(installed, "models", "list", cwd=tmp_path)
    assert (listed.returncode, listed.stderr) == (0, "")
    variants = tomllib.loads((ROOT / "models" / "manifest.toml").read_text())
    assert [line.split()[0] for line in listed.stdout.splitlines()[:-1]] == list(variants)


@pytest.mark.e2e
def test_the_installed_program_runs_the_demo(installed, model_path, tmp_path):
    demo = _run(installed, "demo", "--model", model_path, cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    (expected,) = [c for c in samples_manifest() if c["file"] == DEMO_SAMPLE_NAME]
    report = json.loads((tmp_path / "out" / "demo_report.json").read_text())
    assert report["reps"]["total"] == expected["reps"]
    assert (tmp_path / "out" / "demo_annotated.mp4").stat().st_size > 0
