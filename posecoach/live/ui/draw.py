"""Turns a screen description into pixels (OpenCV). Computes nothing about the session.

Every screen is drawn on a canvas of a fixed size (1280x720 by default) with the key legend
along the bottom. The camera picture is mirrored for the person, like a mirror; the pose,
measured on the unmirrored frame, is mirrored with it for drawing only.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from posecoach.exercise.spec import ExerciseSpec
from posecoach.live import screens as sc
from posecoach.live.gestures import GestureReading
from posecoach.overlay import draw as overlay
from posecoach.overlay.hud import build_hud
from posecoach.overlay.palette import BACKGROUND, BLACK, DIM, GOOD, TONES, WHITE
from posecoach.pipeline import Step
from posecoach.types import Frame, Pose

FONT, BOLD = cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX
LEGEND_H = 52
MARGIN = 70


@dataclasses.dataclass(frozen=True)
class View:
    """The camera picture for this canvas: the frame and what the coach made of it."""

    frame: Frame | None = None
    step: Step | None = None
    spec: ExerciseSpec | None = None  # needed for the exercise panel on the live overlay
    mirror: bool = True
    gesture: GestureReading | None = None  # a gesture being held that means something on this screen
    angles: bool = False  # the measured angles and the replay panel on the live view (for tuning)


def blank(size: tuple[int, int], color=BACKGROUND) -> np.ndarray:
    width, height = size
    img = np.empty((height, width, 3), np.uint8)
    cv2.rectangle(img, (0, 0), (width - 1, height - 1), color, -1)  # several times faster than np.full
    return img


def outlined(img, s: str, org, font, scale: float, color, thickness: int, outline=BLACK) -> None:
    """Text with a dark outline for a busy picture. The outline is the same text, same stroke,
    shifted around it: a thicker stroke would space OpenCV's letters wider and show its last
    letters twice ("hips downn")."""
    x, y = int(org[0]), int(org[1])
    d = max(1, round(thickness * 0.75))
    for dx, dy in ((-d, -d), (d, -d), (-d, d), (d, d), (0, -d), (0, d), (-d, 0), (d, 0)):
        cv2.putText(img, s, (x + dx, y + dy), font, scale, outline, thickness, cv2.LINE_AA)
    cv2.putText(img, s, (x, y), font, scale, color, thickness, cv2.LINE_AA)


def text(img, s: str, org, scale: float, color=WHITE, font=FONT, thickness: int = 2, shadow: bool = False) -> int:
    """Draws one line; returns its width in pixels."""
    x, y = int(org[0]), int(org[1])
    if shadow:
        outlined(img, s, (x, y), font, scale, color, thickness)
    else:
        cv2.putText(img, s, (x, y), font, scale, color, thickness, cv2.LINE_AA)
    return cv2.getTextSize(s, font, scale, thickness)[0][0]


_CAP_AT_SCALE_40: dict[int, int] = {}


def fit_scale(s: str, cap_px: float, font=FONT) -> float:
    """The font scale whose capital letters (and digits) stand `cap_px` tall, measured on the glyph
    as drawn (getTextSize's height is not the cap height with every OpenCV font backend)."""
    if font not in _CAP_AT_SCALE_40:
        probe = np.zeros((400, 400), np.uint8)
        cv2.putText(probe, "H", (20, 300), font, 40 / 22, 255, 1, cv2.LINE_8)
        rows = np.flatnonzero(probe.any(axis=1))
        _CAP_AT_SCALE_40[font] = int(rows[-1] - rows[0] + 1)
    return cap_px / _CAP_AT_SCALE_40[font] * (40 / 22)


def wrap(s: str, scale: float, max_width: int, font=FONT, thickness: int = 2) -> list[str]:
    lines, line = [], ""
    for word in s.split():
        candidate = f"{line} {word}".strip()
        if line and cv2.getTextSize(candidate, font, scale, thickness)[0][0] > max_width:
            lines.append(line)
            candidate = word
        line = candidate
    return lines + ([line] if line else [])


def paragraph(img, s: str, org, scale: float, max_width: int, color=WHITE, font=FONT, thickness: int = 2,
              spacing: float = 1.55) -> int:
    """Wrapped text from `org` (baseline of the first line); returns the baseline after the last line."""
    x, y = org
    step = int(cv2.getTextSize("Ag", font, scale, thickness)[0][1] * spacing + 6)
    for line in wrap(s, scale, max_width, font, thickness):
        text(img, line, (x, y), scale, color, font, thickness)
        y += step
    return y


def shade(img, top_left, bottom_right, color=BLACK, alpha: float = 0.55) -> None:
    (x0, y0), (x1, y1) = top_left, bottom_right
    region = img[max(0, y0):y1, max(0, x0):x1]
    cv2.addWeighted(region, 1 - alpha, np.full_like(region, color), alpha, 0, dst=region)


def legend(img, items: tuple[sc.LegendItem, ...]) -> None:
    height, width = img.shape[:2]
    top = height - LEGEND_H
    img[top:] = (22, 18, 15)
    x, y = 24, top + 34
    for key, action in items:
        (kw, kh), _ = cv2.getTextSize(key, BOLD, 0.6, 1)
        cv2.rectangle(img, (x, y - kh - 9), (x + kw + 16, y + 8), (95, 85, 75), -1, cv2.LINE_AA)
        text(img, key, (x + 8, y), 0.6, WHITE, BOLD, 1)
        x += kw + 26
        x += text(img, action, (x, y), 0.62, (215, 210, 205), FONT, 1) + 30


def progress_bar(img, top_left, size, fraction: float, color=GOOD) -> None:
    (x, y), (w, h) = top_left, size
    cv2.rectangle(img, (x, y), (x + w, y + h), (90, 80, 70), -1)
    cv2.rectangle(img, (x, y), (x + round(w * max(0.0, min(1.0, fraction))), y + h), color, -1)


def check_mark(img, centre, ok: bool, r: int = 14) -> None:
    x, y = centre
    cv2.circle(img, (x, y), r, GOOD if ok else TONES["danger"], -1, cv2.LINE_AA)
    if ok:
        pts = np.array([(x - r * 0.5, y), (x - r * 0.1, y + r * 0.4), (x + r * 0.55, y - r * 0.4)], np.int32)
        cv2.polylines(img, [pts], False, WHITE, 3, cv2.LINE_AA)
    else:
        d = int(r * 0.45)
        cv2.line(img, (x - d, y - d), (x + d, y + d), WHITE, 3, cv2.LINE_AA)
        cv2.line(img, (x - d, y + d), (x + d, y - d), WHITE, 3, cv2.LINE_AA)


# The camera picture -------------------------------------------------------------------------

def fit(frame_size: tuple[int, int], area: tuple[int, int]) -> tuple[float, tuple[int, int]]:
    """Scale and offset that fit a frame inside an area, centred (letterboxed)."""
    (fw, fh), (aw, ah) = frame_size, area
    scale = min(aw / fw, ah / fh)
    return scale, (round((aw - fw * scale) / 2), round((ah - fh * scale) / 2))


def display_pose(pose: Pose, scale: float, offset: tuple[int, int], mirror: bool, area: tuple[int, int]) -> Pose:
    """The pose in canvas pixels, mirrored like the picture. For drawing only."""
    width = pose.image_size[0]
    xy = pose.xy.copy()
    if mirror:
        xy[:, 0] = (width - 1) - xy[:, 0]
    return dataclasses.replace(pose, xy=xy * scale + np.array(offset), image_size=area)


def camera(view: View, area: tuple[int, int], hud_text: tuple[str, str] | None = None,
           skeleton: bool = True) -> np.ndarray:
    """The mirrored camera picture letterboxed into `area`, with the skeleton (and the HUD if asked)."""
    img = blank(area)
    frame = view.frame
    if frame is None or frame.image is None:
        text(img, "Waiting for the camera...", (MARGIN, area[1] // 2), 1.0, DIM)
        return img
    height, width = frame.image.shape[:2]
    scale, (ox, oy) = fit((width, height), area)
    picture = cv2.flip(frame.image, 1) if view.mirror else frame.image
    size = (round(width * scale), round(height * scale))
    img[oy:oy + size[1], ox:ox + size[0]] = cv2.resize(picture, size, interpolation=cv2.INTER_LINEAR)
    step = view.step
    if not skeleton or step is None or step.pose is None:
        return img
    pose = display_pose(step.pose, scale, (ox, oy), view.mirror, area)
    if hud_text is None or view.spec is None:
        overlay.draw_skeleton(img, pose)
        return img
    hud = build_hud(view.spec, step.status, step.measurements, pose, step.cue.message if step.cue else None)
    hud = dataclasses.replace(hud, title=hud_text[0], reps=hud_text[1])
    return overlay.draw(img, pose, hud)


def with_camera(view: View, size: tuple[int, int], hud_text: tuple[str, str] | None = None,
                skeleton: bool = True) -> np.ndarray:
    """A canvas whose area above the legend shows the camera."""
    width, height = size
    img = np.empty((height, width, 3), np.uint8)
    img[:height - LEGEND_H] = camera(view, (width, height - LEGEND_H), hud_text, skeleton)
    return img  # the legend strip is drawn over the rest


def paused(img) -> None:
    height, width = img.shape[:2]
    shade(img, (0, 0), (width, height - LEGEND_H), BLACK, 0.55)
    label = "Paused"
    w = cv2.getTextSize(label, BOLD, 2.2, 3)[0][0]
    text(img, label, ((width - w) // 2, height // 2 - 10), 2.2, WHITE, BOLD, 3)
    hint = "Press P, or cross your arms on your chest, to carry on"
    w = cv2.getTextSize(hint, FONT, 0.9, 2)[0][0]
    text(img, hint, ((width - w) // 2, height // 2 + 45), 0.9, DIM)
