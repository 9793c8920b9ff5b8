import numpy as np
import pytest

from skfer.preprocessing._validation import _collect, check_images


def test_flat_rows_are_square_images():
    images, kind = check_images(np.arange(2 * 16).reshape(2, 16))
    assert kind == "flat" and [im.shape for im in images] == [(4, 4), (4, 4)]
    assert images[1][0, 0] == 16 and images[0].dtype == np.uint8


def test_stacks_and_lists():
    images, kind = check_images(np.zeros((3, 10, 12, 3), dtype=np.uint8))
    assert kind == "stack" and images[0].shape == (10, 12, 3)
    images, kind = check_images([np.zeros((5, 7)), np.ones((9, 4, 4)) * 255])
    assert kind == "list" and images[1].dtype == np.uint8 and images[1].max() == 255


def test_uint8_input_is_not_copied():
    X = np.zeros((2, 8, 8), dtype=np.uint8)
    images, _ = check_images(X)
    assert np.shares_memory(images[0], X)


def test_floats_are_rounded():
    (image,), _ = check_images([np.array([[0.4, 0.6], [254.5, 255.0]])])
    assert image.tolist() == [[0, 1], [254, 255]]


@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.zeros((2, 10)), ValueError, "10 is not a square number"),
        (np.zeros(4), ValueError, r"X has shape \(4,\)"),
        (np.zeros((2, 3, 3, 3, 3)), ValueError, "X has shape"),
        (np.zeros((1, 4, 4, 5)), ValueError, "1 to 4 channels"),
        (np.zeros((0, 4, 4)), ValueError, "holds no images"),
        ([], ValueError, "holds no images"),
        ([np.zeros(3)], ValueError, r"X\[0\] has shape \(3,\)"),
        ([np.zeros((4, 4)), np.full((4, 4), -1)], ValueError, r"X\[1\] has values in"),
        ([np.full((4, 4), 256)], ValueError, r"expected 8-bit intensities"),
        ([np.full((4, 4), np.nan)], ValueError, "NaN"),
        ([np.zeros((4, 4), dtype=bool)], TypeError, "dtype bool"),
        ([np.zeros((0, 4))], ValueError, "empty image"),
        ("image.png", TypeError, "must be an array or a list of images"),
        (None, TypeError, "must be an array or a list of images"),
        (3, TypeError, "must be an array or a list of images"),
    ],
)
def test_errors_name_the_problem(X, error, match):
    with pytest.raises(error, match=match):
        check_images(X)


def test_collect_gives_back_the_input_layout():
    same = [np.zeros((3, 3), np.uint8)] * 2
    assert _collect(same, "flat").shape == (2, 9)
    assert _collect(same, "stack").shape == (2, 3, 3)
    assert isinstance(_collect(same, "list"), list)
    mixed = [np.zeros((3, 3), np.uint8), np.zeros((4, 4), np.uint8)]
    assert isinstance(_collect(mixed, "flat"), list)
