"""The real text-to-speech engines, heard without a sound device: what they say goes into WAV files.

`posecoach.live.ui.sound` speaks through espeak-ng (or espeak) as a child process, and through pyttsx3 on
Windows and macOS. Here the engine posecoach finds on PATH is a thin wrapper that runs the real
espeak-ng with `-w FILE` in front of posecoach's own arguments, so the whole path (find_engine, the
speech thread, `spoken_form`, the command line) runs, and the audio it made is checked: present,
not silent, and as long as the phrase takes at the rate posecoach asks for. Each test skips, with
the reason, where its engine is not installed (`apt install espeak-ng`; pyttsx3 is no dependency).
"""

from __future__ import annotations

import os
import shutil
import stat
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from posecoach.live import voice
from posecoach.live.ui.sound import EspeakEngine, Speech, find_engine

REAL_ESPEAK = shutil.which("espeak-ng") or shutil.which("espeak")
needs_espeak = pytest.mark.skipif(REAL_ESPEAK is None, reason="espeak-ng (or espeak) is not installed")
WORDS_PER_MINUTE = 160  # what EspeakEngine asks for (`-s 160`)


def _audio(path: Path) -> tuple[np.ndarray, float]:
    """The WAV's samples in [-1, 1] (mono, 16 bit) and its length in seconds."""
    with wave.open(os.fspath(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2), path
        frames = wav.readframes(wav.getnframes())
        return np.frombuffer(frames, dtype="<i2") / 32768.0, wav.getnframes() / wav.getframerate()


def assert_speech_like(path: Path, text: str) -> float:
    """Non-silent audio, mostly voiced, as long as `text` takes at 160 words a minute (within a
    factor of 2: espeak-ng's words, pauses and numbers are not exactly a reader's). Its length."""
    samples, seconds = _audio(path)
    expected = len(text.split()) / WORDS_PER_MINUTE * 60.0
    assert expected / 2 <= seconds <= expected * 2, f"{path.name}: {seconds:.2f} s for {expected:.2f} s of words"
    windows = samples[: len(samples) // 441 * 441].reshape(-1, 441)  # 20 ms at 22,050 Hz
    loudness = np.sqrt(np.mean(windows**2, axis=1))
    assert loudness.max() > 0.05, f"{path.name}: silent (peak RMS {loudness.max():.4f})"
    assert np.mean(loudness > 0.01) > 0.5, f"{path.name}: mostly silence"
    return seconds


def _espeak_into_files(folder: Path) -> Path:
    """An `espeak-ng` for PATH that runs the real one into folder/N.wav and logs its arguments."""
    folder.mkdir()
    wrapper = folder / "espeak-ng"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'n=$(ls "{folder}"/*.wav 2>/dev/null | wc -l)\n'
        f'printf "%s\\n" "$*" >> "{folder}/args.txt"\n'
        f'"{REAL_ESPEAK}" -w "{folder}/$n.wav" "$@" 2>/dev/null\n'
        f'echo "$n" >> "{folder}/done.txt"\n'
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    return wrapper


def _wait_for_lines(path: Path, count: int, timeout_s: float = 30.0) -> list[str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.is_file() and len(lines := path.read_text().splitlines()) >= count:
            return lines
        time.sleep(0.05)
    pytest.fail(f"the engine said {path.read_text() if path.is_file() else 'nothing'} in {timeout_s} s")


@needs_espeak
def test_the_session_s_speech_through_real_espeak_ng_is_audible_speech(tmp_path, monkeypatch):
    folder = tmp_path / "bin"
    wrapper = _espeak_into_files(folder)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr("sys.platform", "linux")  # the engine posecoach picks on Linux
    speech = Speech.default()
    try:
        assert isinstance(speech.engine, EspeakEngine) and speech.engine.command == os.fspath(wrapper)
        speech.say(voice.WORSE)
        speech.say("10 s left")  # a hold's time left, as the flow says it
        assert _wait_for_lines(folder / "done.txt", 2) == ["0", "1"]
    finally:
        speech.close()
    assert (folder / "args.txt").read_text().splitlines() == [f"-s 160 {voice.WORSE}", "-s 160 10 seconds left"]
    long = assert_speech_like(folder / "0.wav", voice.WORSE)
    short = assert_speech_like(folder / "1.wav", "10 seconds left")
    assert long > 3 * short
    words = len(voice.WORSE.split())
    print(f"espeak-ng: {long:.2f} s for the {words}-word question, {short:.2f} s for '10 seconds left'")


@needs_espeak
def test_find_engine_picks_espeak_ng_when_it_is_installed(monkeypatch):
    monkeypatch.setattr("sys.platform", "linux")
    engine = find_engine()
    assert isinstance(engine, EspeakEngine) and engine.name == Path(REAL_ESPEAK).name


def test_pyttsx3_speaks_into_a_file(tmp_path):
    """The engine posecoach uses on Windows and macOS; on Linux pyttsx3 drives libespeak-ng."""
    pyttsx3 = pytest.importorskip("pyttsx3", reason="pyttsx3 is not installed (optional, not in uv.lock)")
    from posecoach.live.ui.sound import Pyttsx3Engine

    try:
        engine = Pyttsx3Engine(pyttsx3)
    except Exception as e:  # noqa: BLE001 - a missing driver library is a skip, not a failure
        pytest.skip(f"pyttsx3 has no working driver here: {e}")
    out = tmp_path / "said.wav"
    engine._engine.save_to_file(voice.STOP, os.fspath(out))
    engine._engine.runAndWait()
    assert out.is_file(), "pyttsx3 wrote no file"
    if out.read_bytes()[:4] != b"RIFF":
        pytest.skip("this pyttsx3 driver writes another format than WAV")
    assert_speech_like(out, voice.STOP)
