"""Annotations: what a recording really contains (reps, per side, hold spans).

Read from a `manifest.json` in the realclips format (`../shared/realclips/manifest.json`:
`clips[].file`, `exercise_id`, `reps`, optional `reps_left`/`reps_right`, `holds[].start_s/end_s`)
or from a sidecar next to the clip (`clip.json`, `clip.truth.json` or `clip.mp4.json`) holding
one such clip entry. Both are read by the one document reader (`documents.read_document`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from posecoach.documents import first_problem, read_document
from posecoach.errors import UserError
from posecoach.types import Span

MANIFEST = "manifest.json"
VIDEO_SUFFIXES = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v"}
TRACK_SUFFIXES = {".npz"}


class _Hold(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)
    start_s: float
    end_s: float


Count = Field(None, ge=0)


class _Annotation(BaseModel):
    """One clip's entry, checked (keys posecoach does not use are left alone): no NaN, no negative count."""
    model_config = ConfigDict(allow_inf_nan=False)
    file: str | None = Field(None, min_length=1)
    exercise_id: str | None = None
    reps: int | None = Count
    reps_left: int | None = Count
    reps_right: int | None = Count
    holds: list[_Hold] = []


@dataclass(frozen=True)
class Truth:
    exercise_id: str | None
    reps: int | None
    reps_left: int | None
    reps_right: int | None
    holds: tuple[Span, ...]
    origin: Path  # the manifest or sidecar it came from

    @classmethod
    def from_entry(cls, entry: dict, origin: Path) -> Truth:
        try:
            a = _Annotation.model_validate(entry)
        except ValidationError as e:
            file = entry.get("file")
            name = file if isinstance(file, str) and file else "the clip"
            raise UserError(f"{origin}: annotation of {name} is malformed ({first_problem(e)}); "
                            "see ../shared/README.md for the format") from None
        holds = tuple(Span(h.start_s, h.end_s) for h in a.holds)
        return cls(a.exercise_id, a.reps, a.reps_left, a.reps_right, holds, origin)


def manifest_entries(folder: Path) -> list[tuple[Path, Truth]]:
    """(clip path, truth) for every clip listed in the folder's manifest.json."""
    path = folder / MANIFEST
    if not path.is_file():
        return []
    clips = read_document(path).get("clips", [])
    if not isinstance(clips, list):
        raise UserError(f"{path}: clips: expected a list of clip entries; see ../shared/README.md for the format")
    entries = [(c, Truth.from_entry(c, path)) for c in clips if isinstance(c, dict) and "file" in c]
    return [(folder / c["file"], truth) for c, truth in entries]


def sidecar(clip: Path) -> Path | None:
    for candidate in (clip.with_suffix(".json"), clip.with_suffix(".truth.json"), Path(f"{clip}.json")):
        if candidate.is_file() and candidate != clip:
            return candidate
    return None


def find_truth(clip: Path) -> Truth | None:
    """A clip's annotation: its sidecar, else its entry in a manifest of its folder or the two above."""
    if (found := sidecar(clip)) is not None:
        return Truth.from_entry(read_document(found), found)
    for folder in list(clip.resolve().parents)[:3]:  # manifests list clips in subfolders too
        for path, truth in manifest_entries(folder):
            if path.resolve() == clip.resolve():
                return truth
    return None


def annotated_sources(folder: Path) -> list[tuple[Path, Truth]]:
    """Every annotated clip in a folder: manifest entries, then clips with a sidecar."""
    found = manifest_entries(folder)
    listed = {p.resolve() for p, _ in found}
    for clip in sorted(folder.rglob("*")):
        media = clip.suffix.lower() in VIDEO_SUFFIXES | TRACK_SUFFIXES
        if media and clip.resolve() not in listed and (side := sidecar(clip)) is not None:
            found.append((clip, Truth.from_entry(read_document(side), side)))
    return found
