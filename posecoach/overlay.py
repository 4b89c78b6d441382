"""Draws the skeleton, measured angles and the coaching panel. Computes nothing."""

from __future__ import annotations

import cv2
import numpy as np

from posecoach.hud import Hud
from posecoach.types import SKELETON, Pose

FONT = cv2.FONT_HERSHEY_SIMPLEX
WHITE, BLACK = (255, 255, 255), (0, 0, 0)
ACCENT = (0, 200, 255)  # amber, BGR
GOOD = (90, 220, 90)
DIM = (150, 150, 150)
MIN_VISIBILITY_TO_DRAW = 0.3


def _scale(image: np.ndarray) -> float:
    """1.0 at 720 px on the short side, so text keeps its proportion at any size; small
    frames get relatively larger text, or it would not be legible."""
    return max(min(image.shape[:2]) / 720.0, 0.65)


def _text(image, text, org, scale, color=WHITE, thickness=1, background=None) -> None:
    s = _scale(image) * scale
    t = max(1, round(thickness * _scale(image) * 1.5))
    (w, h), base = cv2.getTextSize(text, FONT, s, t)
    x, y = int(org[0]), int(org[1])
    if background is not None:
        pad = max(2, round(6 * _scale(image)))
        cv2.rectangle(image, (x - pad, y - h - pad), (x + w + pad, y + base + pad), background, -1)
    else:
        cv2.putText(image, text, (x, y), FONT, s, BLACK, t + 2, cv2.LINE_AA)
    cv2.putText(image, text, (x, y), FONT, s, color, t, cv2.LINE_AA)


def draw_skeleton(image: np.ndarray, pose: Pose, highlight: tuple[int, ...] = ()) -> None:
    s = _scale(image)
    visible = pose.visibility >= MIN_VISIBILITY_TO_DRAW
    points = np.round(pose.xy).astype(int)
    for a, b in SKELETON:
        if visible[a] and visible[b]:
            strong = a in highlight and b in highlight
            color, width = (ACCENT, 4) if strong else (WHITE, 2)
            cv2.line(image, tuple(points[a]), tuple(points[b]), BLACK, max(2, round((width + 2) * s)), cv2.LINE_AA)
            cv2.line(image, tuple(points[a]), tuple(points[b]), color, max(1, round(width * s)), cv2.LINE_AA)
    for i in np.flatnonzero(visible[11:]) + 11:
        cv2.circle(image, tuple(points[i]), max(2, round(5 * s)), ACCENT if i in highlight else GOOD, -1, cv2.LINE_AA)


def draw_labels(image: np.ndarray, hud: Hud) -> None:
    offset = 14 * _scale(image)
    for label in hud.labels:
        x, y = label.xy
        _text(image, label.text, (x + offset, y - offset), 0.8, ACCENT, 2, background=(40, 40, 40))


def draw_panel(image: np.ndarray, hud: Hud) -> None:
    s = _scale(image)
    x, line = round(16 * s), 38 * s
    panel = image[: round(line * 4.4), : round(430 * s)]
    # Darken only the panel's region: blending the whole frame would cost milliseconds.
    cv2.addWeighted(panel, 0.45, np.full_like(panel, 30), 0.55, 0, dst=panel)
    _text(image, hud.title, (x, line), 0.85, WHITE, 2)
    _text(image, hud.reps, (x, line * 2), 0.95, GOOD, 2)
    _text(image, hud.phase, (x, line * 3), 0.75, WHITE, 1)
    if hud.hold_target_s:
        _hold_bar(image, hud, (x, round(line * 3.5)), (round(200 * s), round(14 * s)))


def _hold_bar(image, hud: Hud, origin, size) -> None:
    (x, y), (w, h) = origin, size
    done = min(1.0, hud.hold_s / hud.hold_target_s)
    cv2.rectangle(image, (x, y), (x + w, y + h), DIM, 1)
    cv2.rectangle(image, (x, y), (x + round(w * done), y + h), GOOD if done >= 1 else ACCENT, -1)
    _text(image, f"hold {hud.hold_s:4.1f}/{hud.hold_target_s:g} s", (x + w + 10 * _scale(image), y + h), 0.65)


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


def draw(image: np.ndarray, pose: Pose | None, hud: Hud) -> np.ndarray:
    """Returns an annotated copy; the input frame is left untouched."""
    out = image.copy()
    draw_panel(out, hud)  # first, so that a body under the panel still shows its angles
    if pose is not None:
        draw_skeleton(out, pose, hud.highlight)
        draw_labels(out, hud)
    draw_cue(out, hud)
    return out


def blank_canvas(size: tuple[int, int]) -> np.ndarray:
    """A dark frame to draw on when replaying a pose track (it has no images)."""
    width, height = size
    return np.full((height, width, 3), 24, dtype=np.uint8)
