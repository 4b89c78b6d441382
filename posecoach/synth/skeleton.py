"""A rig as plain numpy: forward kinematics, joint naming and rotations.

The convention is anny's ``local-ref`` pose parameterization. Each bone ``c`` has a
reference head position ``q_c`` and a local rotation ``D_c`` expressed in axes that are
world-aligned in the reference pose. Forward kinematics is then

    G_0 = D_0,  P_0 = t + q_0
    G_c = G_p D_c,  P_c = P_p + G_p (q_c - q_p)

with ``G`` the accumulated rotation and ``P`` the head position. World axes: x toward
the body's left, -y forward (the face), z up, metres.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

# Semantic joint -> (bones, share). A joint spread over several bones gives each bone
# an equal share of the angle (the spine bends along its length).
_SIDED_JOINTS: dict[str, tuple[str, ...]] = {
    "hip": ("upperleg01",),
    "thigh_twist": ("upperleg02",),
    "knee": ("lowerleg01",),
    "ankle": ("foot",),
    "toes": ("toe1-1", "toe2-1", "toe3-1", "toe4-1", "toe5-1"),
    "clavicle": ("clavicle",),
    "scapula": ("shoulder01",),
    "shoulder": ("upperarm01",),
    "elbow": ("lowerarm01",),
    "forearm_twist": ("lowerarm02",),
    "wrist": ("wrist",),
}
_CENTRAL_JOINTS: dict[str, tuple[str, ...]] = {
    "root": ("root",),
    "lumbar": ("spine05", "spine04", "spine03"),
    "thoracic": ("spine02", "spine01"),
    "spine": ("spine05", "spine04", "spine03", "spine02", "spine01"),
    "neck": ("neck01", "neck02", "neck03"),
    "head": ("head",),
}
SIDES = ("L", "R")


def joint_names() -> list[str]:
    """Every name a pose may use: central joints, sided joints and their `.L`/`.R` forms."""
    sided = [f"{j}.{s}" for j in _SIDED_JOINTS for s in SIDES]
    return sorted([*_CENTRAL_JOINTS, *_SIDED_JOINTS, *sided])


def joint_bones(name: str) -> list[tuple[str, bool]]:
    """Bones driven by a joint name, each with a flag telling whether to mirror the angle.

    ``hip`` drives both sides (the right side mirrored), ``hip.L`` only the left one.
    """
    if name in _CENTRAL_JOINTS:
        return [(b, False) for b in _CENTRAL_JOINTS[name]]
    base, _, side = name.partition(".")
    if base not in _SIDED_JOINTS or side not in ("", *SIDES):
        raise KeyError(f"unknown joint {name!r}; valid: {', '.join(joint_names())}")
    sides = SIDES if not side else (side,)
    return [(f"{b}.{s}", s == "R") for s in sides for b in _SIDED_JOINTS[base]]


def euler_matrix(angles_deg: Sequence[float]) -> np.ndarray:
    """Rotation ``Rx @ Ry @ Rz`` from (x, y, z) angles in degrees, shape (..., 3, 3).

    x is flexion in the sagittal plane (positive bends a knee, negative flexes a hip),
    y tilts sideways, z twists about the vertical. The z twist is applied first.
    """
    a = np.radians(np.asarray(angles_deg, dtype=float))
    cx, cy, cz = np.cos(a[..., 0]), np.cos(a[..., 1]), np.cos(a[..., 2])
    sx, sy, sz = np.sin(a[..., 0]), np.sin(a[..., 1]), np.sin(a[..., 2])
    one, zero = np.ones_like(cx), np.zeros_like(cx)
    rx = np.stack([one, zero, zero, zero, cx, -sx, zero, sx, cx], -1)
    ry = np.stack([cy, zero, sy, zero, one, zero, -sy, zero, cy], -1)
    rz = np.stack([cz, -sz, zero, sz, cz, zero, zero, zero, one], -1)
    shape = (*a.shape[:-1], 3, 3)
    return rx.reshape(shape) @ ry.reshape(shape) @ rz.reshape(shape)


def mirror_angles(angles_deg: np.ndarray) -> np.ndarray:
    """The same movement on the other side of the body (mirror in the x = 0 plane)."""
    return np.asarray(angles_deg, dtype=float) * np.array([1.0, -1.0, -1.0])


def rotation_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The smallest rotation taking the direction of ``a`` onto the direction of ``b``."""
    a = np.asarray(a, float) / np.linalg.norm(a)
    b = np.asarray(b, float) / np.linalg.norm(b)
    v, c = np.cross(a, b), float(np.dot(a, b))
    if c < -1.0 + 1e-12:
        axis = np.cross(a, [1.0, 0.0, 0.0])
        if np.linalg.norm(axis) < 1e-6:
            axis = np.cross(a, [0.0, 1.0, 0.0])
        axis /= np.linalg.norm(axis)
        return 2.0 * np.outer(axis, axis) - np.eye(3)
    k = np.array([[0.0, -v[2], v[1]], [v[2], 0.0, -v[0]], [-v[1], v[0], 0.0]])
    return np.eye(3) + k + k @ k / (1.0 + c)


@dataclass(frozen=True)
class Skeleton:
    """Bone names, parents (parents before children) and reference head positions."""

    names: tuple[str, ...]
    parents: np.ndarray  # (J,) int, -1 for the root
    heads: np.ndarray  # (J, 3) reference head positions, metres

    def __post_init__(self) -> None:
        if any(p >= i for i, p in enumerate(self.parents) if i > 0) or self.parents[0] != -1:
            raise ValueError("bones must be ordered parents first, with the root at index 0")
        if self.heads.shape != (len(self.names), 3):
            raise ValueError(f"heads must have shape ({len(self.names)}, 3)")

    def index(self, bone: str) -> int:
        return self.names.index(bone)


@dataclass
class PoseState:
    """One frame of a posed skeleton: local rotations and the root translation."""

    local: np.ndarray  # (J, 3, 3) local rotations D
    translation: np.ndarray  # (3,)

    def copy(self) -> PoseState:
        return PoseState(self.local.copy(), self.translation.copy())


def forward_kinematics(sk: Skeleton, pose: PoseState) -> tuple[np.ndarray, np.ndarray]:
    """World rotations G (J, 3, 3) and head positions P (J, 3) of every bone."""
    n = len(sk.names)
    g = np.empty((n, 3, 3))
    p = np.empty((n, 3))
    g[0] = pose.local[0]
    p[0] = pose.translation + sk.heads[0]
    for c in range(1, n):
        par = sk.parents[c]
        g[c] = g[par] @ pose.local[c]
        p[c] = p[par] + g[par] @ (sk.heads[c] - sk.heads[par])
    return g, p


def pose_from_angles(sk: Skeleton, angles: Mapping[str, Sequence[float]]) -> PoseState:
    """Local rotations from semantic joint angles in degrees (see `joint_bones`)."""
    local = np.tile(np.eye(3), (len(sk.names), 1, 1))
    for name, value in angles.items():
        bones = joint_bones(name)
        # A chain of central bones shares the angle; parallel bones (toes, sides) each get it.
        share = np.asarray(value, float) / (len(bones) if name in _CENTRAL_JOINTS else 1)
        for bone, mirrored in bones:
            a = mirror_angles(share) if mirrored else share
            idx = sk.index(bone)
            local[idx] = local[idx] @ euler_matrix(a)
    return PoseState(local, np.zeros(3))

