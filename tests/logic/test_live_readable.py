"""Readable from the mat: text heights measured on rendered frames, at 1280x720 and 1920x1080.

A uniform dark picture stands in for the camera so that the count's green and the cue's black
on amber can be found pixel by pixel; heights are of capital letters and digits (the bounding
box of the drawn glyphs), as fractions of the canvas height. With POSECOACH_SHOTS=DIR the
frames are also saved as PNG to look at.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from posecoach.live import screens as sc
from posecoach.live.gestures import GestureReading
from posecoach.live.setup import SetupCheck
from posecoach.live.signals import Key
from posecoach.live.ui import coaching, pages
from posecoach.live.ui import draw as d
from posecoach.overlay import palette
from posecoach.types import Frame

SIZES = [(1280, 720), (1920, 1080), (1200, 675)]


def _view(size, cue: str | None = "HOLD STILL", hold=(1.2, 3.0), gesture=None, cue_age_s: float = 0.5) -> d.View:
    width, height = size
    image = np.full((height, width, 3), 60, np.uint8)
    frame = Frame(image, 10.0, 0)
    status = SimpleNamespace(hold_s={None: hold[0]}, hold_target_s=hold[1]) if hold else None
    shown = SimpleNamespace(message=cue, t_s=10.0 - cue_age_s) if cue else None
    step = SimpleNamespace(frame=frame, pose=None, status=status, cue=shown)
    return d.View(frame, step, None, False, gesture)


def _active(**changes) -> sc.ActiveScreen:
    base = dict(title="Glute bridge", segment="", progress="3 / 8 reps", fraction=0.375, paused=False,
                legend=(("P", "pause/resume"), ("H", "it hurts")))
    return sc.ActiveScreen(**{**base, **changes})


def _height_of(mask: np.ndarray) -> int:
    rows = np.flatnonzero(mask.any(axis=1))
    return int(rows[-1] - rows[0] + 1) if rows.size else 0


def _first_glyph_height(mask: np.ndarray) -> int:
    """The height of the leftmost drawn glyph (a digit: no descender)."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8))
    glyphs = [row for row in stats[1:n] if row[cv2.CC_STAT_AREA] > 30]
    return int(min(glyphs, key=lambda row: row[cv2.CC_STAT_LEFT])[cv2.CC_STAT_HEIGHT])


def _save(name: str, img: np.ndarray) -> None:
    folder = os.environ.get("POSECOACH_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(Path(folder) / f"{name}.png"), img)


def _near(img, color, tol=40) -> np.ndarray:
    return np.all(np.abs(img.astype(int) - np.array(color)) <= tol, axis=-1)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_count_and_the_cue_are_large_on_the_live_view(size):
    img = pages.render(_active(), _view(size), size)
    _save(f"active_{size[0]}x{size[1]}", img)
    height = size[1]
    band = img[: round(0.2 * height)]
    count_h = _first_glyph_height(_near(band, palette.GOOD))  # the green "3" of "3 / 8 reps"
    assert count_h / height >= 0.085, count_h
    bar = _near(img, coaching.CUE_BG, 12)
    rows = np.flatnonzero(bar.mean(axis=1) > 0.5)  # the cue's amber bar, full width
    assert rows.size
    inside = img[rows[0]:rows[-1] + 1]
    cue_h = _height_of(_near(inside, coaching.CUE_FG, 30))
    assert cue_h / height >= 0.05, cue_h


def test_a_cue_leaves_the_bar_once_it_is_no_longer_about_now():
    img = pages.render(_active(), _view(pages.SIZE, cue_age_s=pages.CUE_FRESH_S + 0.5), pages.SIZE)
    assert not (_near(img, coaching.CUE_BG, 12).mean(axis=1) > 0.5).any()


def test_no_angle_numbers_unless_asked_for():
    img = pages.render(_active(), _view(pages.SIZE), pages.SIZE)
    assert not _near(img, (0, 200, 255), 10)[: round(0.2 * 720), : 500].any()  # no replay panel


@pytest.mark.parametrize("size", SIZES[:2], ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_set_up_hint_is_large_and_not_dim(size):
    checks = (SetupCheck("Whole body in the frame", True, ""),
              SetupCheck("Your side toward the camera", False, "Turn your side to the camera"))
    screen = sc.SetupScreen("Set up: Glute bridge", checks, 0.0, "Camera at hip height, 2-3 m away", False,
                            (("Space", "start anyway"),))
    img = pages.render(screen, _view(size, cue=None, hold=None), size)
    _save(f"setup_{size[0]}x{size[1]}", img)
    bar = _near(img, coaching.CUE_BG, 12)
    rows = np.flatnonzero(bar.mean(axis=1) > 0.5)
    assert rows.size, "the hint is drawn in the large cue bar"
    inside = img[rows[0]:rows[-1] + 1]
    assert _height_of(_near(inside, coaching.CUE_FG, 30)) / size[1] >= 0.05


def test_away_says_come_back_into_view_large():
    size = pages.SIZE
    img = pages.render(_active(away=True), _view(size), size)
    _save("away", img)
    assert _height_of(_near(img, palette.ACCENT, 30)[: round(0.5 * size[1])]) / size[1] >= 0.06


def test_a_gesture_being_held_is_shown_filling():
    size = pages.SIZE
    empty = pages.render(_active(), _view(size, gesture=GestureReading(Key.PAUSE, 0.1, None)), size)
    full = pages.render(_active(), _view(size, gesture=GestureReading(Key.PAUSE, 0.9, None)), size)
    _save("gesture", full)
    corner = (slice(round(0.25 * size[1]), round(0.55 * size[1])), slice(size[0] - 200, size[0]))
    assert _near(full[corner], palette.GOOD).sum() > 3 * _near(empty[corner], palette.GOOD).sum()


def test_thin_text_is_drawn_once():
    """An outline drawn with a thicker stroke spaces OpenCV's letters wider: the last letters showed
    twice ("hips downn"). The outlined text now ends where the plain text ends."""
    for thickness in (1, 2, 3):
        plain = np.zeros((80, 600, 3), np.uint8)
        outlined = np.zeros((80, 600, 3), np.uint8)
        cv2.putText(plain, "hips down", (10, 50), d.FONT, 1.0, palette.WHITE, thickness, cv2.LINE_AA)
        d.outlined(outlined, "hips down", (10, 50), d.FONT, 1.0, palette.WHITE, thickness)
        right = np.flatnonzero((outlined > 0).any(axis=(0, 2)))[-1]
        plain_right = np.flatnonzero((plain > 0).any(axis=(0, 2)))[-1]
        assert right - plain_right <= max(1, round(thickness * 0.75)) + 1


def test_summary_notes_are_wrapped_not_cut():
    notes = "keep your knees over your feet (x3), lift your hips higher (x2), keep your back flat (x2)"
    row = sc.SummaryRow("Glute bridge", "done", "8", "8 (24 s)", notes)
    screen = sc.SummaryScreen("Session summary", "Completed: well done.", (row,), "Pain before 3, after 2", (),
                              (("Space", "close"),))
    img = pages.render(screen, None, pages.SIZE)
    _save("summary_notes", img)
    column = img[230:330, d.MARGIN + 790:]
    lines = np.flatnonzero(np.diff((_near(column, palette.ACCENT, 30).any(axis=1)).astype(int)) == 1)
    assert len(lines) >= 2  # more than one line of notes
