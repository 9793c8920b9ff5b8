"""Hypothesis property tests: any shape, any valid parameters -> the contract holds."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from skfer.augmentation import (
    Compose,
    RandomAffine,
    RandomBrightnessContrast,
    RandomErasing,
    RandomGaussianBlur,
    RandomGaussianNoise,
    RandomHorizontalFlip,
    RandomResizedCrop,
    RandomRotation,
    RandomSaltAndPepper,
    augment_images,
)

SETTINGS = settings(max_examples=25, deadline=None)

probability = st.floats(0.0, 1.0)


def _pair(low, high):
    """A (lo, hi) range inside [low, high]."""
    return st.tuples(st.floats(low, high), st.floats(low, high)).map(
        lambda t: (min(t), max(t))
    )


transforms = st.one_of(
    st.builds(RandomHorizontalFlip, p=probability),
    st.builds(RandomRotation, degrees=st.floats(0, 180), p=probability),
    st.builds(
        RandomAffine,
        degrees=_pair(-45, 45),
        translate=st.floats(0, 0.5),
        scale=_pair(0.5, 2.0),
        padding_mode=st.sampled_from(["border", "reflection", "zeros"]),
        p=probability,
    ),
    st.builds(
        RandomResizedCrop, scale=_pair(0.05, 1.0), ratio=_pair(0.3, 3.0), p=probability
    ),
    st.builds(
        RandomGaussianBlur,
        sigma=_pair(0.0, 3.0),
        kernel_size=st.sampled_from([1, 3, 5, 7]),
        p=probability,
    ),
    st.builds(RandomGaussianNoise, std=_pair(0.0, 0.5), p=probability),
    st.builds(
        RandomSaltAndPepper,
        amount=_pair(0.0, 1.0),
        salt_vs_pepper=probability,
        p=probability,
    ),
    st.builds(
        RandomBrightnessContrast,
        brightness=st.floats(0, 1),
        contrast=st.floats(0, 1),
        p=probability,
    ),
    st.builds(
        RandomErasing,
        scale=_pair(0.0, 1.0),
        ratio=_pair(0.1, 10.0),
        value=st.floats(0, 1),
        p=probability,
    ),
)
shapes = st.tuples(st.integers(0, 6), st.integers(4, 40), st.integers(4, 40))


@SETTINGS
@given(transform=transforms, shape=shapes, seed=st.integers(0, 2**31 - 1))
def test_any_transform_any_shape_keeps_the_contract(transform, shape, seed):
    n, height, width = shape
    images = torch.rand(n, 1, height, width, generator=torch.Generator().manual_seed(1))
    out = transform(images, torch.Generator().manual_seed(seed))
    assert out.shape == images.shape and out.dtype == images.dtype
    assert bool(torch.isfinite(out).all())
    if n:
        assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0
    # replay: sampling then applying the same draws gives the same result
    params = transform.sample_params(
        n, torch.Generator().manual_seed(seed), size=(height, width)
    )
    assert torch.equal(transform.apply(images, params), out)
    if transform.p == 0.0:
        assert torch.equal(out, images)


@SETTINGS
@given(
    transforms=st.lists(transforms, min_size=0, max_size=4),
    n=st.integers(0, 5),
    seed=st.integers(0, 2**31 - 1),
)
def test_compositions_keep_the_contract_and_replay(transforms, n, seed):
    augment = Compose(transforms)
    images = torch.rand(n, 1, 48, 48)
    out = augment(images, torch.Generator().manual_seed(seed))
    assert out.shape == images.shape
    params = augment.sample_params(n, torch.Generator().manual_seed(seed))
    assert torch.equal(augment.apply(images, params), out)


@SETTINGS
@given(
    side=st.integers(2, 32),
    n=st.integers(1, 5),
    dtype=st.sampled_from([np.uint8, np.float32, np.float64]),
    flat=st.booleans(),
)
def test_augment_images_any_square_side_and_dtype(side, n, dtype, flat):
    rng = np.random.RandomState(side)
    X = rng.randint(0, 256, size=(n, side, side))
    X = X.astype(dtype) if dtype == np.uint8 else (X / 255.0).astype(dtype)
    if flat:
        X = X.reshape(n, -1)
    out = augment_images(X, "standard", random_state=0)
    assert out.shape == X.shape and out.dtype == X.dtype
    assert out.min() >= 0 and out.max() <= (255 if dtype == np.uint8 else 1)


@SETTINGS
@given(bad=st.floats(allow_nan=False).filter(lambda v: not 0 <= v <= 1))
def test_any_p_outside_unit_interval_is_rejected(bad):
    with pytest.raises(ValueError, match="p must be a probability"):
        RandomRotation(p=bad)


@SETTINGS
@given(negative=st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False))
def test_any_negative_strength_is_rejected(negative):
    for make in (
        lambda: RandomRotation(degrees=negative),
        lambda: RandomGaussianNoise(std=negative),
        lambda: RandomGaussianBlur(sigma=negative),
        lambda: RandomSaltAndPepper(amount=negative),
        lambda: RandomBrightnessContrast(brightness=negative),
        lambda: RandomErasing(scale=negative),
    ):
        with pytest.raises(ValueError):
            make()
