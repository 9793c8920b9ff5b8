"""The pixel-units contract of skfer.utils (``_units.py``)."""

import warnings

import numpy as np
import pytest

from skfer import InputUnitsWarning
from skfer.utils import BYTE, UNIT, describe_units, infer_input_range, match_units

RNG = np.random.RandomState(0)
BYTES = RNG.randint(0, 256, size=(4, 16)).astype(np.uint8)


@pytest.mark.parametrize(
    "X, kind",
    [
        (BYTES, "byte"),
        (BYTES.astype(np.int64), "byte"),
        (BYTES.astype(float), "byte"),
        (BYTES / 255.0, "unit"),
        (np.zeros((2, 4)), "unit"),
        (np.r_[np.linspace(0, 1, 999), 3.0], "ambiguous"),
        (BYTES.astype(np.uint16) * 257, "other"),
        (BYTES - 128.0, "other"),
        (np.zeros((0, 4), dtype=np.uint8), "byte"),
    ],
)
def test_describe_units(X, kind):
    assert describe_units(X) == kind


def test_infer_input_range_canonical_units():
    assert infer_input_range(BYTES) == BYTE
    assert infer_input_range(BYTES / 255.0) == UNIT
    assert infer_input_range(np.array([[-1.0, 3.0]])) == (-1.0, 3.0)
    assert infer_input_range(np.full((2, 2), 50.0, dtype=np.float32)) == BYTE
    # floats above 1 but below 10 are not read as 0-255 pixels (check_units)
    assert infer_input_range(np.full((2, 2), 5.0, dtype=np.float32)) == (5.0, 6.0)
    assert infer_input_range(np.array([[0.0, 3.0]])) == (0.0, 3.0)


def test_match_units_converts_with_a_warning():
    with pytest.warns(InputUnitsWarning, match="multiplying by 255"):
        np.testing.assert_allclose(match_units(BYTES / 255.0, BYTE), BYTES)
    with pytest.warns(InputUnitsWarning, match="dividing by 255"):
        np.testing.assert_allclose(match_units(BYTES, UNIT), BYTES / 255.0)
    with pytest.warns(InputUnitsWarning, match="dividing by 255"):
        match_units(BYTES, (0.0, 0.98))  # a [0, 1] range seen in the data


def test_match_units_keeps_inputs_in_the_right_units():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert match_units(BYTES, BYTE) is BYTES
        unit = BYTES / 255.0
        assert match_units(unit, UNIT) is unit
        black = np.zeros((2, 4))
        assert match_units(black, BYTE) is black
        overshoot = np.array([[-0.02, 1.03]])  # bicubic ringing
        assert match_units(overshoot, UNIT) is overshoot
        other = np.array([[-5.0, 5.0]])
        assert match_units(other, (-3.0, 4.0)) is other  # models in other units


@pytest.mark.parametrize(
    "X, units, match",
    [
        (np.r_[np.linspace(0, 1, 999), 3.0][None], BYTE, "ambiguous"),
        (BYTES - 128.0, BYTE, r"values in \[-"),
        (BYTES.astype(np.uint16) * 257, BYTE, "expects 0-255 pixel values"),
        (np.array([[-1.0, 0.5]]), UNIT, "expects floats in"),
    ],
)
def test_match_units_refuses_what_it_cannot_read(X, units, match):
    with pytest.raises(ValueError, match=match):
        match_units(X, units, name="X")


# ------------------------------------------------- row by row (check_units)
FACES = np.clip(RNG.normal(120, 50, size=(6, 64)), 0, 255).round()


def test_units_of_a_row_do_not_depend_on_its_batch():
    from skfer.utils import check_units

    unit = FACES / 255.0
    with pytest.warns(InputUnitsWarning, match="multiplying by 255"):
        assert check_units(unit[:1], BYTE) == 255.0
    with pytest.warns(InputUnitsWarning, match="multiplying by 255"):
        assert check_units(unit, BYTE) == 255.0
    # the same [0, 1] row beside 0-255 rows: refused, never read as 0-255
    mixed = np.vstack([unit[:1], FACES[1:]])
    with pytest.raises(ValueError, match=r"mixes pixel units: row 0 holds floats"):
        check_units(mixed, BYTE)
    # a row mostly in [0, 1] with a few values above 1 is ambiguous even beside
    # clearly 0-255 rows (judged on the whole batch it used to pass)
    odd = unit[:1].copy()
    odd[0, 0] = 3.0
    with pytest.raises(ValueError, match="row 0.*ambiguous"):
        check_units(np.vstack([odd, FACES[1:]]), BYTE)
    with pytest.raises(ValueError, match="mixes pixel units"):
        check_units(np.vstack([FACES[:1] / 255.0, FACES[1:]]), UNIT)


@pytest.mark.parametrize(
    "X, match",
    [
        ((FACES - 128.0) / 64.0, "Negative values are not pixel intensities"),
        (-FACES / 25.5, "Negative values"),  # floats in [-10, 0]
        (FACES / 64.0, "too large for floats in \\[0, 1\\] and too dark"),
        (FACES * 1e28, "Values above 255"),
        (FACES.astype(np.uint16) * 257, "expects 0-255 pixel values"),
    ],
)
def test_byte_model_refuses_what_is_not_pixels(X, match):
    from skfer.utils import check_units

    with pytest.raises(ValueError, match=match):
        check_units(X, BYTE)


def test_small_resampling_overshoot_is_still_0_255():
    from skfer.utils import check_units

    ringing = FACES.copy()
    ringing[:, :3] = -4.0  # bicubic ringing next to black: 3 of 64 values
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_units(ringing, BYTE) == 1.0
        assert check_units(np.zeros((2, 64)), BYTE) == 1.0  # black: both units


def test_booleans_are_refused():
    from skfer.utils import check_units

    with pytest.raises(TypeError, match="booleans"):
        check_units(FACES > 128, BYTE)


def test_models_in_other_units_refuse_values_far_out_of_range():
    from skfer.utils import check_units

    assert check_units(np.array([[-5.0, 5.0]]), (-3.0, 4.0)) == 1.0
    with pytest.raises(ValueError, match=r"expects values in \[-3, 4\]"):
        check_units(np.array([[0.0, 1e30]]), (-3.0, 4.0))


@pytest.mark.parametrize("side", [48, 40, 64])
def test_image_batches_slices_equal_the_whole_conversion(side):
    import torch

    from skfer.utils import ImageBatches, NonSquareImageWarning

    X = RNG.rand(7, side * side) * 0.9
    whole = ImageBatches(X, BYTE, scale=255.0)[:]
    parts = ImageBatches(X, BYTE, scale=255.0)
    assert torch.equal(torch.cat([parts[0:3], parts[3:7]]), whole)
    assert tuple(whole.shape) == (7, 1, 48, 48) == parts.shape
    bytes_ = (X * 255).astype(np.uint8)
    assert ImageBatches(bytes_, BYTE)[:2].dtype == (
        torch.uint8 if side == 48 else torch.float32
    )
    with pytest.warns(NonSquareImageWarning):
        padded = ImageBatches(X[:, :-5], BYTE)
    assert torch.equal(torch.cat([padded[:2], padded[2:]]), padded[:])
