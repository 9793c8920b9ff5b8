"""When a fitted network can go on training: warm_start and partial_fit checks."""

import os
import warnings

import numpy as np

__all__ = ["check_partial_fit_params", "warm_start_changes"]


def _same_source(a, b):
    if a is None or b is None:
        return a is b
    return os.fspath(a) == os.fspath(b)


def warm_start_changes(estimator, fitted_pretrained):
    """What changed since the fit that makes its network unusable, or ``""``.

    A warm start continues the fitted network, which is only possible while the
    parameters that shaped it are unchanged: ``architecture`` (when set),
    ``pretrained`` and ``classes`` (when set). ``fitted_pretrained`` is the
    ``pretrained`` of the fit that built the network.

    Returns
    -------
    changes : str
        E.g. ``"architecture changed from 'small' to 'model1'"``; empty when the
        network can continue.
    """
    changes = []
    arch = estimator.architecture
    if arch is not None and arch != estimator.architecture_:
        changes.append(
            f"architecture changed from {estimator.architecture_!r} to {arch!r}"
        )
    before = fitted_pretrained
    if not _same_source(before, estimator.pretrained):
        changes.append(
            f"pretrained changed from {before!r} to {estimator.pretrained!r}"
        )
    if estimator.classes is not None:
        classes = np.unique(np.asarray(estimator.classes))
        fitted = estimator.classes_
        if classes.shape != fitted.shape or not np.array_equal(classes, fitted):
            changes.append(
                f"classes changed from {fitted.tolist()!r} to {classes.tolist()!r}"
            )
    return " and ".join(changes)


def check_partial_fit_params(estimator):
    """Warn about parameters that ``partial_fit`` ignores, saying what to do."""
    if estimator.early_stopping:
        warnings.warn(
            "early_stopping=True is ignored by partial_fit, which trains one epoch "
            "on the data it is given, with no validation set to watch. Stop calling "
            "partial_fit when a score on your own validation data stops improving, "
            "or use fit, which holds out a validation set, for early stopping.",
            UserWarning,
            stacklevel=3,
        )
