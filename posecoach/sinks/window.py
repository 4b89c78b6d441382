"""The one OpenCV window: show a picture, read a key, notice the person closing it.

`replay --show` (sinks.WindowSink) and the live session (live/window.WindowUI) both show their
pictures through `Window`, so `waitKey`, the close button and full screen live here only.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import cv2
import numpy as np

from posecoach.errors import PosecoachError
from posecoach.sinks.display import require_display


@dataclass
class Window:
    title: str = "posecoach"
    size: tuple[int, int] | None = None  # the window's size; None: the picture's
    fullscreen: bool = False
    hint: str = "drop --show"  # what to do without a display
    _opened: bool = False
    _gone: bool = False  # closed by the person: never shown again

    def __post_init__(self) -> None:
        # Without a display, Qt aborts the whole process instead of raising: check first.
        require_display(self.hint)

    @property
    def gone(self) -> bool:
        return self._gone

    def show(self, picture: np.ndarray, wait_ms: int = 1) -> int | None:
        """Show the picture; the key pressed meanwhile (its low byte), or None."""
        if self._gone:
            return None
        if not self._opened:
            self._open()
        cv2.imshow(self.title, picture)
        code = cv2.waitKey(wait_ms)
        if self._closed_by_user():
            self._gone = True  # showing it again would open a new window
        return code & 0xFF if code >= 0 else None

    def set_fullscreen(self, on: bool) -> None:
        self.fullscreen = on
        with contextlib.suppress(cv2.error):
            cv2.setWindowProperty(self.title, cv2.WND_PROP_FULLSCREEN,
                                  cv2.WINDOW_FULLSCREEN if on else cv2.WINDOW_NORMAL)

    def close(self) -> None:
        if self._opened and not self._gone:
            with contextlib.suppress(cv2.error):
                cv2.destroyWindow(self.title)
                cv2.waitKey(1)

    def _open(self) -> None:
        try:
            cv2.namedWindow(self.title, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
            if self.size is not None:
                cv2.resizeWindow(self.title, *self.size)
        except cv2.error as e:
            raise PosecoachError(f"cannot open a window ({e.err}); is there a display? {self.hint}") from None
        self._opened = True
        if self.fullscreen:
            self.set_fullscreen(True)

    def _closed_by_user(self) -> bool:
        try:
            return cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1
        except cv2.error:
            return True
