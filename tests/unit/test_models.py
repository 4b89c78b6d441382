"""The pose-model manager: manifest, verified cache, fetch, explicit paths, bundle writing.

Unit tests use small fake files served from `file://` URLs and a patched manifest; they
never touch the network. The one `e2e` test builds (or reuses) the real `legacy_full`.
"""

from __future__ import annotations

import hashlib
import logging
import subprocess
import sys
import textwrap
import urllib.error
import zipfile
from pathlib import Path

import pytest

from posecoach.errors import ModelError
from posecoach.pose import bundle, models
from posecoach.pose.models import ModelSpec

FAKE_BYTES = b"posecoach fake model " * 500
DETECTOR_SHA256 = "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c"
LANDMARK_SHA256 = "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache" / "models"
    monkeypatch.setenv(models.ENV_MODEL_DIR, str(directory))
    return directory


@pytest.fixture
def fake_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModelSpec:
    """A manifest with one downloadable `fake` entry served from a local file."""
    source = tmp_path / "server" / "fake.task"
    source.parent.mkdir()
    source.write_bytes(FAKE_BYTES)
    spec = ModelSpec("fake", "A fake model", sha256(FAKE_BYTES), len(FAKE_BYTES), source.as_uri())
    manifest = {"fake": spec}
    monkeypatch.setattr(models, "load_manifest", lambda path=None: manifest)
    return spec


def write_manifest(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "manifest.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# --- the manifest ------------------------------------------------------------------


def test_real_manifest_has_the_expected_variants() -> None:
    manifest = models.load_manifest()
    assert sorted(manifest) == ["full", "heavy", "legacy_full", "lite"]
    assert models.DEFAULT_VARIANT == "legacy_full"


@pytest.mark.parametrize("name", ["lite", "full", "heavy"])
def test_official_entries_are_pinned_downloads(name: str) -> None:
    spec = models.load_manifest()[name]
    assert spec.url == (
        "https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
        f"pose_landmarker_{name}/float16/1/pose_landmarker_{name}.task"
    )
    assert spec.build is None
    assert len(spec.sha256) == 64 and int(spec.sha256, 16) >= 0
    assert spec.size > 1_000_000
    assert spec.description


def test_legacy_full_entry_is_a_build_from_the_pinned_wheel() -> None:
    spec = models.load_manifest()["legacy_full"]
    assert spec.url is None and spec.build is not None
    assert spec.build.wheel == "mediapipe==0.10.21"
    assert [m.bundle_name for m in spec.build.members] == list(bundle.BUNDLE_MEMBERS)
    assert [(m.sha256, m.size, m.outputs) for m in spec.build.members] == [
        (DETECTOR_SHA256, 2_959_046, 2),
        (LANDMARK_SHA256, 6_440_512, 5),
    ]
    assert len(spec.sha256) == 64 and spec.size > 9_000_000


GOOD_ENTRY = """
    [legacy_full]
    description = "d"
    url = "https://example.org/m.task"
    sha256 = "{sha}"
    size = 10
""".format(sha="a" * 64)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            '[x]\ndescription = "d"\nsha256 = ""\nsize = 3\n',
            "x: give exactly one of 'url' and 'build'",
        ),
        ('[x]\ndescription = "d"\nurl = "https://e.org/a"\nsize = 3\n', "x.sha256: Field required"),
        (
            '[x]\ndescription = "d"\nurl = "https://e.org/a"\nsha256 = "ABC"\nsize = 3\n',
            "x.sha256: String should match pattern '^([0-9a-f]{64})?$'",
        ),
        (
            '[x]\ndescription = "d"\nurl = "http://e.org/a"\nsha256 = ""\nsize = 3\n',
            "x.url: String should match pattern '^https://'",
        ),
        (
            '[x]\ndescription = "d"\nurl = "https://e.org/a"\nsha256 = ""\nsize = 3\nmirror = 1\n',
            "x.mirror: Extra inputs are not permitted",
        ),
        (
            '[x]\ndescription = "d"\nsha256 = ""\nsize = 3\n[x.build]\nwheel = "mediapipe"\n'
            "download_size = 1\nmembers = []\n",
            "x.build.wheel: String should match pattern",
        ),
        ("x = 3\n", "x: expected a table of model settings"),
    ],
    ids=["no-source", "no-sha256", "bad-sha256", "plain-http", "extra-key", "bad-wheel", "scalar"],
)
def test_invalid_manifest_errors_name_file_and_key(
    tmp_path: Path, extra: str, message: str
) -> None:
    path = write_manifest(tmp_path, GOOD_ENTRY)
    path.write_text(extra + path.read_text())
    with pytest.raises(ModelError) as excinfo:
        models.load_manifest(path)
    assert str(excinfo.value).startswith(f"{path}: {message}")


def test_manifest_without_default_variant_is_rejected(tmp_path: Path) -> None:
    path = write_manifest(tmp_path, GOOD_ENTRY.replace("[legacy_full]", "[other]"))
    with pytest.raises(ModelError, match="the default variant 'legacy_full' is missing"):
        models.load_manifest(path)


def test_empty_sha256_means_size_only_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_manifest(tmp_path, GOOD_ENTRY.replace("a" * 64, ""))
    spec = models.load_manifest(path)["legacy_full"]
    model = tmp_path / "m.task"
    model.write_bytes(b"0123456789")
    with caplog.at_level(logging.WARNING, logger="posecoach.pose.models"):
        assert models.verify_file(model, spec) is None
    assert "No SHA-256 is recorded for 'legacy_full'" in caplog.text
    model.write_bytes(b"012345678")
    assert models.verify_file(model, spec) == (
        "it has 9 bytes, expected 10 (incomplete or corrupted)"
    )


def test_unknown_variant_lists_valid_names() -> None:
    with pytest.raises(ModelError) as excinfo:
        models.resolve_model("ultra")
    assert str(excinfo.value) == (
        "unknown pose model 'ultra'; choose one of: full, heavy, legacy_full, lite"
    )


# --- the cache ---------------------------------------------------------------------


def test_cache_dir_env_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("POSECOACH_MODEL_DIR", str(tmp_path / "elsewhere"))
    assert models.model_cache_dir() == tmp_path / "elsewhere"
    assert not (tmp_path / "elsewhere").exists()  # computing the path creates nothing
    monkeypatch.delenv("POSECOACH_MODEL_DIR")
    assert models.model_cache_dir().parts[-2:] == ("posecoach", "models")


def test_verified_file_is_installed(cache_dir: Path, fake_spec: ModelSpec) -> None:
    assert models.installed_path("fake") is None
    cache_dir.mkdir(parents=True)
    (cache_dir / "fake.task").write_bytes(FAKE_BYTES)
    assert models.installed_path("fake") == cache_dir / "fake.task"
    assert models.model_table()[0] == models.ModelStatus(
        "fake", "A fake model", True, cache_dir / "fake.task", False
    )


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (FAKE_BYTES[:-1] + b"X", "its SHA-256 is "),  # corrupted: same size, other bytes
        (FAKE_BYTES[: len(FAKE_BYTES) // 2], "it has 5250 bytes, expected 10500"),  # half
    ],
    ids=["corrupted", "half-written"],
)
def test_bad_cached_file_is_detected_removed_and_replaced(
    cache_dir: Path,
    fake_spec: ModelSpec,
    content: bytes,
    problem: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cached = cache_dir / "fake.task"
    cache_dir.mkdir(parents=True)
    cached.write_bytes(content)
    assert problem in (models.verify_file(cached, fake_spec) or "")
    assert models.installed_path("fake") is None
    with caplog.at_level(logging.WARNING, logger="posecoach.pose.models"):
        assert models.fetch_model("fake") == cached
    assert f"Replacing the cached model {cached}: {problem}" in caplog.text
    assert cached.read_bytes() == FAKE_BYTES
    assert sorted(p.name for p in cache_dir.iterdir()) == ["fake.task"]  # no temp files


def test_fetch_reports_progress_and_makes_the_dir(cache_dir: Path, fake_spec: ModelSpec) -> None:
    seen: list[tuple[int, int | None]] = []
    path = models.fetch_model("fake", progress=lambda done, total: seen.append((done, total)))
    assert path == cache_dir / "fake.task" and path.read_bytes() == FAKE_BYTES
    assert seen[-1] == (len(FAKE_BYTES), len(FAKE_BYTES))
    assert (path.stat().st_mode & 0o777) == models.CACHE_FILE_MODE


def test_download_failing_verification_leaves_nothing(
    cache_dir: Path, fake_spec: ModelSpec, tmp_path: Path
) -> None:
    (tmp_path / "server" / "fake.task").write_bytes(FAKE_BYTES.upper())  # same size
    with pytest.raises(ModelError) as excinfo:
        models.fetch_model("fake")
    message = str(excinfo.value)
    assert message.startswith("the downloaded pose model 'fake' failed verification: its SHA")
    assert message.endswith("It was removed; try again, or pass --model PATH")
    assert list(cache_dir.iterdir()) == []


def test_offline_download_says_what_to_do(
    cache_dir: Path, fake_spec: ModelSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    def offline(url: str, timeout: float) -> None:
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(models.urllib.request, "urlopen", offline)
    with pytest.raises(ModelError) as excinfo:
        models.fetch_model("fake")
    assert str(excinfo.value) == (
        f"could not download pose model 'fake' from {fake_spec.url}: [Errno -3] Temporary "
        "failure in name resolution. Check your internet connection, or run 'posecoach "
        "models fetch legacy_full' (builds from PyPI), or pass --model PATH"
    )
    assert list(cache_dir.iterdir()) == []


def test_unwritable_cache_dir_names_dir_and_env_var(
    tmp_path: Path, fake_spec: ModelSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should go")
    cache = blocker / "models"
    monkeypatch.setenv("POSECOACH_MODEL_DIR", str(cache))
    with pytest.raises(ModelError) as excinfo:
        models.fetch_model("fake")
    assert str(excinfo.value) == (
        f"cannot write to the model cache directory {cache}: Not a directory. Make it "
        "writable, set POSECOACH_MODEL_DIR to a writable directory, or pass --model PATH"
    )


# --- resolving ---------------------------------------------------------------------


def test_resolve_fetches_on_first_use_and_notifies_once(
    cache_dir: Path, fake_spec: ModelSpec
) -> None:
    notices: list[str] = []
    first = models.resolve_model("fake", notify=notices.append)
    second = models.resolve_model("fake", notify=notices.append)
    assert first == second == cache_dir / "fake.task"
    assert notices == [
        f"Downloading pose model 'fake' into {cache_dir} (first use, about 0 MB download)..."
    ]


def test_first_use_notice_for_a_build_shortens_home() -> None:
    spec = models.load_manifest()["legacy_full"]
    notice = models.first_use_notice(spec, Path.home() / ".cache" / "posecoach" / "models")
    assert notice == (
        "Building pose model 'legacy_full' into ~/.cache/posecoach/models "
        "(first use, about 36 MB download from PyPI)..."
    )


def make_bundle(path: Path, members: tuple[str, ...] = bundle.BUNDLE_MEMBERS) -> Path:
    bundle.write_bundle(path, [(name, b"tflite " + name.encode()) for name in members])
    return path


def test_explicit_path_bypasses_the_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_manifest(path: Path | None = None) -> None:
        raise AssertionError("the manifest must not be read for an explicit path")

    monkeypatch.setattr(models, "load_manifest", no_manifest)
    task = make_bundle(tmp_path / "mine.task")
    assert models.resolve_model("ultra", path=task) == task


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: p, "does not exist"),
        (lambda p: p.mkdir() or p, "is not a file"),
        (lambda p: p.write_text("hello") and p, "is not a .task bundle (a zip file)"),
        (
            lambda p: make_bundle(p, ("pose_detector.tflite",)),
            "is not a pose bundle: it lacks pose_landmarks_detector.tflite",
        ),
    ],
    ids=["missing", "directory", "not-zip", "incomplete"],
)
def test_bad_explicit_path_is_refused(tmp_path: Path, setup, message: str) -> None:
    path = setup(tmp_path / "model.task")
    with pytest.raises(ModelError) as excinfo:
        models.resolve_model(path=path)
    text = str(excinfo.value)
    assert text.startswith(f"model file {path} ") and message in text
    assert text.endswith("or leave out --model to use the default model")


# --- building ----------------------------------------------------------------------


def test_written_bundle_is_deterministic_stored_and_aligned(tmp_path: Path) -> None:
    first, second = make_bundle(tmp_path / "a.task"), make_bundle(tmp_path / "b.task")
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert archive.namelist() == list(bundle.BUNDLE_MEMBERS)
        for info in archive.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            data_offset = info.header_offset + 30 + len(info.filename) + len(info.extra)
            assert data_offset % bundle.ZIP_ALIGNMENT == 0
            assert archive.read(info) == b"tflite " + info.filename.encode()


def fake_wheel(tmp_path: Path, data: bytes) -> tuple[Path, bundle.BundleMember]:
    wheel = tmp_path / "mediapipe-0.10.21-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("mediapipe/modules/x.tflite", data)
    member = bundle.BundleMember("mediapipe/modules/x.tflite", "x.tflite", sha256(b"good"), 4, 1)
    return wheel, member


def test_wheel_members_are_checked_before_building(tmp_path: Path) -> None:
    wheel, member = fake_wheel(tmp_path, b"good")
    assert bundle.extract_members(wheel, (member,)) == {"x.tflite": b"good"}
    wheel, member = fake_wheel(tmp_path, b"evil")
    with pytest.raises(ModelError, match="x.tflite in .* has 4 bytes and SHA-256 .*refusing"):
        bundle.extract_members(wheel, (member,))


def test_pip_failure_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    failed = subprocess.CompletedProcess(
        [], 1, "", "WARNING: ignored\nERROR: No matching distribution found for mediapipe\n"
    )
    monkeypatch.setattr(bundle.subprocess, "run", lambda *a, **k: failed)
    with pytest.raises(ModelError) as excinfo:
        bundle.download_wheel("mediapipe==0.10.21", tmp_path)
    assert str(excinfo.value).startswith(
        "could not download mediapipe==0.10.21 with pip: "
        "ERROR: No matching distribution found for mediapipe. Check your internet connection"
    )


def test_metadata_stub_is_scoped_to_the_build() -> None:
    with bundle._metadata_version_stub():
        from mediapipe.tasks.cc.metadata.python import _pywrap_metadata_version as stub

        assert stub.GetMinimumMetadataParserVersion(b"") == bundle.MIN_PARSER_VERSION
    assert not [name for name in sys.modules if name.startswith("mediapipe.tasks.cc")]


def test_importing_the_manager_has_no_side_effects(tmp_path: Path) -> None:
    code = (
        "import sys, posecoach.pose.models, posecoach.pose.bundle\n"
        "assert 'mediapipe' not in sys.modules, 'mediapipe imported'\n"
        "assert 'cv2' not in sys.modules, 'cv2 imported'\n"
    )
    env = {"POSECOACH_MODEL_DIR": str(tmp_path / "m"), "PYTHONPATH": ":".join(sys.path)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    assert not (tmp_path / "m").exists()
