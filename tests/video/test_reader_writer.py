import subprocess
import sys
import warnings

import numpy as np
import pytest

av = pytest.importorskip("av")

from skfer.video import (  # noqa: E402
    VideoDecodeWarning,
    VideoReader,
    VideoReadError,
    is_video_file,
    write_video,
)

FRAMES = [np.full((64, 80), 10 * k, np.uint8) for k in range(20)]


def test_import_does_not_load_pyav():
    code = "import skfer.video, sys; print('av' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("suffix", [".mp4", ".avi", ".mkv", ".webm", ".gif"])
def test_round_trip_keeps_count_size_and_time(tmp_path, suffix):
    path = write_video(tmp_path / f"ramp{suffix}", FRAMES, fps=10)
    with VideoReader(path) as reader:
        read = list(reader.frames())
        assert (reader.width, reader.height) == (80, 64)
        assert reader.fps == pytest.approx(10, rel=0.01)
    assert len(read) == 20 and reader.complete
    times = np.array([t for _, t, _ in read])
    np.testing.assert_allclose(times, np.arange(20) / 10, atol=0.011)
    levels = [int(np.median(image)) for _, _, image in read]
    tolerance = 20 if suffix == ".gif" else 4  # GIF: a 256-colour palette
    np.testing.assert_allclose(levels, [10 * k for k in range(20)], atol=tolerance)


def test_sampling_every_and_fps(tmp_path):
    path = write_video(tmp_path / "ramp.mp4", FRAMES * 3, fps=30)  # 60 frames, 2 s
    with VideoReader(path) as reader:
        every = [i for i, _, _ in reader.frames(every=4)]
    assert every == list(range(0, 60, 4))
    with VideoReader(path) as reader:
        sampled = [t for _, t, _ in reader.frames(fps=7.5)]
    np.testing.assert_allclose(sampled, np.arange(15) / 7.5, atol=1 / 30 + 1e-6)
    with VideoReader(path) as reader, pytest.raises(ValueError, match="not both"):
        next(reader.frames(every=2, fps=3))
    with VideoReader(path) as reader, pytest.raises(ValueError, match="every"):
        next(reader.frames(every=0))


def test_colour_frames(tmp_path):
    rgb = np.zeros((32, 32, 3), np.uint8)
    rgb[..., 0] = 200
    path = write_video(tmp_path / "red.mkv", [rgb] * 3, fps=3)
    with VideoReader(path) as reader:
        _, _, image = next(reader.frames(format="rgb24"))
    assert (
        image.shape == (32, 32, 3)
        and image[..., 0].mean() > 150 > image[..., 2].mean() + 100
    )


def test_unreadable_inputs_say_why(tmp_path):
    with pytest.raises(VideoReadError, match="no such video file"):
        VideoReader(tmp_path / "missing.mp4")
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(VideoReadError, match="empty"):
        VideoReader(tmp_path / "empty.mp4")
    junk = np.random.default_rng(0).integers(0, 255, 5000).astype(np.uint8)
    (tmp_path / "junk.mp4").write_bytes(junk.tobytes())
    with pytest.raises(VideoReadError, match="cannot be opened as a video"):
        VideoReader(tmp_path / "junk.mp4")


def test_audio_file_has_no_video_stream(tmp_path):
    path = tmp_path / "sound.mkv"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 800), np.int16), format="s16", layout="mono"
        )
        frame.sample_rate = 8000
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    with pytest.raises(VideoReadError, match="no video stream.*only audio"):
        VideoReader(path)


def test_zero_frame_video_is_an_error(tmp_path):
    full = write_video(tmp_path / "full.mkv", FRAMES, fps=10).read_bytes()
    # the header and the start of the first frames: nothing decodable
    (tmp_path / "header.mkv").write_bytes(full[: int(len(full) * 0.6)])
    with pytest.raises(VideoReadError, match="no frame could be decoded"):
        with VideoReader(tmp_path / "header.mkv") as reader:
            list(reader.frames())


def test_truncated_video_keeps_the_frames_read(tmp_path):
    full = write_video(tmp_path / "full.webm", FRAMES, fps=10).read_bytes()
    (tmp_path / "cut.webm").write_bytes(full[: int(len(full) * 0.6)])
    with VideoReader(tmp_path / "cut.webm") as reader:
        with pytest.warns(VideoDecodeWarning, match="frames read are kept"):
            read = list(reader.frames())
    assert 0 < len(read) < 20
    assert not reader.complete and "of the 20 frames" in reader.message


def test_write_video_rejects_bad_frames(tmp_path):
    with pytest.raises(ValueError, match="empty"):
        write_video(tmp_path / "none.mp4", [])
    with pytest.raises(ValueError, match="share one size"):
        write_video(tmp_path / "sizes.mp4", [FRAMES[0], FRAMES[0][:32]])
    with pytest.raises(ValueError, match="uint8"):
        write_video(tmp_path / "float.mp4", [FRAMES[0] / 255])


def test_is_video_file(tmp_path):
    from PIL import Image

    assert is_video_file("a.MOV") and not is_video_file("a.png")
    still = tmp_path / "still.gif"
    Image.fromarray(FRAMES[5]).save(still)
    assert not is_video_file(still)
    assert is_video_file(write_video(tmp_path / "anim.gif", FRAMES[:3], fps=5))


def test_camera_number_on_this_system():
    # No camera in the test machines: the error names the device it tried.
    if not sys.platform.startswith("linux"):
        pytest.skip("device names checked on Linux")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(VideoReadError, match="/dev/video9"):
            VideoReader(9, camera=True)
