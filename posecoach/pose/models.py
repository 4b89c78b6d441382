"""Pose model manager: the manifest, a verified cache, and fetching or building bundles.

Every model file posecoach uses is checked against the SHA-256 and size recorded in
`models/manifest.toml`. Missing files are downloaded (official bundles) or built from
the mediapipe 0.10.21 wheel on PyPI (`legacy_full`) into a temp file in the cache
directory, verified, and only then renamed into place, so a half-written or corrupted
file never passes for a model. Nothing here imports mediapipe except the build step.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import logging
import os
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, model_validator

from posecoach import documents
from posecoach.bundled import bundled_dir
from posecoach.errors import ModelError
from posecoach.paths import is_native
from posecoach.pose import bundle

logger = logging.getLogger(__name__)

DEFAULT_VARIANT = "legacy_full"
ENV_MODEL_DIR = "POSECOACH_MODEL_DIR"
DOWNLOAD_TIMEOUT_S = 60
CHUNK_BYTES = 1 << 20
STALE_PART_AGE_S = 24 * 3600
CACHE_FILE_MODE = 0o644

Progress = Callable[[int, int | None], None]
Notify = Callable[[str], None]


@dataclass(frozen=True)
class ModelSpec:
    """One manifest entry: where the bundle comes from and what it must hash to.

    Exactly one of `url` (download) and `build` (recipe) is set. An empty `sha256`
    means the checksum is unknown: the file is accepted on its size, with a warning.
    """

    name: str
    description: str
    sha256: str
    size: int
    url: str | None = None
    build: bundle.WheelRecipe | None = None

    @property
    def filename(self) -> str:
        return f"{self.name}.task"

    @property
    def download_size(self) -> int:
        return self.build.download_size if self.build else self.size


@dataclass(frozen=True)
class ModelStatus:
    """A row of `posecoach models list`. `path` is set only when installed and verified."""

    variant: str
    description: str
    installed: bool
    path: Path | None
    is_default: bool


# --- the manifest ------------------------------------------------------------------

_Sha256 = Annotated[str, Field(pattern=r"^([0-9a-f]{64})?$")]
_STRICT = ConfigDict(extra="forbid", frozen=True)


class _MemberEntry(BaseModel):
    model_config = _STRICT
    wheel_member: str = Field(min_length=1)
    bundle_name: str = Field(min_length=1)
    sha256: _Sha256 = Field(min_length=64)
    size: int = Field(gt=0)
    outputs: int = Field(gt=0)


class _BuildEntry(BaseModel):
    model_config = _STRICT
    wheel: str = Field(pattern=r"^[A-Za-z0-9_.-]+==[A-Za-z0-9_.+-]+$")
    download_size: int = Field(gt=0)
    members: list[_MemberEntry] = Field(min_length=1)


class _ManifestEntry(BaseModel):
    model_config = _STRICT
    description: str = Field(min_length=1)
    sha256: _Sha256
    size: int = Field(gt=0)
    url: str | None = Field(default=None, pattern=r"^https://")
    build: _BuildEntry | None = None

    @model_validator(mode="after")
    def _one_source(self) -> _ManifestEntry:
        if (self.url is None) == (self.build is None):
            raise ValueError("give exactly one of 'url' and 'build'")
        return self

    def to_spec(self, name: str) -> ModelSpec:
        recipe = None
        if self.build is not None:
            members = tuple(bundle.BundleMember(**m.model_dump()) for m in self.build.members)
            recipe = bundle.WheelRecipe(self.build.wheel, self.build.download_size, members)
        return ModelSpec(name, self.description, self.sha256, self.size, self.url, recipe)


def manifest_path() -> Path:
    """The shipped manifest, `models/manifest.toml`."""
    return bundled_dir("models") / "manifest.toml"


def load_manifest(path: Path | None = None) -> dict[str, ModelSpec]:
    """Read and validate the manifest; errors name the file and the key path."""
    path = path or manifest_path()
    data = documents.read_document(path, ModelError)
    specs: dict[str, ModelSpec] = {}
    for name, entry in data.items():
        if not isinstance(entry, dict):
            raise ModelError(f"{path}: {name}: expected a table of model settings")
        specs[name] = documents.validate(entry, _ManifestEntry, path, ModelError, at=name).to_spec(name)
    if DEFAULT_VARIANT not in specs:
        raise ModelError(f"{path}: the default variant '{DEFAULT_VARIANT}' is missing")
    return specs


def get_spec(variant: str, manifest: dict[str, ModelSpec] | None = None) -> ModelSpec:
    """The manifest entry for `variant`, or a ModelError listing the valid names."""
    manifest = manifest if manifest is not None else load_manifest()
    if variant not in manifest:
        valid = ", ".join(sorted(manifest))
        raise ModelError(f"unknown pose model '{variant}'; choose one of: {valid}")
    return manifest[variant]


# --- the cache ---------------------------------------------------------------------


def model_cache_dir() -> Path:
    """`$POSECOACH_MODEL_DIR`, else `<user cache dir>/posecoach/models`. Not created here.

    A folder MediaPipe could not open a model from is refused before anything is built into it,
    naming the setting to change: the model file's own name is ours, so renaming it cannot help.
    """
    override = os.environ.get(ENV_MODEL_DIR)
    folder = Path(override).expanduser() if override else Path(platformdirs.user_cache_dir("posecoach")) / "models"
    if not is_native(folder):
        where = f"{ENV_MODEL_DIR}={folder}" if override else f"{folder} (the model cache)"
        raise ModelError(f"{where}: MediaPipe cannot open a model under this folder (its name is not UTF-8 here); "
                         f"set {ENV_MODEL_DIR} to a folder with an ASCII path, or run under a UTF-8 locale")
    return folder


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def verify_file(path: Path, spec: ModelSpec) -> str | None:
    """Return why `path` is not a good copy of `spec`, or None when it is."""
    try:
        size = path.stat().st_size
        if size != spec.size:
            return f"it has {size} bytes, expected {spec.size} (incomplete or corrupted)"
        if not spec.sha256:
            logger.warning("No SHA-256 is recorded for '%s': checked its size only", spec.name)
            return None
        digest = file_sha256(path)
    except OSError as exc:
        return f"it cannot be read: {exc.strerror or exc}"
    if digest != spec.sha256:
        return f"its SHA-256 is {digest}, expected {spec.sha256} (corrupted or replaced)"
    return None


def installed_path(variant: str) -> Path | None:
    """The cached bundle for `variant` if it is present and verified, else None."""
    return _installed(get_spec(variant))


def _installed(spec: ModelSpec) -> Path | None:
    path = model_cache_dir() / spec.filename
    if path.is_file() and verify_file(path, spec) is None:
        return path
    return None


def model_table() -> list[ModelStatus]:
    """Every manifest variant with whether a verified copy is in the cache."""
    rows = []
    for name, spec in load_manifest().items():
        path = _installed(spec)
        rows.append(
            ModelStatus(name, spec.description, path is not None, path, name == DEFAULT_VARIANT)
        )
    return rows


# --- fetching and building ---------------------------------------------------------


def fetch_model(variant: str, progress: Progress | None = None) -> Path:
    """Download or build `variant` into the cache, verify it, and return its path.

    A verified copy already in the cache is returned as it is; a corrupted or
    incomplete one is removed and replaced.
    """
    spec = get_spec(variant)
    cache_dir = model_cache_dir()
    target = cache_dir / spec.filename
    if target.is_file():
        problem = verify_file(target, spec)
        if problem is None:
            return target
        logger.warning("Replacing the cached model %s: %s", target, problem)
        _remove(target)
    tmp = _new_part_file(cache_dir, spec.filename)
    try:
        _obtain(spec, tmp, progress)
        problem = verify_file(tmp, spec)
        if problem is not None:
            raise ModelError(_mismatch_message(spec, problem))
        tmp.chmod(CACHE_FILE_MODE)
        os.replace(tmp, target)
    except OSError as exc:
        raise _unwritable(cache_dir, exc) from exc
    finally:
        tmp.unlink(missing_ok=True)
    logger.info("Pose model '%s' is ready at %s", variant, target)
    return target


def _obtain(spec: ModelSpec, dest: Path, progress: Progress | None) -> None:
    if spec.build is not None:
        logger.info("Building pose model '%s' from %s", spec.name, spec.build.wheel)
        started = time.monotonic()
        bundle.build_bundle(spec.build, dest)
        logger.info("Built '%s' in %.1f s", spec.name, time.monotonic() - started)
    elif spec.url is not None:
        _download(spec.name, spec.url, dest, spec.size, progress)


def _download(name: str, url: str, dest: Path, expected: int, progress: Progress | None) -> None:
    """Stream `url` into `dest`, reporting (bytes done, total or None) to `progress`."""
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdecimal() else None
            _copy_stream(response, dest, expected, total, progress)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ModelError(
            f"could not download pose model '{name}' from {url}: {reason}. Check your "
            f"internet connection, or run 'posecoach models fetch {DEFAULT_VARIANT}' "
            "(builds from PyPI), or pass --model PATH"
        ) from exc


def _copy_stream(
    response: Any, dest: Path, expected: int, total: int | None, progress: Progress | None
) -> None:
    """Copy the response body into `dest`; write errors name the cache directory."""
    done = 0
    try:
        out = dest.open("wb")
    except OSError as exc:
        raise _unwritable(dest.parent, exc) from exc
    with out:
        while chunk := response.read(CHUNK_BYTES):
            done += len(chunk)
            if done > expected:
                raise ModelError(f"the server sent more than the expected {expected} bytes")
            try:
                out.write(chunk)
            except OSError as exc:
                raise _unwritable(dest.parent, exc) from exc
            if progress is not None:
                progress(done, total)


def _mismatch_message(spec: ModelSpec, problem: str) -> str:
    if spec.build is None:
        return (
            f"the downloaded pose model '{spec.name}' failed verification: {problem}. "
            "It was removed; try again, or pass --model PATH"
        )
    return (
        f"the pose model '{spec.name}' built from {spec.build.wheel} failed "
        f"verification: {problem}. The installed mediapipe ({_mediapipe_version()}) may "
        "write model metadata differently; report this, or pass --model PATH"
    )


def _mediapipe_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mediapipe")
    except PackageNotFoundError:
        return "not installed"


def _new_part_file(cache_dir: Path, filename: str) -> Path:
    """Create the cache dir and an empty temp file in it, clearing stale ones first."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        _remove_stale_parts(cache_dir, filename)
        fd, name = tempfile.mkstemp(dir=cache_dir, prefix=f".{filename}.", suffix=".part")
    except OSError as exc:
        raise _unwritable(cache_dir, exc) from exc
    os.close(fd)
    return Path(name)


def _remove_stale_parts(cache_dir: Path, filename: str) -> None:
    cutoff = time.time() - STALE_PART_AGE_S
    for part in cache_dir.glob(f".{filename}.*.part"):
        with contextlib.suppress(FileNotFoundError):  # another process may race us
            if part.stat().st_mtime < cutoff:
                logger.info("Removing an abandoned partial download %s", part)
                part.unlink()


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise _unwritable(path.parent, exc) from exc


def _unwritable(cache_dir: Path, exc: OSError) -> ModelError:
    return ModelError(
        f"cannot write to the model cache directory {cache_dir}: {exc.strerror or exc}. "
        f"Make it writable, set {ENV_MODEL_DIR} to a writable directory, or pass --model PATH"
    )


# --- resolving ---------------------------------------------------------------------


def resolve_model(
    variant: str | None = None, path: Path | None = None, notify: Notify | None = None
) -> Path:
    """Return a verified `.task` path: `path` if given (checked), else the cached variant.

    On first use the variant is fetched or built, and `notify` gets one line saying so.
    """
    if path is not None:
        return bundle.check_bundle(Path(path))
    spec = get_spec(variant or DEFAULT_VARIANT)
    found = _installed(spec)
    if found is not None:
        return found
    if notify is not None:
        notify(first_use_notice(spec, model_cache_dir()))
    return fetch_model(spec.name)


def first_use_notice(spec: ModelSpec, cache_dir: Path) -> str:
    verb = "Building" if spec.build else "Downloading"
    source = " from PyPI" if spec.build else ""
    megabytes = round(spec.download_size / 1e6)
    return (
        f"{verb} pose model '{spec.name}' into {_tilde(cache_dir)} "
        f"(first use, about {megabytes} MB download{source})..."
    )


def _tilde(path: Path) -> str:
    home = Path.home()
    try:
        return str(Path("~") / path.relative_to(home))
    except ValueError:
        return str(path)
