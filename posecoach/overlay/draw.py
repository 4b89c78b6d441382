"""Draws the skeleton, measured angles and the coaching panel. Computes nothing."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

from posecoach.overlay.hud import Hud
from posecoach.overlay.palette import ACCENT, BLACK, DIM, GOOD, WHITE
from posecoach.types import SKELETON, Pose

FONT = cv2.FONT_HERSHEY_SIMPLEX
MIN_VISIBILITY_TO_DRAW = 0.3
_BONES = np.array(SKELETON, dtype=np.intp)  # (bones, 2) landmark indices


def _scale(image: np.ndarray) -> float:
    """1.0 at 720 px on the short side, so text keeps its proportion at any size; small
    frames get relatively larger text, or it would not be legible."""
    return max(min(image.shape[:2]) / 720.0, 0.65)


def _font(image, scale, thickness) -> tuple[float, int]:
    """OpenCV font scale and stroke for a text size relative to the frame."""
    return _scale(image) * scale, max(1, round(thickness * _scale(image) * 1.5))


def _text_width(image, text, scale, thickness=1) -> int:
    return _text_size(text, *_font(image, scale, thickness))[0][0]


@functools.lru_cache(maxsize=512)
def _text_size(text: str, font_scale: float, thickness: int) -> tuple[tuple[int, int], int]:
    return cv2.getTextSize(text, FONT, font_scale, thickness)


def _text(image, text, org, scale, color=WHITE, thickness=1, background=None) -> None:
    s, t = _font(image, scale, thickness)
    x, y = int(org[0]), int(org[1])
    if background is not None:
        (w, h), base = _text_size(text, s, t)
        pad = max(2, round(6 * _scale(image)))
        cv2.rectangle(image, (x - pad, y - h - pad), (x + w + pad, y + base + pad), background, -1)
        cv2.putText(image, text, (x, y), FONT, s, color, t, cv2.LINE_AA)
        return
    _blend(image, _outlined(text, s, t, tuple(color)), x, y)


@dataclass(frozen=True)
class _Sprite:
    """An outlined text, drawn once: `image * keep + ink` over its box (`origin`: the text's
    baseline start inside the box)."""

    keep: np.ndarray  # float32 (h, w, 1): how much of the picture shows through
    ink: np.ndarray  # float32 (h, w, 3): the strokes' colour, premultiplied (+ 0.5, to round)
    origin: tuple[int, int]


@functools.lru_cache(maxsize=64)  # a 1080p sprite is up to about 0.5 MB
def _outlined(text: str, font_scale: float, thickness: int, color: tuple[int, ...]) -> _Sprite:
    """The outline is the same stroke shifted around the text: a thicker stroke spaces OpenCV's
    letters wider, and its last letters would show twice ("hips downn", "0.0/3ss"). Drawn as
    coverage masks, so a text that does not change (the panel's, most frames) costs one blend
    instead of nine anti-aliased strokes a frame; the result is that of drawing the strokes."""
    (w, h), base = _text_size(text, font_scale, thickness)
    d = max(1, round(thickness * 0.75))
    margin = d + thickness + 2
    origin = (margin, margin + h)
    size = (h + base + 2 * margin, w + 2 * margin)
    outline, stroke = np.zeros(size, np.uint8), np.zeros(size, np.uint8)
    for dx, dy in ((-d, -d), (d, -d), (-d, d), (d, d), (0, -d), (0, d), (-d, 0), (d, 0)):
        cv2.putText(outline, text, (origin[0] + dx, origin[1] + dy), FONT, font_scale, 255, thickness, cv2.LINE_AA)
    cv2.putText(stroke, text, origin, FONT, font_scale, 255, thickness, cv2.LINE_AA)
    under, over = outline[..., None] / np.float32(255), stroke[..., None] / np.float32(255)
    # The outline blended over the picture, then the text over that.
    keep = (1 - under) * (1 - over)
    ink = under * (1 - over) * np.asarray(BLACK, np.float32) + over * np.asarray(color, np.float32)
    return _Sprite(keep, ink + np.float32(0.5), origin)  # + 0.5: rounded when cast back


def _blend(image: np.ndarray, sprite: _Sprite, x: int, y: int) -> None:
    """`sprite` with its text's baseline start at (x, y), clipped to the image."""
    h, w = sprite.keep.shape[:2]
    x0, y0 = x - sprite.origin[0], y - sprite.origin[1]
    ix0, iy0 = max(0, x0), max(0, y0)
    ix1, iy1 = min(image.shape[1], x0 + w), min(image.shape[0], y0 + h)
    if ix0 >= ix1 or iy0 >= iy1:
        return
    sx, sy = ix0 - x0, iy0 - y0
    keep = sprite.keep[sy:sy + iy1 - iy0, sx:sx + ix1 - ix0]
    ink = sprite.ink[sy:sy + iy1 - iy0, sx:sx + ix1 - ix0]
    roi = image[iy0:iy1, ix0:ix1]
    mixed = roi.astype(np.float32)
    mixed *= keep
    mixed += ink
    roi[...] = mixed  # never above 255.5: keep and the inks' weights sum to 1


def draw_skeleton(image: np.ndarray, pose: Pose, highlight: tuple[int, ...] = ()) -> None:
    s = _scale(image)
    visible = pose.visibility >= MIN_VISIBILITY_TO_DRAW
    points = np.round(pose.xy).astype(np.int32)
    shown = visible[_BONES].all(axis=1)
    strong = np.isin(_BONES, highlight).all(axis=1)
    # One call per stroke kind rather than two per bone; the highlighted bones go on top.
    for bones, color, width in ((shown & ~strong, WHITE, 2), (shown & strong, ACCENT, 4)):
        if bones.any():
            lines = list(points[_BONES[bones]])
            cv2.polylines(image, lines, False, BLACK, max(2, round((width + 2) * s)), cv2.LINE_AA)
            cv2.polylines(image, lines, False, color, max(1, round(width * s)), cv2.LINE_AA)
    for i in np.flatnonzero(visible[11:]) + 11:
        cv2.circle(image, tuple(points[i]), max(2, round(5 * s)), ACCENT if i in highlight else GOOD, -1, cv2.LINE_AA)


def draw_labels(image: np.ndarray, hud: Hud, avoid: tuple[int, int] = (0, 0)) -> None:
    """Angle labels beside their joints; a label that would cover the panel (`avoid`: its width
    and height from the top-left corner) goes just below the panel instead."""
    s = _scale(image)
    offset, pad = 14 * s, max(2, round(6 * s))
    for label in hud.labels:
        x, y = label.xy[0] + offset, label.xy[1] - offset
        height = cv2.getTextSize(label.text, FONT, *_font(image, 0.8, 2))[0][1]
        if x - pad < avoid[0] and y - height - pad < avoid[1]:
            y = avoid[1] + height + 2 * pad
        _text(image, label.text, (x, y), 0.8, ACCENT, 2, background=(40, 40, 40))


def draw_panel(image: np.ndarray, hud: Hud) -> tuple[int, int]:
    """Draws the panel in the top-left corner; returns its width and height."""
    s = _scale(image)
    x, line = round(16 * s), 38 * s
    bar = (round(200 * s), round(14 * s))
    # As wide as what it says (not a fixed width), so that it hides as little of the body as it can.
    hold_text = f"hold {hud.hold_s:4.1f}/{hud.hold_target_s:g} s" if hud.hold_target_s else ""
    widths = [_text_width(image, hud.title, 0.85, 2), _text_width(image, hud.reps, 0.95, 2),
              _text_width(image, hud.phase, 0.75, 1)]
    if hold_text:
        widths.append(bar[0] + round(10 * s) + _text_width(image, hold_text, 0.65))
    panel = image[: round(line * (4.4 if hold_text else 3.5)), : 2 * x + max(widths)]
    # Darken only the panel's region: blending the whole frame would cost milliseconds.
    cv2.addWeighted(panel, 0.45, np.full_like(panel, 30), 0.55, 0, dst=panel)
    _text(image, hud.title, (x, line), 0.85, WHITE, 2)
    _text(image, hud.reps, (x, line * 2), 0.95, GOOD, 2)
    _text(image, hud.phase, (x, line * 3), 0.75, WHITE, 1)
    if hold_text:
        _hold_bar(image, hud, hold_text, (x, round(line * 3.5)), bar)
    return panel.shape[1], panel.shape[0]


def _hold_bar(image, hud: Hud, text: str, origin, size) -> None:
    (x, y), (w, h) = origin, size
    done = min(1.0, hud.hold_s / hud.hold_target_s)
    cv2.rectangle(image, (x, y), (x + w, y + h), DIM, 1)
    cv2.rectangle(image, (x, y), (x + round(w * done), y + h), GOOD if done >= 1 else ACCENT, -1)
    _text(image, text, (x + w + 10 * _scale(image), y + h), 0.65)


def draw_cue(image: np.ndarray, hud: Hud) -> None:
    if not hud.cue:
        return
    s = _scale(image)
    scale = 0.9
    (w, _), _ = cv2.getTextSize(hud.cue, FONT, s * scale, max(1, round(3 * s)))
    if w > image.shape[1] * 0.92:  # long cue on a narrow (portrait) frame: shrink to fit
        scale *= image.shape[1] * 0.92 / w
    (w, _), _ = cv2.getTextSize(hud.cue, FONT, s * scale, max(1, round(3 * s)))
    x = (image.shape[1] - w) // 2
    y = image.shape[0] - round(30 * s)
    _text(image, hud.cue, (x, y), scale, BLACK, 2, background=ACCENT)


def draw(image: np.ndarray, pose: Pose | None, hud: Hud, in_place: bool = False) -> np.ndarray:
    """Returns an annotated copy, the input frame left untouched; with `in_place`, draws on the
    frame itself (when nothing else will look at it) and returns it."""
    out = image if in_place else image.copy()
    panel = draw_panel(out, hud)  # first, so that a body under the panel still shows through
    if pose is not None:
        draw_skeleton(out, pose, hud.highlight)
        draw_labels(out, hud, avoid=panel)
    draw_cue(out, hud)
    return out


def blank_canvas(size: tuple[int, int]) -> np.ndarray:
    """A dark frame to draw on when replaying a pose track (it has no images)."""
    width, height = size
    return np.full((height, width, 3), 24, dtype=np.uint8)
