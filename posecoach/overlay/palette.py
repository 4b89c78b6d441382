"""The one palette, in BGR as OpenCV draws: the replay overlay and the live screens share it."""

from __future__ import annotations

from types import MappingProxyType

WHITE, BLACK = (255, 255, 255), (0, 0, 0)
DIM = (165, 160, 155)  # secondary text, outlines
ACCENT = (0, 190, 255)  # amber: what to look at, the cue bar
GOOD = (90, 210, 90)  # counts, a check that passed
BACKGROUND = (40, 32, 26)  # the live screens' page
PANEL = (58, 48, 40)  # boxes on the page
TONES = MappingProxyType({"danger": (50, 50, 215), "warning": (0, 150, 240), "ok": (70, 170, 70)})
