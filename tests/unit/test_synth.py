"""The pure parts of the sample renderer: rig maths, motions, contacts, camera, truth.

Rendering itself needs torch/anny/moderngl (the optional extra `synth`); those tests skip
when the extra is missing. The committed samples are checked against their manifest.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

from posecoach.synth.camera import Camera, place_camera, project, view_direction
from posecoach.synth.contacts import keep_world, level_pitch, solve_leg, two_link_ik
from posecoach.synth.motion import (
    MotionError,
    build_timeline,
    load_motion,
    mirror_pose,
)
from posecoach.synth.skeleton import (
    PoseState,
    Skeleton,
    euler_matrix,
    forward_kinematics,
    joint_bones,
    pose_from_angles,
    rotation_between,
)
from posecoach.synth.truth import (
    JOINT_BONES,
    KEYPOINT_LABELS,
    manifest_entry,
    to_blazepose,
    update_manifest,
)

ROOT = Path(__file__).resolve().parents[2]
MOTIONS = ROOT / "exercises" / "motions"
SAMPLES = ROOT / "samples"

MOTION = """
exercise_id = "demo"
exercise = "demo"
[poses.down]
knee = 10
[poses.up]
knee = [90, 0, 0]
"hip.L" = [-30, 5, 0]
[[timeline]]
pose = "down"
hold = 1.0
[[timeline]]
repeat = 2
steps = [
  { pose = "up", move = 0.5, hold = 2.0, phase = 2, rep = "begin", side = "left" },
  { pose = "down", move = 0.5, hold = 1.0, phase = 0, rep = "end" },
]
"""


def write(tmp_path: Path, text: str, name: str = "demo.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def leg_skeleton() -> Skeleton:
    names = ("root", "upperleg01.L", "upperleg02.L", "lowerleg01.L", "lowerleg02.L", "foot.L")
    heads = np.array([[0, 0, 1.0], [0.1, 0, 0.95], [0.1, 0, 0.75], [0.1, 0.01, 0.52],
                      [0.1, 0, 0.3], [0.1, 0.0, 0.08]])
    return Skeleton(names, np.array([-1, 0, 1, 2, 3, 4]), heads)


# --- rig maths -----------------------------------------------------------------------------

def test_euler_matrix_is_a_rotation_with_the_documented_sign():
    r = euler_matrix([30.0, -20.0, 45.0])
    assert np.allclose(r @ r.T, np.eye(3), atol=1e-12)
    assert np.isclose(np.linalg.det(r), 1.0)
    # +x bends a downward shin backward (+y): the knee-flexion sign of the motion files.
    assert np.allclose(euler_matrix([90.0, 0, 0]) @ [0, 0, -1], [0, 1, 0], atol=1e-12)


def test_rotation_between_maps_directions_exactly():
    for a, b in (([1, 0, 0], [0, 1, 0]), ([0, 0, 1], [0, 0, -1]), ([1, 2, 3], [-3, 1, 0.5])):
        r = rotation_between(np.array(a, float), np.array(b, float))
        assert np.allclose(r @ (np.array(a) / np.linalg.norm(a)), np.array(b) / np.linalg.norm(b))
        assert np.allclose(r @ r.T, np.eye(3), atol=1e-12)


def test_sided_joint_names_drive_both_sides_mirrored():
    assert joint_bones("knee") == [("lowerleg01.L", False), ("lowerleg01.R", True)]
    assert joint_bones("hip.R") == [("upperleg01.R", True)]
    with pytest.raises(KeyError, match="unknown joint 'elbo'"):
        joint_bones("elbo")


def test_forward_kinematics_of_a_bent_knee():
    sk = leg_skeleton()
    pose = pose_from_angles(sk, {"knee.L": [90.0, 0.0, 0.0]})
    _, p = forward_kinematics(sk, pose)
    knee, ankle = p[3], p[5]
    shin = sk.heads[5] - sk.heads[3]
    assert np.allclose(ankle - knee, euler_matrix([90.0, 0, 0]) @ shin)
    assert np.allclose(p[:4], sk.heads[:4])  # bones above the knee do not move


def test_mirror_pose_swaps_sides_and_mirrors_central_joints():
    out = mirror_pose({"hip.L": [-30, 5, 0], "spine": [10, 4, -6], "knee": 20, "offset": [0.1, 0, 0]})
    assert out == {"hip.R": [-30, 5, 0], "spine": [10.0, -4.0, 6.0], "knee": 20,
                   "offset": [-0.1, 0.0, 0.0]}


# --- motions -------------------------------------------------------------------------------

def test_interpolation_hits_keyframes_exactly(tmp_path):
    tl = build_timeline(load_motion(write(tmp_path, MOTION)))
    # keyframes reached at the end of each move, and kept through the holds
    t = np.array([0.0, 1.0, 1.5, 3.5, 4.0, 5.0, 5.5])
    v = tl.sample(t)
    assert np.array_equal(v["knee"][:, 0], [10, 10, 90, 90, 10, 10, 90])
    assert np.array_equal(v["hip.L"][[0, 2, 3]], [[0, 0, 0], [-30, 5, 0], [-30, 5, 0]])
    mid = tl.sample(np.array([1.25]))["knee"][0, 0]
    assert mid == pytest.approx(50.0)  # cosine ease: halfway in value at half time


def test_timeline_labels_reps_and_holds(tmp_path):
    tl = build_timeline(load_motion(write(tmp_path, MOTION)))
    assert tl.duration_s == pytest.approx(9.0)
    t = tl.frame_times(10.0)
    assert len(t) == 90 and t[1] == pytest.approx(0.1)
    phase = tl.phases(np.array([0.5, 1.2, 1.5, 3.4, 3.7, 4.2]))
    assert phase.tolist() == [0, 1, 2, 2, 1, 0]
    assert tl.rep_events() == [
        {"start_s": 1.0, "end_s": 4.0, "side": "left", "direction": None},
        {"start_s": 5.0, "end_s": 8.0, "side": "left", "direction": None}]
    assert [(h["start_s"], h["end_s"], h["pose"]) for h in tl.holds()] == [
        (1.5, 3.5, "up"), (5.5, 7.5, "up")]


def test_circle_steps_make_one_rep_per_turn(tmp_path):
    text = MOTION.split("[[timeline]]")[0] + textwrap.dedent("""
        [[timeline]]
        pose = "down"
        hold = 0.5
        [[timeline]]
        pose = "down"
        circle = { radius_m = 0.05, turns = 2, period_s = 2.4, direction = "clockwise" }
        """)
    tl = build_timeline(load_motion(write(tmp_path, text)))
    events = tl.rep_events()
    assert [e["direction"] for e in events] == ["clockwise", "clockwise"]
    assert events[0]["start_s"] == pytest.approx(0.5 + 0.6)
    assert events[0]["end_s"] == pytest.approx(0.5 + 0.6 + 2.4)
    off = tl.sample(np.array([1.1, 1.1 + 0.6]))["offset"]
    assert np.allclose(off, [[0.05, 0, 0], [0, -0.05, 0]], atol=1e-12)  # clockwise from above


@pytest.mark.parametrize(("change", "message"), [
    (("knee = 10", "kne = 10"), "poses.down: unknown joint(s) ['kne']"),
    (('pose = "down"\nhold', 'pose = "sit"\nhold'), "timeline step 0: unknown pose 'sit'"),
    (("hold = 1.0", "hold = -1.0"), "timeline.0.Step.hold: Input should be greater than or equal"),
])
def test_motion_errors_name_file_and_key(tmp_path, change, message):
    path = write(tmp_path, MOTION.replace(*change, 1))
    with pytest.raises(MotionError) as err:
        load_motion(path)
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)


def test_every_committed_motion_loads():
    files = sorted(MOTIONS.glob("*.toml"))
    motions = [f for f in files if f.name != "samples.toml"]
    assert motions, "no motion files"
    for f in motions:
        spec = load_motion(f)
        assert spec.exercise_id == f.stem
        tl = build_timeline(spec)
        assert tl.rep_events() or tl.holds(), f"{f.name}: neither reps nor holds"


# --- contacts ------------------------------------------------------------------------------

@pytest.mark.parametrize("target", [[0.1, -0.3, 0.4], [0.25, 0.1, 0.2], [-0.05, -0.2, 0.6]])
def test_two_link_ik_reaches_a_reachable_target(target):
    root, target = np.array([0.1, 0.0, 0.95]), np.array(target)
    mid = two_link_ik(root, target, 0.45, 0.42, pole=np.array([0.1, -1.0, 0.5]))
    assert np.linalg.norm(mid - root) == pytest.approx(0.45, abs=1e-9)
    assert np.linalg.norm(target - mid) == pytest.approx(0.42, abs=1e-9)
    assert np.dot(mid - root, [0, -1, 0]) > -1e-9  # bends toward the pole side


def test_two_link_ik_clamps_an_unreachable_target_along_its_direction():
    mid = two_link_ik(np.zeros(3), np.array([0.0, 0.0, -2.0]), 0.5, 0.5, pole=np.array([0, -1, 0]))
    assert np.allclose(mid, [0, 0, -0.5], atol=1e-4)


def test_leg_ik_plants_the_ankle_within_a_micrometre():
    sk = leg_skeleton()
    pose = pose_from_angles(sk, {"hip.L": [-40.0, 5.0, 0.0], "knee.L": [70.0, 0.0, 0.0]})
    target = np.array([0.12, -0.35, 0.35])
    solve_leg(sk, pose, "L", target)
    g, p = forward_kinematics(sk, pose)
    assert np.linalg.norm(p[5] - target) < 1e-6
    assert np.allclose(g[1] @ g[1].T, np.eye(3), atol=1e-12)
    # bone lengths are untouched
    assert np.linalg.norm(p[3] - p[1]) == pytest.approx(np.linalg.norm(sk.heads[3] - sk.heads[1]))


def test_keep_world_sets_the_world_rotation():
    sk = leg_skeleton()
    pose = pose_from_angles(sk, {"hip.L": [-40.0, 0, 0], "knee.L": [80.0, 0, 0]})
    keep_world(sk, pose, [5], np.eye(3)[None])
    g, _ = forward_kinematics(sk, pose)
    assert np.allclose(g[5], np.eye(3), atol=1e-12)


def test_level_pitch_brings_both_groups_to_the_same_height():
    names = ("root", "a", "b")
    sk = Skeleton(names, np.array([-1, 0, 0]), np.array([[0, 0, 0.5], [0, -0.4, 0.1],
                                                          [0, 0.4, 0.3]]))
    pose = PoseState(np.tile(np.eye(3), (3, 1, 1)), np.zeros(3))
    theta = level_pitch(sk, pose, [1], [2], 0.0, 0.0)
    _, p = forward_kinematics(sk, pose)
    assert p[1, 2] == pytest.approx(p[2, 2], abs=1e-9)
    assert -45 < theta < 45


# --- camera --------------------------------------------------------------------------------

def test_projection_of_known_points():
    cam = Camera(eye=np.array([0.0, -3.0, 0.0]), target=np.zeros(3), fov_y_deg=90.0,
                 width=200, height=100)
    px = cam.project(np.array([[0.0, 0.0, 0.0], [1.5, 0.0, 0.0], [0.0, 0.0, 1.5]]))
    assert np.allclose(px, [[100.0, 50.0], [125.0, 50.0], [100.0, 25.0]], atol=1e-9)
    assert np.isnan(project(np.array([[np.nan, 0, 0]]), np.eye(4), 10, 10)).all()


def test_side_view_looks_at_the_left_side_and_fits_the_body():
    assert np.allclose(view_direction("side", "left", 0.0), [1, 0, 0])
    assert np.allclose(view_direction("side", "right", 0.0), [-1, 0, 0])
    assert np.allclose(view_direction("front", "left", 0.0), [0, -1, 0], atol=1e-12)
    body = np.array([[0, -0.9, 0.0], [0, 0.9, 0.0], [0, 0, 0.4], [0.2, 0, 0.1]])
    cam = place_camera(body, view_direction("side", "left", 0.0), 0.75, 50.0, 640, 360, fill=0.8)
    px = cam.project(body)
    span = max(np.ptp(px[:, 0]) / 640, np.ptp(px[:, 1]) / 360)
    assert 0.7 < span <= 0.81


# --- ground truth --------------------------------------------------------------------------

def test_blazepose_mapping_puts_values_at_the_right_indices():
    names = sorted(set(JOINT_BONES.values()))
    values = np.arange(2 * len(names) * 2, dtype=float).reshape(2, len(names), 2)
    out = to_blazepose(values, names, JOINT_BONES)
    assert out.shape == (2, 33, 2)
    assert np.array_equal(out[:, 25], values[:, names.index("lowerleg01.L")])
    assert np.isnan(out[:, 0]).all() and np.isnan(out[:, 29]).all()  # no joint at nose, heel
    assert set(KEYPOINT_LABELS) >= {0, 11, 12, 23, 24, 25, 26, 27, 28, 29, 30}


def test_manifest_entry_and_update(tmp_path):
    entry = manifest_entry(
        file="x_side.mp4", spec_info={"exercise": "x", "exercise_id": "x"},
        events=[{"start_s": 1.0, "end_s": 3.0, "side": "left", "direction": None}],
        holds=[{"start_s": 1.5, "end_s": 2.5, "duration_s": 1.0, "pose": "up", "side": "left"}],
        fps=30.0, frames=120, size=(640, 360), sha256="0" * 64, camera={"view": "side"},
        body={"age": 0.7}, variant="good", notes="", args=["x"])
    assert (entry["reps"], entry["reps_left"], entry["reps_right"]) == (1, 1, 0)
    assert entry["truth"] == "x_side.truth.npz" and entry["duration_s"] == 4.0
    assert entry["holds"][0]["note"] == ""
    manifest = tmp_path / "manifest.json"
    update_manifest(manifest, entry)
    update_manifest(manifest, entry)
    assert [c["file"] for c in json.loads(manifest.read_text())["clips"]] == ["x_side.mp4"]


def _sample_entries() -> list[dict]:
    path = SAMPLES / "manifest.json"
    return json.loads(path.read_text())["clips"] if path.is_file() else []


@pytest.mark.parametrize("entry", _sample_entries(), ids=lambda e: e["file"])
def test_committed_samples_match_their_truth_and_motion(entry):
    truth = np.load(SAMPLES / entry["truth"])
    n = entry["frames"]
    assert np.allclose(truth["t_s"], np.arange(n) / entry["fps"])
    assert truth["joints_px"].shape == (n, 33, 2) and truth["keypoints_px"].shape == (n, 33, 2)
    assert truth["joints_world"].shape == (n, 33, 3) and truth["phase"].dtype == np.int8
    assert np.isfinite(truth["joints_px"][:, [11, 23, 25, 27]]).all()
    assert set(np.unique(truth["phase"])) <= {0, 1, 2}
    spec = load_motion(MOTIONS / f"{entry['exercise_id']}.toml")
    from posecoach.synth.motion import apply_variant

    tl = build_timeline(apply_variant(spec, entry["variant"]))
    assert entry["reps"] == len(tl.rep_events())
    assert len(entry["holds"]) == len(tl.holds())
    assert np.array_equal(truth["phase"], tl.phases(truth["t_s"]))


def test_committed_sample_files_are_small():
    for entry in _sample_entries():
        assert (SAMPLES / entry["file"]).stat().st_size < 1_500_000, entry["file"]


# --- the heavy parts, only with the `synth` extra ------------------------------------------

def test_numpy_rig_matches_anny_forward_kinematics():
    torch = pytest.importorskip("torch")
    pytest.importorskip("anny")
    from posecoach.synth.body import DEFAULT_CACHE_DIR, Body, Phenotype

    if not DEFAULT_CACHE_DIR.is_dir():
        pytest.skip(f"anny cache {DEFAULT_CACHE_DIR} not built (about 790 MB, 40 s)")
    body = Body(Phenotype(age=0.7), DEFAULT_CACHE_DIR)
    sk = body.skeleton
    pose = pose_from_angles(sk, {"root": [-90, 0, 0], "hip": [-50, 4, 0], "knee": [95, 0, 0],
                                 "spine": [10, 5, 0], "shoulder.L": [-30, 20, 10]})
    pose.translation = np.array([0.1, -0.2, 0.3])
    _, p = forward_kinematics(sk, pose)
    posed = body.pose([pose])
    assert np.abs(posed.bone_heads[0] - p).max() < 1e-9
    assert posed.keypoints.shape == (1, 23, 3) and torch.is_grad_enabled()


# --- contact plumbing and the CLI's sample list --------------------------------------------

def arm_skeleton() -> Skeleton:
    names = ("root", "upperarm01.L", "upperarm02.L", "lowerarm01.L", "lowerarm02.L", "wrist.L")
    heads = np.array([[0, 0, 1.0], [0.2, 0, 1.4], [0.22, 0, 1.3], [0.25, 0, 1.1],
                      [0.27, 0, 1.0], [0.3, 0, 0.85]])
    return Skeleton(names, np.array([-1, 0, 1, 2, 3, 4]), heads)


def _contact(**kw):
    from posecoach.synth.motion import Contact

    return Contact(**kw)


def test_plant_puts_a_hand_on_the_floor_then_keeps_it_there():
    from posecoach.synth.contacts import Controls, apply_contacts, reference_of

    sk = arm_skeleton()
    plant = _contact(kind="plant", joints=["wrist.L"], clearance_m=0.95)
    first = pose_from_angles(sk, {})
    apply_contacts(sk, first, [plant], None)
    _, p = forward_kinematics(sk, first)
    assert p[5, 2] == pytest.approx(0.95, abs=1e-6)  # put down at the clearance height
    ref = reference_of(sk, first)
    later = pose_from_angles(sk, {"shoulder.L": [-30.0, 0, 0]})
    later.translation = np.array([0.0, 0.05, 0.02])
    apply_contacts(sk, later, [plant], ref, Controls())
    _, p = forward_kinematics(sk, later)
    assert np.linalg.norm(p[5] - ref.positions[5]) < 1e-6


def test_released_plant_follows_the_grip_control():
    from posecoach.synth.contacts import Controls, apply_contacts, reference_of

    sk = arm_skeleton()
    ref = reference_of(sk, pose_from_angles(sk, {}))
    plant = _contact(kind="plant", joints=["wrist.L"], blend="release")
    free = pose_from_angles(sk, {"shoulder.L": [-40.0, 0, 0]})
    _, expected = forward_kinematics(sk, free)
    apply_contacts(sk, free, [plant], ref, Controls(grip=1.0))
    _, p = forward_kinematics(sk, free)
    assert np.allclose(p, expected)  # fully released: the keyframes rule


def test_contacts_limited_to_a_side_skip_other_frames():
    from posecoach.synth.contacts import apply_contacts, reference_of

    sk = leg_skeleton()
    ref = reference_of(sk, pose_from_angles(sk, {}))
    anchor = _contact(kind="anchor", joints=["root"], axes="z", only_side="left")
    for side, moved in ((None, False), ("right", False), ("left", True)):
        pose = pose_from_angles(sk, {})
        pose.translation = np.array([0.0, 0.0, 0.3])
        apply_contacts(sk, pose, [anchor], ref, side=side)
        assert bool(pose.translation[2] == pytest.approx(0.0)) is moved


def test_anchor_adds_the_pose_offset():
    from posecoach.synth.contacts import Controls, apply_contacts, reference_of

    sk = leg_skeleton()
    ref = reference_of(sk, pose_from_angles(sk, {}))
    pose = pose_from_angles(sk, {})
    apply_contacts(sk, pose, [_contact(kind="anchor", joints=["root"])], ref,
                   Controls(offset=np.array([0.05, -0.02, 0.0])))
    assert np.allclose(pose.translation, [0.05, -0.02, 0.0])


def test_reach_puts_both_hands_around_one_knee():
    from posecoach.synth.contacts import Controls, apply_contacts

    names = ("root", "upperarm01.L", "lowerarm01.L", "wrist.L", "upperarm01.R", "lowerarm01.R",
             "wrist.R", "lowerleg01.L")
    heads = np.array([[0, 0, 0], [0.2, 0, 0.5], [0.25, 0, 0.2], [0.3, 0, -0.05],
                      [-0.2, 0, 0.5], [-0.25, 0, 0.2], [-0.3, 0, -0.05], [0.1, -0.4, 0.3]])
    sk = Skeleton(names, np.array([-1, 0, 1, 2, 0, 4, 5, 0]), heads)
    reach = _contact(kind="reach", joints=["wrist"], other=["knee.L"], spread_m=0.1)
    pose = pose_from_angles(sk, {})
    apply_contacts(sk, pose, [reach], None, Controls(grip=1.0))
    _, p = forward_kinematics(sk, pose)
    assert np.allclose(p[3], heads[7] + [0.05, 0, 0], atol=1e-6)
    assert np.allclose(p[6], heads[7] + [-0.05, 0, 0], atol=1e-6)


def test_variants_override_poses_and_tempo():
    from posecoach.synth.motion import apply_variant

    spec = load_motion(MOTIONS / "squat_to_chair.toml")
    rushed = build_timeline(apply_variant(spec, "rushed"))
    good = build_timeline(apply_variant(spec, "good"))
    assert rushed.duration_s < good.duration_s
    assert len(rushed.rep_events()) == len(good.rep_events())
    shallow = apply_variant(spec, "shallow")
    assert shallow.poses["seated"]["knee"] != spec.poses["seated"]["knee"]
    with pytest.raises(MotionError, match="unknown variant 'sloppy'"):
        apply_variant(spec, "sloppy")


def test_mirrored_steps_swap_the_working_leg():
    spec = load_motion(MOTIONS / "knee_to_chest.toml")
    tl = build_timeline(spec)
    events = tl.rep_events()
    assert [e["side"] for e in events] == ["left", "left", "right", "right"]
    left = tl.sample(np.array([events[0]["start_s"] + 1.5]))
    right = tl.sample(np.array([events[2]["start_s"] + 1.5]))
    assert np.allclose(left["hip.L"], right["hip.R"]) and np.allclose(left["hip.R"], right["hip.L"])


def test_every_recorded_sample_parses_with_the_cli():
    from posecoach.synth.cli import build_parser, sample_argvs

    samples = sample_argvs(MOTIONS / "samples.toml")
    assert {"glute_bridge_side", "squat_to_chair_side"} <= {name for name, _ in samples}
    parser = build_parser()
    for name, args in samples:
        a = parser.parse_args([*args, "-o", f"{name}.mp4"])
        spec = load_motion(MOTIONS / f"{a.exercise}.toml")
        assert a.variant == "good" or a.variant in spec.variants, name


def test_easing_into_a_hold_arrives_fast_and_exactly():
    from posecoach.synth.motion import _ease

    u = np.array([0.0, 0.5, 1.0])
    assert _ease(u, "in").tolist() == [0.0, 0.25, 1.0]
    assert _ease(u, "out").tolist() == [0.0, 0.75, 1.0]
    assert _ease(u, "cosine")[[0, 2]].tolist() == [0.0, 1.0]


def test_turned_pose_is_the_same_body_yawed_half_a_turn():
    from posecoach.synth.motion import turn_round

    values = {"root": np.array([-90.0, 10.0, 5.0]), "offset": np.array([0.1, 0.2, 0.0])}
    turned = turn_round(values)
    yaw = np.array([[-1.0, 0, 0], [0, -1.0, 0], [0, 0, 1.0]])
    assert np.allclose(euler_matrix(turned["root"]), yaw @ euler_matrix(values["root"]))
    assert np.allclose(turned["offset"], [-0.1, -0.2, 0.0])


def test_near_side_follows_the_camera():
    from posecoach.synth.camera import look_at
    from posecoach.synth.evaluate import near_side

    world = np.zeros((2, 33, 3))
    world[:, 23], world[:, 24] = [0.1, 0, 0.2], [-0.1, 0, 0.2]  # left hip at +x
    world[1, [23, 24]] = world[1, [24, 23]]  # turned round
    truth = {"joints_world": world, "camera_view": look_at(np.array([3.0, 0, 0.5]), np.zeros(3))}
    assert near_side(truth).tolist() == [True, False]
