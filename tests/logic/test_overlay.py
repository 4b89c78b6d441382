"""The overlay on synthetic frames: what it draws, where, at every frame size."""

import cv2
import numpy as np
import pytest

from posecoach.overlay import draw as overlay
from posecoach.overlay.hud import AngleLabel, Hud
from posecoach.types import Landmark, Pose

from synthetic import bridge_xy

AMBER = np.array(overlay.ACCENT)


def _pose(size: tuple[int, int]) -> Pose:
    scale = min(size) / 720
    xy = bridge_xy(60.0) * scale
    xy = np.nan_to_num(xy)
    return Pose(xy, np.zeros((33, 3)), np.full(33, 0.9), np.full(33, 0.9), size)


def _hud(pose: Pose, cue: str | None = "Lift your hips a little higher, into a straight line") -> Hud:
    hip = pose.xy[Landmark.LEFT_HIP]
    return Hud("Glute bridge", "Reps 2/10", "bridge", 1.5, 3.0, cue,
               (AngleLabel((float(hip[0]), float(hip[1])), "171"),),
               (int(Landmark.LEFT_SHOULDER), int(Landmark.LEFT_HIP), int(Landmark.LEFT_KNEE)))


def _amber(region: np.ndarray) -> int:
    return int((np.abs(region.astype(int) - AMBER).sum(axis=-1) < 40).sum())


@pytest.mark.parametrize("size", [(640, 360), (1280, 720), (1920, 1080), (1080, 1920)])
def test_overlay_draws_panel_skeleton_label_and_cue_at_any_size(size):
    width, height = size
    frame = np.full((height, width, 3), 200, np.uint8)
    pose = _pose(size)
    out = overlay.draw(frame, pose, _hud(pose))
    assert out.shape == frame.shape
    assert (frame == 200).all()  # the input frame is left untouched
    assert out[5:20, 5:20].mean() < 150  # the panel darkens the top-left corner
    assert _amber(out[int(height * 0.85):]) > 0.002 * width * height * 0.15  # the cue banner
    assert _amber(out) > _amber(out[int(height * 0.85):])  # highlighted bones and the label
    # The cue stays inside the frame, even on a narrow portrait frame.
    bottom = out[int(height * 0.9):]
    columns = np.flatnonzero((np.abs(bottom.astype(int) - AMBER).sum(axis=-1) < 40).any(axis=0))
    assert columns.min() > 0 and columns.max() < width - 1


def test_no_pose_draws_the_panel_only():
    frame = np.full((360, 640, 3), 200, np.uint8)
    hud = Hud("Glute bridge", "Reps 0/10", "getting into position", 0.0, 3.0, None)
    out = overlay.draw(frame, None, hud)
    assert out[5:20, 5:20].mean() < 150
    assert (out[200:, 300:] == 200).all()  # nothing drawn on the body area or as a cue


def test_a_track_replay_draws_on_a_blank_canvas_of_the_recorded_size():
    canvas = overlay.blank_canvas((640, 360))
    assert canvas.shape == (360, 640, 3) and canvas.max() == canvas.min()


def test_a_label_under_the_panel_is_drawn_below_it_and_the_panel_fits_its_text():
    frame = np.full((360, 640, 3), 200, np.uint8)
    hud = Hud("Glute bridge", "Reps 0/10", "bridge", 1.0, 3.0, None)
    bare = overlay.draw(frame, None, hud)
    changed = (bare != 200).any(axis=-1)
    panel_width, panel_height = int(np.flatnonzero(changed[5])[-1]) + 1, int(np.flatnonzero(changed[:, 5])[-1]) + 1
    assert 0 < panel_width < 0.5 * 640  # as wide as its text, not a fixed share of the frame
    pose = Pose(np.full((33, 2), 30.0), np.zeros((33, 3)), np.zeros(33), np.zeros(33), (640, 360))
    labelled = Hud(*[getattr(hud, f) for f in ("title", "reps", "phase", "hold_s", "hold_target_s", "cue")],
                   labels=(AngleLabel((30.0, 30.0), "82"),))
    out = overlay.draw(frame, pose, labelled)
    assert (out[:panel_height, :panel_width] == bare[:panel_height, :panel_width]).all()  # the panel reads as before
    assert _amber(out[panel_height:]) > 0  # the label, just below


@pytest.mark.parametrize("size", [(640, 360), (1920, 1080)])
def test_outlined_text_drawn_once_and_blended_reads_as_drawing_its_strokes(size):
    """The panel's texts are drawn once as coverage and blended on every frame: the result is
    that of the nine anti-aliased strokes within OpenCV's own rounding (two levels where nine
    strokes overlap), also where it is cut by the frame's edge."""
    width, height = size
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    expected, blended = frame.copy(), frame.copy()
    for text, org, color in (("Reps 2/10", (20, 40), overlay.GOOD), ("hold  1.5/3 s", (width - 60, 10), overlay.WHITE)):
        s, t = overlay._font(frame, 0.95, 2)
        d = max(1, round(t * 0.75))
        for dx, dy in ((-d, -d), (d, -d), (-d, d), (d, d), (0, -d), (0, d), (-d, 0), (d, 0)):
            cv2.putText(expected, text, (org[0] + dx, org[1] + dy), overlay.FONT, s, (0, 0, 0), t, cv2.LINE_AA)
        cv2.putText(expected, text, org, overlay.FONT, s, color, t, cv2.LINE_AA)
        overlay._text(blended, text, org, 0.95, color, 2)
    diff = np.abs(blended.astype(int) - expected)
    assert diff.max() <= 2 and (diff > 1).mean() < 1e-4


def test_drawing_in_place_draws_on_the_frame_itself():
    frame = np.full((360, 640, 3), 200, np.uint8)
    pose = _pose((640, 360))
    out = overlay.draw(frame, pose, _hud(pose), in_place=True)
    assert out is frame and (frame != 200).any()
    assert (out == overlay.draw(np.full_like(frame, 200), pose, _hud(pose))).all()
