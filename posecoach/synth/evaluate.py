"""How well MediaPipe reads a rendered sample: detection rate and angle errors in pixels.

    python -m posecoach.synth.evaluate samples/manifest.json --model ~/.cache/posecoach/models/legacy_full.task

For every clip of the manifest, runs posecoach's pose estimator (VIDEO mode) and compares
the hip (shoulder-hip-knee) and knee (hip-knee-ankle) angles of the body side facing the
camera (frame by frame, from the ground truth: a person may turn round) with the same
angles from the projected joint centres and surface keypoints.
Uses only posecoach's own estimator and geometry; no torch needed.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posecoach.synth.truth import read_manifest

_POINTS = {"shoulder": (11, 12), "hip": (23, 24), "knee": (25, 26), "ankle": (27, 28)}
ANGLES = {"hip": ("shoulder", "hip", "knee"), "knee": ("hip", "knee", "ankle")}


@dataclass(frozen=True)
class ClipAccuracy:
    file: str
    view: str
    frames: int
    detected: int
    mae: dict[str, float]  # e.g. "hip/centres" -> degrees

    @property
    def detection_rate(self) -> float:
        return self.detected / self.frames if self.frames else 0.0


def side_angles(xy: np.ndarray, side: str) -> dict[str, np.ndarray]:
    """Hip and knee angles (N,) of one body side from (N, 33, 2) pixel landmarks."""
    from posecoach.geometry import joint_angle

    k = 0 if side == "left" else 1
    pts = {name: xy[:, idx[k]] for name, idx in _POINTS.items()}
    return {name: joint_angle(*(pts[p] for p in chain)) for name, chain in ANGLES.items()}


def detect(video: Path, model: Path) -> np.ndarray:
    """(N, 33, 2) MediaPipe landmarks in pixels, NaN where no person was found."""
    import cv2

    from posecoach.pose.estimator import EstimatorSettings, PoseEstimator
    from posecoach.types import Frame

    cap = cv2.VideoCapture(str(video))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    out = []
    with PoseEstimator(EstimatorSettings(model_path=model, max_people=1)) as est:
        while True:
            ok, img = cap.read()
            if not ok:
                break
            pose = est(Frame(img, len(out) / fps, len(out)))
            out.append(np.full((33, 2), np.nan) if pose is None else pose.xy)
    cap.release()
    return np.asarray(out, dtype=np.float64)


def near_side(truth) -> np.ndarray:
    """Per frame, True where the body's left hip is nearer the camera than the right one."""
    hips = truth["joints_world"][:, [_POINTS["hip"][0], _POINTS["hip"][1]]].astype(np.float64)
    view = truth["camera_view"].astype(np.float64)
    depth = -(hips @ view[2, :3] + view[2, 3])  # the camera looks down its -z axis
    return depth[:, 0] <= depth[:, 1]


def near_angles(xy: np.ndarray, left_near: np.ndarray) -> dict[str, np.ndarray]:
    """Hip and knee angles of the side facing the camera in each frame."""
    left, right = side_angles(xy, "left"), side_angles(xy, "right")
    return {k: np.where(left_near, left[k], right[k]) for k in ANGLES}


def evaluate_clip(samples: Path, entry: dict, model: Path) -> ClipAccuracy:
    truth = np.load(samples / entry["truth"])
    found = detect(samples / entry["file"], model)
    n = min(len(found), len(truth["t_s"]))
    left_near = near_side(truth)[:n]
    seen = near_angles(found[:n], left_near)
    mae = {}
    for source, key in (("centres", "joints_px"), ("keypoints", "keypoints_px")):
        ref = near_angles(truth[key][:n].astype(np.float64), left_near)
        for name in ANGLES:
            err = np.abs(seen[name] - ref[name])
            mae[f"{name}/{source}"] = float(np.nanmean(err)) if np.any(~np.isnan(err)) else np.nan
    detected = int(np.sum(~np.isnan(found[:n, 23, 0])))
    return ClipAccuracy(entry["file"], entry["view"], n, detected, mae)


def markdown_table(rows: list[ClipAccuracy]) -> str:
    head = ("| clip | view | detected | hip MAE vs centres | hip MAE vs keypoints "
            "| knee MAE vs centres | knee MAE vs keypoints |\n|---|---|---|---|---|---|---|")
    lines = [head]
    for r in rows:
        m = r.mae
        lines.append(f"| {r.file} | {r.view} | {100 * r.detection_rate:.0f}% ({r.detected}/"
                     f"{r.frames}) | {m['hip/centres']:.1f} | {m['hip/keypoints']:.1f} | "
                     f"{m['knee/centres']:.1f} | {m['knee/keypoints']:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("manifest", type=Path)
    p.add_argument("--model", type=Path, required=True)
    p.add_argument("--only", nargs="+", default=[])
    p.add_argument("--json", type=Path, help="also write the figures as JSON")
    a = p.parse_args(argv)
    clips = read_manifest(a.manifest)["clips"]
    rows = [evaluate_clip(a.manifest.parent, c, a.model) for c in clips
            if not a.only or Path(c["file"]).stem in a.only]
    print(markdown_table(rows))
    if a.json:
        a.json.write_text(json.dumps([{**vars(r), "detection_rate": r.detection_rate}
                                      for r in rows], indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
