"""Every core on one machine: posecoach against a bare sequential PoseLandmarker loop, in one run.

    python benchmarks/bench_parallel.py [--video samples/glute_bridge_side.mp4] [--long-minutes 10]
                                        [--eval-samples N] [--workers N] [--replay-only [--pairs N]]

Each measurement is a child process timed by wall clock and read back with `os.wait4`, whose
`ru_maxrss` is the peak resident memory of the largest process in that child's tree (a pose
worker, or the main process); the whole tree's resident memory is also sampled from /proc
every 0.2 s, since N workers hold N landmarkers:

- the bare loop: OpenCV decode + MediaPipe PoseLandmarker (VIDEO mode), frame after frame, one
  process, nothing else; against `posecoach track` with the default workers, on a 1-minute and a
  `--long-minutes` video made by concatenating the sample (kept in a temporary folder);
- `posecoach eval` over `samples/` (or its first `--eval-samples` clips) with `--workers 1` and
  with the default, each with an empty track cache;
- `posecoach replay` of the 1-minute video with and without `--out` (`--replay-only`: only this,
  `--pairs N` times, alternating, so that both see the same load; the ratio of the medians);
- the peer, PhysioCore's own bridge tracker (`physiocore.bridging.BridgingTracker`, without its
  window), against `posecoach replay -e glute_bridge` on the peer's own bridge clip
  (`../shared/realclips_more/peer/physioplus_bridging.mp4`, or `--peer-video`), when physiocore is
  installed in this environment and the clip is there; skipped, saying why, otherwise
  (`--peer-only`: nothing else). physiocore is no dependency of posecoach.

It prints the times, the ratios against the issue's goals and the peak memory for both lengths.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
PEER_VIDEO = ROOT.parent / "shared" / "realclips_more" / "peer" / "physioplus_bridging.mp4"


@dataclass(frozen=True)
class Run:
    label: str
    wall_s: float
    cpu_s: float  # user + system of the whole tree
    peak_mb: float  # ru_maxrss: the largest single process of the tree
    tree_mb: float  # the sampled peak of the whole tree's resident memory

    @property
    def cores(self) -> float:
        return self.cpu_s / self.wall_s


def timed(label: str, argv: list[str], env: dict | None = None) -> Run:
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        child = subprocess.Popen(argv, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=err)
        sampler = TreeMemory(child.pid)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        sampler.stop()
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):  # eval exits 1 when a clip misses its count; that is no failure here
            err.seek(0)
            raise SystemExit(f"{label} failed ({code}):\n{err.read().decode(errors='replace')}")
    run = Run(label, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, sampler.peak_kb / 1024)
    print(f"  {label:<40} {run.wall_s:7.1f} s  {run.cores:4.2f} cores  largest process {run.peak_mb:4.0f} MB"
          f"  tree {run.tree_mb:4.0f} MB", flush=True)
    return run


class TreeMemory:
    """The highest sum of resident memory over a process and its descendants, sampled from /proc."""

    def __init__(self, pid: int, every_s: float = 0.2) -> None:
        self.pid, self.every_s, self.peak_kb = pid, every_s, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.wait(self.every_s):
            self.peak_kb = max(self.peak_kb, sum(_rss_kb(p) for p in _tree(self.pid)))


def _tree(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = [root], [root]
    while frontier:
        frontier = [p for p, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def bare_loop(video: str, model: str) -> None:
    """The floor: decode and PoseLandmarker, nothing else (run as a child of this script)."""
    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions
    from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode

    options = PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=model),
                                    running_mode=RunningMode.VIDEO, num_poses=1)
    capture = cv2.VideoCapture(video)
    fps = capture.get(cv2.CAP_PROP_FPS)
    with PoseLandmarker.create_from_options(options) as landmarker:
        index = 0
        while True:
            ok, image = capture.read()
            if not ok:
                break
            rgb = mp.Image(image_format=mp.ImageFormat.SRGB, data=cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
            landmarker.detect_for_video(rgb, int(round(index * 1000 / fps)))
            index += 1
    capture.release()


def concatenate(sample: str, minutes: str, out: str) -> None:
    """`sample` repeated until the video lasts `minutes`, as mp4v (run as a child of this script,
    so that this process stays small: a child starts with its parent's peak memory)."""
    import cv2

    probe = cv2.VideoCapture(sample)
    fps, size = probe.get(cv2.CAP_PROP_FPS), (int(probe.get(3)), int(probe.get(4)))
    probe.release()
    writer = cv2.VideoWriter(out, cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    remaining = int(round(float(minutes) * 60 * fps))
    while remaining > 0:
        capture = cv2.VideoCapture(sample)
        while remaining > 0:
            ok, image = capture.read()
            if not ok:
                break
            writer.write(image)
            remaining -= 1
        capture.release()
    writer.release()


def concatenated(sample: Path, minutes: float, out: Path) -> Path:
    subprocess.run([sys.executable, __file__, "--concat", str(sample), str(minutes), str(out)], check=True)
    return out


def eval_folder(tmp: Path, limit: int | None) -> Path:
    """samples/, or its first `limit` clips with their manifest entries and truth files."""
    if limit is None:
        return SAMPLES
    folder = tmp / "eval_samples"
    folder.mkdir()
    manifest = json.loads((SAMPLES / "manifest.json").read_text())
    manifest["clips"] = manifest["clips"][:limit]
    for clip in manifest["clips"]:
        for path in SAMPLES.glob(Path(clip["file"]).stem + ".*"):
            shutil.copy(path, folder / path.name)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def peer_tracker(video: str) -> None:
    """The peer's own bridge tracker on `video`, without its window (run as a child of this script)."""
    from physiocore.bridging import BridgingTracker

    count = BridgingTracker(test_mode=True).process_video(video_path=video, display=False)
    print(f"physiocore bridging: {count} reps")


def peer_comparison(video: Path, cli: list[str], workers: list[str]) -> str | None:
    """posecoach replay against the peer's bridge tracker on `video`: the ratio line, or None when skipped."""
    if importlib.util.find_spec("physiocore") is None:
        print("peer: skipped, physiocore (PhysioCore) is not installed here (pip install physiocore to compare)")
        return None
    if not video.is_file():
        print(f"peer: skipped, its bridge clip {video} is not here (--peer-video VIDEO)")
        return None
    print(f"peer on {video.name}:")
    peer = timed("physiocore BridgingTracker", [sys.executable, __file__, "--peer", str(video)])
    ours = timed("posecoach replay -e glute_bridge", [*cli, "replay", str(video), "-e", "glute_bridge", *workers])
    return ratio_line("posecoach replay / the peer's bridge tracker", ours.wall_s / peer.wall_s, "< 1")


def replay_pair(video: Path, exercise: str, cli: list[str], workers: list[str], tmp: Path) -> tuple[Run, Run]:
    print(f"replay {video.name} -e {exercise}:")
    replay = [*cli, "replay", str(video), "-e", exercise, *workers]
    bare = timed("posecoach replay", replay)
    return bare, timed("posecoach replay --out", [*replay, "--out", str(tmp / "a.mp4"), "--force"])


def replay_only(args: argparse.Namespace, cli: list[str], workers: list[str]) -> int:
    """replay of the short video with and without --out, `--pairs` times, alternating."""
    with tempfile.TemporaryDirectory(prefix="bench_parallel_") as name:
        tmp = Path(name)
        video = concatenated(args.video, args.short_minutes, tmp / f"{args.short_minutes:g}min.mp4")
        pairs = [replay_pair(video, args.exercise, cli, workers, tmp) for _ in range(args.pairs)]
    bare = statistics.median(p[0].wall_s for p in pairs)
    out = statistics.median(p[1].wall_s for p in pairs)
    print(f"ratios (wall time, medians of {args.pairs}; load average after: {os.getloadavg()[0]:.2f}):")
    print(f"  each pair: {', '.join(f'{p[1].wall_s / p[0].wall_s:.3f}x' for p in pairs)}")
    print(ratio_line(f"replay --out / replay ({out:.1f} s / {bare:.1f} s)", out / bare, "<= 1.1"))
    cpu_bare = statistics.median(p[0].cpu_s for p in pairs)
    cpu_out = statistics.median(p[1].cpu_s for p in pairs)
    print(ratio_line(f"the same in CPU time ({cpu_out:.1f} s / {cpu_bare:.1f} s)", cpu_out / cpu_bare, "-"))
    return 0


def ratio_line(name: str, value: float, goal: str) -> str:
    return f"  {name:<52} {value:6.2f}x   (goal {goal})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, default=SAMPLES / "glute_bridge_side.mp4")
    parser.add_argument("--exercise", default="glute_bridge")
    parser.add_argument("--short-minutes", type=float, default=1.0)
    parser.add_argument("--long-minutes", type=float, default=10.0)
    parser.add_argument("--eval-samples", type=int, help="only the first N samples (default: all)")
    parser.add_argument("--workers", type=int, help="posecoach's workers (default: its own, one per core)")
    parser.add_argument("--peer-video", type=Path, default=PEER_VIDEO)
    parser.add_argument("--peer-only", action="store_true", help="only the comparison with the peer")
    parser.add_argument("--replay-only", action="store_true", help="only replay with and without --out")
    parser.add_argument("--pairs", type=int, default=1, help="with --replay-only: runs of each, alternating")
    parser.add_argument("--peer", metavar="VIDEO", help=argparse.SUPPRESS)
    parser.add_argument("--bare", nargs=2, metavar=("VIDEO", "MODEL"), help=argparse.SUPPRESS)
    parser.add_argument("--concat", nargs=3, metavar=("SAMPLE", "MINUTES", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bare:
        bare_loop(*args.bare)
        return 0
    if args.concat:
        concatenate(*args.concat)
        return 0
    if args.peer:
        peer_tracker(args.peer)
        return 0

    from posecoach.pose.models import resolve_model
    from posecoach.pose.parallel import default_workers

    model = str(resolve_model())
    cli = [sys.executable, "-m", "posecoach"]
    workers = ["--workers", str(args.workers)] if args.workers else []
    print(f"{os.cpu_count()} cores, posecoach default workers {args.workers or default_workers()}; "
          f"load average before: {os.getloadavg()[0]:.2f}")
    if args.peer_only:
        if (line := peer_comparison(args.peer_video, cli, workers)) is not None:
            print(line)
        return 0
    if args.replay_only:
        return replay_only(args, cli, workers)
    with tempfile.TemporaryDirectory(prefix="bench_parallel_") as name:
        tmp = Path(name)
        lengths = (args.short_minutes, args.long_minutes)
        videos = {m: concatenated(args.video, m, tmp / f"{m:g}min.mp4") for m in lengths}
        runs: dict[str, Run] = {}
        for minutes, video in videos.items():
            print(f"{video.name} ({minutes:g} min of {args.video.name}):")
            runs[f"bare {minutes:g}"] = timed("bare PoseLandmarker loop (sequential)",
                                              [sys.executable, __file__, "--bare", str(video), model])
            cache = {"POSECOACH_TRACK_CACHE": str(tmp / f"cache_track_{minutes:g}")}
            runs[f"track {minutes:g}"] = timed("posecoach track", [*cli, "track", str(video), "-o",
                                               str(tmp / "t.npz"), "--force", *workers], cache)
        runs["replay"], runs["replay out"] = replay_pair(videos[args.short_minutes], args.exercise, cli,
                                                         workers, tmp)
        folder = eval_folder(tmp, args.eval_samples)
        print(f"eval {folder}:")
        for label, extra in (("eval 1", ["--workers", "1"]), ("eval", workers)):
            cache = {"POSECOACH_TRACK_CACHE": str(tmp / f"cache_{label.replace(' ', '_')}")}
            runs[label] = timed(f"posecoach eval {' '.join(extra) or '(default workers)'}",
                                [*cli, "eval", str(folder), *extra], cache)
    peer = peer_comparison(args.peer_video, cli, workers)
    long, short = f"{args.long_minutes:g}", f"{args.short_minutes:g}"
    print(f"ratios (wall time; load average after: {os.getloadavg()[0]:.2f}):")
    print(ratio_line(f"track {long} min / bare loop {long} min", runs[f"track {long}"].wall_s
                     / runs[f"bare {long}"].wall_s, "<= 0.6"))
    print(ratio_line(f"track {short} min / bare loop {short} min", runs[f"track {short}"].wall_s
                     / runs[f"bare {short}"].wall_s, "-"))
    print(ratio_line("eval default workers / eval --workers 1", runs["eval"].wall_s / runs["eval 1"].wall_s,
                     "<= 0.6"))
    print(ratio_line("replay --out / replay", runs["replay out"].wall_s / runs["replay"].wall_s, "<= 1.1"))
    print(ratio_line(f"track peak memory {long} min / {short} min", runs[f"track {long}"].peak_mb
                     / runs[f"track {short}"].peak_mb, "<= 1.1"))
    print(ratio_line(f"track tree memory {long} min / {short} min", runs[f"track {long}"].tree_mb
                     / runs[f"track {short}"].tree_mb, "-"))
    for minutes in (short, long):
        run = runs[f"track {minutes}"]
        print(f"  posecoach track, {minutes} min: largest process {run.peak_mb:.0f} MB, whole tree "
              f"{run.tree_mb:.0f} MB (bare loop {runs[f'bare {minutes}'].peak_mb:.0f} MB)")
    if peer is not None:
        print(peer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
