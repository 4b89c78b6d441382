"""Ground truth in MediaPipe's 33-landmark order, and the sidecar/manifest writing.

Ground truth always comes from the posed 3D body projected with the rendering camera:
joint centres (bone heads of the rig) and anny's COCO-regressed surface keypoints.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from posecoach import documents
from posecoach.errors import UserError
from posecoach.synth.camera import Camera
from posecoach.types import Landmark

NUM_LANDMARKS = 33
PHASE_DOC = {"0": "start/rest position", "1": "moving", "2": "target position reached/held"}

# BlazePose index -> rig bone whose head is that joint centre.
JOINT_BONES: dict[int, str] = {
    2: "eye.L", 5: "eye.R",
    11: "upperarm01.L", 12: "upperarm01.R", 13: "lowerarm01.L", 14: "lowerarm01.R",
    15: "wrist.L", 16: "wrist.R", 17: "finger5-1.L", 18: "finger5-1.R",
    19: "finger2-1.L", 20: "finger2-1.R", 21: "finger1-2.L", 22: "finger1-2.R",
    23: "upperleg01.L", 24: "upperleg01.R", 25: "lowerleg01.L", 26: "lowerleg01.R",
    27: "foot.L", 28: "foot.R", 31: "toe2-1.L", 32: "toe2-1.R",
}
# BlazePose index -> anny COCO keypoint label (surface keypoints).
KEYPOINT_LABELS: dict[int, str] = {
    0: "nose", 2: "left_eye", 5: "right_eye", 7: "left_ear", 8: "right_ear",
    11: "left_shoulder", 12: "right_shoulder", 13: "left_elbow", 14: "right_elbow",
    15: "left_wrist", 16: "right_wrist", 23: "left_hip", 24: "right_hip",
    25: "left_knee", 26: "right_knee", 27: "left_ankle", 28: "right_ankle",
    29: "left_heel", 30: "right_heel", 31: "left_big_toe", 32: "right_big_toe",
}


def to_blazepose(values: np.ndarray, names: list[str], mapping: dict[int, str]) -> np.ndarray:
    """(N, K, D) values named by `names` -> (N, 33, D) in BlazePose order, NaN elsewhere."""
    out = np.full((values.shape[0], NUM_LANDMARKS, values.shape[2]), np.nan)
    for idx, name in mapping.items():
        out[:, idx] = values[:, names.index(name)]
    return out


def truth_arrays(fps: float, joints_world: np.ndarray, keypoints_world: np.ndarray,
                 phase: np.ndarray, cam: Camera) -> dict[str, np.ndarray]:
    """The sidecar arrays: times, pixels (joints and keypoints), world joints, phases."""
    n = len(phase)
    return {
        "t_s": np.arange(n) / fps,
        "joints_px": cam.project(joints_world).astype(np.float32),
        "keypoints_px": cam.project(keypoints_world).astype(np.float32),
        "joints_world": joints_world.astype(np.float32),
        "keypoints_world": keypoints_world.astype(np.float32),
        "phase": np.asarray(phase, dtype=np.int8),
        "camera_view": cam.view_matrix().astype(np.float32),
        "camera_projection": cam.projection_matrix().astype(np.float32),
        "image_size": np.array([cam.width, cam.height], dtype=np.int32),
    }


def truth_landmarks(arrays: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(N, 33, 2) pixels and (N, 33, 3) metres where MediaPipe is trained to put its points:
    the surface keypoints, with joint centres where anny has no keypoint."""
    xy = np.where(np.isnan(arrays["keypoints_px"]), arrays["joints_px"], arrays["keypoints_px"])
    scene = np.where(np.isnan(arrays["keypoints_world"]), arrays["joints_world"], arrays["keypoints_world"])
    return xy.astype(np.float64), _camera_axes(scene.astype(np.float64), arrays["camera_view"])


# OpenGL camera axes (x right, y up, looking down -z) to MediaPipe's (x right, y down, z away).
_GL_TO_MEDIAPIPE = np.diag([1.0, -1.0, -1.0])


def _camera_axes(scene: np.ndarray, view: np.ndarray) -> np.ndarray:
    """Scene points (metres, z up) turned into the camera's axes and centred on the hips, as
    MediaPipe gives its world landmarks; lengths and angles are unchanged."""
    camera = scene @ view[:3, :3].T.astype(np.float64) @ _GL_TO_MEDIAPIPE
    hips = camera[..., [Landmark.LEFT_HIP, Landmark.RIGHT_HIP], :].mean(axis=-2, keepdims=True)
    return camera - hips


def exercise_measurements(exercise_id: str, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The exercise's measurements in every frame of the truth, as `measurement.<name>` (or
    `measurement.<name>.<side>`) arrays, measured as posecoach measures a pose (every landmark
    visible)."""
    from posecoach.exercise.catalogue import exercises_dir, load_exercise_file
    from posecoach.exercise.measure import LandmarkArrays, measure

    spec = load_exercise_file(exercises_dir() / f"{exercise_id}.toml")  # as shipped, no personal overrides
    xy, world = truth_landmarks(arrays)
    measured = measure(spec, LandmarkArrays(xy, world, np.ones(xy.shape[:2])), 0.0)
    return {".".join(["measurement", name, *([side] if side else [])]): values.astype(np.float32)
            for (name, side), values in measured.values.items()}


def write_truth(path: Path, arrays: dict[str, np.ndarray], exercise_id: str | None) -> None:
    """Write the sidecar atomically: the arrays (without any old measurements) and the exercise's
    measurements computed on them now (none for idle footage)."""
    from posecoach.sinks.atomic import atomic_path

    arrays = {k: v for k, v in arrays.items() if not k.startswith("measurement.")}
    with atomic_path(path, suffix=".npz") as tmp, open(tmp, "wb") as f:
        measured = exercise_measurements(exercise_id, arrays) if exercise_id else {}
        np.savez_compressed(f, **arrays, **measured)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_manifest(manifest: Path) -> dict:
    """A samples manifest through the one document reader (one line for any damage, deep nesting
    included), with its clips checked to be tables that name their file."""
    data = documents.read_document(manifest)
    clips = data.get("clips", [])
    if not isinstance(clips, list) or not all(isinstance(c, dict) and isinstance(c.get("file"), str) for c in clips):
        raise UserError(f"{manifest}: clips: expected an array of objects, each with a \"file\"")
    return data


def update_manifest(manifest: Path, entry: dict) -> None:
    """Insert or replace the clip entry (by file name) and keep the clips sorted."""
    data = read_manifest(manifest) if manifest.exists() else {}
    clips = [c for c in data.get("clips", []) if c["file"] != entry["file"]]
    clips.append(entry)
    data = {
        "rep_definition": "complete rep = leave start position, reach target position, return",
        "time_base": "seconds from the start of the file, t = frame_index / fps",
        "phase_labels": PHASE_DOC,
        "truth_arrays": {
            "t_s": "(N,) seconds = frame_index / fps",
            "joints_px": "(N, 33, 2) projected 3D joint centres, BlazePose order, NaN if none",
            "keypoints_px": "(N, 33, 2) anny COCO surface keypoints, BlazePose order, NaN if none",
            "joints_world": "(N, 33, 3) joint centres in metres (z up), camera-independent",
            "keypoints_world": "(N, 33, 3) surface keypoints in metres",
            "phase": "(N,) int8, see phase_labels",
            "measurement.<name>[.<side>]": "(N,) the exercise's measurement on the keypoints "
                                           "(joint centres where none), as posecoach measures it",
        },
        "clips": sorted(clips, key=lambda c: c["file"]),
    }
    manifest.write_text(json.dumps(data, indent=1) + "\n")


def side_counts(events: list[dict]) -> tuple[int | None, int | None]:
    """(left, right) rep counts, or (None, None) when no rep is sided."""
    if not any(e["side"] for e in events):
        return None, None
    return (sum(e["side"] == "left" for e in events), sum(e["side"] == "right" for e in events))


def manifest_entry(*, file: str, spec_info: dict, events: list[dict], holds: list[dict],
                   fps: float, frames: int, size: tuple[int, int], sha256: str,
                   camera: dict, body: dict, variant: str, notes: str, args: list[str]) -> dict:
    """One clip's manifest entry, in the format of the shared real-clip manifest plus extras."""
    left, right = side_counts(events)
    directions = [e["direction"] for e in events if e.get("direction")]
    extra = ({"reps_by_direction": {d: directions.count(d) for d in sorted(set(directions))}}
             if directions else {})
    return {
        "file": file,
        "exercise": spec_info["exercise"],
        "exercise_id": spec_info["exercise_id"],
        "view": camera["view"],
        "reps": len(events),
        "reps_note": "exact: counted from the motion's keyframe timeline",
        "reps_left": left,
        "reps_right": right,
        "holds": [{**h, "note": ""} for h in holds],
        "fps": fps,
        "frames": frames,
        "duration_s": round(frames / fps, 4),
        "resolution": f"{size[0]}x{size[1]}",
        "sha256": sha256,
        "licence": "CC0 assets (anny/MakeHuman), rendered by posecoach",
        "content_origin": "rendered by posecoach.synth (anny body, moderngl)",
        "annotation_method": "exact: reps, holds and phases from the keyframe timeline; "
                             "angles from the posed 3D body projected with the same camera",
        "notes": notes,
        "rep_events": events,
        "truth": Path(file).with_suffix("").name + ".truth.npz",
        "variant": variant,
        "camera": camera,
        "body": body,
        "regenerate": args,
        **extra,
    }
