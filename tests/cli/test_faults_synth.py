"""Issue 17, damaged documents in the synth tools: the samples file, the samples manifests and the
motion files go through the one document reader (documents.read_document), so deep nesting, text
that is not UTF-8 or a folder in place of a file is one line naming the file, never a RecursionError
or a traceback. Needs none of the synth extra."""

import pytest

from posecoach.errors import UserError
from posecoach.synth.cli import sample_argvs
from posecoach.synth.motion import MotionError, load_motion
from posecoach.synth.truth import read_manifest, update_manifest

DEEP_TOML = "samples = " + "[" * 100_000 + "\n"
DEEP_JSON = '{"clips": ' + "[" * 100_000 + "}"
CASES = {
    "samples-deep": ("samples.toml", DEEP_TOML, sample_argvs, MotionError, "not valid TOML: nested too deeply"),
    "samples-not-utf8": ("samples.toml", b"name = '\xff'\n", sample_argvs, MotionError, "not UTF-8 text; save it as "
                         "UTF-8"),
    "samples-not-tables": ("samples.toml", "samples = [1, 2]\n", sample_argvs, MotionError,
                           "samples.0: expected keys name, args; got int"),
    "motion-deep": ("bridge.toml", "poses = " + "{a = " * 50_000 + "\n", load_motion, MotionError,
                    "not valid TOML: nested too deeply"),
    "manifest-deep": ("manifest.json", DEEP_JSON, read_manifest, UserError, "not valid JSON: nested too deeply"),
    "manifest-clips": ("manifest.json", '{"clips": [3]}', read_manifest, UserError,
                       'clips: expected an array of objects, each with a "file"'),
    "manifest-update-deep": ("manifest.json", DEEP_JSON, lambda p: update_manifest(p, {"file": "a.mp4"}), UserError,
                             "not valid JSON: nested too deeply"),
}


@pytest.mark.parametrize(("name", "text", "read", "error", "message"), CASES.values(), ids=CASES.keys())
def test_a_damaged_synth_document_is_one_line(tmp_path, name, text, read, error, message):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(error) as raised:
        read(path)
    assert str(raised.value) == f"{path}: {message}"
    assert path.read_bytes() == (text if isinstance(text, bytes) else text.encode())  # never rewritten


def test_a_folder_in_place_of_the_samples_file(tmp_path):
    (tmp_path / "samples.toml").mkdir()
    with pytest.raises(MotionError, match=r"samples.toml: is a folder; give a TOML file$"):
        sample_argvs(tmp_path / "samples.toml")
