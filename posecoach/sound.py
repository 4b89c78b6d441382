"""Short sounds for counted reps and finished holds, and optional spoken cues. Best effort only.

A session never fails for want of audio: a missing sound card, library or speech engine
means silence (logged once at debug level). Speech is off unless asked for, and uses an
offline engine (espeak-ng or espeak) when one is installed.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Callable
from typing import TextIO

log = logging.getLogger(__name__)

# (frequency Hz, duration s) for each sound
TONES = {"rep": (880.0, 0.08), "hold": (660.0, 0.25), "done": (990.0, 0.3)}
SAMPLE_RATE = 22050


def _tone_player() -> Callable[[str], None] | None:
    try:
        import numpy as np
        import sounddevice  # optional; needs PortAudio
        sounddevice.query_devices(kind="output")
    except Exception as e:  # noqa: BLE001 - any failure here just means "no tone output"
        log.debug("no tone output: %s", e)
        return None

    def play(kind: str) -> None:
        frequency, duration = TONES.get(kind, TONES["rep"])
        t = np.arange(int(SAMPLE_RATE * duration)) / SAMPLE_RATE
        fade = np.minimum(1.0, np.minimum(t, duration - t) / 0.01)
        sounddevice.play((0.3 * np.sin(2 * np.pi * frequency * t) * fade).astype(np.float32), SAMPLE_RATE)

    return play


class Sounds:
    """Plays a sound by kind with the first backend that works: a tone, the terminal bell, or nothing."""

    def __init__(self, mode: str = "auto", bell_stream: TextIO | None = None) -> None:
        self._play: Callable[[str], None] | None = None
        self.backend = "off"
        if mode in ("auto", "tone"):
            self._play = _tone_player()
            self.backend = "tone" if self._play else "off"
        if self._play is None and mode in ("auto", "bell") and bell_stream is not None and bell_stream.isatty():
            self._play = lambda kind: (bell_stream.write("\a"), bell_stream.flush())
            self.backend = "bell"

    def play(self, kind: str) -> None:
        if self._play is None:
            return
        try:
            self._play(kind)
        except Exception as e:  # noqa: BLE001 - a sound must never stop a session
            log.debug("sound failed, turning sounds off: %s", e)
            self._play = None


class Speech:
    """Speaks short cues through espeak-ng/espeak in the background; silent when unavailable."""

    def __init__(self, enabled: bool = False) -> None:
        self.command = (shutil.which("espeak-ng") or shutil.which("espeak")) if enabled else None
        self._process: subprocess.Popen | None = None
        if enabled and self.command is None:
            log.info("spoken cues asked for, but no espeak-ng/espeak is installed: staying silent")

    @property
    def available(self) -> bool:
        return self.command is not None

    def say(self, text: str) -> None:
        if self.command is None:
            return
        if self._process is not None and self._process.poll() is None:
            return  # still speaking: skip rather than queue up stale cues
        try:
            self._process = subprocess.Popen([self.command, "-s", "165", text], stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL)
        except OSError as e:
            log.debug("speech failed, turning it off: %s", e)
            self.command = None

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
