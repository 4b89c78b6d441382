"""``posecoach synth``: render an exercise clip with exact ground truth.

    python -m posecoach.synth.cli glute_bridge --view side -o samples/glute_bridge_side.mp4
    python -m posecoach.synth.cli --all          # regenerate every committed sample

``--all`` replays the argument lists recorded in ``exercises/motions/samples.toml``.
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
from pathlib import Path

import numpy as np

from posecoach import documents
from posecoach.bundled import bundled_dir
from posecoach.synth.body import DEFAULT_CACHE_DIR, Look, Phenotype
from posecoach.synth.motion import MotionError, load_motion
from posecoach.synth.render import Lighting
from posecoach.synth.webcam import WebcamOptions

log = logging.getLogger("posecoach.synth")
# `--all` rewrites the checkout's samples/ (make samples); an installed copy has no checkout.
REPO = Path(__file__).resolve().parents[2]


def _add_camera(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("camera")
    g.add_argument("--view", choices=["side", "front", "oblique", "feet", "top_feet"])
    g.add_argument("--facing", choices=["left", "right"], help="body side toward the camera")
    g.add_argument("--yaw", type=float, dest="yaw_deg", help="extra yaw in degrees")
    g.add_argument("--cam-height", type=float, dest="height_m", help="camera height, metres")
    g.add_argument("--distance", type=float, dest="distance_m",
                   help="horizontal distance, metres (default: fit the body to --fill)")
    g.add_argument("--fill", type=float, help="fraction of the image the body spans")
    g.add_argument("--fov", type=float, default=50.0, help="vertical field of view, degrees")


def _add_body(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("body (anny phenotype in [0, 1]) and look")
    for key, default in Phenotype().as_dict().items():
        flag = "--body-height" if key == "height" else f"--{key}"
        g.add_argument(flag, type=float, default=default, dest=f"ph_{key}")
    for key, default in vars(Look()).items():
        g.add_argument(f"--{key}", default=default, dest=f"look_{key}")


def _add_image(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("image, lighting and webcam degradations")
    g.add_argument("--width", type=int, default=640)
    g.add_argument("--height", type=int, default=360)
    g.add_argument("--fps", type=float, default=30.0)
    for key, default in vars(Lighting()).items():
        g.add_argument(f"--light-{key.replace('_deg', '').replace('_', '-')}", type=float,
                       default=default, dest=f"light_{key}")
    g.add_argument("--noise", type=float, default=0.8, help="sensor noise sigma, grey levels")
    g.add_argument("--jpeg", type=int, default=0, help="MJPEG quality (0 = off)")
    g.add_argument("--blur", type=float, default=0.5, help="blur sigma, pixels")
    g.add_argument("--gain", type=float, default=1.0, help="exposure gain")
    g.add_argument("--seed", type=int, default=0)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="posecoach synth", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("exercise", nargs="?",
                   help="motion name: an exercise id or idle/NAME (a file in --motions-dir)")
    p.add_argument("--variant", default="good", help="'good' or a form-error variant")
    p.add_argument("-o", "--output", type=Path, help="output .mp4")
    p.add_argument("--all", action="store_true", help="regenerate every sample in --samples-file")
    p.add_argument("--only", nargs="+", default=[], help="with --all: only these sample names")
    p.add_argument("--remeasure", action="store_true",
                   help="with --all: only recompute the exercise measurements in the samples' truth "
                        "files (after an exercise file changed; no rendering, no torch)")
    p.add_argument("--motions-dir", type=Path, default=bundled_dir("exercises") / "motions")
    p.add_argument("--samples-file", type=Path, default=None)
    p.add_argument("--manifest", type=Path, default=None,
                   help="manifest to update (default: manifest.json next to the output)")
    p.add_argument("--no-manifest", action="store_true")
    p.add_argument("--preview", type=int, default=0, help="also save N evenly spaced PNG frames")
    p.add_argument("--stills", type=int, default=0,
                   help="only render N evenly spaced PNG frames (no video, truth or manifest)")
    p.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR, help="anny's cache")
    p.add_argument("--notes", default="")
    p.add_argument("-v", "--verbose", action="store_true")
    _add_camera(p)
    _add_body(p)
    _add_image(p)
    return p


def options_from_args(a: argparse.Namespace):
    from posecoach.synth.clip import ClipOptions

    cam_keys = ("view", "facing", "yaw_deg", "height_m", "distance_m", "fill")
    camera = {k: getattr(a, k) for k in cam_keys if getattr(a, k) is not None}
    pheno = Phenotype(**{k: getattr(a, f"ph_{k}") for k in Phenotype().as_dict()})
    look = Look(**{k: getattr(a, f"look_{k}") for k in vars(Look())})
    light = Lighting(**{k: getattr(a, f"light_{k}") for k in vars(Lighting())})
    webcam = WebcamOptions(a.noise, a.jpeg, a.blur, a.gain, a.seed)
    return ClipOptions(a.exercise, a.motions_dir, a.variant, camera, pheno, look, light, webcam,
                       a.width, a.height, a.fps, a.fov)


def _preview_sink(out: Path, total: int, count: int):
    import cv2

    wanted = set(np.linspace(0, total - 1, count).round().astype(int).tolist()) if count else set()

    def sink(i: int, img: np.ndarray) -> None:
        if i in wanted:
            cv2.imwrite(str(out.with_name(f"{out.stem}_f{i:04d}.png")), img[..., ::-1])
    return sink


def render_one(a: argparse.Namespace, argv: list[str]) -> dict:
    """Render the clip described by parsed arguments; write video, truth and manifest entry."""
    from posecoach.synth.body import Body
    from posecoach.synth.clip import render_clip
    from posecoach.synth.truth import manifest_entry, sha256_of, truth_arrays, update_manifest, write_truth

    opts = options_from_args(a)
    body = Body(opts.phenotype, a.cache_dir)
    n_frames = int(round(_duration(opts) * opts.fps))
    clip = render_clip(opts, body, a.output, _preview_sink(a.output, n_frames, a.preview))
    truth = a.output.with_name(a.output.stem + ".truth.npz")
    write_truth(truth, truth_arrays(opts.fps, clip.joints_world, clip.keypoints_world, clip.phase, clip.camera),
                clip.spec.exercise_id)
    cam = {**clip.camera_spec.model_dump(), "fov_y_deg": opts.fov_y_deg,
           "eye_m": [round(float(v), 4) for v in clip.camera.eye],
           "target_m": [round(float(v), 4) for v in clip.camera.target]}
    entry = manifest_entry(
        file=a.output.name, spec_info={"exercise": clip.spec.exercise,
                                       "exercise_id": clip.spec.exercise_id},
        events=clip.timeline.rep_events(), holds=clip.timeline.holds(), fps=opts.fps,
        frames=clip.frames, size=(opts.width, opts.height), sha256=sha256_of(a.output),
        camera=cam, body={**opts.phenotype.as_dict(), **_look(opts)}, variant=opts.variant,
        notes=a.notes or clip.spec.description, args=argv)
    if not a.no_manifest:
        update_manifest(a.manifest or a.output.parent / "manifest.json", entry)
    log.info("%s: %d frames in %.1f s", a.output, clip.frames, clip.seconds)
    return entry


def remeasure(truth: Path, exercise_id: str | None) -> None:
    """Replace the exercise measurements of a truth file, keeping everything else."""
    from posecoach.synth.truth import write_truth

    with np.load(truth) as data:
        arrays = {k: data[k] for k in data.files}
    write_truth(truth, arrays, exercise_id)


def _look(opts) -> dict:
    return {f"look_{k}": v for k, v in vars(opts.look).items()}


def _duration(opts) -> float:
    from posecoach.synth.motion import build_timeline

    return build_timeline(opts.motion()).duration_s


def sample_argvs(path: Path) -> list[tuple[str, list[str]]]:
    """(name, argv) of every committed sample, from the samples file."""
    data = documents.read_document(path, MotionError)  # the one reader: not UTF-8, too deep, a folder...
    samples = data.get("samples", [])
    if not isinstance(samples, list):
        raise MotionError(f"{path}: samples: expected an array of tables")
    out = []
    for i, s in enumerate(samples):
        if not isinstance(s, dict) or set(s) != {"name", "args"}:
            raise MotionError(f"{path}: samples.{i}: expected keys name, args; got "
                              f"{sorted(s) if isinstance(s, dict) else type(s).__name__}")
        out.append((s["name"], shlex.split(s["args"]) if isinstance(s["args"], str) else s["args"]))
    return out


def synth_main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    a = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if a.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if a.all:
        return _render_all(a, parser)
    if not a.exercise or not a.output:
        parser.error("give an EXERCISE and -o OUTPUT.mp4, or --all")
    if a.stills:
        return _stills(a)
    entry = render_one(a, argv)
    print(f"{a.output}: {entry['frames']} frames, {entry['reps']} reps, "
          f"{len(entry['holds'])} holds")
    return 0


def _stills(a: argparse.Namespace) -> int:
    from posecoach.synth.body import Body
    from posecoach.synth.clip import render_stills

    opts = options_from_args(a)
    for path in render_stills(opts, Body(opts.phenotype, a.cache_dir), a.output.with_suffix(""),
                              a.stills):
        print(path)
    return 0


def _render_all(a: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    samples_file = a.samples_file or a.motions_dir / "samples.toml"
    samples_dir = REPO / "samples"
    for name, args in sample_argvs(samples_file):
        if a.only and name not in a.only:
            continue
        if a.remeasure:
            motion = load_motion(a.motions_dir / f"{args[0]}.toml")
            remeasure(samples_dir / f"{name}.truth.npz", motion.exercise_id)
            print(f"{name}: measurements recomputed")
            continue
        full = [*args, "-o", str(samples_dir / f"{name}.mp4"), "--cache-dir", str(a.cache_dir)]
        sub = parser.parse_args(full)
        sub.verbose = a.verbose
        entry = render_one(sub, args)
        print(f"{name}: {entry['frames']} frames, {entry['reps']} reps, "
              f"{len(entry['holds'])} holds, sha256 {entry['sha256'][:12]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(synth_main())
