"""The layout read from the mat, 2-3 m away: the count, the one cue, the hold, a gesture filling.

Sizes are fractions of the canvas height (capital letters and digits, measured in
tests/logic/test_live_readable.py), so the layout reads the same in a small window and full screen.
Draws only; what to say comes from the screen description and the coach's step.
"""

from __future__ import annotations

import math

import cv2

from posecoach.live.gestures import GESTURE_HINTS
from posecoach.live.ui import draw as d
from posecoach.overlay import palette

COUNT_H = 0.09  # the rep count
CUE_H = 0.055  # the one current cue, and a set-up hint
LINE_H = 0.036  # the title, the hold time, a gesture's name
CUE_BG, CUE_FG = palette.ACCENT, palette.BLACK


def cap(img, fraction: float) -> float:
    return fraction * img.shape[0]


def _stroke(scale: float) -> int:
    return max(2, round(scale * 2.2))


def top_band(img, title: str, count: str) -> int:
    """The exercise on the left, the count large on the right; returns the band's bottom."""
    width = img.shape[1]
    count_scale = d.fit_scale(count, cap(img, COUNT_H), d.BOLD)
    title_scale = d.fit_scale(title, cap(img, LINE_H))
    (cw, ch), _ = cv2.getTextSize(count, d.BOLD, count_scale, _stroke(count_scale))
    bottom = round(ch * 1.7)
    d.shade(img, (0, 0), (width, bottom), palette.BLACK, 0.55)
    y = round(ch * 1.35)
    d.outlined(img, count, (width - cw - round(0.03 * width), y), d.BOLD, count_scale, palette.GOOD,
               _stroke(count_scale))
    room = width - cw - round(0.09 * width)
    lines = d.wrap(title, title_scale, room, d.FONT, _stroke(title_scale))[:2]
    step = round(cap(img, LINE_H) * 1.6)
    for i, line in enumerate(lines):
        d.outlined(img, line, (round(0.03 * width), y - (len(lines) - 1 - i) * step), d.FONT, title_scale,
                   palette.WHITE, _stroke(title_scale))
    return bottom


def hold(img, top: int, held_s: float, target_s: float) -> None:
    """'Hold: 2 seconds left' under the top band, with a bar filling."""
    left = max(0, math.ceil(target_s - held_s - 1e-6))
    label = "Hold: done" if left == 0 else f"Hold: {left} s left"
    scale = d.fit_scale(label, cap(img, CUE_H), d.BOLD)
    x, y = round(0.03 * img.shape[1]), top + round(cap(img, CUE_H) * 1.6)
    color = palette.GOOD if left == 0 else palette.WHITE
    width = d.text(img, label, (x, y), scale, color, d.BOLD, _stroke(scale), shadow=True)
    bar_h = round(cap(img, CUE_H) * 0.5)
    d.progress_bar(img, (x + width + 30, y - bar_h), (round(0.25 * img.shape[1]), bar_h), held_s / target_s,
                   palette.GOOD if left == 0 else palette.ACCENT)


def cue(img, message: str, bottom: int, height: float = CUE_H) -> None:
    """The one current cue, centred in a bar ending at `bottom`: at most two lines, never cut."""
    width = img.shape[1]
    scale = d.fit_scale(message, cap(img, height))
    lines = d.wrap(message, scale, round(0.9 * width), d.FONT, _stroke(scale))
    while len(lines) > 2:  # a long cue: smaller rather than cut off
        scale *= 0.9
        lines = d.wrap(message, scale, round(0.9 * width), d.FONT, _stroke(scale))
    line_h = round(cv2.getTextSize("H", d.FONT, scale, 1)[0][1] * 1.7)
    top = bottom - line_h * len(lines) - round(line_h * 0.5)
    cv2.rectangle(img, (0, top), (width, bottom), CUE_BG, -1)
    y = top + round(line_h * 0.25)
    for line in lines:
        y += line_h
        w = cv2.getTextSize(line, d.FONT, scale, _stroke(scale))[0][0]
        d.text(img, line, ((width - w) // 2, y - round(line_h * 0.2)), scale, CUE_FG, d.FONT, _stroke(scale))


def away(img) -> None:
    """Out of view: a big 'Come back into view' over the picture."""
    height, width = img.shape[:2]
    d.shade(img, (0, 0), (width, height - d.LEGEND_H), palette.BLACK, 0.6)
    for text, fraction, color, y in (("Come back into view", COUNT_H * 0.8, palette.ACCENT, 0.42),
                                     ("I can't see you: paused until you are back in position", LINE_H, palette.WHITE,
                                      0.56)):
        scale = d.fit_scale(text, cap(img, fraction), d.BOLD)
        w = cv2.getTextSize(text, d.BOLD, scale, _stroke(scale))[0][0]
        if w > 0.94 * width:
            scale *= 0.94 * width / w
            w = cv2.getTextSize(text, d.BOLD, scale, _stroke(scale))[0][0]
        d.text(img, text, ((width - w) // 2, round(y * height)), scale, color, d.BOLD, _stroke(scale))


def gesture(img, key, progress: float) -> None:
    """A gesture being held: its name and a ring filling, on the right, clear of the count and the cue."""
    height, width = img.shape[:2]
    r = round(cap(img, COUNT_H) * 0.6)
    centre = (width - r - 30, round(0.4 * height))
    label = GESTURE_HINTS.get(key, str(key)).split(": ")[-1].capitalize()
    scale = d.fit_scale(label, cap(img, LINE_H), d.BOLD)
    w = cv2.getTextSize(label, d.BOLD, scale, _stroke(scale))[0][0]
    d.shade(img, (centre[0] - r - w - 50, centre[1] - r - 15), (width, centre[1] + r + 15), palette.BLACK, 0.6)
    cv2.circle(img, centre, r, (90, 80, 70), 6, cv2.LINE_AA)
    cv2.ellipse(img, centre, (r, r), -90, 0, 360 * max(0.0, min(1.0, progress)), palette.GOOD, 8, cv2.LINE_AA)
    d.text(img, label, (centre[0] - r - w - 25, centre[1] + round(cap(img, LINE_H) / 2)), scale, palette.WHITE, d.BOLD,
           _stroke(scale))
