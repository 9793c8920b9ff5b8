"""The validation set held out of the training data (``validation_fraction``)."""

import warnings

import numpy as np
from sklearn.model_selection import train_test_split

__all__ = ["validation_split"]


def validation_split(X, y, fraction, seed, per_sample=()):
    """``(X_tr, y_tr, X_va, y_va, per_sample_tr)``: a stratified split of ``fraction``.

    ``y`` holds class codes; ``per_sample`` is a tuple of per-row arrays (or
    ``None``) split with ``X``, so the split is the same whatever rides along.
    No split (``X_va`` None) when ``fraction`` is falsy, or, with a warning,
    when it would leave no data on one side.
    """
    if not fraction:
        return X, y, None, None, per_sample
    n = len(y)
    n_val = int(np.ceil(fraction * n))
    if n_val < 1 or n - n_val < 1:
        warnings.warn(
            f"validation_fraction={fraction} leaves no data to train or to validate "
            f"on with {n} samples; training without a validation set.",
            UserWarning,
            stacklevel=5,
        )
        return X, y, None, None, per_sample
    counts = np.bincount(y)
    counts = counts[counts > 0]
    stratify = y if (counts.min() >= 2 and n_val >= len(counts)) else None
    index = np.arange(n)
    i_tr, i_va = train_test_split(
        index, test_size=n_val, stratify=stratify, random_state=seed
    )
    per_sample_tr = tuple(None if a is None else a[i_tr] for a in per_sample)
    return X[i_tr], y[i_tr], X[i_va], y[i_va], per_sample_tr
