"""Small contact solvers that keep hands, feet and shoulders where they belong.

Each solver takes a posed skeleton and changes its root translation or a few local
rotations so a contact holds: a joint stays where it was in the first frame (`anchor`),
a planted foot stays planted (`leg_ik`, a 2-link IK), a foot stays flat (`keep_world`),
the trunk pitches until hands and knees touch the floor together (`level`, bisection),
or the lowest contact joint rests on the floor (`floor_joints`). Pure numpy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from posecoach.synth.motion import Contact
from posecoach.synth.skeleton import (
    PoseState,
    Skeleton,
    euler_matrix,
    forward_kinematics,
    joint_bones,
    rotation_between,
)

log = logging.getLogger(__name__)
_AXES = {"x": 0, "y": 1, "z": 2}
_LEG = ("upperleg01", "lowerleg01", "foot")
_ARM = ("upperarm01", "lowerarm01", "wrist")


@dataclass(frozen=True)
class Controls:
    """Per-frame values from the motion that drive contacts rather than joints."""

    offset: np.ndarray = field(default_factory=lambda: np.zeros(3))  # root offset, metres
    grip: float = 0.0  # 0..1 blend of `reach` contacts


@dataclass(frozen=True)
class Reference:
    """World rotations and head positions of the first frame, the contacts' targets."""

    rotations: np.ndarray  # (J, 3, 3)
    positions: np.ndarray  # (J, 3)


def bone_indices(sk: Skeleton, joints: list[str]) -> list[int]:
    """Bone indices of semantic joint names (`ankle` = both feet, `wrist.L` = one)."""
    return [sk.index(b) for j in joints for b, _ in joint_bones(j)]


def two_link_ik(root: np.ndarray, target: np.ndarray, l1: float, l2: float,
                pole: np.ndarray) -> np.ndarray:
    """Middle joint position for links of lengths l1, l2 from `root` reaching `target`.

    The middle joint bends toward `pole`. An unreachable target is clamped to the
    nearest reachable distance along the same direction.
    """
    v = np.asarray(target, float) - root
    d = float(np.linalg.norm(v))
    e = v / d
    d = float(np.clip(d, abs(l1 - l2) + 1e-9, l1 + l2 - 1e-9))
    a = (l1 * l1 - l2 * l2 + d * d) / (2.0 * d)
    h = float(np.sqrt(max(l1 * l1 - a * a, 0.0)))
    n = np.asarray(pole, float) - root
    n = n - np.dot(n, e) * e
    if np.linalg.norm(n) < 1e-9:
        n = np.cross(e, [1.0, 0.0, 0.0])
    return root + a * e + h * n / np.linalg.norm(n)


def solve_leg(sk: Skeleton, pose: PoseState, side: str, target: np.ndarray) -> None:
    """Rotate hip and knee so the ankle reaches `target`, keeping the knee's bend plane."""
    solve_limb(sk, pose, tuple(sk.index(f"{b}.{side}") for b in _LEG), target)


def solve_limb(sk: Skeleton, pose: PoseState, chain: tuple[int, int, int],
               target: np.ndarray) -> None:
    """Rotate the first two bones of a 3-joint chain so its end reaches `target`."""
    hip, knee, ankle = chain
    g, p = forward_kinematics(sk, pose)
    u1, u2 = p[knee] - p[hip], p[ankle] - p[knee]
    k_new = two_link_ik(p[hip], target, float(np.linalg.norm(u1)), float(np.linalg.norm(u2)),
                        pole=p[knee])
    r1 = rotation_between(u1, k_new - p[hip])
    r2 = rotation_between(r1 @ u2, target - k_new)
    hip_parent, knee_parent = sk.parents[hip], sk.parents[knee]
    pose.local[hip] = g[hip_parent].T @ r1 @ g[hip]
    pose.local[knee] = g[knee_parent].T @ r1.T @ r2 @ r1 @ g[knee]


def keep_world(sk: Skeleton, pose: PoseState, bones: list[int], targets: np.ndarray) -> None:
    """Set local rotations so each bone has the given world rotation (parents first)."""
    for bone, target in zip(bones, targets, strict=True):
        g, _ = forward_kinematics(sk, pose)
        pose.local[bone] = g[sk.parents[bone]].T @ target


def _lowest(p: np.ndarray, idx: list[int], clearance: float) -> float:
    return float(np.min(p[idx, 2])) - clearance


def level_pitch(sk: Skeleton, pose: PoseState, a: list[int], b: list[int],
                clear_a: float, clear_b: float, limit_deg: float = 45.0) -> float:
    """Pitch the whole body about x (bisection) until groups a and b touch the floor together.

    Returns the applied pitch in degrees; keeps the best endpoint if no root is bracketed.
    """
    base = pose.local[0].copy()

    def gap(theta: float) -> float:
        pose.local[0] = euler_matrix([theta, 0.0, 0.0]) @ base
        _, p = forward_kinematics(sk, pose)
        return _lowest(p, a, clear_a) - _lowest(p, b, clear_b)

    lo, hi = -limit_deg, limit_deg
    g_lo, g_hi = gap(lo), gap(hi)
    if g_lo * g_hi > 0:
        best = lo if abs(g_lo) < abs(g_hi) else hi
        log.warning("level: no balanced pitch within +-%.0f deg", limit_deg)
        gap(best)
        return best
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        g_mid = gap(mid)
        if g_lo * g_mid <= 0:
            hi = mid
        else:
            lo, g_lo = mid, g_mid
    gap(0.5 * (lo + hi))
    return 0.5 * (lo + hi)


def _anchor(sk: Skeleton, pose: PoseState, c: Contact, ref: Reference, offset: np.ndarray) -> None:
    idx = bone_indices(sk, c.joints)
    _, p = forward_kinematics(sk, pose)
    delta = ref.positions[idx].mean(axis=0) + offset - p[idx].mean(axis=0)
    for ax in c.axes:
        pose.translation[_AXES[ax]] += delta[_AXES[ax]]


_CHAINS = {"foot": _LEG, "wrist": _ARM}


def _plant(sk: Skeleton, pose: PoseState, c: Contact, ref: Reference | None,
           grip: float) -> None:
    """Keep hands or feet where they were in the first frame (2-link IK of the limb).

    On the first frame, or always with `to_floor`, the hand or foot is put down on the
    floor (height = clearance) where it is. `blend` fades the contact with the grip control.
    """
    weight = {"none": 1.0, "grip": grip, "release": 1.0 - grip}[c.blend]
    if weight <= 0.0:
        return
    for end in bone_indices(sk, c.joints or ["ankle"]):
        base, side = sk.names[end].rsplit(".", 1)
        chain = tuple(sk.index(f"{b}.{side}") for b in _CHAINS[base])
        _, p = forward_kinematics(sk, pose)
        if ref is not None and not c.to_floor:
            target = ref.positions[end]
        elif c.clearance_m > 0.0:
            target = np.array([p[end, 0], p[end, 1], c.clearance_m])
        else:
            continue
        solve_limb(sk, pose, chain, p[end] + weight * (target - p[end]))


def _keep_world(sk: Skeleton, pose: PoseState, c: Contact, ref: Reference | None) -> None:
    idx = bone_indices(sk, c.joints)
    if c.world_deg is not None:
        keep_world(sk, pose, idx, np.tile(euler_matrix(c.world_deg), (len(idx), 1, 1)))
    elif c.target == "identity":
        keep_world(sk, pose, idx, np.tile(np.eye(3), (len(idx), 1, 1)))
    elif ref is not None:
        keep_world(sk, pose, idx, ref.rotations[idx])


def _floor_joints(sk: Skeleton, pose: PoseState, c: Contact) -> None:
    _, p = forward_kinematics(sk, pose)
    pose.translation[2] -= _lowest(p, bone_indices(sk, c.joints), c.clearance_m)


def _reach(sk: Skeleton, pose: PoseState, c: Contact, grip: float) -> None:
    """Blend each hand toward a point on another limb (e.g. hands around a knee).

    The k-th hand goes to the k-th `other` joint (cycling), moved `fraction` of the way
    toward the k-th `along` joint; hands sharing one target sit `spread_m` apart in x.
    """
    if grip <= 0.0:
        return
    hands = bone_indices(sk, c.joints)
    goals, alongs = bone_indices(sk, c.other), bone_indices(sk, c.along or c.other)
    for k, hand in enumerate(hands):
        _, p = forward_kinematics(sk, pose)
        g, a = goals[k % len(goals)], alongs[k % len(alongs)]
        goal = p[g] + c.fraction * (p[a] - p[g])
        if len(goals) < len(hands):
            goal = goal + np.array([c.spread_m * (0.5 - k), 0.0, 0.0])
        side = sk.names[hand].rsplit(".", 1)[1]
        goal = goal + np.asarray(c.offset_m) * ([-1.0, 1.0, 1.0] if side == "R" else 1.0)
        chain = (sk.index(f"{_ARM[0]}.{side}"), sk.index(f"{_ARM[1]}.{side}"), hand)
        solve_limb(sk, pose, chain, p[hand] + grip * (goal - p[hand]))


def _balance(sk: Skeleton, pose: PoseState, c: Contact) -> None:
    """Lean the trunk (at its lowest spine bone) so `joints` stay above `other` (e.g. the
    shoulders over the feet while the pelvis moves)."""
    spine = sk.index("spine05")
    g, p = forward_kinematics(sk, pose)
    top = p[bone_indices(sk, c.joints)].mean(axis=0) - p[spine]
    base = p[bone_indices(sk, c.other)].mean(axis=0) - p[spine]
    lateral = base[:2]
    height = float(np.sqrt(max(top @ top - lateral @ lateral, 1e-9)))
    turn = rotation_between(top, np.array([lateral[0], lateral[1], height]))
    pose.local[spine] = g[sk.parents[spine]].T @ turn @ g[spine]


def apply_contacts(sk: Skeleton, pose: PoseState, contacts: list[Contact],
                   ref: Reference | None, controls: Controls | None = None,
                   side: str | None = None) -> None:
    """Apply the contacts in order. Without a reference (the first frame) anchors and
    leg IK are skipped: the first frame defines where things are. Contacts limited to
    one side's steps are skipped on the other frames."""
    controls = controls or Controls()
    offset = controls.offset
    for c in contacts:
        if not c.applies_to(side) or (c.frames == "first" and ref is not None):
            continue
        if c.kind == "anchor" and ref is not None:
            _anchor(sk, pose, c, ref, offset)
        elif c.kind in ("leg_ik", "plant"):
            _plant(sk, pose, c, ref, controls.grip)
        elif c.kind == "keep_world":
            _keep_world(sk, pose, c, ref)
        elif c.kind == "level":
            level_pitch(sk, pose, bone_indices(sk, c.joints), bone_indices(sk, c.other),
                        c.clearance_m, c.other_clearance_m)
        elif c.kind == "floor_joints":
            _floor_joints(sk, pose, c)
        elif c.kind == "reach":
            _reach(sk, pose, c, 1.0 if c.frames == "first" else controls.grip)
        elif c.kind == "balance":
            _balance(sk, pose, c)


def reference_of(sk: Skeleton, pose: PoseState) -> Reference:
    g, p = forward_kinematics(sk, pose)
    return Reference(g, p)
