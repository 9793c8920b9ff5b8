"""The one image decoder as the guard of every image read: files and pixel budget."""

import os
import socket
import sys
import threading

import numpy as np
import pytest
from PIL import Image

from skfer.utils import (
    MAX_IMAGE_PIXELS,
    check_regular_file,
    max_image_pixels,
    read_gray_image,
)

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")


def finishes(function, seconds=60):
    """Run ``function`` on a thread: (finished, its result or exception)."""
    box = []

    def target():
        try:
            box.append(function())
        except BaseException as exc:  # noqa: BLE001 - returned for the test
            box.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    return not thread.is_alive(), (box[0] if box else None)


@needs_fifo
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "x.png"
    os.mkfifo(fifo)
    done, result = finishes(lambda: read_gray_image(fifo))
    assert done, "read_gray_image blocked on a FIFO"
    assert isinstance(result, ValueError)
    assert str(fifo) in str(result) and "FIFO (named pipe)" in str(result)


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="no /dev/null")
def test_a_device_is_refused():
    with pytest.raises(ValueError, match=r"'/dev/null' is a character device"):
        read_gray_image("/dev/null")


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no Unix sockets")
def test_a_socket_is_refused(tmp_path):
    path = tmp_path / "s.png"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        with pytest.raises(ValueError, match=r"s\.png' is a socket"):
            read_gray_image(path)


def test_a_folder_and_a_missing_file_are_os_errors(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder"):
        read_gray_image(tmp_path)
    with pytest.raises(FileNotFoundError):
        read_gray_image(tmp_path / "nope.png")


def test_a_link_to_a_regular_file_is_read(tmp_path):
    Image.fromarray(np.full((4, 6), 9, np.uint8)).save(tmp_path / "a.png")
    (tmp_path / "b.png").symlink_to(tmp_path / "a.png")
    assert check_regular_file(tmp_path / "b.png").st_size > 0
    assert read_gray_image(tmp_path / "b.png").tolist() == [[9] * 6] * 4


def test_not_an_image_names_the_file(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("not an image")
    with pytest.raises(Image.UnidentifiedImageError, match=r"notes\.png'"):
        read_gray_image(path)


def test_an_image_over_the_budget_is_refused_from_its_header(tmp_path, png_bomb):
    path = png_bomb(tmp_path / "bomb.png", 12000, 12000)
    assert path.stat().st_size < 1_000_000
    with pytest.raises(ValueError) as info:
        read_gray_image(path)
    message = str(info.value)
    assert "bomb.png" in message and "12000x12000 pixels" in message
    assert str(MAX_IMAGE_PIXELS) in message and "SKFER_MAX_IMAGE_PIXELS" in message


def test_the_budget_is_set_per_call_or_by_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "a.png"
    Image.fromarray(np.zeros((30, 40), np.uint8)).save(path)
    assert read_gray_image(path, max_pixels=1200).shape == (30, 40)  # = budget
    with pytest.raises(ValueError, match=r"40x30 pixels \(1200 pixels\), more than"):
        read_gray_image(path, max_pixels=1199)
    monkeypatch.setenv("SKFER_MAX_IMAGE_PIXELS", "1000")
    assert max_image_pixels() == 1000
    with pytest.raises(ValueError, match="more than the 1000"):
        read_gray_image(path)
    assert read_gray_image(path, max_pixels=5000).shape == (30, 40)  # the argument


@pytest.mark.parametrize("value", [0, -1, 1.5, "many", True, None])
def test_a_bad_budget_names_where_it_came_from(value, monkeypatch):
    if value is None:
        monkeypatch.setenv("SKFER_MAX_IMAGE_PIXELS", "lots")
        with pytest.raises(ValueError, match="environment variable SKFER_MAX_"):
            max_image_pixels()
        return
    with pytest.raises(ValueError, match=r"max_pixels must be a positive integer"):
        max_image_pixels(value)


def test_pillow_own_bomb_limit_gives_a_message_naming_the_file(tmp_path, monkeypatch):
    """Above Pillow's limit (raised budget), its error is ours, naming the file."""
    path = tmp_path / "a.png"
    Image.fromarray(np.zeros((100, 100), np.uint8)).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(ValueError, match=r"a\.png' is larger than Pillow's limit"):
        read_gray_image(path, max_pixels=10**9)


def test_huge_dimensions_within_the_budget_are_read(tmp_path, png_bomb):
    path = png_bomb(tmp_path / "tall.png", 2, 40000)
    assert path.stat().st_size < 1000
    assert read_gray_image(path).shape == (40000, 2)


def test_16_bit_images_are_scaled_by_blocks_as_a_whole(tmp_path):
    """The block-wise conversion gives what one pass over the image gives."""
    rng = np.random.default_rng(0)
    ramp = rng.integers(0, 65536, (2500, 7)).astype(np.uint16)
    Image.fromarray(ramp).save(tmp_path / "a.png")
    expected = np.clip(np.rint(ramp / 257.0), 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(read_gray_image(tmp_path / "a.png"), expected)
    wide = (rng.random((2100, 5)) * 5000 - 20).astype(np.float32)  # stretched
    Image.fromarray(wide).save(tmp_path / "f.tif")
    lo, hi = float(wide.min()), float(wide.max())
    expected = np.clip(np.rint((wide - lo) * (255.0 / (hi - lo))), 0, 255)
    np.testing.assert_array_equal(read_gray_image(tmp_path / "f.tif"), expected)


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs")
@needs_fifo
def test_is_video_file_does_not_open_a_fifo_named_gif(tmp_path):
    from skfer.video import is_video_file

    fifo = tmp_path / "x.gif"
    os.mkfifo(fifo)
    done, result = finishes(lambda: is_video_file(fifo))
    assert done and result is True  # the video reader then says why
