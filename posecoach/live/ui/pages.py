"""One drawing function per screen of the live flow. `render(screen, view, size)` is the entry."""

from __future__ import annotations

import cv2
import numpy as np

from posecoach.live import screens as sc
from posecoach.live.ui import coaching
from posecoach.live.ui import draw as d
from posecoach.overlay import palette

SIZE = (1280, 720)


def _header(img, title: str, right: str = "", color=palette.ACCENT) -> int:
    width = img.shape[1]
    cv2.rectangle(img, (0, 0), (width, 8), color, -1)
    d.text(img, title, (d.MARGIN, 88), 1.35, palette.WHITE, d.BOLD, 2)
    if right:
        w = cv2.getTextSize(right, d.FONT, 0.75, 2)[0][0]
        d.text(img, right, (width - d.MARGIN - w, 84), 0.75, palette.DIM)
    return 140


def _centered(img, s: str, y: int, scale: float, color=palette.WHITE, font=d.FONT, thickness: int = 2) -> None:
    w = cv2.getTextSize(s, font, scale, thickness)[0][0]
    d.text(img, s, ((img.shape[1] - w) // 2, y), scale, color, font, thickness)


def _footer_note(img, s: str) -> None:
    height, width = img.shape[:2]
    d.paragraph(img, s, (d.MARGIN, height - d.LEGEND_H - 40), 0.6, width - 2 * d.MARGIN, palette.DIM, d.FONT, 1)


def _safety(screen: sc.SafetyScreen, view: d.View, size) -> np.ndarray:
    img = d.blank(size)
    width = size[0]
    _header(img, screen.heading, f"Question {screen.index} of {screen.total}" if screen.total > 1 else "")
    d.paragraph(img, screen.question, (d.MARGIN, 250), 1.2, width - 2 * d.MARGIN, palette.WHITE, d.FONT, 2, 1.7)
    step = min(34, (width - 2 * d.MARGIN) // max(screen.total, 1))
    for i in range(screen.total if screen.total > 1 else 0):
        centre = (d.MARGIN + 12 + i * step, 190)
        filled = i < screen.index - 1
        cv2.circle(img, centre, 9, palette.ACCENT if filled or i == screen.index - 1 else (90, 80, 70),
                   -1 if filled else 2, cv2.LINE_AA)
    color = palette.ACCENT if screen.ready else (110, 100, 90)
    for i, (key, label) in enumerate(screen.answers):
        x0, y0 = d.MARGIN + i * 300, 430
        cv2.rectangle(img, (x0, y0), (x0 + 270, y0 + 80), palette.PANEL, -1, cv2.LINE_AA)
        d.text(img, key, (x0 + 28, y0 + 55), 1.4, color, d.BOLD, 2)
        d.text(img, label, (x0 + 90, y0 + 53), 1.1, palette.WHITE if screen.ready else palette.DIM, d.FONT, 2)
    if not screen.ready:
        d.text(img, "Take a moment to read the question", (d.MARGIN, 560), 0.7, palette.DIM)
    _footer_note(img, screen.disclaimer)
    d.legend(img, screen.legend)
    return img


def _review(screen: sc.ReviewScreen, view: d.View, size) -> np.ndarray:
    img = d.blank(size)
    width, height = size
    _header(img, screen.title)
    rows = screen.rows
    per_column = (len(rows) + 1) // 2 if len(rows) > 12 else len(rows)
    column_w = (width - 2 * d.MARGIN) // (2 if per_column < len(rows) else 1)
    line_h = min(40, (height - d.LEGEND_H - 260) // max(per_column, 1))
    for i, (sign, answer) in enumerate(rows):
        x = d.MARGIN + (i // per_column) * column_w
        y = 170 + (i % per_column) * line_h
        flagged = answer != "no"
        d.text(img, answer, (x, y), 0.55, palette.TONES["danger"] if flagged else palette.GOOD, d.BOLD, 1)
        d.text(img, sign, (x + 95, y), 0.5, palette.WHITE if flagged else palette.DIM, d.FONT, 1)
    _footer_note(img, screen.note)
    d.legend(img, screen.legend)
    return img


def _notice(screen: sc.NoticeScreen, view: d.View, size) -> np.ndarray:
    img = d.blank(size)
    width = size[0]
    color = palette.TONES[screen.tone]
    cv2.rectangle(img, (0, 0), (width, 150), color, -1)
    d.paragraph(img, screen.title, (d.MARGIN, 95), 1.5, width - 2 * d.MARGIN, palette.WHITE, d.BOLD, 3)
    y = 230
    for line in screen.lines:
        y = d.paragraph(img, line, (d.MARGIN, y), 0.95, width - 2 * d.MARGIN, palette.WHITE, d.FONT, 2) + 14
    _footer_note(img, screen.footer)
    d.legend(img, screen.legend)
    return img


def _pain_color(value: int) -> tuple[int, int, int]:
    """Green at 0 to red at 10 (BGR)."""
    t = value / 10
    return (60, round(200 * (1 - t) + 60 * t), round(70 * (1 - t) + 220 * t))


def _pain(screen: sc.PainScreen, view: d.View, size) -> np.ndarray:
    img = d.blank(size)
    width = size[0]
    _header(img, screen.title)
    d.paragraph(img, screen.question, (d.MARGIN, 220), 1.15, width - 2 * d.MARGIN)
    box, gap = 86, 12
    x0 = (width - (11 * box + 10 * gap)) // 2
    for value in range(11):
        x, y = x0 + value * (box + gap), 300
        chosen = value == screen.value
        cv2.rectangle(img, (x, y), (x + box, y + box), _pain_color(value) if chosen else palette.PANEL, -1, cv2.LINE_AA)
        if chosen:
            cv2.rectangle(img, (x - 4, y - 4), (x + box + 4, y + box + 4), palette.WHITE, 3, cv2.LINE_AA)
        label = str(value)
        w = cv2.getTextSize(label, d.BOLD, 1.3, 2)[0][0]
        d.text(img, label, (x + (box - w) // 2, y + 60), 1.3, palette.WHITE, d.BOLD, 2)
    d.text(img, "no pain", (x0, 420), 0.7, palette.DIM)
    worst = "worst pain"
    d.text(img, worst, (x0 + 11 * box + 10 * gap - cv2.getTextSize(worst, d.FONT, 0.7, 2)[0][0], 420), 0.7, palette.DIM)
    chosen = "Press a number (10: press 9 then +), then Space" if screen.value is None else \
        f"Your rating: {screen.value}. Press Space to confirm"
    if screen.yes_no and screen.value is None:
        chosen = "Yes: one hand on your head (or Y).  No: one hand on the other shoulder (or N)."
        d.paragraph(img, "Or rate it at the keyboard: a number, then Space.", (d.MARGIN, 610), 0.8,
                    width - 2 * d.MARGIN, (215, 210, 205), d.FONT, 2)
    d.text(img, chosen, (d.MARGIN, 500), 0.9, palette.ACCENT)
    d.paragraph(img, screen.note, (d.MARGIN, 550), 0.7, width - 2 * d.MARGIN, palette.DIM, d.FONT, 1)
    d.legend(img, screen.legend)
    return img


def _card(screen: sc.CardScreen, view: d.View, size) -> np.ndarray:
    img = d.blank(size)
    width = size[0]
    _header(img, screen.title, screen.heading)
    d.text(img, screen.dose, (d.MARGIN, 150), 0.95, palette.ACCENT, d.FONT, 2)
    y = 215
    if screen.advice:
        y = d.paragraph(img, screen.advice, (d.MARGIN, 195), 0.65, width - 2 * d.MARGIN, palette.DIM, d.FONT, 1) + 25
    for i, step in enumerate(screen.instructions, 1):
        cv2.circle(img, (d.MARGIN + 16, y - 10), 18, palette.PANEL, -1, cv2.LINE_AA)
        d.text(img, str(i), (d.MARGIN + 8, y), 0.75, palette.WHITE, d.BOLD, 2)
        y = d.paragraph(img, step, (d.MARGIN + 55, y), 0.85, width - 2 * d.MARGIN - 55) + 12
    top = max(y + 10, size[1] - d.LEGEND_H - 150)
    cv2.rectangle(img, (d.MARGIN - 20, top), (width - d.MARGIN + 20, top + 110), palette.PANEL, -1, cv2.LINE_AA)
    d.paragraph(img, screen.camera, (d.MARGIN, top + 45), 0.8, width - 2 * d.MARGIN, palette.WHITE)
    d.legend(img, screen.legend)
    return img


def _setup(screen: sc.SetupScreen, view: d.View, size) -> np.ndarray:
    width, height = size
    panel_w = round(width * 0.37)
    img = d.blank(size)
    img[:height - d.LEGEND_H, :width - panel_w] = d.camera(view, (width - panel_w, height - d.LEGEND_H))
    x = width - panel_w + 30
    inner = panel_w - 60
    y = d.paragraph(img, screen.title, (x, 60), 0.95, inner, palette.WHITE, d.BOLD, 2) + 10
    for check in screen.checks:
        d.check_mark(img, (x + 14, y - 9), check.ok)
        color = palette.WHITE if check.ok else palette.ACCENT
        y = d.paragraph(img, check.label, (x + 42, y), 0.8, inner - 42, color) + 4
        y += 10
    ready = all(c.ok for c in screen.checks)
    d.text(img, "Hold still: starting..." if ready else "Waiting for the set-up", (x, y + 20), 0.7,
           palette.GOOD if ready else palette.DIM)
    d.progress_bar(img, (x, y + 40), (inner, 12), screen.progress)
    hint = next((c.hint for c in screen.checks if not c.ok and c.hint), "")
    if hint:  # what to do now, large over the picture, to be read from the mat
        coaching.cue(img, hint, height - d.LEGEND_H)
    else:
        d.paragraph(img, screen.camera, (x, height - d.LEGEND_H - 110), 0.62, inner, (215, 210, 205), d.FONT, 1)
    d.legend(img, screen.legend)
    if screen.paused:
        d.paused(img)
    return img


def _countdown(screen: sc.CountdownScreen, view: d.View, size) -> np.ndarray:
    img = d.with_camera(view, size)
    width, height = size
    centre = (width // 2, (height - d.LEGEND_H) // 2)
    d.shade(img, (0, 0), (width, height - d.LEGEND_H), palette.BLACK, 0.35)
    cv2.circle(img, centre, 110, palette.ACCENT, 8, cv2.LINE_AA)
    label = str(screen.seconds)
    (w, h), _ = cv2.getTextSize(label, d.BOLD, 4.0, 8)
    d.text(img, label, (centre[0] - w // 2, centre[1] + h // 2), 4.0, palette.WHITE, d.BOLD, 8)
    _centered(img, screen.title, 90, 1.3, palette.WHITE, d.BOLD, 2)
    _centered(img, screen.subtitle, centre[1] + 175, 0.95, palette.WHITE)
    d.legend(img, screen.legend)
    if screen.paused:
        d.paused(img)
    return img


CUE_FRESH_S = 3.0  # a cue stays in the bar this long: it is about what the person is doing now


def _active(screen: sc.ActiveScreen, view: d.View, size) -> np.ndarray:
    """The coaching layout: the picture with the skeleton, the count large, the one cue, the hold.
    The measured angles only with `View.angles` (the replay overlay's panel, for tuning)."""
    title = f"{screen.title}: {screen.segment}" if screen.segment else screen.title
    img = d.with_camera(view, size, (title, screen.progress) if view.angles else None)
    width, height = size
    bottom = height - d.LEGEND_H - 10
    d.progress_bar(img, (0, bottom), (width, 10), screen.fraction)
    step = view.step
    if not view.angles:
        top = coaching.top_band(img, title, screen.progress)
        status = step.status if step is not None else None
        if status is not None and status.hold_target_s and max(status.hold_s.values(), default=0.0) > 0:
            coaching.hold(img, top, max(status.hold_s.values()), status.hold_target_s)
        fresh = step is not None and step.cue is not None and step.frame.t_s - step.cue.t_s <= CUE_FRESH_S
        if fresh and not screen.away:
            coaching.cue(img, step.cue.message, bottom)
    d.legend(img, screen.legend)
    if screen.away:
        coaching.away(img)
    elif screen.paused:
        d.paused(img)
    return img


def _rest(screen: sc.RestScreen, view: d.View, size) -> np.ndarray:
    img = d.with_camera(view, size, skeleton=False)
    width, height = size
    d.shade(img, (0, 0), (width, height - d.LEGEND_H), palette.BACKGROUND, 0.75)
    _centered(img, screen.title, 200, 1.8, palette.WHITE, d.BOLD, 3)
    minutes, seconds = divmod(screen.seconds, 60)
    _centered(img, f"{minutes}:{seconds:02d}", 360, 3.2, palette.ACCENT, d.BOLD, 6)
    _centered(img, screen.next_text, 470, 0.95, palette.WHITE)
    d.legend(img, screen.legend)
    if screen.paused:
        d.paused(img)
    return img


_COLUMNS = (("Exercise", 0), ("Result", 330), ("Reps", 470), ("Holds (time)", 590), ("Form notes", 790))


def _summary(screen: sc.SummaryScreen, view: d.View, size) -> np.ndarray:
    img = d.blank(size)
    width = size[0]
    _header(img, screen.title, screen.pain, palette.GOOD if screen.status.startswith("Completed") else palette.ACCENT)
    d.text(img, screen.status, (d.MARGIN, 150), 0.9, palette.WHITE)
    y = 215
    cv2.rectangle(img, (d.MARGIN - 15, y - 32), (width - d.MARGIN + 15, y + 12), palette.PANEL, -1)
    for label, x in _COLUMNS:
        d.text(img, label, (d.MARGIN + x, y), 0.7, palette.DIM, d.FONT, 2)
    for row in screen.rows[:8]:
        y += 44
        cells = (row.name, row.status, row.reps, row.holds)
        for (_, x), cell in zip(_COLUMNS, cells, strict=False):
            d.text(img, cell, (d.MARGIN + x, y), 0.7, palette.WHITE, d.FONT, 1 if x else 2)
        issues = d.wrap(row.issues, 0.6, width - 2 * d.MARGIN - _COLUMNS[-1][1], d.FONT, 1)
        for i, line in enumerate(issues):  # every note, wrapped under the last column
            d.text(img, line, (d.MARGIN + _COLUMNS[-1][1], y + i * 26), 0.6,
                   palette.DIM if row.issues == "-" else palette.ACCENT, d.FONT, 1)
        y += 26 * (len(issues) - 1)
    if not screen.rows:
        y += 44
        d.text(img, "No exercise was started.", (d.MARGIN, y), 0.75, palette.DIM)
    y += 60
    for i, line in enumerate(screen.advice):
        last = i == len(screen.advice) - 1  # the disclaimer
        y = d.paragraph(img, line, (d.MARGIN, y), 0.6 if last else 0.7, width - 2 * d.MARGIN,
                        palette.DIM if last else palette.WHITE, d.FONT, 1 if last else 2)
    d.legend(img, screen.legend)
    return img


_PAGES = {
    sc.SafetyScreen: _safety, sc.ReviewScreen: _review, sc.NoticeScreen: _notice,
    sc.PainScreen: _pain, sc.CardScreen: _card,
    sc.SetupScreen: _setup, sc.CountdownScreen: _countdown, sc.ActiveScreen: _active, sc.RestScreen: _rest,
    sc.SummaryScreen: _summary,
}


def render(screen: sc.Screen, view: d.View | None = None, size: tuple[int, int] = SIZE) -> np.ndarray:
    """The canvas for one screen (BGR, `size` = (width, height))."""
    view = view or d.View()
    img = _PAGES[type(screen)](screen, view, size)
    if view.gesture is not None and view.gesture.candidate is not None:
        coaching.gesture(img, view.gesture.candidate, view.gesture.progress)
    return img

