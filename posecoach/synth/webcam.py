"""Webcam-like degradations of a clean frame: blur, gain, sensor noise, JPEG artefacts.

Deterministic: the noise of frame i comes from a generator seeded with (seed, i).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class WebcamOptions:
    noise_sigma: float = 2.0  # grey levels, Gaussian sensor noise
    jpeg_quality: int = 0  # 0 = off; 30-90 mimics an MJPEG webcam stream
    blur_sigma: float = 0.0  # pixels, optics/defocus
    gain: float = 1.0  # exposure multiplier (< 1 is a dim room)
    seed: int = 0

    def __post_init__(self) -> None:
        if self.noise_sigma < 0 or self.blur_sigma < 0 or self.gain <= 0:
            raise ValueError("noise_sigma and blur_sigma must be >= 0 and gain > 0")
        if not (self.jpeg_quality == 0 or 5 <= self.jpeg_quality <= 100):
            raise ValueError("jpeg_quality must be 0 (off) or within 5..100")


def degrade(frame: np.ndarray, index: int, opts: WebcamOptions) -> np.ndarray:
    """A degraded copy of an RGB uint8 frame."""
    import cv2

    img = frame.astype(np.float32)
    if opts.blur_sigma > 0:
        img = cv2.GaussianBlur(img, (0, 0), opts.blur_sigma)
    img *= opts.gain
    if opts.noise_sigma > 0:
        rng = np.random.default_rng([opts.seed, index])
        img += rng.normal(0.0, opts.noise_sigma, img.shape).astype(np.float32)
    out = np.clip(img + 0.5, 0, 255).astype(np.uint8)
    if opts.jpeg_quality:
        ok, buf = cv2.imencode(".jpg", out[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, opts.jpeg_quality])
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        out = cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1]
    return np.ascontiguousarray(out)
