"""Frame sources: timestamps from the file, and clear errors for files that are not video."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from posecoach.errors import SourceError
from posecoach.sources import VideoSource, parse_source

DATA = Path(__file__).parent / "data"


def write_video(path: Path, frames: int, size=(160, 90), fps=30.0) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    for i in range(frames):
        image = np.full((size[1], size[0], 3), (i * 5) % 255, np.uint8)
        writer.write(image)
    writer.release()
    return path


def test_constant_frame_rate_timestamps_are_index_over_fps(tmp_path):
    video = VideoSource(write_video(tmp_path / "cfr.mp4", 20, fps=25.0))
    assert video.info.fps == 25.0 and video.info.frame_count == 20
    assert [f.t_ms for f in video] == [i * 40.0 for i in range(20)]


def test_variable_frame_rate_uses_the_container_timestamps():
    # vfr.mp4: 30 frames at 30 fps, then 15 frames at 15 fps (made with ffmpeg's setpts).
    times = [f.t_ms for f in VideoSource(DATA / "vfr.mp4")]
    assert len(times) == 45
    assert times[29] == pytest.approx(966.7, abs=1)
    assert times[30] == pytest.approx(1000.0, abs=1)
    assert times[31] == pytest.approx(1066.7, abs=1)
    assert times[-1] == pytest.approx(1933.3, abs=1)


@pytest.mark.parametrize("start, stop", [(0, 5), (7, 12), (40, None), (44, 60)])
def test_a_segment_has_the_frames_and_times_of_a_whole_pass(start, stop):
    """Parallel pose extraction starts workers mid-video: their frames must be the whole pass's."""
    whole = list(VideoSource(DATA / "vfr.mp4"))
    part = list(VideoSource(DATA / "vfr.mp4").segment(start, stop))
    expected = whole[start:stop]
    assert [(f.index, f.t_ms) for f in part] == [(f.index, f.t_ms) for f in expected]
    assert all(np.array_equal(a.image, b.image) for a, b in zip(part, expected, strict=True))


def test_portrait_video_keeps_its_orientation(tmp_path):
    video = VideoSource(write_video(tmp_path / "portrait.mp4", 3, size=(90, 160)))
    assert video.info.size == (90, 160)
    assert next(iter(video)).image.shape == (160, 90, 3)


def test_an_undecodable_file_says_what_to_do():
    path = DATA / "audio_only.mp4"
    with pytest.raises(SourceError) as error:
        VideoSource(path)
    assert str(error.value) == f"{path}: cannot decode this file as video; convert it to MP4 (H.264)"


def test_an_av1_file_replays_in_full_or_says_convert_it():
    # Whether AV1 (common from phones) decodes depends on the OpenCV build; what posecoach
    # promises is one of two exact outcomes, never a partial replay or another error.
    path = DATA / "av1.mp4"  # 10 frames of 64x48 at 10 fps
    try:
        frames = list(VideoSource(path))
    except SourceError as error:
        assert str(error) == (
            f"{path}: cannot decode its frames (codec 'AV01' is not supported here, or the file "
            "is truncated); convert it to MP4 (H.264)")
    else:
        assert [f.t_ms for f in frames] == [i * 100.0 for i in range(10)]
        assert {f.image.shape for f in frames} == {(48, 64, 3)}


def test_a_zero_frame_video_is_refused(tmp_path):
    path = write_video(tmp_path / "empty.mp4", 0)
    with pytest.raises(SourceError, match="no readable frames|cannot decode"):
        VideoSource(path)


def test_a_truncated_video_yields_what_it_has(tmp_path):
    path = write_video(tmp_path / "full.mp4", 60)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(SourceError):
        # mp4v in an mp4 puts its index at the end: half a file has none.
        list(VideoSource(cut))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0", ("camera", 0)), ("2", ("camera", 2)), ("clip.mp4", ("video", Path("clip.mp4"))),
     ("run.npz", ("track", Path("run.npz"))), ("track:run.data", ("track", Path("run.data"))),
     ("/dev/video2", ("camera", 2)), ("/dev/video2.mp4", ("video", Path("/dev/video2.mp4")))],
)
def test_source_strings(text, expected):
    assert parse_source(text) == expected
