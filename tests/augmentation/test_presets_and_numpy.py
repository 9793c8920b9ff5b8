"""make_augmentation presets and augment_images on numpy arrays."""

import copy
import pickle

import numpy as np
import pytest
import torch

from skfer.augmentation import (
    PRESETS,
    Compose,
    Identity,
    RandomGaussianBlur,
    RandomHorizontalFlip,
    RandomResizedCrop,
    RandomRotation,
    augment_images,
    make_augmentation,
)
from skfer.datasets import make_faces


@pytest.fixture(scope="module")
def X():
    """8 synthetic faces, uint8 rows of 2304 pixels."""
    return make_faces(n_samples=8, random_state=0, return_X_y=True)[0]


def test_none_and_none_preset_are_the_identity():
    images = torch.rand(4, 1, 48, 48)
    for spec in (None, "none"):
        transform = make_augmentation(spec)
        assert isinstance(transform, Identity)
        assert torch.equal(transform(images), images)


@pytest.mark.parametrize("name", ["paper", "standard", "light"])
def test_presets_are_fresh_composes_that_change_images(name):
    first, second = make_augmentation(name), make_augmentation(name)
    assert isinstance(first, Compose) and first is not second
    images = torch.rand(64, 1, 48, 48)
    out = first(images, torch.Generator().manual_seed(0))
    assert out.shape == images.shape and out.dtype == torch.float32
    assert float(out.min()) >= 0 and float(out.max()) <= 1
    assert not torch.equal(out, images)
    clone = pickle.loads(pickle.dumps(copy.deepcopy(first)))
    assert torch.equal(clone(images, torch.Generator().manual_seed(0)), out)


def test_paper_preset_holds_the_papers_generator():
    kinds = {type(t) for t in make_augmentation("paper")}
    assert {RandomHorizontalFlip, RandomRotation, RandomResizedCrop} <= kinds
    assert RandomGaussianBlur in kinds
    assert any("Noise" in k.__name__ for k in kinds)


def test_objects_are_returned_as_is_and_lists_composed():
    rotate = RandomRotation(20)
    assert make_augmentation(rotate) is rotate
    composed = make_augmentation([rotate, RandomHorizontalFlip()])
    assert isinstance(composed, Compose) and composed[0] is rotate

    def plain(images, generator=None):
        return images

    assert make_augmentation(plain) is plain


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="Unknown augmentation 'strong'") as info:
        make_augmentation("strong")
    for name in PRESETS:
        assert repr(name) in str(info.value)
    with pytest.raises(TypeError, match="augmentation must be None, one of"):
        make_augmentation(3.0)


# -- augment_images ----------------------------------------------------------


def test_uint8_rows_keep_shape_dtype_and_scale(X):
    out = augment_images(X, "standard", random_state=0)
    assert out.shape == X.shape and out.dtype == np.uint8
    assert not np.array_equal(out, X)
    # intensities stay on 0-255 (a [0, 1] mix-up would leave a nearly black image)
    assert abs(float(out.mean()) - float(X.mean())) < 30


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_images_keep_shape_dtype_and_scale(X, dtype):
    unit = (X.reshape(-1, 48, 48) / 255.0).astype(dtype)
    out = augment_images(unit, "paper", random_state=0)
    assert out.shape == (8, 48, 48) and out.dtype == dtype
    assert out.min() >= 0 and out.max() <= 1
    wide = X.astype(dtype)  # floats on 0-255
    out = augment_images(wide, "paper", random_state=0)
    assert out.dtype == dtype and out.max() > 1 and out.max() <= 255


def test_random_state_reproducible(X):
    first = augment_images(X, "paper", random_state=7)
    np.testing.assert_array_equal(first, augment_images(X, "paper", random_state=7))
    np.testing.assert_array_equal(
        first, augment_images(X, "paper", random_state=np.random.RandomState(7))
    )
    assert not np.array_equal(first, augment_images(X, "paper", random_state=8))
    # small batches: still deterministic, and the input untouched
    before = X.copy()
    small = augment_images(X, "paper", random_state=7, batch_size=3)
    np.testing.assert_array_equal(small, augment_images(X, "paper", 7, batch_size=3))
    np.testing.assert_array_equal(X, before)


def test_identity_gives_back_the_images(X):
    np.testing.assert_array_equal(augment_images(X, None, random_state=0), X)


@pytest.mark.parametrize(
    "bad, error, match",
    [
        (
            np.zeros((3, 2300), np.uint8),
            ValueError,
            "2300 values, which is not a perfect",
        ),
        (np.zeros((3, 4, 4, 4), np.uint8), ValueError, "must have shape"),
        (np.full((3, 16), -0.5), ValueError, r"pixel intensities in \[0, 255\]"),
        (np.full((3, 16), 300.0), ValueError, r"got values in \[300.0, 300.0\]"),
        (np.full((3, 16), np.nan), ValueError, "pixel intensities"),
        (np.zeros((3, 16), bool), TypeError, "numeric pixel values"),
    ],
)
def test_invalid_arrays_raise(bad, error, match):
    with pytest.raises(error, match=match):
        augment_images(bad, "light", random_state=0)


def test_invalid_batch_size(X):
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        augment_images(X, "light", batch_size=0)
