"""A hostile re-run of issue 17's reproductions, by kind, through the real command line.

Each case runs `posecoach` as a child process (a timeout each, in a temporary folder, with the
history, overrides and track cache pointed at folders of its own), then sorts the ending:

- handled: the documented status (2 and one 'posecoach: ...' line, unless the case says
  otherwise) and the case's own check (nothing clobbered, a row kept) passes;
- internal: an 'internal error' line or a traceback;
- crash: killed by a signal nobody sent (SIGSEGV, SIGABRT, ...);
- hang: the timeout ran out;
- other: any other ending (a wrong status, more than one line, a failed check).

Tracks only: no case runs the pose model (the live sessions use a stand-in: nobody, or a
synthetic glute bridge). The disk-full cases on a tmpfs need root and `mount`; others skip them.
`python benchmarks/hostile.py [-v]` (or `make hostile`)
prints a line per case with -v and a table per kind; exit 1 if any case is not handled.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "cli")]  # synthetic; test_faults_disk_full's stand-in
from synthetic import write_bridge_track  # noqa: E402

POSECOACH = str(ROOT / ".venv" / "bin" / "posecoach")
if not os.path.exists(POSECOACH):
    POSECOACH = shutil.which("posecoach") or "posecoach"
SAMPLE = ROOT / "samples" / "glute_bridge_side.mp4"
KINDS = ("1 native crashes", "2 outputs", "3 sessions", "4 damaged tracks and files", "5 pipes", "6 gates")
TIMEOUT_S = 60.0


@dataclass
class Case:
    kind: str
    name: str
    argv: list  # str | bytes | Path; run in the case's folder
    setup: Callable[[Path], None] | None = None
    check: Callable[[Path, subprocess.CompletedProcess], str | None] | None = None  # a problem, or None
    status: tuple[int, ...] = (2,)
    one_line: bool = True  # stderr is exactly one 'posecoach: ' line (with status 0: empty)
    env: dict = field(default_factory=dict)
    shell: bool = False  # argv[0] is a bash script (for pipes)
    summary: bool = False  # the command's summary lines may come first on stderr (--json puts it there)
    runner: Callable[[Case, Path, dict], subprocess.CompletedProcess] | None = None


def classify(case: Case, folder: Path, result: subprocess.CompletedProcess | None) -> tuple[str, str]:
    if result is None:
        return "hang", f"no end in {TIMEOUT_S:g} s"
    err = result.stderr.decode("utf-8", "backslashreplace") if isinstance(result.stderr, bytes) else result.stderr
    first = err.strip().splitlines()[-1] if err.strip() else ""
    if "internal error" in err or "Traceback" in err:
        return "internal", first
    if result.returncode < 0 and result.returncode not in case.status and -result.returncode != signal.SIGPIPE:
        return "crash", f"killed by {signal.Signals(-result.returncode).name}"
    if result.returncode in (134, 139):
        return "crash", f"status {result.returncode}"
    if result.returncode not in case.status:
        return "other", f"status {result.returncode}: {first}"
    if case.one_line:
        lines = err.splitlines()
        said = [line for line in lines if line.startswith("posecoach")]  # 'posecoach: ' or 'posecoach CMD: '
        others = len(lines) - len(said)
        if result.returncode == 0 and (said or (others and not case.summary)):
            return "other", f"status 0 but stderr: {first}"
        if result.returncode != 0 and (len(said) != 1 or lines[-1] != said[0] or (others and not case.summary)):
            return "other", f"{len(lines)} stderr lines: {first}"
    if case.check and (problem := case.check(folder, result)):
        return "other", problem
    return "handled", f"status {result.returncode}: {first}"


def run(case: Case, folder: Path, env: dict) -> subprocess.CompletedProcess | None:
    if case.runner:
        return case.runner(case, folder, env)
    argv = ["bash", "-c", case.argv[0]] if case.shell else [POSECOACH, *map(_arg, case.argv)]
    try:
        return subprocess.run(argv, cwd=folder, env=env, capture_output=True, timeout=TIMEOUT_S,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None


def _arg(a) -> str | bytes:
    return a if isinstance(a, bytes) else str(a)


# ---- set-ups and checks -------------------------------------------------------------------------

def track(folder: Path, name: str = "t.npz", reps: int = 2) -> Path:
    return write_bridge_track(folder / name, reps=reps)


def unchanged(name: str, kind: int | None = None):
    """A check that `name` kept its kind and bytes (taken by `keep` in the set-up)."""
    def check(folder: Path, _result) -> str | None:
        path = folder / name
        st = os.lstat(path)
        if kind is not None and stat.S_IFMT(st.st_mode) != kind:
            return f"{name} is no longer what it was"
        saved = folder / f".saved-{name}"
        if saved.exists() and saved.read_bytes() != path.read_bytes():
            return f"{name} was changed"
        return None
    return check


def keep(folder: Path, name: str) -> None:
    shutil.copyfile(folder / name, folder / f".saved-{name}")


def no_strays(folder: Path, _result) -> str | None:
    strays = [p.name for p in folder.iterdir() if ".part" in p.name or p.name.endswith(".probe")]
    return f"left {strays}" if strays else None


def fifo(folder: Path, name: str) -> None:
    os.mkfifo(folder / name)


def bad_name_video(folder: Path) -> None:
    shutil.copyfile(SAMPLE, os.path.join(os.fsencode(folder), b"bad\xff.mp4"))


def seeded_track(folder: Path) -> None:
    track(folder)
    keep(folder, "t.npz")


def damaged_track(change: Callable[[dict], None]):
    def setup(folder: Path) -> None:
        import numpy as np

        path = track(folder)
        with np.load(path, allow_pickle=False) as f:
            arrays = dict(f)
        change(arrays)
        with open(folder / "d.npz", "wb") as f:
            np.savez(f, **arrays)
    return setup


def _meta(arrays: dict, **edit) -> None:
    import json

    import numpy as np

    meta = json.loads(str(arrays["meta"]))
    meta.update(edit)
    for key in [k for k, v in edit.items() if v is ...]:
        del meta[key]
    arrays["meta"] = np.array(json.dumps(meta))


def zip_bomb(folder: Path) -> None:
    """A .npz whose landmarks member declares 10^9 frames (tens of GB) and holds almost nothing."""
    import zipfile

    import numpy as np

    path = track(folder)
    with zipfile.ZipFile(path) as z, zipfile.ZipFile(folder / "d.npz", "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info)
            if info.filename not in ("meta.npy", "t_ms.npy", "has_pose.npy"):
                header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)), "fortran_order": False,
                          "shape": (10**9, 33, 3)}
                import io
                buf = io.BytesIO()
                np.lib.format.write_array_header_1_0(buf, header)
                data = buf.getvalue() + b"\0" * 4096
            out.writestr(info.filename, data)


def fake_bundle(path: Path) -> None:
    """A .task file with the members of a pose bundle and nothing MediaPipe could load (never loaded
    by the cases that use it: they fail before the model runs)."""
    import zipfile

    with zipfile.ZipFile(path, "w") as z:
        for member in ("pose_detector.tflite", "pose_landmarks_detector.tflite"):
            z.writestr(member, b"not a model")


def manifest(text: str):
    """A folder `clips` with a track and this manifest.json."""
    def setup(folder: Path) -> None:
        (folder / "clips").mkdir()
        track(folder / "clips")
        (folder / "clips" / "manifest.json").write_text(text)
    return setup


def nested(text: str, name: str):
    def setup(folder: Path) -> None:
        (folder / name).write_text(text)
    return setup


def foreign_database(folder: Path) -> None:
    """Another program's SQLite file where the history database goes: a `sessions` table of its own."""
    (folder / "data").mkdir()
    with contextlib.closing(sqlite3.connect(folder / "data" / "history.sqlite3")) as conn, conn:
        conn.execute("CREATE TABLE sessions (x)")
    shutil.copyfile(folder / "data" / "history.sqlite3", folder / "before")


def held_database(case: Case, folder: Path, env: dict) -> subprocess.CompletedProcess | None:
    """`posecoach history` while this process holds the database in an exclusive transaction."""
    db = Path(env["POSECOACH_DATA_DIR"]) / "history.sqlite3"
    subprocess.run([POSECOACH, "history"], env=env, capture_output=True, timeout=TIMEOUT_S, check=False)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    try:
        return subprocess.run([POSECOACH, *map(_arg, case.argv)], cwd=folder, env=env, capture_output=True,
                              timeout=TIMEOUT_S, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None
    finally:
        conn.rollback()
        conn.close()


def signalled_session(signum: int):
    def runner(case: Case, folder: Path, env: dict) -> subprocess.CompletedProcess | None:
        camera = grey_video(folder / "camera.avi")
        db = Path(env["POSECOACH_DATA_DIR"]) / "history.sqlite3"
        argv = [PYTHON, "-c", NO_MODEL, "live", "--headless", "--camera", str(camera), "-e", "glute_bridge",
                "--no-red-flags", "--pain-before", "2", "--pain-after", "2"]
        child = subprocess.Popen(argv, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 stdin=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + TIMEOUT_S
            while child.poll() is None and time.monotonic() < deadline and not _rows(db):
                time.sleep(0.1)
            time.sleep(1.0)
            child.send_signal(signum)
            out, err = child.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            return None
        return subprocess.CompletedProcess(argv, child.returncode, out, err)
    return runner


def killed_session(case: Case, folder: Path, env: dict) -> subprocess.CompletedProcess | None:
    """SIGKILL once the session row is written: nothing can be caught; the row stays, the database whole."""
    return signalled_session(signal.SIGKILL)(case, folder, env)


def sigkill_kept(folder: Path, _result) -> str | None:
    rows = _rows(folder / "data" / "history.sqlite3")
    return (f"session rows {rows}" if rows != [(0, None, None)] else _integrity(folder / "data" / "history.sqlite3"))


def _integrity(db: Path) -> str | None:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return None if conn.execute("PRAGMA integrity_check").fetchone() == ("ok",) else "integrity_check failed"


def _exercises(db: Path) -> list:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        try:
            return conn.execute("SELECT exercise, status, reps_both FROM exercises").fetchall()
        except sqlite3.OperationalError:
            return []


def _bridge_session(folder: Path, env: dict, how: str, popen: bool = False):
    """`posecoach live` with the stand-in model of tests/cli/test_faults_disk_full.py (a synthetic glute
    bridge: one rep, then the session ends); `how` fills the disk once the session row is written."""
    from test_faults_disk_full import CHILD, LIVE

    argv = [PYTHON, "-c", CHILD.format(tests=str(ROOT / "tests"), how=how), *LIVE, "--camera",
            str(grey_video(folder / "camera.avi", seconds=40))]
    if popen:
        return subprocess.Popen(argv, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL)
    return subprocess.run(argv, cwd=folder, env=env, capture_output=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL)


def signal_after_an_exercise(case: Case, folder: Path, env: dict) -> subprocess.CompletedProcess | None:
    """SIGTERM once the bridge is saved (the session is closing): the bridge must stay, done."""
    db = Path(env["POSECOACH_DATA_DIR"]) / "history.sqlite3"
    child = _bridge_session(folder, env, "none", popen=True)
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while child.poll() is None and time.monotonic() < deadline and not (db.exists() and _exercises(db)):
            time.sleep(0.05)
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        return None
    return subprocess.CompletedProcess(child.args, child.returncode, out, err)


def exercise_kept(folder: Path, _result) -> str | None:
    db = folder / "data" / "history.sqlite3"
    if (found := _exercises(db)) != [("glute_bridge", "done", 1)]:
        return f"exercises {found}"
    rows = _rows(db)  # the signal comes as the session closes: interrupted, or ended just before it
    if len(rows) != 1 or rows[0][:2] not in ((0, "interrupted"), (1, None)) or rows[0][2] is None:
        return f"session rows {rows}"
    return _integrity(db)


def filling_disk(how: str):
    """A live session whose disk fills once its session row is written: `rlimit` (no file may grow),
    `tmpfs` (a 2 MB tmpfs filled to the last byte; the reserve saves it) or `tmpfs-too-full` (less
    free at the start than the reserve takes). The follow-up checks run here, before the tmpfs goes,
    and leave their verdict in problem.txt for `disk_checked`."""
    def runner(case: Case, folder: Path, env: dict) -> subprocess.CompletedProcess | None:
        data = Path(env["POSECOACH_DATA_DIR"])
        data.mkdir()
        if how.startswith("tmpfs"):
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(data)], check=True)
        try:
            if how == "tmpfs-too-full":
                free = os.statvfs(data).f_bavail * os.statvfs(data).f_frsize
                (data / "filler-before").write_bytes(b"x" * (free - 150 * 1024))
            try:
                result = _bridge_session(folder, env, "rlimit" if how == "rlimit" else "tmpfs")
            except subprocess.TimeoutExpired:
                return None
            (folder / "problem.txt").write_text(_disk_problem(how, data, result, env) or "")
            return result
        finally:
            if how.startswith("tmpfs"):
                subprocess.run(["umount", "-l", str(data)], check=False)
    return runner


def _disk_problem(how: str, data: Path, result, env: dict) -> str | None:
    db = data / "history.sqlite3"
    err = result.stderr.decode()
    if how == "tmpfs-too-full":
        return None if "1 exercise lost" in err else f"said {err!r}"
    if how == "tmpfs":
        if err.count("\n") != 1 or "saved in the space posecoach keeps in reserve" not in err:
            return f"said {err!r}"
    else:
        if not list(data.glob("history.sqlite3.unsaved-*.json")):
            return "nothing kept beside the database"
        later = subprocess.run([POSECOACH, "history"], env=env, capture_output=True, timeout=TIMEOUT_S, check=False)
        if later.returncode != 0 or list(data.glob("history.sqlite3.unsaved-*.json")):
            return f"the next start did not add it: {later.stderr.decode()!r}"
    if (found := _exercises(db)) != [("glute_bridge", "done", 1)]:
        return f"exercises {found}"
    return _integrity(db)


def disk_checked(folder: Path, _result) -> str | None:
    return (folder / "problem.txt").read_text() or None


def synth_samples(samples: str, motion: str | None = None):
    def setup(folder: Path) -> None:
        (folder / "motions").mkdir()
        (folder / "samples.toml").write_bytes(samples.encode() if isinstance(samples, str) else samples)
        if motion is not None:
            (folder / "motions" / "x.toml").write_text(motion)
    return setup


def can_mount() -> bool:
    if os.geteuid() != 0:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", tmp], capture_output=True,
                          check=False).returncode != 0:
            return False
        subprocess.run(["umount", tmp], check=False)
    return True


PYTHON = str(Path(POSECOACH).with_name("python"))
# The command line with the pose model replaced by one that finds nobody: the session waits at the
# set-up check, as it would with the camera pointed at an empty room (no model run on 2 shared cores).
NO_MODEL = """
import contextlib, sys
import posecoach.replay

@contextlib.contextmanager
def no_model(_choice=None):
    yield (lambda frame: None), {"variant": "none", "sha256": ""}

posecoach.replay.open_estimator = no_model
from posecoach.cli.commands import main
sys.exit(main(sys.argv[1:]))
"""


def grey_video(path: Path, seconds: float = 20.0) -> Path:
    import cv2
    import numpy as np

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (64, 48))
    for i in range(int(30 * seconds)):
        writer.write(np.full((48, 64, 3), i % 200, np.uint8))
    writer.release()
    return path


def _rows(db: Path) -> list:
    if not db.exists():
        return []
    with contextlib.closing(sqlite3.connect(db)) as conn:
        try:
            return conn.execute("SELECT completed, stop_reason, ended_at FROM sessions").fetchall()
        except sqlite3.OperationalError:
            return []


def session_kept(folder: Path, _result) -> str | None:
    db = folder / "data" / "history.sqlite3"
    rows = _rows(db)
    if len(rows) != 1 or rows[0][:2] != (0, "interrupted") or rows[0][2] is None:
        return f"session rows {rows}"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        if conn.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            return "integrity_check failed"
    return None


def mode_kept(name: str, mode: int):
    def check(folder: Path, _result) -> str | None:
        got = stat.S_IMODE(os.stat(folder / name).st_mode)
        return None if got == mode else f"{name} mode {got:o}, was {mode:o}"
    return check


def chmod_file(name: str, mode: int):
    def setup(folder: Path) -> None:
        track(folder)
        (folder / name).write_text("old\n")
        os.chmod(folder / name, mode)
    return setup


# ---- the cases ----------------------------------------------------------------------------------

def cases() -> list[Case]:
    k1, k2, k3, k4, k5, k6 = KINDS
    ex = ["-e", "glute_bridge"]
    bad = b"bad\xff.mp4"
    long_name = "x" * 300 + ".json"
    shipped = ROOT / "posecoach" / "exercises" / "glute_bridge.toml"
    if not shipped.exists():
        from posecoach.bundled import bundled_dir
        shipped = bundled_dir("exercises") / "glute_bridge.toml"
    mountable = can_mount()
    ascii_env = {"LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}
    return [
        Case(k1, "replay a non-UTF-8 video name", ["replay", bad, *ex], bad_name_video),
        Case(k1, "track a non-UTF-8 name with -o", ["track", bad, "-o", "o.npz"], bad_name_video, no_strays),
        Case(k1, "replay --out from a non-UTF-8 name", ["replay", bad, *ex, "--out", "o.mp4"], bad_name_video,
             no_strays),
        Case(k1, "bench a non-UTF-8 name", ["bench", bad], bad_name_video),
        Case(k1, "non-ASCII name, ASCII filesystem encoding",
             ["replay", "caf\u00e9.mp4", *ex], lambda f: shutil.copyfile(SAMPLE, f / "caf\u00e9.mp4"), env=ascii_env),
        Case(k1, "models fetch into a non-UTF-8 POSECOACH_MODEL_DIR", ["models", "fetch"],
             check=lambda f, r: "the folder was made" if os.path.exists(os.fsencode(f) + b"/m\xff") else None,
             env={"POSECOACH_MODEL_DIR": b"m\xff"}),
        Case(k1, "replay a camera that is not there (OpenCV's own error line)",
             ["replay", "/dev/video99", *ex, "--no-red-flags"]),
        Case(k1, "--show with DISPLAY empty", ["replay", "t.npz", *ex, "--show"], track, env={"DISPLAY": ""}),
        Case(k1, "--show with DISPLAY=:99 unreachable", ["replay", "t.npz", *ex, "--show"], track,
             env={"DISPLAY": ":99"}),
        Case(k1, "live window with no display", ["live", "--camera", "t.npz", *ex, "--no-red-flags",
                                                 "--pain-before", "1", "--pain-after", "1"], track,
             env={"DISPLAY": ""}),
        Case(k2, "--report a FIFO --force", ["replay", "t.npz", *ex, "--report", "p", "--force"],
             lambda f: (track(f), fifo(f, "p")), unchanged("p", stat.S_IFIFO)),
        Case(k2, "--report /dev/null --force", ["replay", "t.npz", *ex, "--report", "/dev/null", "--force"], track,
             lambda f, r: None if stat.S_ISCHR(os.stat("/dev/null").st_mode) else "/dev/null replaced"),
        Case(k2, "--report a dangling symlink (no --force)", ["replay", "t.npz", *ex, "--report", "r.json"],
             lambda f: (track(f), (f / "real").mkdir(), (f / "r.json").symlink_to("real/r.json")),
             lambda f, r: None if (f / "r.json").is_symlink() and (f / "real/r.json").is_file() else "link replaced",
             status=(0,)),
        Case(k2, "--report a symlink to a file --force", ["replay", "t.npz", *ex, "--report", "r.json", "--force"],
             lambda f: (track(f), (f / "real").mkdir(), (f / "real/r.json").write_text("old"),
                        (f / "r.json").symlink_to("real/r.json")),
             lambda f, r: None if (f / "r.json").is_symlink() and (f / "real/r.json").read_text() != "old"
             else "link replaced, its file untouched", status=(0,)),
        Case(k2, "--report a symlink loop --force", ["replay", "t.npz", *ex, "--report", "r.json", "--force"],
             lambda f: (track(f), (f / "r.json").symlink_to("r.json")),
             lambda f, r: None if (f / "r.json").is_symlink() else "loop replaced"),
        Case(k2, "--out x.mp4 --report x.mp4", ["replay", "t.npz", *ex, "--out", "x.mp4", "--report", "x.mp4"],
             track, lambda f, r: "x.mp4 written" if (f / "x.mp4").exists() else None),
        Case(k2, "--out onto the input --force", ["replay", "t.npz", *ex, "--out", "t.npz", "--force"],
             seeded_track, unchanged("t.npz")),
        Case(k2, "track -o onto the input --force", ["track", "t.npz", "-o", "t.npz", "--force"],
             seeded_track, unchanged("t.npz")),
        Case(k2, "history --csv onto the database --force", ["history", "--csv", "data/history.sqlite3", "--force"],
             lambda f: subprocess.run([POSECOACH, "history"], env=_env(f), capture_output=True, check=False),
             lambda f, r: None if (f / "data/history.sqlite3").read_bytes()[:6] == b"SQLite" else "database replaced"),
        Case(k2, "tune --plot DIR", ["tune", *ex, "t.npz", "--plot", "plots"],
             lambda f: (track(f), (f / "plots").mkdir()),
             lambda f, r: "wrote beside the folder" if list(f.glob("plots*.png")) else None),
        Case(k2, "tune --plot over a file without --force", ["tune", *ex, "t.npz", "--plot", "p.png"],
             lambda f: (track(f), (f / "p.png").write_text("keep"), keep(f, "p.png")), unchanged("p.png")),
        Case(k2, "tune --plot into a missing folder", ["tune", *ex, "t.npz", "--plot", "nowhere/p.png"], track),
        Case(k2, "tune --save-as a shipped exercise --force",
             ["tune", *ex, "t.npz", "--save-as", str(shipped), "--yes", "--force"],
             lambda f: (track(f), shutil.copyfile(shipped, f / "shipped.toml"), keep(f, "shipped.toml")),
             lambda f, r: None if shipped.read_bytes() == (f / ".saved-shipped.toml").read_bytes() else "replaced"),
        Case(k2, "tune --save-as over a file without --force",
             ["tune", *ex, "t.npz", "--save-as", "mine.toml", "--yes"],
             lambda f: (track(f), (f / "mine.toml").write_text("# mine\n"), keep(f, "mine.toml")),
             unchanged("mine.toml")),
        Case(k2, "tune a video with the track cache a file", ["tune", *ex, "v.mp4", "--model", "m.task"],
             lambda f: (shutil.copyfile(SAMPLE, f / "v.mp4"), fake_bundle(f / "m.task"), (f / "cache").write_text("x")),
             lambda f, r: None if (f / "cache").read_text() == "x" else "the file was changed"),
        Case(k2, "tune --save with the overrides folder a file",
             ["tune", *ex, "t.npz", "--set", "phases.up.bands.0.enter_above=162", "--save", "--yes"],
             lambda f: (track(f), (f / "config").mkdir(), (f / "config/overrides").write_text("x")),
             lambda f, r: None if (f / "config/overrides").read_text() == "x" else "the file was changed"),
        Case(k2, "--force keeps a 0644 file's mode", ["replay", "t.npz", *ex, "--report", "r.json", "--force"],
             chmod_file("r.json", 0o644), mode_kept("r.json", 0o644), status=(0,), one_line=False),
        Case(k2, "--report in a read-only folder", ["replay", "t.npz", *ex, "--report", "ro/r.json"],
             lambda f: (track(f), (f / "ro").mkdir(), os.chmod(f / "ro", 0o555)))
        if os.geteuid() != 0 else None,
        Case(k3, "SIGTERM during a headless live session", [], check=session_kept, status=(143,),
             runner=signalled_session(signal.SIGTERM)),
        Case(k3, "SIGHUP during a headless live session", [], check=session_kept, status=(129,),
             runner=signalled_session(signal.SIGHUP)),
        Case(k3, "SIGKILL during a headless live session", [], check=sigkill_kept, status=(-signal.SIGKILL,),
             one_line=False, runner=killed_session),
        Case(k3, "SIGTERM as the session closes, its exercise saved", [], check=exercise_kept, status=(143,),
             runner=signal_after_an_exercise),
        Case(k3, "disk full mid-session: no file may grow (RLIMIT_FSIZE)", [], check=disk_checked,
             runner=filling_disk("rlimit")),
        *([Case(k3, "disk full mid-session: a tmpfs filled (the reserve saves it)", [], check=disk_checked,
                status=(0,), one_line=False, runner=filling_disk("tmpfs")),
           Case(k3, "disk full mid-session: too full for the reserve", [], check=disk_checked,
                runner=filling_disk("tmpfs-too-full"))] if mountable else []),
        Case(k3, "history on a SQLite file with other tables", ["history"], foreign_database,
             lambda f, r: None if (f / "data/history.sqlite3").read_bytes() == (f / "before").read_bytes()
             else "the database was changed"),
        Case(k3, "history while another process holds the database", ["history"], runner=held_database),
        Case(k3, "safety --last while the database is held", ["safety", "--last"], runner=held_database),
        Case(k4, "track meta: fps is text", ["replay", "d.npz", *ex], damaged_track(lambda a: _meta(a, fps="30"))),
        Case(k4, "track meta: fps missing", ["replay", "d.npz", *ex], damaged_track(lambda a: _meta(a, fps=...))),
        Case(k4, "track meta is a list", ["replay", "d.npz", *ex],
             damaged_track(lambda a: a.__setitem__("meta", __import__("numpy").array("[1, 2]")))),
        Case(k4, "track meta: fps NaN", ["replay", "d.npz", *ex, "--json"],
             damaged_track(lambda a: _meta(a, fps=float("nan")))),
        Case(k4, "track: NaN times", ["replay", "d.npz", *ex, "--report", "r.json"],
             damaged_track(lambda a: a["t_ms"].__setitem__(slice(5, 9), float("nan")))),
        Case(k4, "track: infinite times", ["replay", "d.npz", *ex],
             damaged_track(lambda a: a["t_ms"].__setitem__(-1, float("inf")))),
        Case(k4, "track: times as strings", ["replay", "d.npz", *ex],
             damaged_track(lambda a: a.__setitem__("t_ms", a["t_ms"].astype(str)))),
        Case(k4, "track: landmarks of the wrong shape", ["replay", "d.npz", *ex],
             damaged_track(lambda a: a.__setitem__(_pixels(a), a[_pixels(a)][:, :5]))),
        Case(k4, "track: a member missing", ["replay", "d.npz", *ex],
             damaged_track(lambda a: a.pop("has_pose"))),
        Case(k4, "track: zip bomb (10^9 frames declared)", ["replay", "d.npz", *ex], zip_bomb),
        Case(k4, "exercise TOML nested 10,000 deep", ["replay", "t.npz", "-e", "deep.toml"],
             lambda f: (track(f), nested("a = " + "[" * 10000 + "]" * 10000 + "\n", "deep.toml")(f))),
        Case(k4, "answers TOML nested 10,000 deep", ["safety", "--answers", "deep.toml"],
             nested("a = " + "{b = " * 10000 + "1" + "}" * 10000 + "\n", "deep.toml")),
        Case(k4, "eval manifest.json nested 100,000 deep", ["eval", "clips"],
             lambda f: ((f / "clips").mkdir(), nested("[" * 100000 + "]" * 100000, "clips/manifest.json")(f))),
        Case(k4, "eval manifest: clips is a number", ["eval", "clips"], manifest('{"clips": 5}')),
        Case(k4, "eval manifest: a clip's file is a number", ["eval", "clips"],
             manifest('{"clips": [{"file": 5, "reps": 2}]}')),
        Case(k4, "eval manifest: reps 1e400 (infinity)", ["eval", "clips", "--json"],
             manifest('{"clips": [{"file": "t.npz", "reps": 1e400, "exercise_id": "glute_bridge"}]}')),
        Case(k4, "eval manifest: exercise_id a number", ["eval", "clips"],
             manifest('{"clips": [{"file": "t.npz", "reps": 2, "exercise_id": 5}]}')),
        Case(k4, "eval manifest: a hold starting at NaN", ["eval", "clips", "--json"],
             manifest('{"clips": [{"file": "t.npz", "reps": 2, "exercise_id": "glute_bridge", '
                      '"holds": [{"start_s": NaN, "end_s": 3}]}]}')),
        Case(k4, "follow-ups JSON nested 100,000 deep", ["safety", "--no-red-flags"],
             lambda f: ((f / "data").mkdir(exist_ok=True),
                        nested("{\"a\": " * 100000 + "1" + "}" * 100000, "data/followups.json")(f)),
             status=(0, 2), one_line=False),
        Case(k4, "follow-ups JSON not UTF-8", ["safety", "--no-red-flags"],
             lambda f: ((f / "data").mkdir(), (f / "data/followups.json").write_bytes(b'{"flagged": "\xff"}'))),
        Case(k4, "follow-ups: a named pipe nobody writes", ["safety", "--no-red-flags"],
             lambda f: ((f / "data").mkdir(), fifo(f, "data/followups.json"))),
        Case(k4, "answers file not UTF-8", ["safety", "--answers", "a.toml"],
             lambda f: (f / "a.toml").write_bytes(b"numb = \"\xff\xfe\"\n")),
        Case(k4, "over-long --report name", ["replay", "t.npz", *ex, "--report", long_name], track),
        Case(k4, "over-long source name", ["replay", "x" * 300 + ".npz", *ex]),
        Case(k4, "live --reps 0", ["live", "--headless", "--camera", "t.npz", *ex, "--reps", "0"], track),
        Case(k4, "live --sets 0", ["live", "--headless", "--camera", "t.npz", *ex, "--sets", "0"], track),
        Case(k4, "live --reps 201 (a routine file's bound is 200)",
             ["live", "--headless", "--camera", "t.npz", *ex, "--reps", "201", "--no-red-flags"], track),
        Case(k4, "live --sets 21", ["live", "--headless", "--camera", "t.npz", *ex, "--sets", "21", "--no-red-flags"],
             track),
        Case(k4, "live -e '' (not the default routine)",
             ["live", "--headless", "--camera", "t.npz", "-e", "", "--no-red-flags"], track,
             lambda f, r: None if b"unknown exercise ''" in r.stderr else "taken as the default routine"),
        Case(k4, "live --countdown nan", ["live", "--headless", "--camera", "t.npz", *ex, "--countdown", "nan"],
             track),
        Case(k4, "replay a camera index past a C int", ["replay", "9" * 20, *ex, "--no-red-flags"]),
        Case(k4, "replay a superscript digit as the source", ["replay", "\u00b2", *ex, "--no-red-flags"]),
        Case(k4, "tune --set a superscript band index", ["tune", *ex, "t.npz", "--set",
                                                         "phases.up.bands.\u00b2.enter_above=1"], track),
        Case(k4, "bench --size 0x0", ["bench", "v.mp4", "--size", "0x0", "--frames", "1"],
             lambda f: shutil.copyfile(SAMPLE, f / "v.mp4")),
        Case(k4, "bench --size 100000x100000", ["bench", "v.mp4", "--size", "100000x100000", "--frames", "1"],
             lambda f: shutil.copyfile(SAMPLE, f / "v.mp4")),
        Case(k4, "bench --frames 0", ["bench", "t.npz", "--frames", "0"], track),
        Case(k4, "exercise file with a NaN form check", ["replay", "t.npz", "-e", "mine/glute_bridge.toml"],
             lambda f: (track(f), (f / "mine").mkdir(), (f / "mine/glute_bridge.toml").write_text(
                 shipped.read_text().replace("at_least = 165", "at_least = nan")))),
        Case(k4, "tune --set a form check to inf --save", ["tune", *ex, "t.npz", "--set", "checks.0.at_least=inf",
                                                           "--save", "--yes"], track,
             lambda f, r: "an override was written" if (f / "config").exists() else None),
        Case(k4, "exercise file that is a folder", ["replay", "t.npz", "-e", "x.toml"],
             lambda f: (track(f), (f / "x.toml").mkdir())),
        Case(k4, "exercise file that is a FIFO", ["replay", "t.npz", "-e", "x.toml"],
             lambda f: (track(f), fifo(f, "x.toml"))),
        Case(k4, "stray .part of a killed run is removed", ["replay", "t.npz", *ex, "--report", "r.json"],
             lambda f: (track(f), (f / f".r.json.{_dead_pid()}.abcd.part.json").write_text("half")), no_strays,
             status=(0,), one_line=False),
        Case(k4, "synth --all: samples file nested 100,000 deep", ["synth", "--all", "--remeasure", "--samples-file",
                                                                   "samples.toml", "--motions-dir", "motions"],
             synth_samples("samples = " + "[" * 100_000 + "\n")),
        Case(k4, "synth --all: samples file not UTF-8", ["synth", "--all", "--remeasure", "--samples-file",
                                                         "samples.toml", "--motions-dir", "motions"],
             synth_samples(b"name = '\xff'\n")),
        Case(k4, "synth --all: a motion file nested 50,000 deep",
             ["synth", "--all", "--remeasure", "--samples-file", "samples.toml", "--motions-dir", "motions"],
             synth_samples('[[samples]]\nname = "x"\nargs = "x"\n', "poses = " + "{a = " * 50_000 + "\n")),
        Case(k4, "answers JSON not UTF-8", ["safety", "--answers", "a.json"],
             lambda f: (f / "a.json").write_bytes(b'{"pain_before": "\xff"}')),
        Case(k4, "answers file that is a folder", ["safety", "--answers", "a.toml"], lambda f: (f / "a.toml").mkdir()),
        Case(k4, "exercise file that is a symlink loop", ["replay", "t.npz", "-e", "loop.toml"],
             lambda f: (track(f), (f / "loop.toml").symlink_to("loop.toml"))),
        Case(k4, "track file that is empty", ["replay", "e.npz", *ex], lambda f: (f / "e.npz").write_bytes(b"")),
        Case(k4, "track file that is a FIFO", ["replay", "p.npz", *ex], lambda f: fifo(f, "p.npz")),
        Case(k4, "track file that is a folder", ["replay", "d.npz", *ex], lambda f: (f / "d.npz").mkdir()),
        Case(k4, "unseen points (NaN) give a report without NaN", ["replay", "d.npz", *ex, "--json"],
             damaged_track(_unseen), strict_json, status=(0,), summary=True),
        Case(k4, "track: NaN landmarks marked seen", ["replay", "d.npz", *ex],
             damaged_track(lambda a: a["xy"].__setitem__((slice(3, 6), 23), float("nan")))),
        Case(k4, "track: an infinite world point", ["replay", "d.npz", *ex],
             damaged_track(lambda a: a["world"].__setitem__((7, 0), float("inf")))),
        Case(k4, "track: nobody found in any frame", ["replay", "d.npz", *ex, "--report", "r.json"],
             damaged_track(_nobody), status=(0,)),
        Case(k4, "track: every frame at the same time (numpy warns)", ["tune", *ex, "d.npz", "--suggest"],
             damaged_track(lambda a: a["t_ms"].__setitem__(slice(None), 0.0)), status=(0,)),
        Case(k4, "track: every landmark at one point (numpy warns)", ["replay", "d.npz", *ex],
             damaged_track(lambda a: a[_pixels(a)].__setitem__(slice(None), 0.0)), status=(0,)),
        Case(k4, "track: no frames", ["tune", *ex, "d.npz"], damaged_track(_no_frames)),
        Case(k1, "--model with a non-UTF-8 name", ["replay", "v.mp4", *ex, "--model", b"m\xff.task"],
             lambda f: (shutil.copyfile(SAMPLE, f / "v.mp4"), (f / os.fsdecode(b"m\xff.task")).write_bytes(b"x"))),
        Case(k2, "history --plot onto the database --force", ["history", "--plot", "data/history.sqlite3", "--force"],
             lambda f: subprocess.run([POSECOACH, "history"], env=_env(f), capture_output=True, check=False),
             lambda f, r: None if (f / "data/history.sqlite3").read_bytes()[:6] == b"SQLite" else "database replaced"),
        Case(k2, "--report onto the safety follow-ups --force",
             ["replay", "t.npz", *ex, "--report", "data/followups.json", "--force"],
             lambda f: (track(f), (f / "data").mkdir(), (f / "data/followups.json").write_text("{}\n")),
             lambda f, r: None if (f / "data/followups.json").read_text() == "{}\n" else "follow-ups replaced"),
        Case(k2, "history --csv to /dev/full", ["history", "--csv", "/dev/full", "--force"]),
        Case(k6, "eval --max-mae -1", ["eval", "empty", "--max-mae", "-1"], lambda f: (f / "empty").mkdir()),
        Case(k5, "--json | head -1", [f"{POSECOACH} replay t.npz -e glute_bridge --json | head -1 >/dev/null; "
                                      "exit ${PIPESTATUS[0]}"], track, status=(0, 141), shell=True, summary=True),
        Case(k5, "safety with stdin closed", [f"{POSECOACH} safety 0<&-"], shell=True),
        Case(k5, "safety with stdin at EOF", [f"{POSECOACH} safety </dev/null"], shell=True),
        Case(k5, "replay --json to /dev/full", [f"{POSECOACH} replay t.npz -e glute_bridge --json >/dev/full"],
             track, shell=True, summary=True),
        Case(k5, "--answers a FIFO with no writer", ["safety", "--answers", "a.toml"], lambda f: fifo(f, "a.toml")),
        Case(k6, "eval --max-mae with nothing scored", ["eval", "empty", "--max-mae", "0.5"],
             lambda f: (f / "empty").mkdir()),
        Case(k6, "eval --max-mae on a folder of unannotated tracks", ["eval", "clips", "--max-mae", "0.5"],
             lambda f: ((f / "clips").mkdir(), track(f / "clips"))),
    ]


def _unseen(arrays: dict) -> None:
    """Points nobody saw, as tracks may hold them: NaN where the visibility is 0."""
    for name, array in arrays.items():
        if name not in ("meta", "t_ms", "has_pose") and array.dtype.kind == "f" and array.ndim == 3:
            array[:, 1:11] = float("nan")
        elif name not in ("meta", "t_ms", "has_pose") and array.ndim == 2:
            array[:, 1:11] = 0.0


def _nobody(arrays: dict) -> None:
    """An empty room: no frame has a pose."""
    arrays["has_pose"][:] = False
    for name in ("xy", "world", "visibility", "presence"):
        arrays[name][:] = float("nan")


def _no_frames(arrays: dict) -> None:
    for name in [k for k in arrays if k != "meta"]:
        arrays[name] = arrays[name][:0]
    _meta(arrays, frames=0)


def strict_json(_folder: Path, result) -> str | None:
    import json

    def refuse(constant: str):
        raise ValueError(constant)
    try:
        json.loads(result.stdout, parse_constant=refuse)
    except ValueError as e:
        return f"the report is not strict JSON ({e})"
    return None


def _dead_pid() -> int:
    """A process id nobody has: the stray part of a run that was killed."""
    pid = 4_000_000
    while Path(f"/proc/{pid}").exists():
        pid += 1
    return pid


def _pixels(arrays: dict) -> str:
    return next(k for k in arrays if k not in ("meta", "t_ms", "has_pose"))


def _env(folder: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSECOACH_")}
    env |= {"POSECOACH_DATA_DIR": str(folder / "data"), "POSECOACH_CONFIG_DIR": str(folder / "config"),
            "POSECOACH_TRACK_CACHE": str(folder / "cache")}
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="a line per case")
    parser.add_argument("-k", default="", help="only the cases whose name holds this")
    args = parser.parse_args(argv)
    tally: dict[str, dict[str, int]] = {k: {} for k in KINDS}
    failed = []
    for case in (c for c in cases() if c and args.k in c.name):
        with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
            folder = Path(tmp)
            env = _env(folder) | case.env
            if case.setup:
                case.setup(folder)
            started = time.monotonic()
            result = run(case, folder, env)
            ending, detail = classify(case, folder, result)
            with contextlib.suppress(OSError):
                os.chmod(folder / "ro", 0o755)
        tally[case.kind][ending] = tally[case.kind].get(ending, 0) + 1
        if ending != "handled":
            failed.append((case, ending, detail))
        if args.verbose:
            print(f"{ending:9} {time.monotonic() - started:5.1f} s  [{case.kind[0]}] {case.name}: {detail}",
                  flush=True)
    endings = ("handled", "internal", "crash", "hang", "other")
    print(f"\n{'kind':28}{'cases':>6}" + "".join(f"{e:>10}" for e in endings))
    for kind, counts in tally.items():
        print(f"{kind:28}{sum(counts.values()):>6}" + "".join(f"{counts.get(e, 0):>10}" for e in endings))
    total = {e: sum(c.get(e, 0) for c in tally.values()) for e in endings}
    print(f"{'all':28}{sum(total.values()):>6}" + "".join(f"{total[e]:>10}" for e in endings))
    for case, ending, detail in failed:
        print(f"not handled ({ending}): [{case.kind[0]}] {case.name}: {detail}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
