"""Input checks shared by the estimators: images as rows, labels."""

import math
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils.validation import validate_data

__all__ = ["INPUT_SIZE", "NonSquareImageWarning", "rows_to_images", "validate_images"]

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


def validate_images(estimator, X, y="no_validation", *, reset):
    """Validate X (and y) through scikit-learn, accepting ``(n, h, w)`` image stacks.

    3-D arrays are flattened to ``(n, h*w)`` first; everything else (finite values,
    numeric dtype, 2-D, non-empty, ``n_features_in_`` consistency) is checked by
    :func:`sklearn.utils.validation.validate_data`.
    """
    if getattr(X, "ndim", None) == 3 and not hasattr(X, "toarray"):
        X = np.asarray(X)
        X = X.reshape(X.shape[0], -1)
    kwargs = dict(reset=reset, dtype="numeric", ensure_all_finite=True)
    return validate_data(estimator, X, y, **kwargs)


def _square_side(n_features):
    side = math.isqrt(n_features)
    return side if side * side == n_features else side + 1


def rows_to_images(X, input_range, *, size=INPUT_SIZE):
    """Turn validated rows into a ``(n, 1, size, size)`` tensor for the networks.

    A row of ``d = s*s`` values is read as an ``s x s`` image (row-major) and resized
    to ``size x size``; a row whose length is not a perfect square is zero-padded to
    the next square first, with a :class:`NonSquareImageWarning`. Integer images in
    0-255 stay ``uint8`` when no resize is needed (a quarter of the memory of float32);
    anything else becomes float32 in the caller's units (scaling happens per batch).
    """
    n, d = X.shape
    side = _square_side(d)
    if side * side != d:
        warnings.warn(
            f"X has {d} features per row, which is not a square image; rows are "
            f"zero-padded to {side}x{side} pixels and resized to {size}x{size}. "
            f"Pass images of {size * size} pixels (or any s*s) to avoid this.",
            NonSquareImageWarning,
            stacklevel=3,
        )
        X = np.pad(np.asarray(X, dtype=np.float32), ((0, 0), (0, side * side - d)))
    if input_range == (0.0, 255.0) and X.dtype.kind in "ui" and side == size:
        return torch.from_numpy(np.ascontiguousarray(X, dtype=np.uint8)).reshape(
            n, 1, size, size
        )
    images = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
    images = images.reshape(n, 1, side, side)
    if side != size:
        images = F.interpolate(
            images,
            size=(size, size),
            mode="bilinear",
            align_corners=False,
            antialias=side > size,
        )
    return images


def infer_input_range(X):
    """Units of the training images: 0-255 for integer pixels, else the data's range."""
    if X.dtype.kind in "uib" and (X.size == 0 or (X.min() >= 0 and X.max() <= 255)):
        return (0.0, 255.0)
    lo, hi = float(np.min(X)), float(np.max(X))
    if hi - lo < 1e-12:
        hi = lo + 1.0
    return (lo, hi)
