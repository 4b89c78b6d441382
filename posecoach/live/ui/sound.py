"""Short sounds for counted reps and finished holds, and optional spoken cues. Best effort only.

A session never fails for want of audio: a missing sound card, library or speech engine
means silence (logged once at debug level). Speech is on by default when an offline engine
is there (see `find_engine`), and `--mute`, M or the mute gesture silence it.
"""

from __future__ import annotations

import collections
import logging
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TextIO

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


_UNITS = (
    (re.compile(r"(\d+(?:\.\d+)?)\s*s\b"), "second"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*min\b"), "minute"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*cm\b"), "centimetre"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*(?:°|deg\b)"), "degree"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*%"), "percent"),
)
_OF = re.compile(r"(\d+)\s*/\s*(\d+)")


def spoken_form(text: str) -> str:
    """Units as words, so that an engine never reads "3 s" as "three ess": "3 seconds", "1 second",
    "3 of 8" for "3/8"."""
    for pattern, word in _UNITS:
        plural = "" if word == "percent" else "s"
        text = pattern.sub(lambda m, w=word, p=plural: f"{m.group(1)} {w}{'' if m.group(1) == '1' else p}", text)
    return _OF.sub(r"\1 of \2", text)


class SpeechEngine(Protocol):
    """Says one phrase and returns when it is done; `stop` cuts the phrase being said short."""

    name: str

    def speak(self, text: str) -> None: ...

    def stop(self) -> None: ...


class EspeakEngine:
    """espeak-ng (or espeak) as a child process: cheap to start, and a phrase stops at once."""

    def __init__(self, command: str) -> None:
        self.command, self.name = command, Path(command).name
        self._process: subprocess.Popen | None = None

    def speak(self, text: str) -> None:
        self._process = subprocess.Popen([self.command, "-s", "160", text], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
        self._process.wait()

    def stop(self) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            process.terminate()


class Pyttsx3Engine:
    """pyttsx3: SAPI5 on Windows, NSSpeechSynthesizer on macOS (its espeak driver on Linux is not used)."""

    name = "pyttsx3"

    def __init__(self, module) -> None:
        self._engine = module.init()

    def speak(self, text: str) -> None:
        self._engine.say(text)
        self._engine.runAndWait()

    def stop(self) -> None:
        self._engine.stop()


class RecordingEngine:
    """Says nothing and keeps every phrase: what a test checks was said."""

    name = "recording"

    def __init__(self) -> None:
        self.spoken: list[str] = []
        self.stops = 0

    def speak(self, text: str) -> None:
        self.spoken.append(text)

    def stop(self) -> None:
        self.stops += 1


def find_engine() -> SpeechEngine | None:
    """The platform's own voice through pyttsx3 on Windows and macOS; espeak-ng (or espeak) elsewhere,
    and as the fallback. None when there is none."""
    if sys.platform in ("win32", "darwin"):
        try:
            import pyttsx3  # optional: not a dependency

            return Pyttsx3Engine(pyttsx3)
        except Exception as e:  # noqa: BLE001 - any failure just means "try the next engine"
            log.debug("pyttsx3 unavailable: %s", e)
    command = shutil.which("espeak-ng") or shutil.which("espeak")
    return EspeakEngine(command) if command else None


class Speech:
    """Says phrases one after the other from a queue, in a background thread; silent without an engine.

    `say(text, urgent=True)` (the safety phrases) drops what is waiting, cuts the current phrase
    short and goes first. While muted nothing is said or queued. `threaded=False` speaks at once in
    the caller's thread (tests, with a RecordingEngine).
    """

    MAX_QUEUE = 12  # more waiting than this: the oldest are stale, drop them

    def __init__(self, engine: SpeechEngine | None = None, muted: bool = False, threaded: bool = True) -> None:
        self.engine, self.muted = engine, muted
        self._queue: collections.deque[str] = collections.deque()
        self._wake = threading.Condition()
        self._closed = False
        self._thread: threading.Thread | None = None
        if engine is not None and threaded:
            self._thread = threading.Thread(target=self._run, name="posecoach-speech", daemon=True)
            self._thread.start()

    @classmethod
    def default(cls, muted: bool = False) -> Speech:
        engine = find_engine()
        if engine is None:
            log.info("no speech engine (espeak-ng, or pyttsx3 on Windows and macOS): the session stays silent")
        return cls(engine, muted)

    @property
    def available(self) -> bool:
        return self.engine is not None

    def say(self, text: str, urgent: bool = False) -> None:
        if self.engine is None or self.muted or not text:
            return
        text = spoken_form(text)
        if self._thread is None:
            if urgent:
                self.engine.stop()
            self._speak(text)
            return
        with self._wake:
            if urgent:
                self._queue.clear()
                self.engine.stop()
                self._queue.appendleft(text)
            else:
                self._queue.append(text)
                while len(self._queue) > self.MAX_QUEUE:
                    self._queue.popleft()
            self._wake.notify()

    def set_muted(self, muted: bool) -> None:
        if muted and not self.muted and self.engine is not None:
            with self._wake:
                self._queue.clear()
            self.engine.stop()
        self.muted = muted

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._queue and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                text = self._queue.popleft()
            self._speak(text)

    def _speak(self, text: str) -> None:
        try:
            self.engine.speak(text)
        except Exception as e:  # noqa: BLE001 - speech must never stop a session
            log.debug("speech failed, turning it off: %s", e)
            self.engine = None

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._queue.clear()
            self._wake.notify()
        if self.engine is not None:
            self.engine.stop()
