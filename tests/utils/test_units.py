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
    assert infer_input_range(np.full((2, 2), 5.0, dtype=np.float32)) == BYTE


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
