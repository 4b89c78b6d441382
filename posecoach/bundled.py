"""The data posecoach ships: exercise files, the model manifest and the demo sample.

In a wheel they travel inside the package (`posecoach/_bundled/`, mapped from the top-level
`exercises/`, `models/` and `samples/` folders by pyproject.toml); in a source checkout they are
those folders themselves. Both are found here, and nowhere else.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

FOLDERS = ("exercises", "models", "samples")
DEMO_SAMPLE_NAME = "glute_bridge_side.mp4"


def bundled_dir(name: str) -> Path:
    """The shipped folder `name` (one of FOLDERS): the installed copy, else the checkout's."""
    if name not in FOLDERS:
        raise ValueError(f"unknown bundled folder {name!r}; expected one of {', '.join(FOLDERS)}")
    installed = Path(str(resources.files("posecoach"))) / "_bundled" / name
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[1] / name


def demo_sample() -> Path:
    return bundled_dir("samples") / DEMO_SAMPLE_NAME
