"""Class priors: what the training labels imply, and a change of prior.

A network trained with cross-entropy estimates p(class | image) under the class
frequencies of its training data. Where the classes come in other proportions
(posed-expression sets hold every emotion about equally often; FER2013's training
set has 1.5 % disgust and 25 % happy), Bayes' rule gives the probabilities under
the other prior: multiply each by new prior / training prior and renormalize
(Saerens, Latinne & Decaestecker, 2002; the "logit adjustment" of Menon et al.,
2021). ``FERClassifier`` records the weighted class counts of its training labels
(``class_count_``, also stored in weights files) and applies ``class_prior`` after
test-time augmentation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["change_prior", "check_class_prior", "class_counts", "valid_class_counts"]


def class_counts(
    y_codes: ArrayLike, n_classes: int, weights: ArrayLike | None = None
) -> np.ndarray:
    """Count of each class in the training labels, weighted by ``weights``.

    Examples
    --------
    >>> import numpy as np
    >>> from skfer.utils._prior import class_counts
    >>> class_counts(np.array([0, 0, 2]), 3).tolist()
    [2.0, 0.0, 1.0]
    """
    return np.bincount(y_codes, weights=weights, minlength=n_classes).astype(float)


def valid_class_counts(counts: Any, n_classes: int) -> bool:
    """Whether ``counts`` (as read from a file's metadata) can be a model's training
    class counts: a list of ``n_classes`` finite numbers >= 0, not all zero.

    Examples
    --------
    >>> from skfer.utils import valid_class_counts
    >>> valid_class_counts([3, 0.5], 2), valid_class_counts([0, 0], 2)
    (True, False)
    """
    return (
        isinstance(counts, list)
        and len(counts) == n_classes
        and all(
            isinstance(c, (int, float))
            and not isinstance(c, bool)
            and math.isfinite(c)
            and c >= 0
            for c in counts
        )
        and 0 < sum(counts) < math.inf
    )


def check_class_prior(
    class_prior: Any, classes: Sequence[Any] | np.ndarray
) -> np.ndarray | None:
    """``class_prior`` as probabilities over ``classes`` (``None`` stays ``None``).

    Examples
    --------
    >>> from skfer.utils._prior import check_class_prior
    >>> check_class_prior("uniform", ["a", "b"]).tolist()
    [0.5, 0.5]
    >>> check_class_prior([1, 3], ["a", "b"]).tolist()
    [0.25, 0.75]
    """
    if class_prior is None:
        return None
    if isinstance(class_prior, str):
        # checked here too: set_params on a fitted model skips fit's validation
        if class_prior != "uniform":
            raise ValueError(
                f"class_prior must be None, 'uniform' or one number per class of "
                f"classes_ {np.asarray(classes).tolist()}; got {class_prior!r}."
            )
        return np.full(len(classes), 1.0 / len(classes))
    prior = np.asarray(class_prior, dtype=float)
    if (
        prior.shape != (len(classes),)
        or not np.all(np.isfinite(prior))
        or np.any(prior < 0)
        or prior.sum() <= 0
    ):
        raise ValueError(
            f"class_prior must be 'uniform' or {len(classes)} finite non-negative "
            "numbers, one per class of classes_ "
            f"{np.asarray(classes).tolist()}, not all zero; got {class_prior!r}."
        )
    return prior / prior.sum()


def change_prior(
    proba: np.ndarray, prior: np.ndarray, counts: np.ndarray
) -> np.ndarray:
    """Probabilities ``proba`` (rows) under ``prior`` instead of the training prior.

    ``counts`` are the training labels' class counts; a class absent from them is
    not re-weighted (the model learnt nothing about its frequency).

    Examples
    --------
    >>> import numpy as np
    >>> from skfer.utils._prior import change_prior
    >>> proba = np.array([[0.6, 0.4]])  # learnt where class 0 was 3 times as common
    >>> change_prior(proba, np.array([0.5, 0.5]), np.array([75.0, 25.0])).round(3)
    array([[0.333, 0.667]])
    """
    training = counts / counts.sum()
    ratio = np.divide(prior, training, out=np.ones_like(prior), where=training > 0)
    out = proba * ratio
    total = out.sum(axis=1, keepdims=True)
    return np.divide(out, total, out=proba.copy(), where=total > 0)
