"""Each transform: contract, identity settings, replay, semantics, errors."""

import copy
import pickle

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from skfer.augmentation import (
    Compose,
    Identity,
    RandomAffine,
    RandomBrightnessContrast,
    RandomErasing,
    RandomGaussianBlur,
    RandomGaussianNoise,
    RandomHorizontalFlip,
    RandomResizedCrop,
    RandomRotation,
    RandomSaltAndPepper,
)
from skfer.datasets import make_faces

# (transform that must change every image, same transform at zero magnitude)
CASES = {
    "flip": (RandomHorizontalFlip(p=1.0), None),
    "rotation": (RandomRotation(degrees=(10, 20), p=1.0), RandomRotation(0, p=1.0)),
    "affine": (
        RandomAffine(degrees=10, translate=0.1, scale=(1.1, 1.2), p=1.0),
        RandomAffine(degrees=0, translate=0, scale=1.0, p=1.0),
    ),
    "crop": (
        RandomResizedCrop(scale=(0.5, 0.7), p=1.0),
        RandomResizedCrop(scale=1.0, ratio=1.0, p=1.0),
    ),
    "blur": (RandomGaussianBlur(sigma=(0.8, 1.5), p=1.0), RandomGaussianBlur(0, p=1.0)),
    "noise": (
        RandomGaussianNoise(std=(0.05, 0.1), p=1.0),
        RandomGaussianNoise(0, p=1.0),
    ),
    "salt_and_pepper": (
        RandomSaltAndPepper(amount=(0.05, 0.1), p=1.0),
        RandomSaltAndPepper(amount=0, p=1.0),
    ),
    "brightness_contrast": (
        RandomBrightnessContrast(brightness=(0.1, 0.2), contrast=(1.2, 1.4), p=1.0),
        RandomBrightnessContrast(brightness=0, contrast=0, p=1.0),
    ),
    "erasing": (
        RandomErasing(scale=(0.05, 0.1), value=0.0, p=1.0),
        RandomErasing(scale=0, p=1.0),
    ),
}
STRONG = [strong for strong, _ in CASES.values()]
ZERO = [zero for _, zero in CASES.values() if zero is not None]


def _ids(transforms):
    return [type(t).__name__ for t in transforms]


@pytest.fixture(scope="module")
def images():
    """16 synthetic faces as a (16, 1, 48, 48) float32 tensor in [0, 1]."""
    X, _ = make_faces(n_samples=16, random_state=0, return_X_y=True)
    return torch.from_numpy(X.reshape(-1, 1, 48, 48).astype(np.float32) / 255.0)


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("transform", STRONG, ids=_ids(STRONG))
def test_contract_shape_dtype_range_and_input_untouched(transform, images):
    before = images.clone()
    out = transform(images, _gen())
    assert out.shape == images.shape
    assert out.dtype == torch.float32
    assert out is not images
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0
    assert torch.equal(images, before)


@pytest.mark.parametrize("transform", STRONG, ids=_ids(STRONG))
def test_p1_changes_every_image(transform, images):
    out = transform(images, _gen())
    changed = (out != images).flatten(1).any(dim=1)
    assert bool(changed.all())


@pytest.mark.parametrize("transform", STRONG, ids=_ids(STRONG))
def test_p0_is_exact_identity(transform, images):
    off = copy.deepcopy(transform)
    off.p = 0.0
    assert torch.equal(off(images, _gen()), images)


@pytest.mark.parametrize("transform", ZERO, ids=_ids(ZERO))
def test_zero_magnitude_is_exact_identity(transform, images):
    assert torch.equal(transform(images, _gen()), images)


@pytest.mark.parametrize("transform", STRONG, ids=_ids(STRONG))
def test_same_generator_same_output_other_seed_other_output(transform, images):
    first = transform(images, _gen(3))
    assert torch.equal(first, transform(images, _gen(3)))
    if not isinstance(transform, RandomHorizontalFlip):  # p=1: nothing random left
        assert not torch.equal(first, transform(images, _gen(4)))


@pytest.mark.parametrize("transform", STRONG, ids=_ids(STRONG))
def test_replay_sample_params_then_apply(transform, images):
    params = transform.sample_params(len(images), _gen(5), size=(48, 48))
    assert all(v.shape[0] == len(images) for v in params.values())
    replayed = transform.apply(images, params)
    assert torch.equal(replayed, transform.apply(images, params))
    # calling the transform is exactly sample_params + apply
    assert torch.equal(replayed, transform(images, _gen(5)))


def test_none_generator_draws_from_global_torch_rng(images):
    transform = RandomRotation(degrees=30, p=1.0)
    torch.manual_seed(123)
    first = transform(images)
    torch.manual_seed(123)
    assert torch.equal(first, transform(images))


@pytest.mark.parametrize("transform", STRONG, ids=_ids(STRONG))
def test_p_selects_images_and_leaves_the_others_unchanged(transform, images):
    half = copy.deepcopy(transform)
    half.p = 0.5
    batch = images.repeat(8, 1, 1, 1)  # 128 images
    params = half.sample_params(len(batch), _gen(1))
    out = half.apply(batch, params)
    kept = ~params["apply"]
    assert 30 < int(kept.sum()) < 98
    assert torch.equal(out[kept], batch[kept])
    assert bool((out[~kept] != batch[~kept]).flatten(1).any(dim=1).all())


@pytest.mark.parametrize("transform", STRONG, ids=_ids(STRONG))
def test_float64_and_empty_batches(transform, images):
    double = images.double()
    out = transform(double, _gen())
    assert out.dtype == torch.float64 and out.shape == double.shape
    empty = images[:0]
    assert transform(empty, _gen()).shape == empty.shape


@pytest.mark.parametrize("transform", STRONG + [Identity()], ids=_ids(STRONG) + ["Id"])
def test_deepcopy_pickle_and_repr(transform, images):
    name = type(transform).__name__
    assert repr(transform).startswith(f"{name}(")
    for clone in (copy.deepcopy(transform), pickle.loads(pickle.dumps(transform))):
        assert repr(clone) == repr(transform)
        assert clone.get_params() == transform.get_params()
        assert torch.equal(clone(images, _gen()), transform(images, _gen()))


# -- what each transform does ------------------------------------------------


def test_flip_mirrors(images):
    assert torch.equal(RandomHorizontalFlip(p=1.0)(images), images.flip(-1))


def test_rotation_by_90_degrees_matches_rot90(images):
    params = {
        "apply": torch.ones(16, dtype=torch.bool),
        "angle": torch.full((16,), 90.0),
    }
    out = RandomRotation(degrees=90, p=1.0).apply(images, params)
    candidates = [torch.rot90(images, k, dims=(-2, -1)) for k in (1, -1)]
    assert min(float((out - c).abs().max()) for c in candidates) < 1e-4


def test_affine_translation_shifts_by_whole_pixels(images):
    params = {
        "apply": torch.ones(16, dtype=torch.bool),
        "angle": torch.zeros(16),
        "translate": torch.tensor([[0.25, 0.0]]).repeat(16, 1),  # 12 pixels right
        "scale": torch.ones(16),
    }
    out = RandomAffine(p=1.0).apply(images, params)
    torch.testing.assert_close(out[..., 12:], images[..., :-12], atol=1e-5, rtol=0)


def test_resized_crop_matches_interpolating_the_centre_crop(images):
    params = {
        "apply": torch.ones(16, dtype=torch.bool),
        "center": torch.zeros(16, 2),
        "crop_size": torch.full((16, 2), 0.5),  # the central 24 x 24 pixels
    }
    out = RandomResizedCrop(p=1.0).apply(images, params)
    expected = F.interpolate(
        images[..., 12:36, 12:36], size=(48, 48), mode="bilinear", align_corners=False
    )
    # the outermost output pixels blend in the pixels just outside the crop, where
    # interpolating the cut-out crop repeats its edge instead
    inner = (..., slice(1, -1), slice(1, -1))
    torch.testing.assert_close(out[inner], expected[inner], atol=1e-5, rtol=0)


def test_blur_matches_scipy_gaussian_filter(images):
    ndimage = pytest.importorskip("scipy.ndimage")
    params = {
        "apply": torch.ones(16, dtype=torch.bool),
        "sigma": torch.full((16,), 1.2),
    }
    out = RandomGaussianBlur(kernel_size=5, p=1.0).apply(images, params)
    expected = ndimage.gaussian_filter(
        images.numpy()[:, 0], sigma=(0, 1.2, 1.2), mode="mirror", truncate=2 / 1.2
    )
    np.testing.assert_allclose(out.numpy()[:, 0], expected, atol=1e-5)


def test_noise_has_the_drawn_standard_deviation():
    flat = torch.full((4, 1, 48, 48), 0.5)
    out = RandomGaussianNoise(std=0.08, p=1.0)(flat, _gen())
    assert abs(float((out - flat).std()) - 0.08) < 0.005


@pytest.mark.parametrize("ratio, values", [(1.0, {0.5, 1.0}), (0.0, {0.0, 0.5})])
def test_salt_and_pepper_amount_and_colour(ratio, values):
    flat = torch.full((4, 1, 48, 48), 0.5)
    out = RandomSaltAndPepper(amount=0.2, salt_vs_pepper=ratio, p=1.0)(flat, _gen())
    assert set(out.unique().tolist()) == values
    assert abs(float((out != 0.5).float().mean()) - 0.2) < 0.02


def test_brightness_shifts_and_contrast_scales(images):
    bright = RandomBrightnessContrast(brightness=(0.1, 0.1), contrast=0, p=1.0)
    mid = images * 0.5 + 0.25  # no clamping at 0 or 1
    torch.testing.assert_close(bright(mid), mid + 0.1)
    contrast = RandomBrightnessContrast(brightness=0, contrast=(0.5, 0.5), p=1.0)
    out = contrast(mid)
    torch.testing.assert_close(out.std(dim=(1, 2, 3)), 0.5 * mid.std(dim=(1, 2, 3)))
    torch.testing.assert_close(out.mean(dim=(1, 2, 3)), mid.mean(dim=(1, 2, 3)))


def test_erasing_blanks_a_rectangle_of_the_drawn_area():
    ones = torch.ones(32, 1, 48, 48)
    out = RandomErasing(scale=(0.05, 0.1), value=0.25, p=1.0)(ones, _gen())
    erased = out == 0.25
    fraction = erased.float().mean(dim=(1, 2, 3))
    assert bool(((fraction > 0.03) & (fraction < 0.12)).all())
    # a rectangle: its rows and columns span exactly its area
    rows = erased.any(dim=3).sum(dim=(1, 2))
    cols = erased.any(dim=2).sum(dim=(1, 2))
    assert torch.equal(rows * cols, erased.sum(dim=(1, 2, 3)))


# -- Compose -----------------------------------------------------------------


def test_compose_replays_and_chains(images):
    augment = Compose([RandomHorizontalFlip(p=1.0), RandomRotation(20, p=1.0)])
    params = augment.sample_params(16, _gen(2))
    assert sorted(params) == ["0.apply", "1.angle", "1.apply"]
    chained = augment[1].apply(
        images.flip(-1), {"apply": params["1.apply"], "angle": params["1.angle"]}
    )
    assert torch.equal(augment.apply(images, params), chained)
    assert torch.equal(augment(images, _gen(2)), chained)
    assert len(augment) == 2


def test_nested_compose_and_empty_compose(images):
    inner = Compose([RandomGaussianNoise(0.1, p=1.0)])
    outer = Compose([RandomHorizontalFlip(p=1.0), inner])
    params = outer.sample_params(16, _gen())
    assert "1.0.noise" in params
    assert torch.equal(outer.apply(images, params), outer(images, _gen()))
    assert torch.equal(Compose([])(images), images)
    assert "RandomGaussianNoise" in repr(outer)


# -- errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, match",
    [
        (
            lambda: RandomHorizontalFlip(p=1.5),
            r"p must be a probability in \[0, 1\], got 1.5",
        ),
        (lambda: RandomRotation(p=-0.1), "p must be a probability"),
        (lambda: RandomRotation(degrees=-5), "degrees must be a non-negative number"),
        (lambda: RandomRotation(degrees=(10, -10)), "low <= high"),
        (lambda: RandomRotation(padding_mode="wrap"), "padding_mode must be one of"),
        (lambda: RandomAffine(translate=-0.1), "translate must be a non-negative"),
        (lambda: RandomAffine(scale=(0, 1)), "scale must lie within"),
        (lambda: RandomResizedCrop(scale=(0.5, 1.5)), "scale must lie within"),
        (lambda: RandomGaussianBlur(sigma=-1.0), "sigma must lie within"),
        (lambda: RandomGaussianBlur(kernel_size=4), "kernel_size must be an odd"),
        (lambda: RandomGaussianNoise(std=-0.1), "std must lie within"),
        (lambda: RandomGaussianNoise(std="big"), "std must be a number or a"),
        (lambda: RandomSaltAndPepper(amount=-0.01), "amount must lie within"),
        (lambda: RandomSaltAndPepper(salt_vs_pepper=2), "salt_vs_pepper must be a"),
        (
            lambda: RandomBrightnessContrast(brightness=-0.2),
            "brightness must be a non-",
        ),
        (lambda: RandomBrightnessContrast(contrast=1.5), "contrast must be a non-"),
        (lambda: RandomErasing(value=2.0), "value must lie within"),
    ],
)
def test_invalid_parameters_raise_naming_the_argument(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_invalid_images_and_params_raise(images):
    flip = RandomHorizontalFlip(p=1.0)
    with pytest.raises(TypeError, match="augment_images"):
        flip(images.numpy())
    with pytest.raises(ValueError, match=r"shape \(n, 1, H, W\)"):
        flip(images[:, 0])
    with pytest.raises(TypeError, match="floating point"):
        flip((images * 255).to(torch.uint8))
    noise = RandomGaussianNoise(0.1, p=1.0)
    with pytest.raises(ValueError, match="first dimension 16"):
        noise.apply(images, noise.sample_params(4, _gen()))
    with pytest.raises(ValueError, match="pass size="):
        noise.apply(images, noise.sample_params(16, _gen(), size=(32, 32)))
    with pytest.raises(ValueError, match="n must be a non-negative integer"):
        flip.sample_params(-1)
    with pytest.raises(TypeError, match=r"transforms\[1\] must be a transform"):
        Compose([flip, "rotate"])


def test_sklearn_clone_get_params_and_set_params(images):
    from sklearn.base import clone

    augment = Compose([RandomHorizontalFlip(p=1.0), RandomRotation(20, p=1.0)])
    copied = clone(augment)
    assert copied is not augment and copied[1] is not augment[1]
    assert repr(copied) == repr(augment)
    assert torch.equal(copied(images, _gen()), augment(images, _gen()))

    rotate = RandomRotation(degrees=10, p=0.5)
    assert rotate.get_params() == {"degrees": 10, "padding_mode": "border", "p": 0.5}
    assert rotate.set_params(degrees=30, p=1.0) is rotate
    assert (rotate.degrees, rotate.p) == (30, 1.0)
    with pytest.raises(ValueError, match="p must be a probability"):
        rotate.set_params(p=2.0)
    with pytest.raises(ValueError, match="Invalid parameter 'angle'"):
        rotate.set_params(angle=3)


def test_runs_single_threaded_and_restores_the_thread_count(images):
    threads = torch.get_num_threads()
    seen = []

    class Probe(RandomHorizontalFlip):
        def _apply(self, images, params):
            seen.append(torch.get_num_threads())
            return super()._apply(images, params)

    Probe(p=1.0)(images)
    Probe(p=1.0).apply(images, Probe(p=1.0).sample_params(len(images)))
    assert seen == [1, 1]
    assert torch.get_num_threads() == threads
