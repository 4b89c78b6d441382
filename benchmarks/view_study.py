"""How far the picture and the world landmarks are from the truth, side-on and oblique (issue 14).

    python benchmarks/view_study.py [--truth ../robust]       # the figures of docs/VIEWS.md

Part 1, the robustness renders (samples/robustness/, their truth beside the videos in --truth,
written by benchmarks/robustness.py): every joint angle and height of the clip's own exercise,
per side, measured on the model's track (smoothed as a replay smooths it) in the picture
(`pixel`), in the model's world landmarks (`world`) and, for angles, in the world landmarks
seen along the hips' left-right axis (`sagittal`: a perfect side view), against the render's
truth: the true angle seen along the true hips' axis (the thresholds were set side-on), and the
height along gravity over the true 3D torso length. `perfect` is the picture's formula on the
true landmarks projected into the picture: what a perfect 2D model would read, i.e. the view
alone. Errors are mean absolute over the frames with a pose where the true body is in the
exercise's position; `near` is the side whose landmarks the model sees better.

Part 2, the values that decide each miss the view is blamed for, per truth phase episode.

Part 3, counting: every robustness clip (exact as test_robustness.py judges, holds within 0.5 s)
and every annotated recording (accuracy.py's rendered samples and real clips, holds within 1 s),
counted as shipped and with the candidate rules (see VARIANTS).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/accuracy.py, run as a script

from posecoach import geometry  # noqa: E402
from posecoach.exercise.catalogue import load_all_exercises  # noqa: E402
from posecoach.exercise.fast import evaluate  # noqa: E402
from posecoach.exercise.measure import EVALUATORS, LandmarkArrays, _group, _torso, measurement_sides  # noqa: E402
from posecoach.exercise.position import in_position  # noqa: E402
from posecoach.pipeline import CoachSettings  # noqa: E402
from posecoach.sources.tracks import load_track  # noqa: E402
from posecoach.tuning.series import smoothed_arrays, track_series  # noqa: E402
from posecoach.types import Landmark  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TRACKS = ROOT / "samples" / "robustness"
KINDS = ("joint_angle", "height")
ROBUST_HOLD_S = 0.5  # as tests/groundtruth.py


def view_class(clip: dict) -> str:
    camera = clip["camera"]
    if camera["view"] != "side":
        return camera["view"]
    return "side-on" if abs(camera["yaw_deg"]) < 20 else "oblique"


def scene_points(truth) -> np.ndarray:
    """The truth's 3D landmarks in the scene (metres, z up), as synth.truth places them."""
    kp, joints = truth["keypoints_world"], truth["joints_world"]
    return np.where(np.isnan(kp), joints, kp).astype(np.float64)


def sagittal_angle(m, arrays: LandmarkArrays, side) -> np.ndarray:
    """A joint angle in world landmarks seen along the hips' left-right axis: a perfect side view."""
    across = geometry.unit(arrays.world[..., Landmark.RIGHT_HIP, :] - arrays.world[..., Landmark.LEFT_HIP, :])
    a, b, c = (geometry.square_to(_group(arrays, [p], side, "world")[0], across) for p in m.points)
    return geometry.joint_angle(a, b, c)


def measured(m, arrays: LandmarkArrays, side, space: str, up: np.ndarray | None = None) -> np.ndarray:
    """A joint angle or height in the picture or in the (camera-axes, y down) world landmarks;
    `gravity`: a height in world landmarks along `up`, the true up in the camera's axes."""
    if m.kind == "joint_angle" and space == "sagittal":
        return sagittal_angle(m, arrays, side)
    if m.kind == "joint_angle" and space != "gravity":
        return EVALUATORS[m.kind](m.model_copy(update={"space": space}), arrays, side)[0]
    if space == "sagittal" or m.kind == "joint_angle":
        return np.full(arrays.xy.shape[:-2], np.nan)
    group = "world" if space == "gravity" else space
    (p, _), (r, _) = _group(arrays, m.point, side, group), _group(arrays, m.reference, side, group)
    if space == "gravity":
        return np.sum((p - r) * up, axis=-1) / _torso(arrays, "world")
    return (r[..., 1] - p[..., 1]) / _torso(arrays, space)


def true_up(truth) -> np.ndarray:
    """Gravity's up (the scene's z) in the camera's axes, as synth.truth turns the scene."""
    return np.array([0.0, 0.0, 1.0]) @ truth["camera_view"][:3, :3].T.astype(np.float64) @ np.diag([1.0, -1.0, -1.0])


def all_spaces(m, model: LandmarkArrays, truth, side) -> dict[str, np.ndarray]:
    """The measurement in every space of SPACES."""
    from posecoach.synth.truth import truth_landmarks

    xy, world = truth_landmarks(truth)
    perfect = LandmarkArrays(xy, world, np.ones(xy.shape[:2]))
    return {space: measured(m, perfect, side, "pixel") if space == "perfect" else
            measured(m, model, side, space, true_up(truth)) for space in SPACES}


def true_value(m, scene: np.ndarray, side) -> np.ndarray:
    """The view-free truth: the angle seen along the hips' axis (a perfect side view; the
    thresholds were set side-on), or the height along gravity over the 3D torso length."""
    arrays = LandmarkArrays(scene, scene, np.ones(scene.shape[:2]))
    if m.kind == "joint_angle":
        return sagittal_angle(m, arrays, side)
    (p, _), (r, _) = _group(arrays, m.point, side, "world"), _group(arrays, m.reference, side, "world")
    return (p[..., 2] - r[..., 2]) / _torso(arrays, "world")


def seen_better(m, arrays: LandmarkArrays, side) -> bool:
    """Whether the measurement's landmarks on this side are seen better than on the other."""
    from posecoach.exercise.measure import landmark_names, resolve

    def score(s):
        return np.nanmean(arrays.visibility[:, [resolve(n, s) for n in landmark_names(m)]])
    return side is None or score(side) >= score("right" if side == "left" else "left")


# perfect: the true landmarks in the picture; gravity: heights in the model's world landmarks along
# the true up (an upper bound for any estimate of the camera's pitch)
SPACES = ("pixel", "world", "sagittal", "gravity", "perfect")


def clip_rows(clip: dict, truth_dir: Path, specs: dict) -> list[dict]:
    from posecoach.synth.truth import truth_landmarks

    truth = np.load(truth_dir / clip["truth"])
    track = load_track(TRACKS / clip["track"])
    model = smoothed_arrays(track, CoachSettings())
    world = truth_landmarks(truth)[1]
    spec = specs[clip["exercise_id"]]
    # Frames with a pose where the true body is in the exercise's position: where counting happens.
    scene, seen = scene_points(truth), track.has_pose.astype(bool) & in_position(spec.position, world)
    width = geometry.distance(model.xy[:, Landmark.LEFT_SHOULDER], model.xy[:, Landmark.RIGHT_SHOULDER])
    rows = []
    for name, m in spec.measurements.items():
        if m.kind not in KINDS:
            continue
        for side in measurement_sides(spec, name):
            want = true_value(m, scene, side)
            errors = {space: np.abs(v - want)[seen] for space, v in all_spaces(m, model, truth, side).items()}
            rows.append({"clip": clip["name"], "view": view_class(clip), "yaw": clip["camera"]["yaw_deg"],
                         "ratio": float(np.nanmedian(width / _torso(model, "pixel"))),
                         "name": f"{name}.{side}" if side else name, "kind": m.kind,
                         "near": seen_better(m, model, side), **{k: float(np.nanmean(v)) for k, v in errors.items()}})
    return rows


def _cells(row: dict) -> str:
    return " | ".join("-" if np.isnan(row[k]) else f"{row[k]:.3g}" for k in SPACES)


def print_frames(rows: list[dict]) -> None:
    print("## Per clip: mean absolute error against the truth (degrees; heights in torso lengths)\n")
    print("| clip | view, yaw | view ratio | measurement | near | " + " | ".join(SPACES) + " |")
    print("|---|---|---|---|---|" + "---|" * len(SPACES))
    for r in rows:
        print(f"| {r['clip']} | {r['view']} {r['yaw']:+.0f} | {r['ratio']:.2f} | {r['name']} | "
              f"{'yes' if r['near'] else 'no'} | {_cells(r)} |")
    print("\n## Per view: mean over the clips' measurements\n")
    print("| kind | view | side | n | " + " | ".join(SPACES) + " | world better | sagittal better |")
    print("|---|---|---|---|" + "---|" * (len(SPACES) + 2))
    groups = defaultdict(list)
    for r in rows:
        groups[r["kind"], r["view"], "near" if r["near"] else "far"].append(r)
    for (kind, view, near), group in sorted(groups.items()):
        mean = {k: float(np.mean([r[k] for r in group])) for k in SPACES}
        better = [sum(r[k] < r["pixel"] for r in group) for k in ("world", "sagittal")]
        print(f"| {kind} | {view} | {near} | {len(group)} | {_cells(mean)} | {better[0]}/{len(group)} | "
              f"{better[1]}/{len(group)} |")


# The measurement, side and truth phase (the render's phase id) each view-blamed miss turns on.
DECIDING = (("knee_to_chest_1", "hip", "left", 2), ("pelvic_lift_legs_up_1", "lift", "left", 0),
            ("heel_raise_squeeze_1", "heel", "left", 0), ("heel_raise_squeeze_1", "heel", "left", 2))


def print_deciding(clips: dict, truth_dir: Path, specs: dict) -> None:
    print("\n## The misses' deciding values: median per truth phase episode\n")
    print("| clip | measurement | phase | episode (s) | truth | " + " | ".join(SPACES) + " |")
    print("|---|---|---|---|---|" + "---|" * len(SPACES))
    for name, measurement, side, phase in DECIDING:
        if name not in clips or not (truth_dir / clips[name]["truth"]).is_file():
            continue
        truth = np.load(truth_dir / clips[name]["truth"])
        model = smoothed_arrays(load_track(TRACKS / clips[name]["track"]), CoachSettings())
        m = specs[clips[name]["exercise_id"]].measurements[measurement]
        want = true_value(m, scene_points(truth), side)
        values = all_spaces(m, model, truth, side)
        edges = np.flatnonzero(np.diff(np.r_[0, (truth["phase"] == phase).astype(int), 0]))
        for a, b in zip(edges[::2], edges[1::2], strict=True):
            cells = {k: float(np.nanmedian(v[a:b])) if np.isfinite(v[a:b]).any() else np.nan
                     for k, v in {"truth": want, **values}.items()}
            t = truth["t_s"]
            print(f"| {name} | {measurement}.{side} | {phase} | {t[a]:.1f}-{t[b - 1]:.1f} | {cells['truth']:.3g} | "
                  f"{_cells(cells)} |")


AUTO_RATIO = 0.3  # the view ratio over which the `auto` variant reads angles in world landmarks


def _view_ratio(arrays: LandmarkArrays) -> np.ndarray:
    xy = arrays.xy
    return geometry.distance(xy[..., Landmark.LEFT_SHOULDER, :], xy[..., Landmark.RIGHT_SHOULDER, :]) / \
        _torso(arrays, "pixel")


def _variant_angle(variant: str, shipped):
    def angle(m, arrays: LandmarkArrays, side):
        if "space" in m.model_fields_set:  # an exercise that chose its space keeps it
            return shipped(m, arrays, side)
        pixel, vis = shipped(m, arrays, side)
        if variant == "sagittal":
            return sagittal_angle(m, arrays, side), vis
        world = shipped(m.model_copy(update={"space": "world"}), arrays, side)[0]
        return (world if variant == "world" else np.where(_view_ratio(arrays) > AUTO_RATIO, world, pixel)), vis
    return angle


def _world_height(m, arrays: LandmarkArrays, side):
    (p, vp), (r, vr) = _group(arrays, m.point, side, "world"), _group(arrays, m.reference, side, "world")
    return (r[..., 1] - p[..., 1]) / _torso(arrays, "world"), np.minimum(vp, vr)


VARIANTS = ("shipped", "world", "sagittal", "auto", "world heights")


@contextmanager
def variant(name: str):
    """The measurement evaluators of one variant, for the duration of the block."""
    saved = dict(EVALUATORS)
    if name in ("world", "sagittal", "auto"):
        EVALUATORS["joint_angle"] = _variant_angle(name, saved["joint_angle"])
    if name == "world heights":
        EVALUATORS["height"] = _world_height
    try:
        yield
    finally:
        EVALUATORS.update(saved)


def robust_exact(spec, track, clip: dict) -> bool:
    from posecoach.tuning.evaluate import match_holds
    from posecoach.tuning.truth import Span

    outcome = evaluate(spec, track_series(spec, track))
    if len(outcome.reps) != clip["reps"]:
        return False
    reported = [{"start_s": h.start_s, "end_s": h.end_s, "duration_s": h.end_s - h.start_s} for h in outcome.holds]
    holds = [Span(h["start_s"], h["end_s"]) for h in clip["holds"]]
    return all(h.reported_s is not None and abs(h.reported_s - h.annotated_s) <= ROBUST_HOLD_S
               for h in match_holds(holds, reported))


def real_view(text: str) -> str:
    """A real clip's annotated view as a view class."""
    return "side-on" if text.startswith("side") else "front" if text == "front" else "oblique"


def count_items(clips: list[dict]) -> list[tuple]:
    """(name, kind and view, track, exercise id, exact(spec, track)) for every recording."""
    from accuracy import FOLDERS, counted, own_row, recordings

    from posecoach.tuning.cache import source_track_path

    items = [(c["name"], f"robustness, {view_class(c)} {c['camera']['yaw_deg']:+.0f}",
              load_track(TRACKS / c["track"]), c["exercise_id"], lambda s, t, c=c: robust_exact(s, t, c))
             for c in clips]
    views = {}
    for folder in FOLDERS.values():
        if (folder / "manifest.json").is_file():
            views.update({Path(c["file"]).name: c.get("view", "") for c in
                          json.loads((folder / "manifest.json").read_text())["clips"]})
    for kind, source in recordings():
        view = real_view(views.get(source.path.name, "")) if kind != "rendered" else \
            ("oblique" if "oblique" in source.path.name else "front" if "front" in source.path.name else "side-on")
        track = load_track(source_track_path(str(source.path)))
        items.append((source.path.name, f"{kind}, {view}", track, source.truth.exercise_id,
                      lambda s, t, truth=source.truth: own_row(truth, *counted(s, t))["exact"]))
    return items


def print_counts(specs: dict, clips: list[dict]) -> None:
    print("\n## Counting: exact per variant (robustness as test_robustness.py judges, the rest as accuracy.py)\n")
    print(f"Variants: pixel joint angles read in world landmarks (`world`), in world landmarks seen along the "
          f"hips' axis (`sagittal`), in world landmarks where the frame's view ratio is over {AUTO_RATIO:g} "
          f"(`auto`); heights in world landmarks (`world heights`).\n")
    print("| recording | kind, view | " + " | ".join(VARIANTS) + " |")
    print("|---|---|" + "---|" * len(VARIANTS))
    items = count_items(clips)
    exact = {}
    for v in VARIANTS:
        with variant(v):
            # `auto` is a rule for exercises filmed side-on: a front view's ratio is high by design.
            exact[v] = [exact["shipped"][i] if v == "auto" and specs[exercise_id].view != "side"
                        else bool(judge(specs[exercise_id], track))
                        for i, (_, _, track, exercise_id, judge) in enumerate(items)]
    for i, (name, kind, *_rest) in enumerate(items):
        cells = [("yes" if exact[v][i] else "no") + ("" if exact[v][i] == exact["shipped"][i] else " **changed**")
                 for v in VARIANTS]
        print(f"| {name} | {kind} | " + " | ".join(cells) + " |")
    print("\n| recordings | n | " + " | ".join(VARIANTS) + " |")
    print("|---|---|" + "---|" * len(VARIANTS))
    groups = defaultdict(list)
    for i, (_, kind, *_rest) in enumerate(items):
        source, view = kind.split(", ")
        groups["robustness" if source == "robustness" else "recordings", view.split(" ")[0]].append(i)
    for (source, view), index in sorted(groups.items()) + [(("all", ""), list(range(len(items))))]:
        cells = [str(sum(exact[v][i] for i in index)) for v in VARIANTS]
        print(f"| {source} {view} | {len(index)} | " + " | ".join(cells) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = ROOT.parent / "robust" if (ROOT.parent / "robust").is_dir() else ROOT / "out" / "robust"
    parser.add_argument("--truth", type=Path, default=default, help="the robustness renders' truth (*.truth.npz)")
    parser.add_argument("--no-counts", action="store_true", help="parts 1 and 2 only")
    args = parser.parse_args()
    specs = load_all_exercises()
    clips = json.loads((TRACKS / "manifest.json").read_text())["clips"]
    for clip in clips:
        clip["truth"] = clip["file"].removesuffix(".mp4") + ".truth.npz"
    rows = [r for c in clips if (args.truth / c["truth"]).is_file() for r in clip_rows(c, args.truth, specs)]
    print_frames(rows)
    print_deciding({c["name"]: c for c in clips}, args.truth, specs)
    if not args.no_counts:
        print_counts(specs, clips)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
