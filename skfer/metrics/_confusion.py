"""Confusion matrices as the paper reports them: raw counts and row-normalized."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import confusion_matrix
from sklearn.utils.multiclass import unique_labels

__all__ = ["confusion_matrices", "normalize_confusion_matrix"]


def _check_targets(
    y_true: ArrayLike, y_pred: ArrayLike, labels: Any = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate two 1-D label vectors of equal length and resolve ``labels``.

    Returns ``(y_true, y_pred, labels)`` as arrays; ``labels`` defaults to the
    sorted union of the labels seen in ``y_true`` and ``y_pred``.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.ndim != 1:
            raise ValueError(
                f"{name} must be 1-D (one label per sample); got an array of shape "
                f"{y.shape}."
            )
    if len(y_true) != len(y_pred):
        raise ValueError(
            "y_true and y_pred must have the same number of samples; got "
            f"{len(y_true)} and {len(y_pred)}."
        )
    if len(y_true) == 0:
        raise ValueError("y_true and y_pred are empty; at least one sample is needed.")
    if labels is None:
        labels = unique_labels(y_true, y_pred)
    else:
        labels = np.asarray(labels)
        if labels.ndim != 1 or len(labels) == 0:
            raise ValueError(
                "labels must be a non-empty 1-D sequence of class labels; got "
                f"{labels!r}."
            )
        if len(np.unique(labels)) != len(labels):
            raise ValueError(
                f"labels must not repeat a label; got {labels.tolist()!r}."
            )
        if not np.isin(y_true, labels).any():
            raise ValueError(
                f"none of labels {labels.tolist()!r} occurs in y_true; expected at "
                "least one of them."
            )
    return y_true, y_pred, labels


def normalize_confusion_matrix(counts: ArrayLike) -> np.ndarray:
    """Divide each row of a confusion matrix by its sum (per-class recall).

    A row with no samples stays all zeros.

    Examples
    --------
    >>> from skfer.metrics import normalize_confusion_matrix
    >>> normalize_confusion_matrix([[3, 1], [0, 0]]).tolist()
    [[0.75, 0.25], [0.0, 0.0]]
    """
    counts = np.asarray(counts, dtype=float)
    row_sums = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, row_sums, out=np.zeros_like(counts), where=row_sums > 0)


def confusion_matrices(
    y_true: ArrayLike, y_pred: ArrayLike, labels: ArrayLike | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Confusion matrix as raw counts and row-normalized (per-class recall).

    Row ``i`` holds the samples whose true label is ``labels[i]``; column ``j``
    those predicted as ``labels[j]``. The normalized matrix divides each row by the
    number of samples of that class, so its diagonal is the per-class recall, as in
    the paper's confusion-matrix figures. A class with no true samples gives a row
    of zeros, never NaN.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    labels : array-like of shape (n_classes,), default=None
        Classes and their order along both axes. ``None`` means the sorted union of
        the labels in ``y_true`` and ``y_pred``. Samples whose true or predicted
        label is not in ``labels`` are left out, as in
        :func:`sklearn.metrics.confusion_matrix`.

    Returns
    -------
    counts : ndarray of shape (n_classes, n_classes), dtype int
        Number of samples of true class ``i`` predicted as class ``j``.
    normalized : ndarray of shape (n_classes, n_classes), dtype float
        ``counts`` divided by its row sums; rows sum to 1 (or 0 for an absent class).

    See Also
    --------
    classification_summary : Accuracy, F1 and per-class scores as a dict.

    Examples
    --------
    >>> from skfer.metrics import confusion_matrices
    >>> y_true = ["happy", "happy", "sad", "sad", "sad"]
    >>> y_pred = ["happy", "sad", "sad", "sad", "happy"]
    >>> counts, normalized = confusion_matrices(y_true, y_pred)
    >>> counts
    array([[1, 1],
           [1, 2]])
    >>> normalized.round(2)
    array([[0.5 , 0.5 ],
           [0.33, 0.67]])
    >>> confusion_matrices(y_true, y_pred, labels=["happy", "sad", "fear"])[1][2]
    array([0., 0., 0.])
    """
    y_true, y_pred, labels = _check_targets(y_true, y_pred, labels)
    counts = confusion_matrix(y_true, y_pred, labels=labels)
    return counts, normalize_confusion_matrix(counts)
