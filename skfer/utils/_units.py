"""The pixel-units contract: which scale images are in, and converting between them.

Images reach skfer in two common units: 8-bit intensities 0-255 (uint8 files,
FER2013's CSV) and floats in [0, 1] (``skimage.img_as_float``, torchvision's
``ToTensor``). A network trained in one and fed the other gives confident garbage,
so every entry point settles the units of its input here:

- integer data in [0, 255] are 0-255;
- float data in [0, 1] are [0, 1];
- float data in [0, 255] with a real share of values above 1 are 0-255; floats
  mostly in [0, 1] with a few values above 1 are *ambiguous* (out-of-range
  [0, 1] data, or very dark 0-255 images?) and refused;
- anything else (negative values, standardized data, 16-bit images) is in *other*
  units, which only a model trained in the same units can read.

A classifier records its units at fit (``input_range_``); :func:`match_units`
converts inputs in the other common units (with an :class:`InputUnitsWarning`) and
refuses what cannot be converted unambiguously.
"""

import math
import warnings

import numpy as np

__all__ = [
    "image_side",
    "intensity_scale",
    "BYTE",
    "UNIT",
    "InputUnitsWarning",
    "describe_units",
    "infer_input_range",
    "match_units",
]

#: 8-bit intensities.
BYTE = (0.0, 255.0)
#: Floats in [0, 1].
UNIT = (0.0, 1.0)
#: Share of float values above 1 from which data in [0, 255] count as 0-255 (below
#: it, they are [0, 1] data with outliers or near-black images: ambiguous).
MIN_SHARE_ABOVE_ONE = 0.01
#: How far (as a share of the range) inputs may overshoot their units' bounds and
#: still count as those units (bicubic resizing and noise overshoot a little).
OVERSHOOT = 0.05


class InputUnitsWarning(UserWarning):
    """Pixel values were converted to the units the model was trained in.

    Raised when, for example, float images in [0, 1] are given to a model trained
    on 0-255 pixels: they are multiplied by 255 before use.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from skfer import FERClassifier, InputUnitsWarning
    >>> from skfer.datasets import make_faces
    >>> X, y = make_faces(n_samples=40, random_state=0, return_X_y=True)
    >>> clf = FERClassifier("small", max_epochs=1, random_state=0).fit(X, y)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     same = (clf.predict(X / 255.0) == clf.predict(X)).all()
    >>> bool(same), caught[0].category.__name__
    (True, 'InputUnitsWarning')
    """


def _is_integer(X):
    return X.dtype.kind in "uib"


def describe_units(X):
    """The units of pixel data: ``"byte"``, ``"unit"``, ``"ambiguous"`` or ``"other"``.

    Parameters
    ----------
    X : ndarray
        Finite numeric pixel values (any shape).

    Returns
    -------
    kind : str
        See the module docstring for the rules.

    Examples
    --------
    >>> import numpy as np
    >>> from skfer.utils import describe_units
    >>> describe_units(np.array([0, 200], dtype=np.uint8))
    'byte'
    >>> describe_units(np.array([0.0, 0.5, 1.0]))
    'unit'
    >>> describe_units(np.r_[np.linspace(0, 1, 999), 3.0])
    'ambiguous'
    >>> describe_units(np.array([-1.0, 2.0]))
    'other'
    """
    X = np.asarray(X)
    if X.size == 0:
        return "byte" if _is_integer(X) else "unit"
    lo, hi = float(X.min()), float(X.max())
    if _is_integer(X):
        return "byte" if lo >= 0 and hi <= 255 else "other"
    if lo >= 0 and hi <= 1:
        return "unit"
    if lo >= 0 and hi <= 255:
        share = float(np.count_nonzero(X > 1)) / X.size
        return "byte" if share >= MIN_SHARE_ABOVE_ONE else "ambiguous"
    return "other"


def infer_input_range(X):
    """Units to record for training images: 0-255, [0, 1] or the data's range.

    Integer pixels in [0, 255] and floats that are clearly 0-255 give ``(0, 255)``;
    floats in [0, 1] give ``(0, 1)``; anything else its own ``(min, max)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skfer.utils import infer_input_range
    >>> infer_input_range(np.array([[3, 250]], dtype=np.uint8))
    (0.0, 255.0)
    >>> infer_input_range(np.array([[0.2, 0.7]]))
    (0.0, 1.0)
    >>> infer_input_range(np.array([[-2.0, 3.0]]))
    (-2.0, 3.0)
    """
    kind = describe_units(X)
    if kind == "byte":
        return BYTE
    if kind == "unit":
        return UNIT
    lo, hi = float(np.min(X)), float(np.max(X))
    if hi - lo < 1e-12:
        hi = lo + 1.0
    return (lo, hi)


def _units_of_range(input_range):
    lo, hi = (float(v) for v in input_range)
    if (lo, hi) == BYTE:
        return "byte"
    if lo >= 0 and hi <= 1:
        return "unit"
    return "other"


def _describe_range(X):
    return f"values in [{float(np.min(X)):g}, {float(np.max(X)):g}] ({X.dtype})"


def match_units(X, input_range, *, name="X", what="the model"):
    """Bring ``X`` to the units of ``input_range``, or raise if that is ambiguous.

    Float [0, 1] data given to a 0-255 model are multiplied by 255 and 0-255 data
    given to a [0, 1] model divided by 255, each with an :class:`InputUnitsWarning`.
    Data that cannot be read in the model's units raise a ValueError saying what
    was expected and what was given. Models trained in other units take their
    inputs as they are.

    Parameters
    ----------
    X : ndarray
        Validated, finite pixel data.
    input_range : (float, float)
        The units the model was trained in (its ``input_range_``).
    name : str, default="X"
        Name of the argument, for messages.
    what : str, default="the model"
        What expects the units, for messages.

    Returns
    -------
    X : ndarray
        ``X`` itself, or a converted float copy.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from skfer.utils import BYTE, match_units
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     match_units(np.array([[0.0, 0.5, 1.0]]), BYTE)
    array([[  0. , 127.5, 255. ]])
    """
    model = _units_of_range(input_range)
    if model == "other" or X.size == 0 or (model == "byte" and X.dtype == np.uint8):
        return X
    kind = describe_units(X)
    lo, hi = (float(v) for v in input_range)
    expected = "0-255 pixel values" if model == "byte" else "floats in [0, 1]"
    if kind == model:
        return X
    if model == "byte" and kind == "unit":
        if float(np.max(X)) == 0.0:
            return X  # all black: the same in both units
        warnings.warn(
            f"{name} holds floats in [0, 1] but {what} was trained on 0-255 pixel "
            "values; multiplying by 255. Pass 0-255 data (e.g. uint8) to silence "
            "this warning.",
            InputUnitsWarning,
            stacklevel=3,
        )
        return np.asarray(X, dtype=np.float64) * 255.0
    if model == "unit" and kind == "byte":
        warnings.warn(
            f"{name} holds 0-255 pixel values ({_describe_range(X)}) but {what} was "
            "trained on floats in [0, 1]; dividing by 255. Pass floats in [0, 1] to "
            "silence this warning.",
            InputUnitsWarning,
            stacklevel=3,
        )
        return np.asarray(X, dtype=np.float64) / 255.0
    # A small overshoot of the model's own bounds is still its units (but
    # ambiguous data are never read as 0-255: they may be [0, 1] data).
    margin = OVERSHOOT * (hi - lo)
    inside = float(np.min(X)) >= lo - margin and float(np.max(X)) <= hi + margin
    if inside and not (kind == "ambiguous" and model == "byte"):
        return X
    hint = ""
    if kind == "ambiguous":
        hint = (
            " Most values are in [0, 1] but some exceed 1, so the units are "
            "ambiguous: clip [0, 1] data to [0, 1], or cast 0-255 data to uint8."
        )
    raise ValueError(
        f"{name} has {_describe_range(X)}, but {what} expects {expected}." + hint
    )


def image_side(n_features, name="X"):
    """Side of the square images stored as rows of ``n_features`` pixels, or raise.

    Examples
    --------
    >>> from skfer.utils import image_side
    >>> image_side(48 * 48)
    48
    """
    side = math.isqrt(int(n_features)) if n_features > 0 else 0
    if side < 1 or side * side != n_features:
        raise ValueError(
            f"{name} must hold square grayscale images, one per row (48 x 48 = 2304 "
            f"pixels for FER data); got rows of {n_features} values, which is not a "
            "perfect square."
        )
    return side


def intensity_scale(X, name="X"):
    """255 for 0-255 data, 1 for floats in [0, 1] (see :func:`describe_units`).

    Integer data are 0-255; floats are [0, 1] when all of them are, 0-255 when a
    real share of them exceeds 1. Floats mostly in [0, 1] with a few values above
    1, and values outside [0, 255], raise a ValueError.

    Examples
    --------
    >>> import numpy as np
    >>> from skfer.utils import intensity_scale
    >>> intensity_scale(np.zeros(4, np.uint8)), intensity_scale(np.full(4, 0.5))
    (255.0, 1.0)
    """
    if X.dtype == bool or not (
        np.issubdtype(X.dtype, np.integer) or np.issubdtype(X.dtype, np.floating)
    ):
        raise TypeError(f"{name} must hold numeric pixel values, got dtype {X.dtype}.")
    if X.size == 0:
        return 255.0 if np.issubdtype(X.dtype, np.integer) else 1.0
    low, high = X.min(), X.max()
    if not (np.isfinite(low) and np.isfinite(high)) or low < 0 or high > 255:
        raise ValueError(
            f"{name} must hold pixel intensities in [0, 255] (uint8) or [0, 1] "
            f"(floats); got values in [{low}, {high}]."
        )
    kind = describe_units(X)
    if kind == "ambiguous":
        raise ValueError(
            f"{name} holds floats mostly in [0, 1] with a few values up to {high}: "
            "the units are ambiguous. Clip [0, 1] data to [0, 1], or cast 0-255 "
            "data to uint8."
        )
    return 255.0 if kind == "byte" else 1.0
