"""Input checks shared by the estimators: images as rows, labels, and the
conversion of rows to the networks' input, a batch at a time."""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.nn.functional as F
from numpy.typing import ArrayLike
from sklearn import get_config
from sklearn.utils.validation import (
    _check_feature_names,
    _num_features,
    check_array,
    check_X_y,
    validate_data,
)

from ._units import BYTE, infer_input_range, scale_pixels

if TYPE_CHECKING:
    from sklearn.base import BaseEstimator

__all__ = [
    "INPUT_SIZE",
    "ImageBatches",
    "NonSquareImageWarning",
    "infer_input_range",
    "rows_to_images",
    "validate_images",
]

#: Side of the square grayscale images the networks take.
INPUT_SIZE = 48


class NonSquareImageWarning(UserWarning):
    """Rows whose length is not a perfect square were zero-padded to a square image.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from skfer import FERClassifier, NonSquareImageWarning
    >>> X, y = np.random.RandomState(0).rand(20, 5), [0, 1] * 10
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = FERClassifier("small", max_epochs=1).fit(X, y)
    >>> any(issubclass(w.category, NonSquareImageWarning) for w in caught)
    True
    """


#: Smallest side of an image row that may be resized to the model's input: a model
#: fitted on square images of at least this side takes rows of any such side.
MIN_RESIZABLE_SIDE = 16
#: Channels of a colour image (RGB, RGBA) and of gray with alpha.
_COLOUR_CHANNELS = (3, 4)
# BT.601 luma weights, as Pillow's ``convert("L")`` and skfer.preprocessing.Grayscale.
_LUMA = np.array([0.299, 0.587, 0.114])
#: Row lengths of flattened 48x48 colour images (see :func:`_check_colour_rows`).
_COLOUR_ROW_LENGTHS = tuple(INPUT_SIZE * INPUT_SIZE * c for c in (3, 4))


def _to_gray_stack(X):
    """``(n, h, w, c)`` or ``(n, c, h, w)`` arrays (c = 1-4) to ``(n, h, w)`` gray."""
    counts = (1, 2, *_COLOUR_CHANNELS)
    channels_first = X.shape[1] in counts and min(X.shape[2:]) >= MIN_RESIZABLE_SIDE
    if channels_first and X.shape[-1] not in counts:
        X = np.moveaxis(X, 1, -1)  # torch's (n, channels, height, width)
    elif X.shape[-1] not in counts:
        raise ValueError(
            f"X has 4 dimensions (shape {X.shape}) but is neither (n_samples, "
            "height, width, channels) nor (n_samples, channels, height, width) with "
            "1 to 4 channels."
        )
    if X.shape[-1] in (1, 2):  # gray, gray + alpha
        return X[..., 0]
    gray = X[..., :3] @ _LUMA
    if X.dtype.kind in "ui":
        gray = np.rint(gray).astype(X.dtype)
    return gray


def _stack_list(X):
    """A list (or tuple) of 2-D (or colour) images as one stack, else ``X``.

    A list of rows (1-D images, numbers) is left to scikit-learn's validation.
    """
    if not isinstance(X, (list, tuple)) or not X:
        return X
    first = X[0]
    nested = isinstance(first, (list, tuple)) and bool(first)
    if not (hasattr(first, "ndim") or (nested and isinstance(first[0], (list, tuple)))):
        return X
    try:
        shapes = [np.shape(image) for image in X]
    except ValueError:  # an image of ragged nested lists
        shapes = None
    if shapes is not None and len(shapes[0]) < 2:
        return X
    if shapes is None or any(shape != shapes[0] for shape in shapes):
        odd = 0 if shapes is None else [s != shapes[0] for s in shapes].index(True)
        shown = (
            ""
            if shapes is None
            else (
                f" (image 0 has shape {shapes[0]}, image {odd} has shape {shapes[odd]})"
            )
        )
        raise ValueError(
            f"X is a list of {len(X)} images of different shapes{shown}; resize "
            "them to one size (e.g. with skfer.utils.resize_image) and pass them "
            "as one array."
        )
    return np.stack([np.asarray(image) for image in X])


def _as_rows(X):
    """Flatten image stacks to rows; refuse layouts that are surely misread."""
    X = _stack_list(X)
    ndim = getattr(X, "ndim", None)
    if hasattr(X, "toarray") or ndim not in (3, 4):
        return X
    X = np.asarray(X)
    if ndim == 4:
        X = _to_gray_stack(X)
    elif X.shape[-1] in _COLOUR_CHANNELS and X.shape[1] >= MIN_RESIZABLE_SIDE:
        raise ValueError(
            f"X has shape {X.shape}, which reads as {X.shape[0]} gray images of "
            f"{X.shape[1]}x{X.shape[2]} pixels. For one colour image pass "
            "X[np.newaxis] (shape (1, height, width, channels)); for gray images "
            "pass (n_samples, height, width)."
        )
    return X.reshape(X.shape[0], math.prod(X.shape[1:]))


def _check_colour_rows(n_features):
    """Refuse or flag row lengths of flattened 48x48 colour images."""
    channels = {INPUT_SIZE * INPUT_SIZE * c: c for c in _COLOUR_CHANNELS}
    c = channels.get(n_features)
    if c is None:
        return
    message = (
        f"X has {n_features} = 48 x 48 x {c} values per row: flattened 48x48 "
        f"{'RGB' if c == 3 else 'RGBA'} images? Rows are read as gray images; pass "
        f"colour images as a (n_samples, 48, 48, {c}) array (converted to gray) "
        "or convert them with skfer.preprocessing.Grayscale first."
    )
    side = math.isqrt(n_features)
    if side * side != n_features:
        raise ValueError(message)
    warnings.warn(
        message + f" Rows of {side}x{side} gray pixels can ignore this warning.",
        UserWarning,
        stacklevel=4,
    )


def _resizable(estimator, n_features):
    """Whether rows of ``n_features`` may differ from the fit: both square images."""
    fitted = getattr(estimator, "n_features_in_", None)
    if fitted is None or fitted == n_features:
        return False
    sides = [math.isqrt(int(d)) for d in (fitted, n_features)]
    return all(
        s * s == d and s >= MIN_RESIZABLE_SIDE
        for s, d in zip(sides, (fitted, n_features))
    )


def validate_images(
    estimator: BaseEstimator,
    X: ArrayLike,
    y: ArrayLike | None = "no_validation",
    *,
    reset: bool,
) -> Any:  # X, or (X, y) when y is given (as scikit-learn's validate_data)
    """Validate X (and y) through scikit-learn, accepting image stacks.

    ``(n, h, w)`` arrays are flattened to ``(n, h*w)``; ``(n, h, w, c)`` (or torch's
    ``(n, c, h, w)``) arrays with 1-4 channels are converted to gray first. Rows of
    48 x 48 x 3 values are refused and 48 x 48 x 4 ones flagged (flattened colour
    images). A model fitted on square images of at least
    ``MIN_RESIZABLE_SIDE`` (16) pixels a side takes rows of any other such side
    (they are resized). Everything else (finite values, numeric dtype, 2-D,
    non-empty, ``n_features_in_`` consistency) is checked by
    :func:`sklearn.utils.validation.validate_data`.
    """
    if not reset and isinstance(y, str) and y == "no_validation":
        fast = _plain_rows(estimator, X)
        if fast is not None:
            return fast
    _check_pixel_dtype(getattr(X, "dtype", None))
    stack = getattr(X, "ndim", None) in (3, 4) and not hasattr(X, "toarray")
    X = _as_rows(X)
    try:
        n_features = _num_features(X)
    except TypeError:
        n_features = None
    if n_features is not None and not stack:  # a stack's layout is explicit
        _check_colour_rows(n_features)
    _check_pixel_dtype(getattr(X, "dtype", None))
    kwargs = dict(dtype="numeric", ensure_all_finite=True)
    if reset or n_features is None or not _resizable(estimator, n_features):
        try:
            out = validate_data(estimator, X, y, reset=reset, **kwargs)
        except ValueError as exc:  # a photo given as a row: point to the face crops
            if reset or "features, but" not in str(exc):
                raise
            raise ValueError(
                f"{exc} Rows are flattened square face crops; for photos use "
                "skfer.analyze(photos) (faces and emotions in one call) or "
                "skfer.preprocessing.extract_faces(photo) to get the crops."
            ) from exc
    else:
        # Images of another size: checked like any input except for the row length.
        _check_feature_names(estimator, X, reset=False)
        if isinstance(y, str) and y == "no_validation":
            out = check_array(X, input_name="X", estimator=estimator, **kwargs)
        else:
            out = check_X_y(X, y, estimator=estimator, **kwargs)
    _check_pixel_dtype((out[0] if isinstance(out, tuple) else out).dtype)
    return out


def _check_pixel_dtype(dtype):
    """Refuse dtypes that are no pixel intensities: booleans, dates, durations."""
    if dtype is None or not isinstance(dtype, np.dtype):
        return
    if dtype.kind == "b":
        raise TypeError(
            "X holds booleans (dtype bool), not pixel intensities; pass grayscale "
            "images as uint8 0-255 or floats in [0, 1] (for a mask, "
            "X.astype(np.uint8) * 255)."
        )
    if dtype.kind in "mM":
        raise TypeError(
            f"X holds dates or durations (dtype {dtype}), not pixel intensities; "
            "pass grayscale images as uint8 0-255 or floats in [0, 1]."
        )


def _plain_rows(estimator, X):
    """``X`` itself when it needs none of scikit-learn's conversions, else None.

    The per-call fast path of prediction (a single image's ``predict`` spends more
    in :func:`~sklearn.utils.validation.validate_data` than in the network): a
    non-empty 2-D NumPy array of integers or finite floats, with the fitted number
    of features, given to an estimator fitted without feature names, is what
    ``validate_data(..., reset=False)`` would return unchanged. Everything else
    (and any row length that triggers a warning) takes the full path.
    """
    if (
        type(X) is not np.ndarray
        or X.ndim != 2
        or X.shape[0] < 1
        or X.dtype.kind not in "uif"
        or X.dtype.itemsize > 8
        or X.shape[1] != getattr(estimator, "n_features_in_", None)
        or X.shape[1] in _COLOUR_ROW_LENGTHS
        or hasattr(estimator, "feature_names_in_")
    ):
        return None

    if X.dtype.kind == "f" and not get_config()["assume_finite"]:
        # the sum is finite when every value is (no temporary array as large as
        # X); an overflowing sum of finite values takes the full path too
        if not np.isfinite(X.sum()):
            return None  # the full path raises the usual error
    return X


def _square_side(n_features):
    side = math.isqrt(n_features)
    return side if side * side == n_features else side + 1


def rows_to_images(
    X: np.ndarray,
    input_range: tuple[float, float],
    *,
    size: int = INPUT_SIZE,
    scale: float = 1.0,
) -> torch.Tensor:
    """Turn validated rows into a ``(n, 1, size, size)`` tensor for the networks.

    The whole of :class:`ImageBatches` at once (see there); training holds its
    images as one tensor, prediction converts them a batch at a time.
    """
    return ImageBatches(X, input_range, size=size, scale=scale, stacklevel=4)[:]


class ImageBatches:
    """Validated rows as the networks' ``(n, 1, size, size)`` input, by slices.

    ``images[i:j]`` converts rows ``i:j`` only, so prediction on float or resized
    images needs memory for a batch, not for a float copy of the whole input. A
    row of ``d = s*s`` values is read as an ``s x s`` image (row-major) and resized
    to ``size x size``; a row whose length is not a perfect square is zero-padded
    to the next square first, with a :class:`NonSquareImageWarning` (at
    construction). Rows are multiplied by ``scale`` (the units factor of
    :func:`~skfer.utils.check_units`). Integer 0-255 images of a 0-255 model stay
    ``uint8`` when no resize is needed (a view of ``X``); anything else becomes
    float32 in the model's units (the networks' scaling happens per batch).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Validated rows (see :func:`validate_images`).
    input_range : (float, float)
        The model's units.
    size : int, default=48
        Side of the networks' input.
    scale : float, default=1.0
        Factor bringing the rows to the model's units.

    Examples
    --------
    >>> import numpy as np
    >>> from skfer.utils import BYTE, ImageBatches
    >>> images = ImageBatches(np.zeros((5, 32 * 32), np.uint8), BYTE)
    >>> len(images), tuple(images[1:3].shape)
    (5, (2, 1, 48, 48))
    """

    def __init__(
        self,
        X: np.ndarray,
        input_range: tuple[float, float],
        *,
        size: int = INPUT_SIZE,
        scale: float = 1.0,
        stacklevel: int = 2,
    ) -> None:
        n, d = X.shape
        side = _square_side(d)
        if side * side != d:
            warnings.warn(
                f"X has {d} features per row, which is not a square image; rows "
                f"are zero-padded to {side}x{side} pixels and resized to "
                f"{size}x{size}. Pass images of {size * size} pixels (or any s*s) "
                "to avoid this.",
                NonSquareImageWarning,
                stacklevel=stacklevel + 1,
            )
        self._rows = X
        self.side = side
        self.size = int(size)
        self.scale = float(scale)
        self._bytes = (
            tuple(float(v) for v in input_range) == BYTE
            and X.dtype.kind in "ui"
            and side * side == d
            and side == size
            and self.scale == 1.0
        )
        if self._bytes and X.dtype == np.uint8:
            self._rows = np.ascontiguousarray(X)

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def shape(self) -> tuple[int, int, int, int]:
        return (len(self._rows), 1, self.size, self.size)

    def __getitem__(self, index: int | slice) -> torch.Tensor:
        rows = self._rows[index]
        if rows.ndim == 1:
            rows = rows[None]
        n, d = rows.shape
        if self._bytes:
            rows = np.ascontiguousarray(rows, dtype=np.uint8)
            return torch.from_numpy(rows).reshape(n, 1, self.size, self.size)
        if self.scale != 1.0:
            rows = scale_pixels(rows, self.scale)
        rows = np.ascontiguousarray(rows, dtype=np.float32)
        if self.side * self.side != d:
            rows = np.pad(rows, ((0, 0), (0, self.side * self.side - d)))
        images = torch.from_numpy(rows).reshape(n, 1, self.side, self.side)
        if self.side != self.size:
            images = F.interpolate(
                images,
                size=(self.size, self.size),
                mode="bilinear",
                align_corners=False,
                antialias=self.side > self.size,
            )
        return images
