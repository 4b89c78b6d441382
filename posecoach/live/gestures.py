"""Body gestures as the remote control: a hand on the head, an arm across the chest, held a moment.

The person is on a mat 2-3 m from the keyboard, lying, kneeling or on all fours, so the live flow
also takes its keys from the body. Every gesture is made of where each hand rests on the body
itself, never of where it is in the room, so it reads the same lying on the back or front,
kneeling or standing, from the side or the front:

- HEAD: the hand on (or behind) the head;
- MOUTH: a finger to the lips ("shh"), nearer the mouth than the head's middle;
- ACROSS: the hand across the chest, on the other shoulder;
- FREE: anywhere else.

A gesture is a pair of zones, one per hand, either hand (table `GESTURES`): both hands on the head
says "stop, it hurts", one hand on the head "yes", one hand on the other shoulder "no", both arms
crossed on the chest "pause", a hand on the head with the other on the shoulder "next", a finger
to the lips "sound off (or on)". None of
the catalogue's exercises rests a hand there (tests/logic/test_gestures.py replays every sample and shared
clip to show it), and each is held for a moment before it counts, fires once, and re-arms only after
the hands have come away. From all fours, the person sits back on the heels first.

Distances are in torso lengths, so a child, a tall adult and a far or near camera read alike. A
hand's place across the picture is read from its pixels (the model's best reading), its depth
along the camera's axis from the world landmarks (metres), weighed down where that depth is the
model's weak reading (see `DEPTH_WEIGHT` and `FACING_DEPTH_WEIGHT`). Time comes only from the
frames' own timestamps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

import numpy as np

from posecoach import geometry
from posecoach.live.signals import Key
from posecoach.types import Landmark as L
from posecoach.types import Pose


class Zone(StrEnum):
    HEAD = "head"
    MOUTH = "mouth"  # a finger to the lips
    ACROSS = "across"  # on the other shoulder, the arm across the chest
    FREE = "free"


@dataclass(frozen=True)
class Gesture:
    """One gesture: the zones of the two hands (either way round), how long to hold, what it says."""

    key: Key
    hands: tuple[Zone, Zone]
    hold_s: float
    hint: str  # short screen text, also what is spoken to teach it


# The one table of gestures. The alarm is the quickest to give; everything else asks for a
# longer, deliberate hold.
GESTURES: tuple[Gesture, ...] = (
    Gesture(Key.HURT, (Zone.HEAD, Zone.HEAD), 1.0, "Both hands on your head: stop, it hurts"),
    Gesture(Key.YES, (Zone.HEAD, Zone.FREE), 1.5, "One hand on your head: yes"),
    Gesture(Key.NO, (Zone.ACROSS, Zone.FREE), 1.5, "One hand on the other shoulder: no"),
    Gesture(Key.PAUSE, (Zone.ACROSS, Zone.ACROSS), 1.5, "Arms crossed on your chest: pause or go on"),
    Gesture(Key.SKIP, (Zone.HEAD, Zone.ACROSS), 1.5, "One hand on your head, the other on the shoulder: next"),
    Gesture(Key.MUTE, (Zone.MOUTH, Zone.FREE), 1.5, "A finger to your lips: sound off or on"),
)
GESTURE_HINTS: Mapping[Key, str] = MappingProxyType({g.key: g.hint for g in GESTURES})
# Said once where gestures are taught: the shift asked of someone on all fours.
FROM_ALL_FOURS = "On all fours, sit back on your heels first."


@dataclass(frozen=True)
class ZoneRules:
    """Where a hand counts as on the head or across the chest, in torso lengths.

    Each zone is entered within `enter` and left beyond `leave` (a gap, so landmark jitter at the
    edge does not flicker the gesture on and off).
    """

    head_enter: float = 0.55  # hand to the centre of the head (between the ears)
    head_leave: float = 0.7
    head_above: float = 0.15  # and beyond the shoulders along the torso, toward the head
    across_enter: float = 0.35  # hand to the other shoulder (arms hanging in a forward bend come to 0.3-0.5)
    across_leave: float = 0.45
    across_midline: float = 0.1  # and past the middle of the chest, on the other side
    # Hand to the mouth. The model puts a hand at the lips 0.2-0.3 m in front of the face (depth,
    # its weakest reading: 0.24 torso lengths from the mouth, 0.77 of its distance to the head's
    # middle, on the rendered "shh"); a palm on the head is about 0.3 from the mouth but behind it.
    mouth_enter: float = 0.28
    mouth_leave: float = 0.34
    mouth_nearer: float = 0.82  # and at most this fraction of its distance to the head's middle
    # And level with the face along the torso (shoulders to head): a hand on the floor by the face,
    # lying on the front, is not (it came to 1.3 s of the 1.5 s hold without this, at most 0.07 s with).
    mouth_above: tuple[float, float] = (0.0, 0.35)
    grace_s: float = 0.25  # a gesture lost for less than this (a landmark glitch) is still held
    release_s: float = 0.3  # hands away this long before another gesture can fire


DEFAULT_RULES = ZoneRules()


@dataclass(frozen=True)
class HandPlaces:
    """Per hand (left, right): distances that place it on the body, in torso lengths.

    Arrays are shaped like the poses' leading axes plus (2,) for the hands (left, right).
    """

    to_head: np.ndarray
    above_shoulders: np.ndarray
    to_other_shoulder: np.ndarray
    past_midline: np.ndarray  # across the body's middle toward the other side (< 0: own side)
    to_mouth: np.ndarray
    # Its full 3D distance to the mouth over that to the head's middle: < 1 in front of the face,
    # > 1 on or behind the head. Depth counts fully here: front or back of the face is the question.
    mouth_over_head: np.ndarray


_HANDS = ((L.LEFT_WRIST, L.LEFT_INDEX, L.LEFT_PINKY), (L.RIGHT_WRIST, L.RIGHT_INDEX, L.RIGHT_PINKY))
# The points a gesture is read from; any other may be unknown (NaN). The nose stands in for the mouth.
_NEEDED = [L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_EAR, L.RIGHT_EAR, L.NOSE,
           *_HANDS[0], *_HANDS[1]]


# The model's world depth (z, along the camera's axis) of a hand near the body is its weakest
# reading: on the rendered gesture clips (samples/gestures/) it put hands on the head 0.3-0.4 m
# off along it, while x and y were within a few centimetres. The hand's distance to the head
# counts that depth at this weight, across the picture in the world's x and y. (Less, or its
# pixels, would read arms stretched past the head, sitting back on the heels, as on it: in pixels
# they came to 87 % of a hold.)
DEPTH_WEIGHT = 0.7
# The same error puts a hand on the chest or at the lips 0.15-0.3 m in front of it (0.3-0.65 torso
# lengths), the hand nearer the camera than the body it rests on. Where the body faces the camera
# that depth is only "how far in front of the body", so the distances to the other shoulder and to
# the mouth count it at this weight; side on, depth is the body's left and right (which shoulder,
# which side of the chest), so it counts fully there, and in between by how much the shoulder
# line lies across the picture. (A standing forward bend's hanging arms, seen side on, stay off
# the chest.)
FACING_DEPTH_WEIGHT = 0.3


@dataclass(frozen=True)
class _Points:
    """The points a hand is placed against, in one space (pixels or metres): (..., 2 hands, dims)."""

    hands: np.ndarray
    head: np.ndarray
    mouth: np.ndarray
    other_shoulder: np.ndarray


def _points(marks: np.ndarray) -> _Points:
    head = geometry.midpoint(marks[..., L.LEFT_EAR, :], marks[..., L.RIGHT_EAR, :])
    mouth = geometry.midpoint(marks[..., L.MOUTH_LEFT, :], marks[..., L.MOUTH_RIGHT, :])
    # Where the mouth is unknown (ground truth has no mouth corners) the nose, 3-4 cm above it, stands in.
    mouth = np.where(np.isfinite(mouth).all(axis=-1, keepdims=True), mouth, marks[..., L.NOSE, :])
    # The palm, not the wrist, rests on the body: the hand's three points stand for it.
    hands = np.stack([marks[..., list(idx), :].mean(axis=-2) for idx in _HANDS], axis=-2)
    other_shoulder = np.stack([marks[..., L.RIGHT_SHOULDER, :], marks[..., L.LEFT_SHOULDER, :]], axis=-2)
    return _Points(hands, head[..., None, :], mouth[..., None, :], other_shoulder)


def _pixels_per_metre(world: np.ndarray, xy: np.ndarray | None) -> np.ndarray | None:
    """The picture's scale at the body, per pose: the torso's and the shoulder line's length in
    pixels over their length in metres, the larger (foreshortening only shortens a line); NaN for
    a pose whose pixels do not show the torso (unknown, or all at one point). None: no pixels."""
    if xy is None:
        return None
    xy = np.asarray(xy, dtype=np.float64)
    ratios = []
    for a, b in (((L.LEFT_SHOULDER, L.RIGHT_SHOULDER), (L.LEFT_HIP, L.RIGHT_HIP)),
                 ((L.LEFT_SHOULDER,), (L.RIGHT_SHOULDER,))):
        px = geometry.distance(xy[..., list(a), :].mean(axis=-2), xy[..., list(b), :].mean(axis=-2))
        metres = geometry.distance(world[..., list(a), :].mean(axis=-2), world[..., list(b), :].mean(axis=-2))
        ratios.append(px / np.maximum(metres, 1e-6))
    scale = np.maximum(*ratios)
    return np.where(np.isfinite(scale) & (scale > 0), scale, np.nan)


def _hand_distance(world: _Points, seen: _Points | None, target: str, depth_weight: np.ndarray | float,
                   scale: np.ndarray | None) -> np.ndarray:
    """Hands to a target, in metres: across the picture from the pixels `seen` over `scale` (a
    pose without a scale, or no pixels at all: the world's x and y), along the camera's axis from
    the world's z at `depth_weight`."""
    across = (world.hands - getattr(world, target))[..., :2]
    if seen is not None and scale is not None:
        in_pixels = (seen.hands - getattr(seen, target)) / scale[..., None, None]
        across = np.where(np.isfinite(scale)[..., None, None], in_pixels, across)
    depth = (world.hands - getattr(world, target))[..., 2] * depth_weight
    return np.sqrt(np.sum(across**2, axis=-1) + depth**2)


def hand_places(world: np.ndarray, xy: np.ndarray | None = None) -> HandPlaces:
    """Where the hands are on the body, for one pose (33, 3) or a track (T, 33, 3) of world
    landmarks, with the same poses' pixels (33, 2) or (T, 33, 2) when known (else the world's x
    and y stand for the picture: MediaPipe's world axes are the camera's)."""
    world = np.asarray(world, dtype=np.float64)
    left_sh, right_sh = world[..., L.LEFT_SHOULDER, :], world[..., L.RIGHT_SHOULDER, :]
    shoulders = geometry.midpoint(left_sh, right_sh)
    hips = geometry.midpoint(world[..., L.LEFT_HIP, :], world[..., L.RIGHT_HIP, :])
    torso_len = np.maximum(geometry.distance(shoulders, hips), 1e-6)[..., None]
    up = geometry.unit(shoulders - hips)
    leftward = geometry.unit(geometry.square_to(left_sh - right_sh, up))  # toward the body's left
    # How much the shoulder line lies across the picture: 1 facing the camera (or back to it), 0 side on.
    facing = (np.linalg.norm((left_sh - right_sh)[..., :2], axis=-1)
              / np.maximum(geometry.distance(left_sh, right_sh), 1e-6))[..., None]
    body_depth_weight = FACING_DEPTH_WEIGHT * facing + (1.0 - facing)
    scale = _pixels_per_metre(world, xy)
    at = _points(world)
    seen = None if xy is None else _points(np.asarray(xy, dtype=np.float64))
    rel = at.hands - shoulders[..., None, :]
    lateral = np.sum(rel * leftward[..., None, :], axis=-1)
    # The left hand is past the middle when it is on the body's right (lateral < 0), and the other way.
    past = np.stack([-lateral[..., 0], lateral[..., 1]], axis=-1)
    return HandPlaces(
        to_head=_hand_distance(at, None, "head", DEPTH_WEIGHT, None) / torso_len,
        above_shoulders=np.sum(rel * up[..., None, :], axis=-1) / torso_len,
        to_other_shoulder=_hand_distance(at, seen, "other_shoulder", body_depth_weight, scale) / torso_len,
        past_midline=past / torso_len,
        to_mouth=_hand_distance(at, seen, "mouth", body_depth_weight, scale) / torso_len,
        mouth_over_head=(geometry.distance(at.hands, at.mouth)
                         / np.maximum(geometry.distance(at.hands, at.head), 1e-6)),
    )


def zones_of(places: HandPlaces, rules: ZoneRules = DEFAULT_RULES,
             previous: tuple[Zone, Zone] | None = None) -> tuple[Zone, Zone]:
    """The zone of each hand (left, right) in one pose; `previous` keeps a zone until it is left."""
    out = []
    for hand in (0, 1):
        was = previous[hand] if previous else Zone.FREE
        head_r = rules.head_leave if was == Zone.HEAD else rules.head_enter
        across_r = rules.across_leave if was == Zone.ACROSS else rules.across_enter
        mouth_r = rules.mouth_leave if was == Zone.MOUTH else rules.mouth_enter
        with np.errstate(invalid="ignore"):
            at_mouth = (places.to_mouth[hand] <= mouth_r
                        and places.mouth_over_head[hand] <= rules.mouth_nearer
                        and rules.mouth_above[0] <= places.above_shoulders[hand] <= rules.mouth_above[1])
            # On or behind the head, never in front of the face (a hand on the floor by the face,
            # lying on the front in a press-up, is nearer the mouth than the head's middle).
            on_head = (places.to_head[hand] <= head_r and places.above_shoulders[hand] >= rules.head_above
                       and places.mouth_over_head[hand] >= 1.0)
            across = (places.to_other_shoulder[hand] <= across_r and places.past_midline[hand] >= rules.across_midline
                      and places.above_shoulders[hand] < rules.head_above)
        out.append(Zone.MOUTH if at_mouth else Zone.HEAD if on_head else Zone.ACROSS if across else Zone.FREE)
    return out[0], out[1]


def gesture_of(zones: tuple[Zone, Zone]) -> Gesture | None:
    for gesture in GESTURES:
        if sorted(gesture.hands) == sorted(zones):
            return gesture
    return None


@dataclass(frozen=True)
class GestureReading:
    candidate: Key | None  # the gesture the body is making right now, None if none
    progress: float  # 0..1: how much of the required hold is done (for the on-screen fill)
    fired: Key | None  # set on the single frame the hold completes; re-arms only after release


_NOTHING = GestureReading(None, 0.0, None)


class GestureDetector:
    """Turns the pose stream into keys: a gesture held for its time fires once.

    After a gesture fires nothing else can fire until the hands have been away from every gesture
    for `release_s`, so lowering one hand after "both hands on the head" never also says "yes".
    """

    def __init__(self, rules: ZoneRules = DEFAULT_RULES) -> None:
        self._rules = rules
        self._reset()

    def _reset(self) -> None:
        self._zones: tuple[Zone, Zone] | None = None
        self._held: Gesture | None = None
        self._since_s = 0.0  # when the held gesture began
        self._seen_s = 0.0  # when the held gesture was last seen
        self._armed = True
        self._fired_this = False  # the held gesture has fired
        self._free_since_s: float | None = None  # when the hands last came away, while disarmed
        self._last_t_s: float | None = None

    def update(self, pose: Pose | None, t_s: float) -> GestureReading:
        if self._last_t_s is not None and t_s < self._last_t_s:
            self._reset()  # a new source: time went back
        self._last_t_s = t_s
        gesture = self._gesture(pose)
        self._track(gesture, t_s)
        self._rearm(gesture, t_s)
        if self._held is None:
            return _NOTHING
        if not self._armed:
            return GestureReading(self._held.key, 1.0 if self._fired_this else 0.0, None)
        progress = min(1.0, (t_s - self._since_s) / self._held.hold_s)
        if progress >= 1.0 and gesture is self._held:
            self._armed, self._fired_this, self._free_since_s = False, True, None
            return GestureReading(self._held.key, 1.0, self._held.key)
        return GestureReading(self._held.key, progress, None)

    def _gesture(self, pose: Pose | None) -> Gesture | None:
        if pose is None or not np.all(np.isfinite(pose.world[_NEEDED])):
            self._zones = None
            return None
        self._zones = zones_of(hand_places(pose.world, pose.xy), self._rules, self._zones)
        return gesture_of(self._zones)

    def _track(self, gesture: Gesture | None, t_s: float) -> None:
        """Follow the held gesture, forgiving a glitch shorter than the grace."""
        if gesture is not None and gesture is self._held:
            self._seen_s = t_s
            return
        alarm = gesture is not None and gesture.key is Key.HURT  # never kept waiting by another's grace
        if self._held is not None and t_s - self._seen_s <= self._rules.grace_s and not alarm:
            return
        self._held, self._fired_this = gesture, False
        self._since_s = self._seen_s = t_s

    def _rearm(self, gesture: Gesture | None, t_s: float) -> None:
        if self._armed:
            return
        if gesture is not None:
            self._free_since_s = None
            return
        if self._free_since_s is None:
            self._free_since_s = t_s
        if t_s - self._free_since_s >= self._rules.release_s:
            self._armed = True
