"""The recorded model bundle (models/manifest.toml) resolves to the file it names, byte for byte."""

import pytest

from posecoach.pose import bundle, models

pytestmark = pytest.mark.e2e


def test_legacy_full_resolves_to_the_recorded_bundle() -> None:
    spec = models.load_manifest()["legacy_full"]
    path = models.resolve_model("legacy_full")
    assert path.name == "legacy_full.task"
    assert path.stat().st_size == spec.size
    assert models.file_sha256(path) == spec.sha256
    assert bundle.check_bundle(path) == path
