"""Body gestures as the remote control: each fires its key once, after its hold, in any position.

Frame by frame on hand-built bodies (no model): every gesture of the table fires its own key
once its hold is done, in every orientation of the body (standing, lying on the back or front,
on the side of the camera's view), never twice for one hold, and again only after the hands
came away. The replays of rendered gesture clips and of every exercise recording through the
real model are in tests/e2e/test_gestures_rendered.py and tests/e2e/test_gestures_replay.py.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from posecoach.live.gestures import (
    DEFAULT_RULES,
    GESTURE_HINTS,
    GESTURES,
    GestureDetector,
    Zone,
    gesture_of,
    hand_places,
    zones_of,
)
from posecoach.live.signals import Key
from posecoach.types import NUM_LANDMARKS, Pose
from posecoach.types import Landmark as L

FPS = 30.0

# A standing body in MediaPipe's world axes (metres about the hips; y down, x toward the
# body's right as seen facing the camera: the left side is at +x).
_BODY = {
    L.NOSE: (0.0, -0.62, -0.09), L.MOUTH_LEFT: (0.025, -0.58, -0.08), L.MOUTH_RIGHT: (-0.025, -0.58, -0.08),
    L.LEFT_EAR: (0.07, -0.63, 0.0), L.RIGHT_EAR: (-0.07, -0.63, 0.0),
    L.LEFT_SHOULDER: (0.18, -0.48, 0.0), L.RIGHT_SHOULDER: (-0.18, -0.48, 0.0),
    L.LEFT_HIP: (0.1, 0.0, 0.0), L.RIGHT_HIP: (-0.1, 0.0, 0.0),
    L.LEFT_KNEE: (0.1, 0.42, 0.0), L.RIGHT_KNEE: (-0.1, 0.42, 0.0),
    L.LEFT_ANKLE: (0.1, 0.82, 0.0), L.RIGHT_ANKLE: (-0.1, 0.82, 0.0),
}
# Where each hand's centre goes for a zone (the left hand; the right one is mirrored in x).
_HAND = {Zone.HEAD: (0.09, -0.74, 0.02), Zone.MOUTH: (0.01, -0.58, -0.12), Zone.ACROSS: (-0.13, -0.42, -0.1),
         Zone.FREE: (0.22, 0.05, 0.0)}
_ELBOW = {Zone.HEAD: (0.3, -0.6, 0.0), Zone.MOUTH: (0.15, -0.3, -0.15), Zone.ACROSS: (0.2, -0.25, -0.12),
          Zone.FREE: (0.22, -0.22, 0.0)}


def body(left: Zone, right: Zone, rotation: np.ndarray | None = None) -> np.ndarray:
    """World landmarks (33, 3) with the hands in the given zones, optionally rotated as a whole."""
    world = np.zeros((NUM_LANDMARKS, 3))
    for mark, xyz in _BODY.items():
        world[mark] = xyz
    for zone, side, sign in ((left, "LEFT", 1.0), (right, "RIGHT", -1.0)):
        hand, elbow = np.array(_HAND[zone]) * [sign, 1, 1], np.array(_ELBOW[zone]) * [sign, 1, 1]
        world[L[f"{side}_ELBOW"]] = elbow
        world[L[f"{side}_WRIST"]] = hand + 0.35 * (elbow - hand) / np.linalg.norm(elbow - hand) * 0.2
        world[L[f"{side}_INDEX"]] = hand + [0.0, 0.0, -0.01]
        world[L[f"{side}_PINKY"]] = hand + [0.0, 0.0, 0.01]
    return world if rotation is None else world @ rotation.T


def _rotation(axis: int, deg: float) -> np.ndarray:
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    i, j = [k for k in range(3) if k != axis]
    r = np.eye(3)
    r[i, i], r[i, j], r[j, i], r[j, j] = c, -s, s, c
    return r


# Standing facing the camera, standing side on, lying on the back and on the front (head to
# either side), and lying seen from the feet: a gesture reads the same in each.
ORIENTATIONS = {
    "standing": np.eye(3), "standing_side_on": _rotation(1, 90), "supine": _rotation(0, -90) @ _rotation(2, 90),
    "supine_head_right": _rotation(2, 180) @ _rotation(0, -90) @ _rotation(2, 90),
    "prone": _rotation(0, 90) @ _rotation(2, 90), "lying_seen_from_the_feet": _rotation(0, -90),
}


def pose_of(world: np.ndarray, t_s: float) -> Pose:
    return Pose(np.zeros((NUM_LANDMARKS, 2)), world, np.ones(NUM_LANDMARKS), np.ones(NUM_LANDMARKS),
                (640, 360))


def run(script: list[tuple[float, np.ndarray | None]], detector: GestureDetector | None = None):
    """Feed (seconds, world or None) segments at 30 fps; the readings with their times."""
    detector = detector or GestureDetector()
    out, i = [], 0
    for duration, world in script:
        for _ in range(round(duration * FPS)):
            t = i / FPS
            out.append((t, detector.update(None if world is None else pose_of(world, t), t)))
            i += 1
    return out


def fired(readings) -> list[tuple[float, Key]]:
    return [(round(t, 3), r.fired) for t, r in readings if r.fired is not None]


REST = body(Zone.FREE, Zone.FREE)


def test_every_key_the_interface_promises_has_a_gesture_and_a_hint():
    assert {Key.HURT, Key.PAUSE, Key.SKIP, Key.YES, Key.NO, Key.MUTE} <= set(GESTURE_HINTS)
    assert [g.key for g in GESTURES] == list(GESTURE_HINTS)
    assert len({frozenset(g.hands) for g in GESTURES}) == len(GESTURES)  # no two alike
    assert all(g.hands != (Zone.FREE, Zone.FREE) for g in GESTURES)  # resting hands say nothing


@pytest.mark.parametrize("orientation", ORIENTATIONS)
@pytest.mark.parametrize("gesture", GESTURES, ids=lambda g: g.key.value)
@pytest.mark.parametrize("mirrored", [False, True], ids=["as_listed", "other_hands"])
def test_each_gesture_fires_its_key_once_after_its_hold(gesture, orientation, mirrored):
    left, right = gesture.hands[::-1] if mirrored else gesture.hands
    rot = ORIENTATIONS[orientation]
    readings = run([(1.0, body(Zone.FREE, Zone.FREE, rot)), (gesture.hold_s + 1.0, body(left, right, rot)),
                    (1.0, body(Zone.FREE, Zone.FREE, rot))])
    start = 1.0
    assert fired(readings) == [(pytest.approx(start + gesture.hold_s, abs=1.01 / FPS), gesture.key)]
    during = [r for t, r in readings if start <= t < start + gesture.hold_s - 1e-6]
    assert {r.candidate for r in during} == {gesture.key}
    progress = [r.progress for r in during]
    assert progress == sorted(progress) and progress[0] == 0.0 and progress[-1] > 0.95


def test_zones_of_the_hand_built_bodies():
    for left in Zone:
        for right in Zone:
            assert zones_of(hand_places(body(left, right))) == (left, right)


def test_a_gesture_let_go_before_its_hold_is_done_fires_nothing():
    hold = GESTURES[0].hold_s
    readings = run([(1.0, REST), (hold - 0.3, body(Zone.HEAD, Zone.HEAD)), (1.0, REST)] * 3)
    assert fired(readings) == []
    assert max(r.progress for _, r in readings) < 1.0


def test_held_on_it_fires_once_and_again_only_after_the_hands_came_away():
    hurt = body(Zone.HEAD, Zone.HEAD)
    readings = run([(1.0, REST), (5.0, hurt), (DEFAULT_RULES.release_s + 0.2, REST), (2.0, hurt)])
    assert [k for _, k in fired(readings)] == [Key.HURT, Key.HURT]


def test_lowering_one_hand_after_it_hurts_never_also_says_yes():
    readings = run([(1.0, REST), (2.0, body(Zone.HEAD, Zone.HEAD)), (3.0, body(Zone.HEAD, Zone.FREE)), (1.0, REST)])
    assert [k for _, k in fired(readings)] == [Key.HURT]


def test_a_short_landmark_glitch_does_not_restart_the_hold():
    yes = body(Zone.HEAD, Zone.FREE)
    glitch = DEFAULT_RULES.grace_s - 0.1
    readings = run([(1.0, REST), (0.8, yes), (glitch, None), (0.8, yes), (1.0, REST)])
    assert [k for _, k in fired(readings)] == [Key.YES]
    longer = run([(1.0, REST), (0.8, yes), (DEFAULT_RULES.grace_s + 0.2, None), (0.8, yes), (1.0, REST)])
    assert fired(longer) == []


def test_nobody_seen_or_unknown_landmarks_is_no_gesture():
    readings = run([(3.0, None), (3.0, np.full((NUM_LANDMARKS, 3), np.nan))])
    assert all(r.candidate is None and r.fired is None and r.progress == 0.0 for _, r in readings)


def test_time_going_back_starts_afresh():
    detector = GestureDetector()
    hurt = body(Zone.HEAD, Zone.HEAD)
    run([(1.0, REST), (0.8, hurt)], detector)  # most of a hold, then the source restarts
    again = run([(0.5, hurt)], detector)
    assert fired(again) == [] and again[0][1].progress == 0.0


def test_a_hand_at_the_edge_of_a_zone_does_not_flicker():
    # The hand jitters 2 cm about the head zone's entry distance: once in, it stays in.
    rng = np.random.default_rng(0)
    places = hand_places(body(Zone.HEAD, Zone.FREE))
    zones = None
    seen = []
    for _ in range(200):
        jitter = places.to_head.copy()
        jitter[0] = DEFAULT_RULES.head_enter + rng.normal(0, 0.04)
        p = dataclasses.replace(places, to_head=jitter, to_mouth=np.full(2, 1.0))  # behind the head
        zones = zones_of(p, DEFAULT_RULES, zones)
        seen.append(zones[0])
    first = seen.index(Zone.HEAD)
    assert set(seen[first:]) == {Zone.HEAD}


def test_gesture_of_takes_the_hands_either_way_round():
    for g in GESTURES:
        assert gesture_of(g.hands) is g and gesture_of(g.hands[::-1]) is g
    assert gesture_of((Zone.FREE, Zone.FREE)) is None


def test_a_hand_in_front_of_the_face_is_not_on_the_head():
    """Lying on the front in a press-up, a hand on the floor by the face once read as "yes"."""
    world = body(Zone.FREE, Zone.FREE)
    world[[L.LEFT_WRIST, L.LEFT_INDEX, L.LEFT_PINKY]] = (0.0, -0.62, -0.22)
    # 13 cm in front of the nose and level with it is where the model puts a finger at the lips,
    # so this one point may read as the mouth; never as the head. (Whether a press-up ever holds
    # it there long enough to mute is measured on the real recordings: test_gestures_replay.py.)
    assert Zone.HEAD not in zones_of(hand_places(world))


def test_points_a_gesture_does_not_use_may_be_unknown_and_the_nose_stands_in_for_the_mouth():
    """Ground truth has no eye or mouth corners (NaN): its gestures still read, a finger to the lips too."""
    for left, right in [(Zone.HEAD, Zone.HEAD), (Zone.MOUTH, Zone.FREE), (Zone.ACROSS, Zone.FREE)]:
        world = body(left, right)
        world[[L.LEFT_EYE_INNER, L.LEFT_EYE_OUTER, L.RIGHT_EYE_INNER, L.RIGHT_EYE_OUTER,
               L.MOUTH_LEFT, L.MOUTH_RIGHT]] = np.nan
        gesture = gesture_of((left, right))
        readings = run([(1.0, REST), (gesture.hold_s + 0.5, world), (1.0, REST)])
        assert [k for _, k in fired(readings)] == [gesture.key]
    no_hand = body(Zone.HEAD, Zone.FREE)
    no_hand[L.RIGHT_WRIST] = np.nan  # a point it reads from unknown: no gesture
    assert all(r.candidate is None for _, r in run([(2.0, no_hand)]))


def test_a_hand_on_the_head_read_too_far_along_the_cameras_axis_is_still_on_the_head(monkeypatch):
    """The model's depth is its weakest axis: lying side on, it read hands on the head 0.3-0.4 m off."""
    import posecoach.live.gestures as gestures

    for shift in (-0.2, 0.45):
        world = body(Zone.HEAD, Zone.HEAD, ORIENTATIONS["supine"])
        world[[L.LEFT_WRIST, L.LEFT_INDEX, L.LEFT_PINKY], 2] += shift
        assert zones_of(hand_places(world)) == (Zone.HEAD, Zone.HEAD), shift
        with monkeypatch.context() as m:
            m.setattr(gestures, "DEPTH_WEIGHT", 1.0)  # depth at full weight: off the head
            assert zones_of(hand_places(world))[0] == Zone.FREE, shift
        world[[L.LEFT_WRIST, L.LEFT_INDEX, L.LEFT_PINKY], 2] += shift  # twice as far: off the head
        assert zones_of(hand_places(world))[0] == Zone.FREE, shift


def test_a_hand_on_the_chest_read_in_front_of_it_is_still_on_it_facing_the_camera(monkeypatch):
    """The model puts a hand on the body 0.15-0.3 m nearer the camera than the body: facing the
    camera that depth weighs little; side on it is the body's left and right, so it counts fully."""
    import posecoach.live.gestures as gestures

    hand = [L.LEFT_WRIST, L.LEFT_INDEX, L.LEFT_PINKY]
    facing = body(Zone.ACROSS, Zone.FREE)
    facing[hand, 2] -= 0.2
    assert zones_of(hand_places(facing)) == (Zone.ACROSS, Zone.FREE)
    with monkeypatch.context() as m:
        m.setattr(gestures, "FACING_DEPTH_WEIGHT", 1.0)  # depth at full weight: off the shoulder
        assert zones_of(hand_places(facing))[0] == Zone.FREE
    side_on = body(Zone.ACROSS, Zone.FREE, ORIENTATIONS["standing_side_on"])
    side_on[hand, 2] -= 0.2
    assert zones_of(hand_places(side_on))[0] == Zone.FREE


def _pixels(world: np.ndarray, per_metre: float = 400.0) -> np.ndarray:
    """The world seen straight on from far away: x and y in pixels, depth dropped."""
    return world[:, :2] * per_metre + (320.0, 180.0)


def test_a_hand_is_placed_across_the_picture_by_its_pixels():
    world = body(Zone.FREE, Zone.FREE)
    same = hand_places(world, _pixels(world))
    for name in ("to_head", "to_other_shoulder", "to_mouth"):
        np.testing.assert_allclose(getattr(same, name), getattr(hand_places(world), name), atol=1e-9)
    xy = _pixels(world)
    xy[[L.LEFT_WRIST, L.LEFT_INDEX, L.LEFT_PINKY]] = xy[L.RIGHT_SHOULDER]  # the picture shows it there
    in_picture, in_world = hand_places(world, xy).to_other_shoulder[0], hand_places(world).to_other_shoulder[0]
    assert in_picture < DEFAULT_RULES.across_enter < in_world
    # The pixels are read at the body's own scale: a far camera (fewer pixels a metre) reads the same.
    np.testing.assert_allclose(hand_places(world, _pixels(world, 90.0)).to_mouth, same.to_mouth, atol=1e-9)


def test_pixels_that_do_not_show_the_body_leave_the_world_to_place_the_hands():
    world = body(Zone.ACROSS, Zone.FREE)
    by_world = dataclasses.asdict(hand_places(world))
    for xy in (np.zeros((NUM_LANDMARKS, 2)), np.full((NUM_LANDMARKS, 2), np.nan)):
        for name, values in dataclasses.asdict(hand_places(world, xy)).items():
            np.testing.assert_array_equal(values, by_world[name], err_msg=name)


def test_in_a_track_a_pose_without_pixels_leaves_only_itself_to_the_world():
    # Two poses: the picture shows the left hand on the right shoulder in the first, and nothing
    # in the second. The first is still read from its pixels, the second from the world.
    world = body(Zone.FREE, Zone.FREE)
    xy = _pixels(world)
    xy[[L.LEFT_WRIST, L.LEFT_INDEX, L.LEFT_PINKY]] = xy[L.RIGHT_SHOULDER]
    track = hand_places(np.stack([world, world]), np.stack([xy, np.full_like(xy, np.nan)]))
    assert track.to_other_shoulder[0, 0] == pytest.approx(hand_places(world, xy).to_other_shoulder[0])
    assert track.to_other_shoulder[1, 0] == pytest.approx(hand_places(world).to_other_shoulder[0])


def test_the_alarm_is_never_kept_waiting_by_another_gesture_s_grace():
    # One hand on the head ("yes" begun), then the other joins it: "stop, it hurts" fires its
    # own hold (1 s) after both hands are up, not a grace later.
    readings = run([(1.0, REST), (0.5, body(Zone.HEAD, Zone.FREE)), (1.5, body(Zone.HEAD, Zone.HEAD)), (1.0, REST)])
    [(t, key)] = fired(readings)
    assert key is Key.HURT
    assert t == pytest.approx(1.5 + 1.0, abs=1.5 / FPS)
