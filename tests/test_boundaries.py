"""The logic stages must not depend on MediaPipe or OpenCV: they are pure and testable alone."""

import subprocess
import sys

LOGIC_MODULES = [
    "posecoach.types", "posecoach.geometry", "posecoach.smoothing", "posecoach.exercise.spec",
    "posecoach.exercise.catalogue", "posecoach.exercise.measure", "posecoach.exercise.phases",
    "posecoach.exercise.tracker", "posecoach.exercise.checks", "posecoach.cues", "posecoach.hud",
    "posecoach.pipeline", "posecoach.report", "posecoach.tracks", "posecoach.exercise.position",
    "posecoach.safety", "posecoach.followups", "posecoach.live.flow", "posecoach.live.prelude",
    "posecoach.live.setup", "posecoach.live.gestures", "posecoach.live.moves", "posecoach.live.remote",
    "posecoach.live.voice", "posecoach.live.screens", "posecoach.pose.settings", "posecoach.pose.parallel",
    "posecoach.palette",
    "posecoach.history", "posecoach.history_rows", "posecoach.history_views",
]

BLOCKER = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('cv2', 'mediapipe'):
            raise ImportError('blocked: ' + name)
sys.meta_path.insert(0, Block())
import importlib
for module in sys.argv[1:]:
    importlib.import_module(module)
print('ok')
"""


def test_logic_modules_import_without_mediapipe_and_opencv():
    result = subprocess.run([sys.executable, "-c", BLOCKER, *LOGIC_MODULES],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_importing_posecoach_has_no_side_effects():
    code = ("import posecoach.cli, posecoach.app, sys; "
            "print(sorted(m for m in sys.modules if m.startswith('mediapipe')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
    assert result.stderr == ""
