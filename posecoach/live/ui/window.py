"""Where the session is shown: an OpenCV window with keys, or nothing (headless).

Both turn a flow state into the inputs that come back: key presses from the window, or the
scripted answers of a headless run. The keys live here; the window itself is posecoach/sinks/window.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from posecoach.errors import PosecoachError
from posecoach.live.answers import Answerer
from posecoach.live.screens import describe
from posecoach.live.signals import KEY_LABELS, Closed, Input, Key, Press, SetPain
from posecoach.live.state import FlowState
from posecoach.live.ui import pages
from posecoach.live.ui.draw import View
from posecoach.sinks.window import Window

log = logging.getLogger(__name__)

Snapshot = Callable[[FlowState, np.ndarray], None]


SHIFTED_DIGITS = ")!@#$%^&*("  # Shift + 0..9 on a US keyboard
WINDOW_SIZE = (1200, 675)  # fits a 1366x768 laptop screen with its title bar and task bar
FULLSCREEN_KEYS = (ord("f"), ord("F"))
REPEAT_GAP_S = 0.75  # the same key again within this (held down: auto-repeat, or a double press) is a repeat


def _keymap() -> dict[int, Input]:
    """Key codes to inputs. Caps Lock and Shift change no key's meaning."""
    keys: dict[int, Input] = {}
    for key, label in KEY_LABELS.items():
        if len(label) == 1:
            keys[ord(label.lower())] = keys[ord(label.upper())] = Press(key)
    keys.update({ord(str(n)): SetPain(n) for n in range(10)})
    keys.update({ord(c): SetPain(n) for n, c in enumerate(SHIFTED_DIGITS)})
    keys.update({ord(" "): Press(Key.CONFIRM), 13: Press(Key.CONFIRM), 10: Press(Key.CONFIRM),
                 27: Press(Key.QUIT), ord("="): Press(Key.UP), ord("_"): Press(Key.DOWN)})
    return keys


@dataclass
class RepeatFilter:
    """Marks a key that comes again within `gap_s` of its last arrival (frame time) as a repeat.
    OpenCV reports no key releases: a held key is a stream of the same key, so the gap is
    measured from the last arrival and a held key stays a repeat until it is let go."""

    gap_s: float = REPEAT_GAP_S
    _last: Input | None = None
    _last_t: float | None = None

    def mark(self, event: Input, t_s: float) -> Input:
        repeat = (event == self._last and self._last_t is not None and 0.0 <= t_s - self._last_t < self.gap_s)
        self._last, self._last_t = event, t_s
        if repeat and isinstance(event, Press):
            return Press(event.key, repeat=True)
        return event


class HeadlessUI:
    """No window: answers come from options or a file."""

    MAX_STILL = 200  # prompts after the camera ended are answered at once; more means a stuck flow

    def __init__(self, answerer: Answerer) -> None:
        self.answerer = answerer
        self._still = 0

    def show(self, state: FlowState, view: View) -> list[Input]:
        live = view.frame is not None and view.frame.image is not None
        self._still = 0 if live else self._still + 1
        if self._still > self.MAX_STILL:
            raise PosecoachError(f"headless session stuck at the {state.stage.value} screen after the camera ended")
        return self.answerer.respond(state)

    def close(self) -> None:
        pass


@dataclass
class WindowUI:
    """A window of `size` (or the whole screen) showing each screen; keys become flow inputs.

    Every screen is drawn on a canvas of `pages.SIZE` that the window scales, so the text keeps its
    share of the height at any window size. F switches full screen on and off. Closing the window
    ends the session at once (what was done is saved) and it never opens again.
    `script` adds scripted inputs (used to take screenshots); `snapshot` sees every canvas.
    """

    size: tuple[int, int] = WINDOW_SIZE
    fullscreen: bool = False
    canvas: tuple[int, int] = pages.SIZE
    title: str = "posecoach"
    script: Answerer | None = None
    snapshot: Snapshot | None = None
    _keys: dict[int, Input] = field(default_factory=_keymap)
    _repeats: RepeatFilter = field(default_factory=RepeatFilter)
    _window: Window = field(init=False)

    def __post_init__(self) -> None:
        self._window = Window(self.title, self.size, self.fullscreen, hint="use --headless")

    def show(self, state: FlowState, view: View) -> list[Input]:
        if self._window.gone:
            return [Closed()]
        canvas = pages.render(describe(state), view, self.canvas)
        if self.snapshot is not None:
            self.snapshot(state, canvas)
        live = view.frame is not None and view.frame.image is not None
        code = self._window.show(canvas, 1 if live else 30)  # no camera any more: do not spin
        if self._window.gone:
            return [Closed()]
        inputs = self.script.respond(state) if self.script else []
        if code in FULLSCREEN_KEYS:
            self._window.set_fullscreen(not self._window.fullscreen)
        elif code in self._keys:
            t_s = view.frame.t_s if view.frame is not None else (state.t_s or 0.0)
            inputs.append(self._repeats.mark(self._keys[code], t_s))
        return inputs

    def close(self) -> None:
        self._window.close()
