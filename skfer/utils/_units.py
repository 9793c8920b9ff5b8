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

A classifier records its units at fit (``input_range_``). At predict time the units
of the input are decided **row by row** (:func:`check_units`), so that an image
never gets other probabilities because of the other images of its batch: rows in
the other common units are converted (with an :class:`InputUnitsWarning`), a batch
mixing both common units is refused, and so is any row that is clearly not pixels
in the model's units (negative values, standardized data, values far out of
range, booleans). :func:`match_units` applies the same decision to a whole array.
"""

from __future__ import annotations

import math
import warnings
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "check_units",
    "image_side",
    "scale_pixels",
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
#: 0-255 rows may dip below 0 (bicubic ringing next to black) only a little: by at
#: most this share of the row's maximum, on at most :data:`MAX_SHARE_NEGATIVE` of
#: its values. Standardized data (about half negative) never pass.
NEGATIVE_RATIO = 0.1
MAX_SHARE_NEGATIVE = 0.1
#: Float rows read as 0-255 pixels reach at least this value: a row whose values
#: exceed 1 but stay below it is too bright for [0, 1] floats and too dark for
#: 0-255 pixels (standardized or rescaled data, say) and is refused.
MIN_BYTE_MAX = 10.0
#: Values per chunk when rows are measured (bounded temporary memory).
_CHUNK_VALUES = 1 << 20


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


def describe_units(X: np.ndarray) -> Literal["byte", "unit", "ambiguous", "other"]:
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


def infer_input_range(X: np.ndarray) -> tuple[float, float]:
    """Units to record for training images: 0-255, [0, 1] or the data's range.

    Integer pixels in [0, 255] and floats that are clearly 0-255 give ``(0, 255)``;
    floats in [0, 1] give ``(0, 1)``; anything else its own ``(min, max)``, floats
    that exceed 1 but stay below ``MIN_BYTE_MAX`` included (the rule of
    :func:`check_units`: such rows are not read as 0-255 pixels).

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
    if kind == "byte" and (_is_integer(X) or float(np.max(X)) >= MIN_BYTE_MAX):
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


def match_units(
    X: np.ndarray,
    input_range: tuple[float, float],
    *,
    name: str = "X",
    what: str = "the model",
) -> np.ndarray:
    """Bring ``X`` to the units of ``input_range``, or raise if that is ambiguous.

    The decision of :func:`check_units` (row by row), applied to the whole of
    ``X``: float [0, 1] data given to a 0-255 model are multiplied by 255 and
    0-255 data given to a [0, 1] model divided by 255, each with an
    :class:`InputUnitsWarning`. Data that cannot be read in the model's units
    raise a ValueError saying what was expected and what was given.

    Parameters
    ----------
    X : ndarray
        Validated, finite pixel data, one image per row.
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
    scale = check_units(X, input_range, name=name, what=what, stacklevel=3)
    return X if scale == 1.0 else scale_pixels(X, scale)


def scale_pixels(X: ArrayLike, scale: float) -> np.ndarray:
    """``X`` times ``scale`` (of :func:`check_units`) as float64; 1/255 divides."""
    X = np.asarray(X, dtype=np.float64)
    return X / 255.0 if scale == 1.0 / 255.0 else X * scale


def _check_numeric(X, name):
    kind = X.dtype.kind
    if kind == "b":
        raise TypeError(
            f"{name} holds booleans (dtype bool), not pixel intensities; pass "
            "grayscale images as uint8 0-255 or floats in [0, 1] (for a mask, "
            "X.astype(np.uint8) * 255)."
        )
    if kind not in "uif":
        raise TypeError(f"{name} must hold numeric pixel values, got dtype {X.dtype}.")


def row_stats(X):
    """Per row of ``X``: minimum, maximum, share of values above 1 and below 0.

    Measured a chunk of rows at a time, so the temporary memory stays bounded
    whatever the size of ``X``.

    Returns
    -------
    lo, hi, above_one, negative : ndarray of shape (n_rows,)
    """
    X = np.asarray(X)
    X = X.reshape(len(X), -1) if X.ndim != 2 else X
    n, d = X.shape
    lo, hi = np.zeros(n), np.zeros(n)
    above, negative = np.zeros(n), np.zeros(n)
    if d == 0:
        return lo, hi, above, negative
    step = max(1, _CHUNK_VALUES // d)
    is_float = X.dtype.kind == "f"
    for start in range(0, n, step):
        part = X[start : start + step]
        rows = slice(start, start + len(part))
        lo[rows] = part.min(axis=1)
        hi[rows] = part.max(axis=1)
        if is_float:
            above[rows] = np.count_nonzero(part > 1, axis=1) / d
            negative[rows] = np.count_nonzero(part < 0, axis=1) / d
    return lo, hi, above, negative


def _byte_like(lo, hi, above, negative, integer):
    """Rows that read as 0-255 pixels (a little bicubic overshoot allowed)."""
    if integer:
        return (lo >= 0) & (hi <= 255)
    margin = OVERSHOOT * 255.0
    small_dip = (lo >= -NEGATIVE_RATIO * hi) & (negative <= MAX_SHARE_NEGATIVE)
    return (
        (above >= MIN_SHARE_ABOVE_ONE)
        & (hi >= MIN_BYTE_MAX)
        & (hi <= 255.0 + margin)
        & (lo >= -margin)
        & ((lo >= 0) | small_dip)
    )


def _rows_hold(mask, limit=3):
    """``"row 3 holds"``, ``"rows 0, 2 and 5 more hold"``: the rows of ``mask``."""
    index = np.flatnonzero(mask)
    shown = ", ".join(str(i) for i in index[:limit])
    more = f" and {len(index) - limit} more" if len(index) > limit else ""
    if len(index) == 1:
        return f"row {shown} holds"
    return f"rows {shown}{more} hold"


def _refuse(bad, stats, X, name, what, expected):
    lo, hi, above, _ = stats
    i = int(np.flatnonzero(bad)[0])
    more = int(bad.sum()) - 1
    others = f" (and in {more} more of its {len(bad)} rows)" if more else ""
    message = (
        f"{name} has values in [{lo[i]:g}, {hi[i]:g}] ({X.dtype}) in row {i}"
        f"{others}, but {what} expects {expected}."
    )
    if lo[i] < 0:
        message += (
            " Negative values are not pixel intensities (standardized data?): "
            "pass the images before any standardization; the model standardizes "
            "its input itself."
        )
    elif hi[i] > 255:
        message += (
            " Values above 255 are not 8-bit pixels (16-bit images?): rescale "
            "them to 0-255."
        )
    elif X.dtype.kind == "f" and hi[i] > 1 and above[i] < MIN_SHARE_ABOVE_ONE:
        message += (
            " Most of its values are in [0, 1] but some exceed 1, so its units are "
            "ambiguous: clip [0, 1] data to [0, 1], or cast 0-255 data to uint8."
        )
    elif X.dtype.kind == "f" and 1 < hi[i] < MIN_BYTE_MAX:
        message += (
            f" Values up to {hi[i]:g} are too large for floats in [0, 1] and too "
            "dark for 0-255 pixels (standardized or rescaled data?), so its units "
            "are ambiguous: pass the images as uint8 0-255 or floats in [0, 1]."
        )
    raise ValueError(message)


def check_units(
    X: np.ndarray,
    input_range: tuple[float, float],
    *,
    name: str = "X",
    what: str = "the model",
    stacklevel: int = 2,
) -> float:
    """The factor that brings ``X`` to the units of ``input_range``, or raise.

    The units are decided row by row, so a row's result never depends on the
    other rows of its batch:

    - a model in one of the common units (0-255 or [0, 1]) takes rows in either
      (integer rows are 0-255; float rows are [0, 1] when all their values are,
      0-255 when at least :data:`MIN_SHARE_ABOVE_ONE` of them exceed 1; all-zero
      rows are both); rows in the other unit are converted (factor 255 or 1/255,
      with an :class:`InputUnitsWarning`); a batch holding rows of both units is
      refused, since nothing tells which reading is right for all of them;
    - rows that read as neither (negative values beyond a little resampling
      overshoot, standardized data, values above 255, floats mostly in [0, 1]
      with a few above 1, floats above 1 that stay below ``MIN_BYTE_MAX``)
      are refused with a ValueError naming the first one;
    - a model trained in other units takes rows within its range widened by its
      width on each side, and refuses the others;
    - booleans are refused (TypeError): they are masks, not intensities.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Validated, finite pixel data, one image per row.
    input_range : (float, float)
        The units the model was trained in (its ``input_range_``).
    name : str, default="X"
        Name of the argument, for messages.
    what : str, default="the model"
        What expects the units, for messages.
    stacklevel : int, default=2
        Of the warning, counted from the caller of this function.

    Returns
    -------
    scale : float
        1.0, 255.0 or 1/255: multiply ``X`` by it.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from skfer.utils import BYTE, check_units
    >>> check_units(np.array([[0, 200]], dtype=np.uint8), BYTE)
    1.0
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     check_units(np.array([[0.0, 0.5, 1.0]]), BYTE)
    255.0
    >>> check_units(np.array([[-2.0, 0.5, 2.0]]), BYTE)
    Traceback (most recent call last):
    ...
    ValueError: X has values in [-2, 2] (float64) in row 0, but the model expects
    0-255 pixel values. Negative values are not pixel intensities ...
    """
    X = np.asarray(X)
    _check_numeric(X, name)
    if X.size == 0:
        return 1.0
    model = _units_of_range(input_range)
    if model == "byte" and X.dtype == np.uint8:
        return 1.0
    stats = row_stats(X)
    lo, hi, above, negative = stats
    integer = X.dtype.kind in "ui"
    m_lo, m_hi = (float(v) for v in input_range)
    if model == "other":
        span = m_hi - m_lo
        bad = (lo < m_lo - span) | (hi > m_hi + span)
        if bad.any():
            _refuse(bad, stats, X, name, what, f"values in [{m_lo:g}, {m_hi:g}]")
        return 1.0
    zero = (lo == 0) & (hi == 0)
    byte = _byte_like(lo, hi, above, negative, integer) & ~zero
    if model == "byte":
        expected = "0-255 pixel values"
        native = byte
        other = (lo >= 0) & (hi <= 1) & ~zero & (not integer)
    else:
        expected = "floats in [0, 1]"
        margin = OVERSHOOT * (m_hi - m_lo)
        native = (lo >= m_lo - margin) & (hi <= m_hi + margin) & ~zero
        if integer:
            native &= False
        other = byte & ~native
    bad = ~(native | other | zero)
    if bad.any():
        _refuse(bad, stats, X, name, what, expected)
    if not other.any():
        return 1.0
    other_units = "floats in [0, 1]" if model == "byte" else "0-255 pixel values"
    if native.any():
        raise ValueError(
            f"{name} mixes pixel units: {_rows_hold(other)} {other_units} and "
            f"{_rows_hold(native)} {expected}; a row's units must not depend on "
            "the other rows of its batch. Pass every image in one unit (uint8 "
            "0-255, or floats in [0, 1])."
        )
    if model == "byte":
        message = (
            f"{name} holds floats in [0, 1] but {what} was trained on 0-255 pixel "
            "values; multiplying by 255. Pass 0-255 data (e.g. uint8) to silence "
            "this warning."
        )
        scale = 255.0
    else:
        message = (
            f"{name} holds 0-255 pixel values ({_describe_range(X)}) but {what} was "
            "trained on floats in [0, 1]; dividing by 255. Pass floats in [0, 1] to "
            "silence this warning."
        )
        scale = 1.0 / 255.0
    warnings.warn(message, InputUnitsWarning, stacklevel=stacklevel + 1)
    return scale


def image_side(n_features: int, name: str = "X") -> int:
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


def intensity_scale(X: np.ndarray, name: str = "X") -> float:
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
