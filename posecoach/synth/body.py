"""The anny body (torch): phenotype, skinning, COCO surface keypoints and clothing colours.

Only this module and `render` import the heavy optional dependencies, and only when a
clip is rendered. anny's cache (about 790 MB) goes to an explicit directory.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posecoach.synth.skeleton import PoseState, Skeleton

log = logging.getLogger(__name__)
DEFAULT_CACHE_DIR = Path(os.environ.get("POSECOACH_SYNTH_CACHE", "/work/synthcache"))
PHENOTYPE_KEYS = ("gender", "age", "muscle", "weight", "height", "proportions")
_ARM_PREFIXES = ("clavicle", "shoulder01", "upperarm", "lowerarm", "wrist", "finger", "metacarpal")


@dataclass(frozen=True)
class Phenotype:
    """anny's phenotype sliders in [0, 1]; age 0.7 is a young adult (0.5 is a teenager)."""

    gender: float = 0.5
    age: float = 0.7
    muscle: float = 0.5
    weight: float = 0.5
    height: float = 0.5
    proportions: float = 0.5

    def __post_init__(self) -> None:
        for k in PHENOTYPE_KEYS:
            if not 0.0 <= getattr(self, k) <= 1.0:
                raise ValueError(f"phenotype {k} must be within [0, 1], got {getattr(self, k)}")

    def as_dict(self) -> dict[str, float]:
        return {k: float(getattr(self, k)) for k in PHENOTYPE_KEYS}


@dataclass(frozen=True)
class Look:
    """Clothing and skin colours (sRGB hex)."""

    skin: str = "#c8957a"
    hair: str = "#3b2a20"
    shirt: str = "#2f6db5"
    shorts: str = "#3a3a42"
    socks: str = "#e8e8e8"
    shoes: str = "#b03a2e"
    sleeves: str = "short"  # "short" or "long"


def hex_rgb(value: str) -> np.ndarray:
    v = value.lstrip("#")
    if len(v) != 6:
        raise ValueError(f"colour must be #rrggbb, got {value!r}")
    return np.array([int(v[i:i + 2], 16) for i in (0, 2, 4)], dtype=np.float32) / 255.0


@dataclass(frozen=True)
class PosedBatch:
    vertices: np.ndarray  # (B, V, 3) float32
    normals: np.ndarray  # (B, V, 3) float32
    bone_heads: np.ndarray  # (B, J, 3) float64
    keypoints: np.ndarray  # (B, 23, 3) float64, anny COCO order


class Body:
    """An anny body with a fixed phenotype, posed in batches."""

    def __init__(self, phenotype: Phenotype, cache_dir: Path = DEFAULT_CACHE_DIR) -> None:
        import anny
        import torch
        from anny.paths import set_anny_cache_path

        cache_dir.mkdir(parents=True, exist_ok=True)
        set_anny_cache_path(cache_dir)
        self._torch = torch
        self.model = anny.Anny()
        self.keypoint_regressor = anny.KeypointsRegressor.coco(self.model)
        self.keypoint_labels: list[str] = list(self.keypoint_regressor.labels)
        self.phenotype = phenotype
        with torch.no_grad():
            rest = self.model(phenotype_kwargs=phenotype.as_dict())
        self.rest_vertices = rest["vertices"][0].numpy().astype(np.float64)
        self.faces = self.model.get_triangular_faces().numpy().astype(np.int32)
        self.skeleton = Skeleton(tuple(self.model.bone_labels),
                                 np.asarray(self.model.bone_parents, dtype=np.int64),
                                 rest["bone_poses"][0, :, :3, 3].numpy().astype(np.float64))
        weights = self.model.vertex_bone_weights.numpy()
        indices = self.model.vertex_bone_indices.numpy()
        self.dominant_bone = indices[np.arange(len(indices)), weights.argmax(axis=1)]

    def pose(self, poses: list[PoseState]) -> PosedBatch:
        """Skinned vertices, normals, bone heads and COCO keypoints of a batch of poses."""
        torch = self._torch
        deltas = np.tile(np.eye(4), (len(poses), len(self.skeleton.names), 1, 1))
        for b, p in enumerate(poses):
            deltas[b, :, :3, :3] = p.local
            deltas[b, 0, :3, 3] = p.translation
        with torch.no_grad():
            out = self.model(pose_parameters=torch.tensor(deltas, dtype=self.model.dtype),
                             phenotype_kwargs=self.phenotype.as_dict())
            kps = self.keypoint_regressor(out)
            normals = _vertex_normals(torch, out["vertices"], self.faces)
        return PosedBatch(out["vertices"].numpy().astype(np.float32), normals,
                          out["bone_poses"][:, :, :3, 3].numpy(), kps.numpy())

    def colours(self, look: Look) -> np.ndarray:
        """Per-vertex RGB (V, 3) painting clothes by body region in the rest pose."""
        regions = paint_regions(self.rest_vertices, self.dominant_bone, self.skeleton, look.sleeves)
        col = np.tile(hex_rgb(look.skin), (len(self.rest_vertices), 1))
        for name in ("shirt", "shorts", "socks", "shoes", "hair"):
            col[regions == name] = hex_rgb(getattr(look, name))
        return col


def _vertex_normals(torch, vertices, faces: np.ndarray) -> np.ndarray:
    f = torch.as_tensor(faces, dtype=torch.long)
    v0, v1, v2 = vertices[:, f[:, 0]], vertices[:, f[:, 1]], vertices[:, f[:, 2]]
    fn = torch.cross(v1 - v0, v2 - v0, dim=-1)
    vn = torch.zeros_like(vertices)
    for k in range(3):
        vn.index_add_(1, f[:, k], fn)
    vn = vn / vn.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    return vn.numpy().astype(np.float32)


def paint_regions(rest: np.ndarray, dominant: np.ndarray, sk: Skeleton, sleeves: str) -> np.ndarray:
    """Region name per vertex: skin, shirt, shorts, socks, shoes or hair."""
    z = rest[:, 2]
    head = sk.heads
    names = np.array(sk.names)[dominant]
    is_arm = np.array([n.startswith(_ARM_PREFIXES) for n in names])
    hip_z = head[sk.index("upperleg01.L"), 2]
    knee_z = head[sk.index("lowerleg01.L"), 2]
    ankle_z = head[sk.index("foot.L"), 2]
    neck_z = head[sk.index("neck01"), 2]
    eye = head[sk.index("eye.L")]
    out = np.full(len(rest), "skin", dtype=object)
    shorts_low = knee_z + 0.55 * (hip_z - knee_z)
    out[~is_arm & (z < hip_z + 0.09) & (z > shorts_low)] = "shorts"
    out[~is_arm & (z >= hip_z + 0.09) & (z < neck_z - 0.02)] = "shirt"
    sleeve_bones = ("clavicle", "shoulder01", "upperarm01") + (
        ("upperarm02", "lowerarm") if sleeves == "long" else ())
    out[np.array([n.startswith(sleeve_bones) for n in names])] = "shirt"
    out[~is_arm & (z < ankle_z + 0.10) & (z >= ankle_z - 0.02)] = "socks"
    out[~is_arm & (z < ankle_z - 0.02)] = "shoes"
    head_v = np.array([n in ("head", "neck03", "eye.L", "eye.R") for n in names])
    back = rest[:, 1] > eye[1] + 0.085
    out[head_v & ((z > eye[2] + 0.035) | (back & (z > eye[2] - 0.05)))] = "hair"
    return out
