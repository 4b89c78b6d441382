"""The import rules are folder rules, checked over every module the package has.

OpenCV is imported only at the edges (sources, overlay, sinks, live/ui, bench, synth) and MediaPipe
only in pose/. Everything else is logic and imports without either; the few use cases that wire
the edges together are named below, and each must really need them.
"""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "posecoach"
CV2_FOLDERS = ("sources", "overlay", "sinks", "live/ui", "bench", "synth")
MEDIAPIPE_FOLDERS = ("pose",)
# Use cases: they open a source or a window through the edges, so they load OpenCV by way of them.
WIRING = ("posecoach.cli.commands", "posecoach.replay", "posecoach.live.start", "posecoach.tuning.cache",
          "posecoach.tuning.calibrate", "posecoach.tuning.evaluate", "posecoach.tuning.tune")

BLOCKER = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('cv2', 'mediapipe'):
            raise ImportError('blocked: ' + name)
sys.meta_path.insert(0, Block())
import importlib
failed = []
for module in sys.argv[1:]:
    try:
        importlib.import_module(module)
    except ImportError as error:
        failed.append(f'{module}: {error}')
print('\\n'.join(failed) or 'ok')
"""


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name, found on disk (no list to keep)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imported_roots(path: Path) -> set[str]:
    """The top-level packages a module imports anywhere in it, function-local imports included."""
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return roots


def folder_of(path: Path) -> str:
    return path.parent.relative_to(PACKAGE).as_posix()


def in_folders(path: Path, folders: tuple[str, ...]) -> bool:
    folder = folder_of(path)
    return any(folder == f or folder.startswith(f + "/") for f in folders)


def blocked_imports(names: list[str]) -> list[str]:
    result = subprocess.run([sys.executable, "-c", BLOCKER, *names], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    output = result.stdout.strip()
    return [] if output == "ok" else output.splitlines()


def test_opencv_is_imported_only_in_the_edge_folders():
    offenders = [name for name, path in modules().items()
                 if "cv2" in imported_roots(path) and not in_folders(path, CV2_FOLDERS)]
    assert offenders == [], f"cv2 imported outside {CV2_FOLDERS}"


def test_mediapipe_is_imported_only_in_pose():
    offenders = [name for name, path in modules().items()
                 if "mediapipe" in imported_roots(path) and not in_folders(path, MEDIAPIPE_FOLDERS)]
    assert offenders == []


def test_every_logic_module_imports_without_mediapipe_and_opencv():
    edges = CV2_FOLDERS + MEDIAPIPE_FOLDERS
    logic = [name for name, path in modules().items()
             if not in_folders(path, edges) and name not in WIRING and name != "posecoach.__main__"]
    assert len(logic) > 50  # the walk found the package, not an empty folder
    assert blocked_imports(logic) == []


def test_each_wiring_module_really_needs_the_edges():
    """A use case that no longer loads OpenCV is logic now: take it off WIRING so the rule covers it."""
    assert len(blocked_imports(list(WIRING))) == len(WIRING)


def test_importing_posecoach_has_no_side_effects():
    code = ("import posecoach.cli.commands, posecoach.replay, sys; "
            "print(sorted(m for m in sys.modules if m.startswith('mediapipe')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
    assert result.stderr == ""
