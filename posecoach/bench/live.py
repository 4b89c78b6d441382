"""`posecoach bench --live`: capture-to-display latency of a live session, with a video as the camera.

For each size the video is scaled with OpenCV into a temporary file, which then plays in real
time as the camera (`capture.open_camera`) through a whole scripted session: the real model, the
coaching overlay, and the voice. Latency is the session's own: from the moment the capture thread
has the frame (a stand-in camera's frame is due then) to the moment the screen with that frame
is drawn and handed to the window (`WindowUI`: `imshow` and `waitKey`), or drawn without one
(`DrawnUI`, when there is no display). The voice is the real speech queue and thread with a
stand-in engine that keeps each phrase and takes as long as espeak-ng at 160 words a minute.
Wall-clock timing is right here: this measures, it never coaches.
"""

from __future__ import annotations

import itertools
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import cv2

from posecoach.errors import UserError
from posecoach.exercise.catalogue import load_exercise
from posecoach.live import answers as ans
from posecoach.live.flow import FlowSettings
from posecoach.live.history import History
from posecoach.live.plan import plan_for_exercise
from posecoach.live.screens import describe
from posecoach.live.state import FlowState
from posecoach.live.ui import pages
from posecoach.live.ui.draw import View
from posecoach.live.ui.session import Devices, LiveSession
from posecoach.live.ui.sound import Speech
from posecoach.live.ui.window import HeadlessUI, WindowUI
from posecoach.paths import native_path
from posecoach.replay import ModelChoice, open_estimator
from posecoach.sources.capture import open_camera
from posecoach.sources.video import VideoSource

LIVE_SIZES = ((640, 480), (1280, 720))
GOAL_P95_MS = 80.0
WORDS_PER_S = 160 / 60  # espeak-ng -s 160
ENGINE_START_S = 0.05  # starting the espeak-ng process


class TimedEngine:
    """A speech engine stand-in: keeps every phrase and takes as long as espeak-ng would to say it
    (sleeping, as the speech thread waits on espeak-ng's process)."""

    name = "timed stand-in"

    def __init__(self) -> None:
        self.spoken: list[str] = []

    def speak(self, text: str) -> None:
        self.spoken.append(text)
        time.sleep(ENGINE_START_S + len(text.split()) / WORDS_PER_S)

    def stop(self) -> None:
        pass


class DrawnUI(HeadlessUI):
    """No window, but every screen drawn as the window would draw it."""

    def show(self, state: FlowState, view: View) -> list:
        pages.render(describe(state), view, pages.SIZE)
        return super().show(state, view)


@dataclass(frozen=True)
class LiveBenchResult:
    size: tuple[int, int]
    ui: str
    frames: int  # shown
    dropped: int
    coached: list[float]  # capture -> displayed, frames shown with the coach's step and overlay
    every: list[float]  # capture -> displayed, every frame shown
    spoken: int


def percentiles(ms: list[float]) -> tuple[float, float] | None:
    """(median, 95th percentile), None without frames."""
    if not ms:
        return None
    return statistics.median(ms), (statistics.quantiles(ms, n=20)[-1] if len(ms) > 1 else ms[0])


def scaled_clip(source: Path, size: tuple[int, int], seconds: float | None, out: Path) -> Path:
    video = VideoSource(source)
    frames = video if seconds is None else itertools.islice(video, max(1, round(seconds * video.info.fps)))
    writer = cv2.VideoWriter(native_path(out, UserError), cv2.VideoWriter_fourcc(*"mp4v"), video.info.fps, size)
    for frame in frames:
        writer.write(cv2.resize(frame.image, size, interpolation=cv2.INTER_AREA))
    writer.release()
    return out


def run_live_bench(source: Path, exercise: str, model: ModelChoice, seconds: float | None = None,
                   sizes=LIVE_SIZES, window: bool = True) -> list[LiveBenchResult]:
    with tempfile.TemporaryDirectory() as tmp:
        return [_one_size(source, exercise, model, seconds, size, window, Path(tmp)) for size in sizes]


def _one_size(source: Path, exercise: str, model: ModelChoice, seconds: float | None,
              size: tuple[int, int], window: bool, tmp: Path) -> LiveBenchResult:
    clip = scaled_clip(source, size, seconds, tmp / f"camera-{size[0]}x{size[1]}.mp4")
    answerer = ans.Answerer(ans.with_options(ans.Answers(), no_red_flags=True, pain_before=2, pain_after=2))
    ui = WindowUI(script=answerer) if window else DrawnUI(answerer)
    engine = TimedEngine()
    plan = plan_for_exercise(load_exercise(exercise), reps=50)  # more than the clip: coached to its end
    with History(tmp / f"history-{size[0]}.db") as history, open_estimator(model) as (estimator, _):
        devices = Devices(history, estimator, ui, speech=Speech(engine))
        session = LiveSession(plan, open_camera(str(clip)), devices, settings=FlowSettings(countdown_s=0.0))
        result = session.run()
    return LiveBenchResult(size, "window" if window else "drawn, no window", result.frames, result.dropped,
                           result.coached_ms, result.latency_ms, len(engine.spoken))


def format_live_bench(results: list[LiveBenchResult]) -> str:
    lines = ["capture-to-display latency, a video as the camera, coaching overlay and voice on "
             f"(goal: 95th percentile under {GOAL_P95_MS:.0f} ms)"]
    for r in results:
        lines.append(f"  {r.size[0]}x{r.size[1]} ({r.ui}): {r.frames} frames shown, {r.dropped} dropped, "
                     f"{len(r.coached)} coached, {r.spoken} phrases said")
        for label, ms in (("coached frames", r.coached), ("every frame", r.every)):
            p = percentiles(ms)
            lines.append(f"    {label:<15} " + (f"median {p[0]:6.1f} ms, 95th percentile {p[1]:6.1f} ms"
                                                  if p else "none"))
    return "\n".join(lines)
