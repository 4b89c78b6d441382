"""Screenshots of the live session, taken from a real window (run under Xvfb on a headless machine).

    xvfb-run -s "-screen 0 1600x900x24" python docs/screenshots/make_screenshots.py [VIDEO]

A glute-bridge video stands in for the camera (default: samples/glute_bridge_side.mp4, else
the real clip in ../shared). Scripted answers walk through the session slowly enough for each
screen to be shown; the canvas sent to the window is saved as a 1280x720 PNG and, scaled as the
window scales it full screen, at 1920x1080; the whole X screen is grabbed
once (with xwd, when installed) to show the window itself. After the first rep the person is
hidden from the model for 3 s, to show "Come back into view".
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2

from posecoach.exercise.catalogue import load_exercise
from posecoach.exercise.spec import RoutineStep
from posecoach.live import answers as ans
from posecoach.live.flow import FlowSettings, Stage
from posecoach.live.history import History
from posecoach.live.plan import Plan, plan_item
from posecoach.live.safety import Scope
from posecoach.live.signals import Key, Press, SetPain
from posecoach.live.ui.session import Devices, LiveSession
from posecoach.live.ui.window import WindowUI
from posecoach.replay import open_estimator
from posecoach.sources.capture import OpenedSource, looped, paced
from posecoach.sources.video import VideoSource

OUT = Path(__file__).resolve().parent
ROOT = OUT.parents[1]
CANDIDATES = (ROOT / "samples" / "glute_bridge_side.mp4",
              ROOT.parent / "shared" / "realclips" / "glute_bridge" / "istock_glute_bridges_side.mp4")


class SlowScript(ans.Answerer):
    """Answers like the headless answerer, but lingers a few frames on every prompt."""

    def __init__(self, answers: ans.Answers, linger: int = 3) -> None:
        super().__init__(answers, by_keys=True)
        self.linger, self._seen = linger, 0
        self._last: tuple | None = None

    def respond(self, state):
        key = (state.stage, len(state.answers), state.pain)
        self._seen = self._seen + 1 if key == self._last else 0
        self._last = key
        if self._seen < self.linger:
            return []
        if state.stage in (Stage.PAIN_BEFORE, Stage.PAIN_AFTER) and state.pain is None:
            value = self.answers.pain_before if state.stage is Stage.PAIN_BEFORE else self.answers.pain_after
            return [SetPain(value)]
        if state.stage is Stage.SAFETY_STOP:
            return [Press(Key.CONFIRM)]
        if state.stage in (Stage.CARD, Stage.SETUP) and state.index == 1:  # a skipped exercise in the summary
            return [Press(Key.SKIP)]
        return super().respond(state)


class Shots:
    """Saves the first canvas that matches each wanted screen."""

    def __init__(self, wanted: dict) -> None:
        self.wanted, self.saved = wanted, []

    def __call__(self, state, canvas) -> None:
        for name, test in list(self.wanted.items()):
            if test(state):
                cv2.imwrite(str(OUT / f"{name}.png"), canvas)
                cv2.imwrite(str(OUT / f"{name}_1920x1080.png"), cv2.resize(canvas, (1920, 1080)))
                self.saved.append(name)
                del self.wanted[name]
                if name == "live_overlay":
                    grab_screen(Path(tempfile.gettempdir()) / "posecoach_window_xvfb.png")


def grab_screen(path: Path) -> None:
    """The whole X screen, to see the real window (kept out of the repository)."""
    if "DISPLAY" not in os.environ or not shutil.which("xwd") or not shutil.which("convert"):
        return
    with tempfile.NamedTemporaryFile(suffix=".xwd") as tmp:
        subprocess.run(["xwd", "-root", "-silent", "-out", tmp.name], check=False)
        subprocess.run(["convert", tmp.name, str(path.resolve())], check=False)


def demo_plan(reps: int) -> Plan:
    """Two exercises: a short glute bridge set (the video shows bridges), then a squat that is skipped."""
    bridge = plan_item(load_exercise("glute_bridge"), RoutineStep(exercise="glute_bridge", reps=reps))
    return Plan("demo", "Demo routine", (bridge, plan_item(load_exercise("squat_to_chair"))))


def session(video: str, answers: ans.Answers, shots: Shots, reps: int) -> None:
    plan = demo_plan(reps)
    settings = FlowSettings(countdown_s=1.0, setup_ok_s=1.0, exercise_rest_s=2.0, rules_s=3.0)
    with tempfile.TemporaryDirectory() as data, History(Path(data) / "h.sqlite3") as history, \
            open_estimator() as (estimator, _):
        ui = WindowUI(script=SlowScript(answers), snapshot=shots)
        hidden: list[float] = []

        def person(frame):  # out of view for 3 s after the first rep
            state = live.state
            if state.stage is Stage.ACTIVE and state.tally.segment.get("both") == 1 and not hidden:
                hidden.append(frame.t_s + 3.0)
            return None if hidden and frame.t_s < hidden[0] else estimator(frame)

        live = LiveSession(plan, looped_camera(video), Devices(history, person, ui), Scope.FULL, settings)
        live.run()


def looped_camera(video: str, times: int = 3) -> OpenedSource:
    """The video played `times` over as one paced camera, so the demo routine can finish."""
    source = VideoSource(Path(video))
    frames = paced(looped(lambda: source, times, source.info.fps))
    return OpenedSource(f"{video} (looped, as a camera)", frames, source.info.size, False)


def main() -> int:
    video = sys.argv[1] if len(sys.argv) > 1 else next((str(p) for p in CANDIDATES if p.is_file()), None)
    if video is None:
        print("no glute bridge video: pass one as the first argument", file=sys.stderr)
        return 2
    calm = ans.Answers(red_flags="none", pain_before=3, pain_after=2)
    shots = Shots({
        "safety": lambda s: s.stage is Stage.SAFETY and len(s.answers) == 2,
        "pain": lambda s: s.stage is Stage.PAIN_BEFORE and s.pain is not None,
        "instruction_card": lambda s: s.stage is Stage.CARD,
        "setup_check": lambda s: s.stage is Stage.SETUP and s.setup is not None and s.timer_s > 0.3,
        "live_overlay": lambda s: s.stage is Stage.ACTIVE and s.tally.segment.get("both") == 1
        and 1.2 < s.tally.open_hold_s.get("both", 0) < 2.0,
        "away": lambda s: s.stage is Stage.ACTIVE and s.away,
        "pain_check": lambda s: s.stage is Stage.PAIN_CHECK and s.pain is None,
        "rest": lambda s: s.stage is Stage.REST and s.timer_s < 1.5,
        "summary": lambda s: s.stage is Stage.SUMMARY,
    })
    session(video, calm, shots, reps=2)
    flagged = ans.Answers(red_flags={"saddle_numbness": True, **{k: False for k in ans.safety.question_ids()[1:]}},
                          pain_before=3, pain_after=2)
    stop = Shots({"safety_stop": lambda s: s.stage is Stage.SAFETY_STOP})
    session(video, flagged, stop, reps=1)
    print("saved:", ", ".join(shots.saved + stop.saved), "| missing:", ", ".join(shots.wanted) or "none")
    return 0 if not shots.wanted else 1


if __name__ == "__main__":
    sys.exit(main())
