"""A pinhole camera as plain numpy: placement, OpenGL matrices and pixel projection.

World axes are the skeleton's: z up, x toward the body's left, -y toward its face (a
lying body's head is toward +y). Pixels: x right, y down, (0, 0) the top-left corner of
the image; ``x_px = (ndc_x + 1) / 2 * width`` as MediaPipe's ``x * width``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Horizontal direction from the body toward the camera, per view, before yaw.
_VIEW_AZIMUTH_DEG = {"side": 0.0, "oblique": -45.0, "front": -90.0, "feet": -90.0,
                     "top_feet": -90.0}


@dataclass(frozen=True)
class Camera:
    eye: np.ndarray  # (3,)
    target: np.ndarray  # (3,)
    fov_y_deg: float
    width: int
    height: int
    near: float = 0.05
    far: float = 30.0

    @property
    def aspect(self) -> float:
        return self.width / self.height

    def view_matrix(self) -> np.ndarray:
        return look_at(self.eye, self.target)

    def projection_matrix(self) -> np.ndarray:
        return perspective(self.fov_y_deg, self.aspect, self.near, self.far)

    def project(self, points: np.ndarray) -> np.ndarray:
        """Pixel coordinates (..., 2) of world points (..., 3); NaN stays NaN."""
        return project(points, self.projection_matrix() @ self.view_matrix(),
                       self.width, self.height)


def look_at(eye: np.ndarray, target: np.ndarray, up: tuple = (0.0, 0.0, 1.0)) -> np.ndarray:
    """World-to-camera matrix (OpenGL: the camera looks down its -z axis)."""
    eye, target = np.asarray(eye, float), np.asarray(target, float)
    f = target - eye
    f /= np.linalg.norm(f)
    s = np.cross(f, up)
    if np.linalg.norm(s) < 1e-9:  # looking straight down: any horizontal right vector
        s = np.array([1.0, 0.0, 0.0])
    s /= np.linalg.norm(s)
    u = np.cross(s, f)
    m = np.eye(4)
    m[0, :3], m[1, :3], m[2, :3] = s, u, -f
    m[:3, 3] = -m[:3, :3] @ eye
    return m


def perspective(fov_y_deg: float, aspect: float, near: float, far: float) -> np.ndarray:
    f = 1.0 / math.tan(math.radians(fov_y_deg) / 2.0)
    m = np.zeros((4, 4))
    m[0, 0], m[1, 1] = f / aspect, f
    m[2, 2] = (far + near) / (near - far)
    m[2, 3] = 2.0 * far * near / (near - far)
    m[3, 2] = -1.0
    return m


def project(points: np.ndarray, mvp: np.ndarray, width: int, height: int) -> np.ndarray:
    pts = np.asarray(points, float)
    h = np.concatenate([pts, np.ones((*pts.shape[:-1], 1))], axis=-1) @ mvp.T
    ndc = h[..., :2] / h[..., 3:4]
    return np.stack([(ndc[..., 0] + 1.0) * 0.5 * width, (1.0 - ndc[..., 1]) * 0.5 * height], -1)


def view_direction(view: str, facing: str, yaw_deg: float) -> np.ndarray:
    """Unit horizontal vector from the subject toward the camera."""
    az = _VIEW_AZIMUTH_DEG[view] + yaw_deg
    if facing == "right":  # the subject's right side toward the camera: mirror in x
        az = 180.0 - az
    a = math.radians(az)
    return np.array([math.cos(a), math.sin(a), 0.0])


def place_camera(points: np.ndarray, direction: np.ndarray, height_m: float, fov_y_deg: float,
                 width: int, height: int, fill: float, distance_m: float | None = None) -> Camera:
    """A camera at `height_m` looking at the centre of `points` (N, 3) from `direction`.

    With no distance given, the distance is chosen (bisection) so the points fill
    `fill` of the image's width or height, whichever is reached first.
    """
    lo, hi = points.min(axis=0), points.max(axis=0)
    target = 0.5 * (lo + hi)

    def make(d: float) -> Camera:
        eye = target + d * direction
        eye[2] = height_m
        return Camera(eye, target.copy(), fov_y_deg, width, height)

    if distance_m is not None:
        return make(distance_m)
    near, far = 0.5, 15.0
    for _ in range(40):
        mid = 0.5 * (near + far)
        if _extent(make(mid), points) > fill:
            near = mid
        else:
            far = mid
    return make(far)


def _extent(cam: Camera, points: np.ndarray) -> float:
    """Largest half-extent of the projected points about the image centre, in NDC units."""
    px = cam.project(points)
    ndc_x = np.abs(px[:, 0] / cam.width * 2.0 - 1.0)
    ndc_y = np.abs(px[:, 1] / cam.height * 2.0 - 1.0)
    return float(max(ndc_x.max(), ndc_y.max()))


def horizontal_distance(cam: Camera) -> float:
    return float(np.linalg.norm((cam.eye - cam.target)[:2]))
