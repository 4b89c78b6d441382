"""One rendered clip: motion -> posed frames -> camera and scene -> video + ground truth."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from posecoach.synth import scene as sc
from posecoach.synth.body import Body, Look, Phenotype, PosedBatch
from posecoach.synth.camera import Camera, horizontal_distance, place_camera, view_direction
from posecoach.synth.contacts import Controls, Reference, apply_contacts, reference_of
from posecoach.synth.motion import (
    CONTROL_KEYS,
    GRIP_KEY,
    OFFSET_KEY,
    CameraSpec,
    MotionSpec,
    Timeline,
    apply_variant,
    build_timeline,
    load_motion,
)
from posecoach.synth.render import Lighting, Renderer, light_direction
from posecoach.synth.skeleton import PoseState, Skeleton, forward_kinematics, pose_from_angles
from posecoach.synth.truth import JOINT_BONES, KEYPOINT_LABELS, to_blazepose
from posecoach.synth.webcam import WebcamOptions

log = logging.getLogger(__name__)
_SEAT_BONES = ("root", "pelvis.L", "pelvis.R", "spine05", "upperleg01.L", "upperleg01.R")


@dataclass(frozen=True)
class ClipOptions:
    """Everything that determines a rendered clip (rendering is deterministic given these)."""

    exercise_id: str
    motions_dir: Path
    variant: str = "good"
    camera: dict = field(default_factory=dict)  # CameraSpec overrides
    phenotype: Phenotype = Phenotype()
    look: Look = Look()
    lighting: Lighting = Lighting()
    webcam: WebcamOptions = WebcamOptions()
    width: int = 640
    height: int = 360
    fps: float = 30.0
    fov_y_deg: float = 50.0

    def motion(self) -> MotionSpec:
        spec = load_motion(self.motions_dir / f"{self.exercise_id}.toml")
        return apply_variant(spec, self.variant)

    def camera_spec(self, spec: MotionSpec) -> CameraSpec:
        return spec.camera.model_copy(update=self.camera)


def _angles_at(values: dict[str, np.ndarray], i: int) -> tuple[dict, Controls]:
    angles = {k: v[i] for k, v in values.items() if k not in CONTROL_KEYS}
    offset = values[OFFSET_KEY][i] if OFFSET_KEY in values else np.zeros(3)
    grip = float(values[GRIP_KEY][i, 0]) if GRIP_KEY in values else 0.0
    return angles, Controls(offset, grip)


def first_frame(body: Body, spec: MotionSpec, values: dict[str, np.ndarray],
                side: str | None) -> tuple[PoseState, Reference]:
    """Place the first frame: contacts without references, then on the floor, centred."""
    sk = body.skeleton
    angles, controls = _angles_at(values, 0)
    pose = pose_from_angles(sk, angles)
    apply_contacts(sk, pose, spec.contacts, None, controls, side)
    if not any(c.kind == "floor_joints" for c in spec.contacts):
        pose.translation[2] -= float(body.pose([pose]).vertices[0, :, 2].min())
        # again, now that the floor is known: hands and feet put down at their clearance
        apply_contacts(sk, pose, spec.contacts, None, controls, side)
    _, p = forward_kinematics(sk, pose)
    pose.translation[:2] -= p[0, :2]
    return pose, reference_of(sk, pose)


def solve_poses(body: Body, spec: MotionSpec, timeline: Timeline, times: np.ndarray
                ) -> list[PoseState]:
    values = timeline.sample(times)
    sides = timeline.sides(times)
    pose0, ref = first_frame(body, spec, values, sides[0])
    poses = [pose0]
    for i in range(1, len(times)):
        angles, controls = _angles_at(values, i)
        pose = pose_from_angles(body.skeleton, angles)
        pose.translation = pose0.translation.copy()
        apply_contacts(body.skeleton, pose, spec.contacts, ref, controls, sides[i])
        poses.append(pose)
    return poses


def pose_all(body: Body, spec: MotionSpec, poses: list[PoseState], chunk: int = 32) -> PosedBatch:
    """Skin every frame in batches; `floor_mesh` contacts drop the mesh onto the floor."""
    parts = [body.pose(poses[i:i + chunk]) for i in range(0, len(poses), chunk)]
    verts = np.concatenate([p.vertices for p in parts])
    heads = np.concatenate([p.bone_heads for p in parts])
    kps = np.concatenate([p.keypoints for p in parts])
    if any(c.kind == "floor_mesh" for c in spec.contacts):
        dz = verts[:, :, 2].min(axis=1)
        verts[:, :, 2] -= dz[:, None]
        heads[:, :, 2] -= dz[:, None]
        kps[:, :, 2] -= dz[:, None]
    _check_fk(body.skeleton, poses, heads, spec)
    _check_floor(verts, np.array(body.skeleton.names)[body.dominant_bone])
    return PosedBatch(verts, np.concatenate([p.normals for p in parts]), heads, kps)


def _check_floor(verts: np.ndarray, bone_of_vertex: np.ndarray, tolerance_m: float = 0.02
                 ) -> None:
    """Warn when the mesh sinks into the floor (a contact or a keyframe to fix)."""
    low = verts[:, :, 2].min(axis=1)
    worst = int(np.argmin(low))
    if low[worst] < -tolerance_m:
        part = bone_of_vertex[int(np.argmin(verts[worst, :, 2]))]
        log.warning("the body goes %.1f cm below the floor (frame %d, %s)", -100 * low[worst],
                    worst, part)


def _check_fk(sk: Skeleton, poses: list[PoseState], heads: np.ndarray, spec: MotionSpec) -> None:
    """The numpy rig and anny must agree (up to a floor drop): a cheap guard on conventions."""
    for i in (0, len(poses) // 2, len(poses) - 1):
        _, p = forward_kinematics(sk, poses[i])
        err = np.abs(p - heads[i])
        if any(c.kind == "floor_mesh" for c in spec.contacts):
            err = np.abs((p - p[0]) - (heads[i] - heads[i][0]))
        if float(err.max()) > 1e-5:
            raise RuntimeError(f"numpy FK disagrees with anny by {err.max():.2e} m at frame {i}")


def fit_camera(cs: CameraSpec, verts: np.ndarray, opts: ClipOptions) -> Camera:
    """Place the camera so the whole clip's body (every frame) fills the image."""
    sample = verts[:: max(1, len(verts) // 40), ::11].reshape(-1, 3).astype(np.float64)
    direction = view_direction(cs.view, cs.facing, cs.yaw_deg)
    return place_camera(sample, direction, cs.height_m, opts.fov_y_deg, opts.width, opts.height,
                        cs.fill, cs.distance_m)


def build_scene(spec: MotionSpec, body: Body, posed: PosedBatch, phase: np.ndarray,
                cam: Camera) -> list:
    """Room, mat and props around the clip's body."""
    colours = sc.SceneColours()
    verts = posed.vertices
    centre = 0.5 * (verts.reshape(-1, 3).min(axis=0) + verts.reshape(-1, 3).max(axis=0))
    parts = sc.room(centre, cam.eye - cam.target, colours)
    if spec.mat:
        low = verts[::5][verts[::5, :, 2] < 0.12]
        lo, hi = low.min(axis=0)[:2] - 0.12, low.max(axis=0)[:2] + 0.12
        mid, half = 0.5 * (lo + hi), np.maximum(0.5 * (hi - lo), [0.3, 0.3])
        parts.append(sc.mat(mid - half, mid + half, colours.mat))
    for prop in spec.props:
        parts.append(_chair(body, posed, phase, prop.at_phase, colours.chair))
    return parts


def _chair(body: Body, posed: PosedBatch, phase: np.ndarray, at_phase: int, colour):
    """A chair whose seat top touches the buttocks at the deepest frame of `at_phase`."""
    frames = np.flatnonzero(phase == at_phase)
    root = body.skeleton.index("root")
    i = frames[np.argmin(posed.bone_heads[frames, root, 2])]
    seat_bones = [body.skeleton.index(b) for b in _SEAT_BONES]
    v = posed.vertices[i][np.isin(body.dominant_bone, seat_bones)]
    seat_z = float(v[:, 2].min())
    low = v[v[:, 2] < seat_z + 0.03]
    centre = np.array([posed.bone_heads[i, root, 0], low[:, 1].mean() + 0.08])
    return sc.chair(centre, seat_z, back_dir_y=1.0, colour=colour)


@dataclass(frozen=True)
class RenderedClip:
    """What a render produced: frames are streamed to the video, the rest is kept."""

    spec: MotionSpec
    timeline: Timeline
    camera: Camera
    camera_spec: CameraSpec
    phase: np.ndarray
    joints_world: np.ndarray  # (N, 33, 3)
    keypoints_world: np.ndarray  # (N, 33, 3)
    frames: int
    seconds: float


def pose_clip(opts: ClipOptions, body: Body) -> tuple[MotionSpec, Timeline, np.ndarray,
                                                      PosedBatch]:
    spec = opts.motion()
    timeline = build_timeline(spec)
    times = timeline.frame_times(opts.fps)
    poses = solve_poses(body, spec, timeline, times)
    posed = pose_all(body, spec, poses)
    return spec, timeline, timeline.phases(times), posed


@dataclass(frozen=True)
class Stage:
    """A posed clip with its camera, scene and key light, ready to draw frame by frame."""

    spec: MotionSpec
    timeline: Timeline
    phase: np.ndarray
    posed: PosedBatch
    camera: Camera
    camera_spec: CameraSpec
    parts: list
    light: np.ndarray
    light_centre: np.ndarray
    light_half: float


def stage_clip(opts: ClipOptions, body: Body) -> Stage:
    spec, timeline, phase, posed = pose_clip(opts, body)
    cs = opts.camera_spec(spec)
    cam = fit_camera(cs, posed.vertices, opts)
    flat = posed.vertices.reshape(-1, 3)
    half = float(np.max(flat.max(axis=0) - flat.min(axis=0))) + 2.0  # covers the walls too
    return Stage(spec, timeline, phase, posed, cam, cs, build_scene(spec, body, posed, phase, cam),
                 light_direction(cam, opts.lighting), 0.5 * (flat.min(axis=0) + flat.max(axis=0)),
                 half)


def _draw(r: Renderer, st: Stage, i: int, lighting: Lighting) -> np.ndarray:
    return r.render(st.camera, st.posed.vertices[i], st.posed.normals[i], st.light,
                    st.light_centre, st.light_half, lighting)


def render_clip(opts: ClipOptions, body: Body, out: Path, frame_sink=None) -> RenderedClip:
    """Render the clip to `out` (mp4v) and return its 3D ground truth and camera."""
    from posecoach.synth.video import write_video

    t0 = time.monotonic()
    st = stage_clip(opts, body)
    with Renderer(opts.width, opts.height, body.faces, body.colours(opts.look), st.parts) as r:
        frames = (_draw(r, st, i, opts.lighting) for i in range(len(st.phase)))
        write_video(out, frames, opts.fps, (opts.width, opts.height), opts.webcam, frame_sink)
    joints = to_blazepose(st.posed.bone_heads, list(body.skeleton.names), JOINT_BONES)
    kps = to_blazepose(st.posed.keypoints, body.keypoint_labels, KEYPOINT_LABELS)
    return RenderedClip(st.spec, st.timeline, st.camera, replace_camera(st.camera_spec, st.camera),
                        st.phase, joints, kps, len(st.phase), time.monotonic() - t0)


def still_frames(phase: np.ndarray, count: int) -> list[int]:
    """The first frame and the middle frames of the first target spans (phase 2)."""
    target = np.flatnonzero(np.diff(np.r_[0, (phase == 2).astype(int), 0]))
    mids = [(a + b - 1) // 2 for a, b in zip(target[::2], target[1::2], strict=True)]
    if not mids:
        return np.linspace(0, len(phase) - 1, count).round().astype(int).tolist()
    return [0, *mids][:count]


def render_stills(opts: ClipOptions, body: Body, prefix: Path, count: int) -> list[Path]:
    """Render only `count` frames to PNG (a quick look at a motion), clean (no webcam)."""
    import cv2

    st = stage_clip(opts, body)
    paths = []
    with Renderer(opts.width, opts.height, body.faces, body.colours(opts.look), st.parts) as r:
        for i in still_frames(st.phase, count):
            paths.append(prefix.with_name(f"{prefix.name}_f{i:04d}.png"))
            cv2.imwrite(str(paths[-1]), _draw(r, st, i, opts.lighting)[..., ::-1])
    return paths


def replace_camera(cs: CameraSpec, cam: Camera) -> CameraSpec:
    """The camera spec with the distance actually used."""
    return cs.model_copy(update={"distance_m": round(horizontal_distance(cam), 4)})

