"""The robustness suite (issue 14): seeded, varied renders of every exercise, tracked once.

    make robustness                      # render what is missing, track it, write the report
    python benchmarks/robustness.py --report-only     # only docs/ROBUSTNESS.md, from the tracks

From one seed it draws, for every exercise with a motion in exercises/motions/samples.toml,
--per-exercise varied renders: the body (age, gender, weight, height), clothes colours, camera
yaw (side-on, then oblique up to 45 degrees where the exercise is filmed from the side; knee
rolls and hip circles keep their own views), camera height and framing around the committed
sample's set-up, light, noise and blur. The videos and their truth go to --out, outside git;
each is tracked once with the real model into samples/robustness/NAME.npz (small), and
samples/robustness/manifest.json lists each clip's exercise, drawn parameters and truth.
tests/logic/test_robustness.py replays those tracks without the model.

Rendering needs the `synth` extra (torch, anny, moderngl) in its own venv: --synth-python.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/accuracy.py, run as a script

ROOT = Path(__file__).resolve().parents[1]
TRACKS = ROOT / "samples" / "robustness"
SAMPLES_FILE = ROOT / "exercises" / "motions" / "samples.toml"
DOC = ROOT / "docs" / "ROBUSTNESS.md"
# Views the renderer must keep: the catalogue's set-up for these is not a side view.
OWN_VIEWS = {"knee_rolls": "top_feet", "hip_circles_big": "front", "hip_circles_small": "front"}
# Which end of the body a yaw turns the camera toward depends on the motion's orientation and the
# facing drawn: glute_bridge_oblique (facing right, +25) looks from the head's side, bird_dog_1
# (facing right, +31) from the feet's. The suite keeps both: synth.md found 45 degrees toward the
# feet of a lying body failing, and a user may well put the camera there.
# The catalogue's set-up puts the working leg nearest the camera: the renderer's default side.
ONE_SIDED = {"knee_to_chest", "figure_four_stretch"}
CLOTHES = ("#1c1c1c", "#f2f2f2", "#c0392b", "#2e86c1", "#27ae60", "#8e44ad", "#d35400", "#7f8c8d",
           "#f1c40f", "#34495e", "#c8957a", "#16a085")
HOLD_TOLERANCE_S = 0.5  # as tests/groundtruth.py
PHANTOM_HOLD_S = 1.0  # as tests/groundtruth.py


def catalogue_samples() -> dict[str, list[str]]:
    """exercise id -> the argument list of its committed good sample (its set-up)."""
    from posecoach.synth.cli import sample_argvs

    out: dict[str, list[str]] = {}
    for name, args in sample_argvs(SAMPLES_FILE):
        if "/" in name or "--variant" in args or args[0] in out:
            continue
        out[args[0]] = args
    return out


def _flag(args: list[str], flag: str, default: str | None = None) -> str | None:
    return args[args.index(flag) + 1] if flag in args else default


def base_heights() -> dict[str, float]:
    """exercise id -> the camera height of its committed good sample, metres."""
    clips = json.loads((ROOT / "samples" / "manifest.json").read_text())["clips"]
    return {c["exercise_id"]: c["camera"]["height_m"] for c in reversed(clips) if c.get("variant") == "good"}


def draw(rng: np.random.Generator, exercise_id: str, index: int, base_height: float) -> dict:
    """One clip's parameters: a body, clothes, camera and light drawn around the sample's set-up."""
    from posecoach.exercise.catalogue import load_exercise

    view = OWN_VIEWS.get(exercise_id, "side")
    if view == "side":
        # The first draw near side-on, the second oblique; a standing body's yaw has the sign of
        # squat_to_chair_oblique's camera (-45, facing right).
        yaw = float(rng.uniform(0, 15) if index == 0 else rng.uniform(25, 45))
        yaw = -yaw if load_exercise(exercise_id).position == "standing" else yaw
    else:
        yaw = float(rng.uniform(-15, 15))
    height = base_height * float(rng.uniform(0.85, 1.25))
    facing = str(rng.choice(["left", "right"]))
    if view != "side" or exercise_id in ONE_SIDED:
        facing = None  # the renderer's default: the working leg toward the camera
    params = {
        "view": view, "facing": facing,
        "yaw_deg": round(yaw, 1), "height_m": round(height, 2),
        "fill": round(float(rng.uniform(0.7, 0.92)), 2),
        "age": round(float(rng.uniform(0.65, 0.95)), 2), "gender": round(float(rng.uniform(0, 1)), 2),
        "weight": round(float(rng.uniform(0.2, 0.8)), 2),
        "body_height": round(float(rng.uniform(0.3, 0.7)), 2),
        "shirt": str(rng.choice(CLOTHES)), "shorts": str(rng.choice(CLOTHES)),
        "shoes": str(rng.choice(CLOTHES)), "sleeves": str(rng.choice(["short", "long"])),
        "light_azimuth": round(float(rng.uniform(-60, 60)), 1),
        "light_ambient": round(float(rng.uniform(0.3, 0.55)), 2),
        "light_key": round(float(rng.uniform(0.65, 0.95)), 2),
        "noise": round(float(rng.uniform(0.5, 2.5)), 2), "blur": round(float(rng.uniform(0.3, 1.0)), 2),
        "seed": int(rng.integers(1, 1_000_000)),
    }
    return params


def render_args(exercise_id: str, p: dict) -> list[str]:
    """The renderer's command line for one draw."""
    args = [exercise_id, "--view", p["view"], "--yaw", str(p["yaw_deg"]), "--fill", str(p["fill"])]
    if p["facing"]:
        args += ["--facing", p["facing"]]
    args += ["--cam-height", str(p["height_m"])]
    for key in ("age", "gender", "weight", "shirt", "shorts", "shoes", "sleeves", "noise", "blur", "seed"):
        args += [f"--{key}", str(p[key])]
    args += ["--body-height", str(p["body_height"])]
    for key in ("azimuth", "ambient", "key"):
        args += [f"--light-{key}", str(p[f"light_{key}"])]
    return args


def plan(seed: int, per_exercise: int) -> list[dict]:
    """Every clip of the suite, in a fixed order: the same seed gives the same draws."""
    rng = np.random.default_rng(seed)
    heights = base_heights()
    clips = []
    for exercise_id in sorted(catalogue_samples()):
        for index in range(per_exercise):
            params = draw(rng, exercise_id, index, heights[exercise_id])
            clips.append({"name": f"{exercise_id}_{index}", "exercise_id": exercise_id, "params": params,
                          "args": render_args(exercise_id, params)})
    return clips


def render(clip: dict, out: Path, synth_python: str, cache_dir: str) -> dict:
    """Render one clip into `out` (skipped when already there); returns its renderer entry."""
    video = out / f"{clip['name']}.mp4"
    entry_file = out / f"{clip['name']}.entry.json"
    if not entry_file.is_file():
        code = ("import json, sys; from posecoach.synth.cli import build_parser, render_one; "
                "a = build_parser().parse_args(sys.argv[1:]); "
                "print(json.dumps(render_one(a, sys.argv[1:])))")
        argv = [*clip["args"], "-o", str(video), "--no-manifest", "--cache-dir", cache_dir]
        done = subprocess.run([synth_python, "-c", code, *argv], check=True, capture_output=True, text=True)
        entry_file.write_text(done.stdout.strip().splitlines()[-1])
    return json.loads(entry_file.read_text())


def track(clip: dict, out: Path) -> Path:
    """The video's pose track through the real model, once, into samples/robustness/."""
    from posecoach import replay

    path = TRACKS / f"{clip['name']}.npz"
    if not path.is_file():
        replay.record_track(str(out / f"{clip['name']}.mp4"), path, force=True, workers=1)
    return path


def manifest_clip(clip: dict, entry: dict) -> dict:
    keep = ("exercise_id", "reps", "reps_left", "reps_right", "holds", "rep_events", "fps", "frames",
            "resolution", "sha256", "camera", "variant")
    return {"name": clip["name"], "track": f"{clip['name']}.npz", "file": f"{clip['name']}.mp4",
            "params": clip["params"], "args": clip["args"], **{k: entry.get(k) for k in keep}}


def build(args: argparse.Namespace) -> None:
    clips = plan(args.seed, args.per_exercise)
    if args.only:
        clips = [c for c in clips if c["name"] in args.only or c["exercise_id"] in args.only]
    TRACKS.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    manifest_path = TRACKS / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {"clips": []}
    by_name = {c["name"]: c for c in manifest["clips"]}
    for clip in clips:
        entry = render(clip, args.out, args.synth_python, args.cache_dir)
        track(clip, args.out)
        by_name[clip["name"]] = manifest_clip(clip, entry)
        manifest = {"seed": args.seed, "per_exercise": args.per_exercise,
                    "clips": [by_name[k] for k in sorted(by_name)]}
        manifest_path.write_text(json.dumps(manifest, indent=1) + "\n")
        size = (TRACKS / f"{clip['name']}.npz").stat().st_size
        print(f"{clip['name']}: {entry['frames']} frames, {entry['reps']} reps, {size // 1024} KiB track",
              flush=True)


def outcome(clip: dict) -> dict:
    """The clip's track replayed as its exercise: reps, and each truth hold's error (None: missed)."""
    from posecoach import replay
    from posecoach.exercise.catalogue import load_exercise

    report = replay.replay(str(TRACKS / clip["track"]), load_exercise(clip["exercise_id"]))
    errors = []
    for hold in clip["holds"]:
        near = [h for h in report["holds"] if h["side"] == hold.get("side")
                and abs(h["start_s"] - hold["start_s"]) < 1.5]
        best = min(near, key=lambda h: abs(h["start_s"] - hold["start_s"]), default=None)
        errors.append(None if best is None else round(abs(best["duration_s"] - hold["duration_s"]), 2))
    exact = report["reps"]["total"] == clip["reps"] and all(e is not None and e <= HOLD_TOLERANCE_S
                                                             for e in errors)
    return {"reps": report["reps"]["total"], "hold_errors": errors, "exact": exact,
            "seen": report["frames_with_pose"] / max(report["frames"], 1), "phantoms": phantoms(clip)}


def phantoms(clip: dict) -> list[str]:
    """The other exercises (declared look-alikes left out) that count a rep, or a hold of
    PHANTOM_HOLD_S or more, on the clip's track."""
    from accuracy import counted

    from posecoach.exercise.catalogue import load_all_exercises
    from posecoach.sources.tracks import load_track

    specs = load_all_exercises()
    own, track = specs[clip["exercise_id"]], load_track(TRACKS / clip["track"])
    out = []
    for exercise_id, spec in specs.items():
        if exercise_id == own.id or spec.may_count_on(own):
            continue
        reps, holds = counted(spec, track)
        if reps or any(h["duration_s"] >= PHANTOM_HOLD_S for h in holds):
            out.append(exercise_id)
    return out


def write_report() -> str:
    manifest = json.loads((TRACKS / "manifest.json").read_text())
    lines = ["# Robustness", "",
             "Generated by `make robustness` (benchmarks/robustness.py); do not edit by hand.", "",
             f"Seed {manifest['seed']}, {manifest['per_exercise']} draws per exercise planned; "
             f"{len(manifest['clips'])} clips rendered and tracked once with the real model "
             "(samples/robustness/). Exact: the truth's reps, and every truth hold's nearest counted "
             f"hold within {HOLD_TOLERANCE_S:g} s of its duration (tests/groundtruth.py). "
             "tests/logic/test_robustness.py replays the same tracks. Counts as another exercise: "
             "the track replayed as every other exercise (declared look-alikes left out) counts a rep "
             f"or a hold of {PHANTOM_HOLD_S:g} s or more.", "",
             "| clip | view, yaw | camera height (m) | age, gender, weight, height | reps (truth) | "
             "hold errors (s) | seen | exact | counts as another exercise |",
             "|---|---|---|---|---|---|---|---|---|"]
    exact = 0
    for clip in manifest["clips"]:
        row = outcome(clip)
        exact += row["exact"]
        p, cam = clip["params"], clip["camera"]
        errors = ", ".join("missed" if e is None else f"{e:.2f}" for e in row["hold_errors"]) or "-"
        lines.append(f"| {clip['name']} | {p['view']} {p['facing'] or ''} {p['yaw_deg']:+g} | "
                     f"{cam['height_m']:.2f} at {cam['distance_m']:.2f} | {p['age']}, {p['gender']}, "
                     f"{p['weight']}, {p['body_height']} | {row['reps']} ({clip['reps']}) | {errors} | "
                     f"{row['seen']:.0%} | {'yes' if row['exact'] else '**no**'} | "
                     f"{', '.join(row['phantoms']) or '-'} |")
    lines[4] += f" **{exact}/{len(manifest['clips'])} exact.**"
    lines += ["", "Each miss and each count as another exercise is a strict xfail in "
              "tests/logic/test_robustness.py (MISSES, PHANTOMS) with its measured cause; no exercise "
              "file was tuned to these clips."]
    DOC.write_text("\n".join(lines) + "\n")
    return f"{DOC}: {exact}/{len(manifest['clips'])} clips exact"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--per-exercise", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "robust", help="videos and truth (not in git)")
    parser.add_argument("--only", nargs="+", default=[], help="clip names or exercise ids")
    parser.add_argument("--synth-python", default=str(ROOT / ".venv-synth" / "bin" / "python"))
    parser.add_argument("--cache-dir", default="/work/synthcache", help="anny's cache")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    if not args.report_only:
        build(args)
    print(write_report())
    return 0


if __name__ == "__main__":
    sys.exit(main())
