"""Issue 17, damaged pose tracks: whatever is wrong inside a `.npz` (metadata of the wrong type or
missing keys, text arrays, wrong shapes, NaN or infinite values, a huge declared array), replaying
it exits 2 with one line naming the file and saying what to do, and writes nothing. A report never
holds NaN, Infinity or a negative duration.

The annotations `eval` reads beside tracks (a manifest.json) are checked the same way: a wrong type,
NaN, infinity or a negative count is one line naming the manifest and the key.

Replaying a track never needs the pose model, so none of these load MediaPipe.
"""

import contextlib
import io
import json
import math
import tempfile
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posecoach.cli.commands import main
from posecoach.errors import SourceError
from posecoach.sources.tracks import MAX_FRAMES, load_track

from conftest import run_cli
from synthetic import bridge_track

AGAIN = "record it again with 'posecoach track'"


def arrays_of(track) -> dict:
    return {"meta": json.dumps(track.meta), "t_ms": track.t_s * 1000.0, "has_pose": track.has_pose, "xy": track.xy,
            "world": track.world, "visibility": track.visibility, "presence": track.presence}


def write_npz(path: Path, arrays: dict) -> Path:
    np.savez_compressed(path, **{k: np.asarray(v) for k, v in arrays.items()})
    return path


def with_meta(**changes):
    def change(a):
        meta = {**json.loads(a["meta"]), **changes}
        return {**a, "meta": json.dumps({k: v for k, v in meta.items() if v is not DROP})}
    return change


DROP = object()


def with_array(name, make):
    return lambda a: {**a, name: make(a[name])}


def poisoned(value, frame=5):
    def make(array):
        array = np.array(array)
        array[frame] = value
        return array
    return make


CASES = {
    "meta-not-json": (lambda a: {**a, "meta": "{not json"}, f"has no readable metadata; {AGAIN}"),
    "meta-a-list": (lambda a: {**a, "meta": "[1, 2]"}, f"has no readable metadata; {AGAIN}"),
    "meta-deeply-nested": (lambda a: {**a, "meta": "[" * 50_000 + "]" * 50_000}, f"has no readable metadata; {AGAIN}"),
    "meta-a-number-array": (lambda a: {**a, "meta": np.zeros(3)}, f"has no readable metadata; {AGAIN}"),
    "version-true": (with_meta(format_version=True),
                     f"format True is not supported (this posecoach reads format 1); {AGAIN}"),
    "no-source": (with_meta(source=DROP), f"metadata has no 'source'; {AGAIN}"),
    "no-fps": (with_meta(fps=DROP), f"metadata has no 'fps'; {AGAIN}"),
    "fps-text": (with_meta(fps="30"), f"metadata 'fps' is \"30\", not a frame rate above 0 and at most 1000; {AGAIN}"),
    "fps-nan": (with_meta(fps=math.nan), f"metadata 'fps' is NaN, not a frame rate above 0 and at most 1000; {AGAIN}"),
    "fps-infinite": (with_meta(fps=math.inf),
                     f"metadata 'fps' is Infinity, not a frame rate above 0 and at most 1000; {AGAIN}"),
    "fps-zero": (with_meta(fps=0), f"metadata 'fps' is 0, not a frame rate above 0 and at most 1000; {AGAIN}"),
    "size-text": (with_meta(size="640x480"), f"metadata 'size' is \"640x480\", not [width, height] in pixels; {AGAIN}"),
    "size-negative": (with_meta(size=[-1, 480]),
                      f"metadata 'size' is [-1, 480], not [width, height] in pixels; {AGAIN}"),
    "frames-float": (with_meta(frames=2.5), f"metadata 'frames' is 2.5, not a whole number; {AGAIN}"),
    "frames-wrong": (with_meta(frames=3), f"metadata says 3 frames but the arrays hold 414; {AGAIN}"),
    "model-a-list": (with_meta(model=[1]), f"metadata 'model' is [1], not a table of texts (variant, sha256); {AGAIN}"),
    "times-text": (with_array("t_ms", lambda t: t.astype(str)), f"array t_ms holds text, not numbers; {AGAIN}"),
    "xy-text": (with_array("xy", lambda x: x.astype(str)), f"array xy holds text, not numbers; {AGAIN}"),
    "has-pose-floats": (with_array("has_pose", lambda h: h.astype(float)),
                        f"array has_pose holds values of type float64, not true/false values; {AGAIN}"),
    "xy-complex": (with_array("xy", lambda x: x.astype(complex)),
                   f"array xy holds complex numbers, not numbers; {AGAIN}"),
    "xy-flat": (with_array("xy", lambda x: x.reshape(len(x), -1)),
                f"array xy has shape (414, 66), not (frames, 33, 2); {AGAIN}"),
    "world-2d-points": (with_array("world", lambda w: w[..., :2]),
                        f"array world has shape (414, 33, 2), not (frames, 33, 3); {AGAIN}"),
    "times-scalar": (with_array("t_ms", lambda t: t[0]), f"array t_ms has shape (), not (frames); {AGAIN}"),
    "time-nan": (with_array("t_ms", poisoned(np.nan)),
                 f"times are not finite, negative or go back (first at frame 5); {AGAIN}"),
    "time-infinite": (with_array("t_ms", poisoned(np.inf)),
                      f"times are not finite, negative or go back (first at frame 5); {AGAIN}"),
    "time-going-back": (with_array("t_ms", poisoned(-1.0, frame=7)),
                        f"times are not finite, negative or go back (first at frame 7); {AGAIN}"),
    "landmark-nan": (with_array("xy", poisoned(np.nan)),
                     "array xy holds values that are not finite or out of range [-12800, 12800] in frames with a "
                     f"pose (first at frame 5); {AGAIN}"),
    "landmark-infinite": (with_array("world", poisoned(np.inf, frame=9)),
                          "array world holds values that are not finite or out of range [-100, 100] in frames with "
                          f"a pose (first at frame 9); {AGAIN}"),
    "landmark-huge": (with_array("xy", poisoned(1e30)),
                      "array xy holds values that are not finite or out of range [-12800, 12800] in frames with a "
                      f"pose (first at frame 5); {AGAIN}"),
    "visibility-above-1": (with_array("visibility", poisoned(7.0)),
                           "array visibility holds values that are not finite or out of range [0, 1] in frames with "
                           f"a pose (first at frame 5); {AGAIN}"),
    "extra-array": (lambda a: {**a, "extra": np.zeros(3)}, f"is missing arrays or has unexpected ones; {AGAIN}"),
    "no-frames": (lambda a: {**with_meta(frames=0)(a), **{k: np.asarray(v)[:0] for k, v in a.items() if k != "meta"}},
                  f"holds no frames; {AGAIN}"),
}


@pytest.mark.parametrize(("change", "message"), CASES.values(), ids=CASES.keys())
def test_a_damaged_track_is_refused_with_one_line(tmp_path, capsys, change, message):
    track = bridge_track(reps=2)
    assert (len(track.t_s), track.meta["size"]) == (414, [1280, 720])
    path = write_npz(tmp_path / "bad.npz", change(arrays_of(track)))
    report = tmp_path / "r.json"
    code, out, err = run_cli(capsys, "replay", path, "-e", "glute_bridge", "--report", report)
    assert (code, out) == (2, "")
    assert err == f"posecoach: {path}: pose track {message}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.npz"]  # no report, no temporary file


def test_a_point_nobody_saw_may_be_nan_in_a_frame_with_a_pose(tmp_path):
    # Ground truth has no eyes' corners or mouth: those points are unseen (visibility 0) and NaN.
    arrays = arrays_of(bridge_track(reps=2))
    for name in ("xy", "world"):
        arrays[name] = np.array(arrays[name])
        arrays[name][:, [1, 3, 9]] = np.nan
    for name in ("visibility", "presence"):
        arrays[name] = np.array(arrays[name])
        arrays[name][:, [1, 3, 9]] = 0.0
    track = load_track(write_npz(tmp_path / "truth.npz", arrays))
    assert track.has_pose.all() and np.isnan(track.xy[:, 1]).all()


def test_nan_landmarks_in_frames_without_a_pose_are_how_a_track_says_nobody(tmp_path):
    path = write_npz(tmp_path / "gaps.npz", arrays_of(bridge_track(reps=2, gaps=((1.0, 2.0),))))
    track = load_track(path)
    assert (~track.has_pose).sum() == 30 and np.isnan(track.xy[~track.has_pose]).all()


@pytest.mark.parametrize("command", [("replay", "-e", "glute_bridge"), ("tune", "-e", "glute_bridge")])
def test_a_track_where_nobody_was_found_counts_nothing(tmp_path, capsys, command):
    """An empty room: no frame has a pose, every landmark is NaN; nothing is counted, nothing fails."""
    arrays = arrays_of(bridge_track(reps=2))
    arrays["has_pose"] = np.zeros(len(arrays["t_ms"]), bool)
    for name in ("xy", "world", "visibility", "presence"):
        arrays[name] = np.full_like(arrays[name], np.nan)
    path = write_npz(tmp_path / "nobody.npz", arrays)
    code, out, err = run_cli(capsys, command[0], path, *command[1:])
    assert (code, err) == (0, "")
    assert "0 reps" in out


ODD_BUT_READABLE = {  # numpy warns on these (dividing by zero): the person must not read its source lines
    "every frame at the same time": with_array("t_ms", np.zeros_like),
    "every landmark at one point": with_array("xy", np.zeros_like),
}


@pytest.mark.parametrize("change", ODD_BUT_READABLE.values(), ids=ODD_BUT_READABLE.keys())
@pytest.mark.parametrize("command", ["replay", "tune"])
def test_a_library_warning_never_reaches_the_terminal(tmp_path, change, command):
    import os
    import subprocess
    import sys

    path = write_npz(tmp_path / "odd.npz", change(arrays_of(bridge_track(reps=2))))
    env = {**os.environ, "POSECOACH_DATA_DIR": str(tmp_path / "data"), "POSECOACH_CONFIG_DIR": str(tmp_path / "c")}
    done = subprocess.run([sys.executable, "-m", "posecoach", command, str(path), "-e", "glute_bridge"],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert (done.returncode, done.stderr) == (0, "")


def test_a_pickle_inside_a_track_never_runs(tmp_path):
    arrays = arrays_of(bridge_track(reps=1))
    arrays["xy"] = np.array([{"a": 1}], dtype=object)
    path = write_npz(tmp_path / "pickle.npz", arrays)
    with pytest.raises(SourceError, match="array xy holds Python objects, not numbers"):
        load_track(path)


def npy_header(shape, dtype="<f4") -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buffer.getvalue()  # magic string and header


@pytest.mark.parametrize("frames", [MAX_FRAMES + 1, 10_000_000, 2**40])
def test_a_huge_declared_array_is_refused_before_it_is_inflated(tmp_path, capsys, frames):
    """A zip bomb: a small file whose arrays declare gigabytes. Only headers are read."""
    path = tmp_path / "bomb.npz"
    shapes = {"t_ms": ((frames,), "<f8"), "has_pose": ((frames,), "|b1"), "xy": ((frames, 33, 2), "<f4"),
              "world": ((frames, 33, 3), "<f4"), "visibility": ((frames, 33), "<f4"),
              "presence": ((frames, 33), "<f4")}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        meta = np.array(json.dumps(bridge_track(reps=1).meta))
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, meta)
        archive.writestr("meta.npy", buffer.getvalue())
        for name, (shape, dtype) in shapes.items():
            archive.writestr(f"{name}.npy", npy_header(shape, dtype) + bytes(1 << 16))
    tracemalloc.start()
    try:
        code, _, err = run_cli(capsys, "replay", path, "-e", "glute_bridge")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == 2
    assert err == (f"posecoach: {path}: pose track declares {frames} frames, more than the {MAX_FRAMES} "
                   "(4 hours at 60 fps) a track may hold; split the video\n")
    assert peak < 50e6


def valid_report(report: dict) -> None:
    json.dumps(report, allow_nan=False)  # no NaN, no Infinity anywhere
    for event in report["rep_events"] + report["holds"]:
        assert event["duration_s"] >= 0 and event["end_s"] >= event["start_s"]
    assert report["duration_s"] >= 0


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=6)
META_KEYS = st.sampled_from(["format_version", "source", "fps", "size", "frames", "model"])
ARRAY_NAMES = st.sampled_from(["t_ms", "has_pose", "xy", "world", "visibility", "presence"])
ODD_VALUES = st.sampled_from([np.nan, np.inf, -np.inf, -1.0, 0.0, 1e30, 2.0])


@st.composite
def damages(draw):
    """One to three damages: a metadata key changed or dropped, an array poisoned, cut, retyped or reshaped."""
    kinds = st.one_of(
        st.tuples(st.just("meta"), META_KEYS, JSON_VALUES),
        st.tuples(st.just("drop"), META_KEYS, st.none()),
        st.tuples(st.just("poison"), ARRAY_NAMES, st.tuples(st.integers(0, 83), ODD_VALUES)),
        st.tuples(st.just("cut"), ARRAY_NAMES, st.integers(0, 83)),
        st.tuples(st.just("retype"), ARRAY_NAMES, st.sampled_from(["U3", "i4", "f2", "f8", "?", "c8"])),
        st.tuples(st.just("flatten"), ARRAY_NAMES, st.none()),
    )
    return draw(st.lists(kinds, min_size=1, max_size=3))


def retyped(array: np.ndarray, dtype: str) -> np.ndarray:
    """The array cast to dtype; text that cannot be read as that type becomes zeros of it."""
    try:
        return array.astype(dtype)
    except ValueError:
        return np.zeros(array.shape, dtype=dtype)


def damaged(arrays: dict, damage: list) -> dict:
    arrays = dict(arrays)
    meta = json.loads(arrays["meta"])
    for kind, name, value in damage:
        if kind == "meta":
            meta[name] = value
        elif kind == "drop":
            meta.pop(name, None)
        elif kind == "poison":
            array = np.array(arrays[name])
            if array.ndim:
                array[value[0] % len(array)] = value[1]
            arrays[name] = array
        elif kind == "cut":
            arrays[name] = arrays[name][:value]
        elif kind == "retype":
            arrays[name] = retyped(np.asarray(arrays[name]), value)
        else:
            arrays[name] = np.asarray(arrays[name]).reshape(-1)
    arrays["meta"] = json.dumps(meta)
    return arrays


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damage=damages())
def test_any_damaged_track_gives_a_user_error_or_a_clean_report(damage):
    """Property: only exit 2 with one line, or a report without NaN or negative durations."""
    track = bridge_track(reps=1)
    with tempfile.TemporaryDirectory() as folder:
        path = write_npz(Path(folder) / "t.npz", damaged(arrays_of(track), damage))
        report = Path(folder) / "r.json"
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["replay", str(path), "-e", "glute_bridge", "--report", str(report)])
        if code == 0:
            valid_report(json.loads(report.read_text()))
        else:
            assert code == 2 and err.getvalue().startswith(f"posecoach: {path}: ")
            assert err.getvalue().count("\n") == 1 and not report.exists()


def test_a_track_replays_into_a_report_without_nan(tmp_path, capsys):
    path = write_npz(tmp_path / "gaps.npz", arrays_of(bridge_track(reps=2, gaps=((0.0, 1.0), (5.0, 6.0)))))
    report = tmp_path / "r.json"
    code, _, _ = run_cli(capsys, "replay", path, "-e", "glute_bridge", "--report", report)
    assert code == 0
    valid_report(json.loads(report.read_text()))


def test_a_streamed_track_equals_the_one_recorded_in_memory(tmp_path):
    """Issue 17, memory: `track` streams poses to disk; the file is the same track as before."""
    from posecoach.sources.tracks import TrackRecorder, TrackWriter

    source = bridge_track(reps=2, gaps=((1.0, 2.0),))
    info, model = source.info, {"variant": "none", "sha256": ""}
    writer, recorder = TrackWriter(info, model, tmp_path / "streamed.npz"), TrackRecorder(info, model)
    for frame, pose in source.poses():
        writer.add(frame, pose)
        recorder.add(frame, pose)
    assert writer.close() == recorder.track().meta
    streamed, kept = load_track(tmp_path / "streamed.npz"), recorder.track()
    # Times go to the file in milliseconds and come back in seconds: equal to a rounding of the last digit.
    np.testing.assert_allclose(streamed.t_s, kept.t_s, rtol=1e-12)
    for name in ("t_s", "has_pose", "xy", "world", "visibility", "presence"):
        if name != "t_s":
            assert np.array_equal(getattr(streamed, name), getattr(kept, name), equal_nan=name != "has_pose"), name
        assert getattr(streamed, name).dtype == getattr(kept, name).dtype
    assert sorted(p.name for p in tmp_path.iterdir()) == ["streamed.npz"]  # no temporary file left


def test_streaming_a_long_track_keeps_memory_flat(tmp_path):
    from posecoach.sources.tracks import TrackWriter

    source = bridge_track(reps=1)
    poses = list(source.poses())
    writer = TrackWriter(source.info, {}, tmp_path / "long.npz")
    tracemalloc.start()
    try:
        for i in range(20_000):  # 11 minutes at 30 fps
            frame, pose = poses[i % len(poses)]
            writer.add(frame.__class__(None, i * 0.0333, i), pose)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    writer.close()
    assert peak < 2e6  # in memory, one frame at a time (the arrays on disk are 18 MB)
    assert len(load_track(tmp_path / "long.npz").t_s) == 20_000


def test_a_track_of_a_track_through_the_command_line(tmp_path, capsys):
    source = write_npz(tmp_path / "in.npz", arrays_of(bridge_track(reps=1)))
    code, out, _ = run_cli(capsys, "track", source, "-o", tmp_path / "out.npz")
    assert code == 0 and out.startswith(f"{tmp_path / 'out.npz'}: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.npz", "out.npz"]


def test_an_interrupted_stream_leaves_nothing(tmp_path):
    from posecoach.sources.tracks import TrackWriter

    source = bridge_track(reps=1)
    writer = TrackWriter(source.info, {}, tmp_path / "cut.npz")
    for frame, pose in list(source.poses())[:10]:
        writer.add(frame, pose)
    writer.discard()
    assert list(tmp_path.iterdir()) == []


MALFORMED = "see ../shared/README.md for the format"
MANIFESTS = {
    "clips not a list": ({"clips": 5}, f"clips: expected a list of clip entries; {MALFORMED}"),
    "file a number": ({"clips": [{"file": 5}]},
                      f"annotation of the clip is malformed (file: Input should be a valid string); {MALFORMED}"),
    "reps infinite": ({"clips": [{"file": "a.npz", "reps": math.inf}]},
                      f"annotation of a.npz is malformed (reps: Input should be a finite number); {MALFORMED}"),
    "reps negative": ({"clips": [{"file": "a.npz", "reps": -3}]}, "annotation of a.npz is malformed (reps: Input "
                      f"should be greater than or equal to 0); {MALFORMED}"),
    "hold NaN": ({"clips": [{"file": "a.npz", "reps": 2, "holds": [{"start_s": math.nan, "end_s": 1}]}]},
                 f"annotation of a.npz is malformed (holds.0.start_s: Input should be a finite number); {MALFORMED}"),
    "exercise a number": ({"clips": [{"file": "a.npz", "reps": 2, "exercise_id": 5}]},
                          "annotation of a.npz is malformed (exercise_id: Input should be a valid string); "
                          f"{MALFORMED}"),
}


@pytest.mark.parametrize(("manifest", "message"), MANIFESTS.values(), ids=MANIFESTS.keys())
def test_a_damaged_manifest_is_one_line_naming_the_key(tmp_path, capsys, manifest, message):
    write_npz(tmp_path / "a.npz", arrays_of(bridge_track(reps=2)))
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))  # Python writes NaN and Infinity, as JSON may hold
    code, out, err = run_cli(capsys, "eval", tmp_path, "--json")
    assert (code, out) == (2, "")
    assert err == f"posecoach: {tmp_path / 'manifest.json'}: {message}\n"
