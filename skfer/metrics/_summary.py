"""One JSON-ready dict of the scores a benchmark result file records."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    precision_recall_fscore_support,
)

from ._confusion import _check_targets

__all__ = ["classification_summary"]


def classification_summary(
    y_true: ArrayLike, y_pred: ArrayLike, labels: ArrayLike | None = None
) -> dict[str, Any]:
    """Accuracy, macro F1 and per-class scores as a JSON-serializable dict.

    Every value is a plain Python ``int``, ``float``, ``str``, list or dict with
    ``str`` keys, so ``json.dump(summary, file)`` works as is: benchmark scripts
    write it to their result files. Per-class entries are keyed by ``str(label)``.
    Scores of a class that is never predicted (precision) or never true (recall)
    are 0.0, without a warning.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    labels : array-like of shape (n_classes,), default=None
        Classes to report, in order. ``None`` means the sorted union of the labels
        in ``y_true`` and ``y_pred``. ``macro_f1`` averages over these classes.

    Returns
    -------
    summary : dict
        ``n_samples`` (int), ``accuracy`` (float, over all samples), ``macro_f1``
        (float, unweighted mean of the per-class F1), ``per_class_precision``,
        ``per_class_recall``, ``per_class_f1`` (label -> float), ``support``
        (label -> number of true samples), ``labels`` (list of str, the order of
        the matrix) and ``confusion_matrix`` (list of lists of int, rows = true).

    See Also
    --------
    confusion_matrices : The counts and row-normalized matrices as arrays.

    Examples
    --------
    >>> import json
    >>> from skfer.metrics import classification_summary
    >>> y_true = ["happy", "happy", "sad", "sad", "sad"]
    >>> y_pred = ["happy", "sad", "sad", "sad", "happy"]
    >>> summary = classification_summary(y_true, y_pred)
    >>> summary["accuracy"]
    0.6
    >>> summary["per_class_recall"]
    {'happy': 0.5, 'sad': 0.666...}
    >>> summary["support"]
    {'happy': 2, 'sad': 3}
    >>> round(summary["macro_f1"], 3)
    0.583
    >>> text = json.dumps(summary)
    """
    y_true, y_pred, labels = _check_targets(y_true, y_pred, labels)
    keys = [str(label) for label in labels]
    if len(set(keys)) != len(keys):
        raise ValueError(
            "labels must stay distinct once written as text (the dict keys); got "
            f"{labels.tolist()!r}."
        )
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0.0
    )
    counts = confusion_matrix(y_true, y_pred, labels=labels)
    return {
        "n_samples": int(len(y_true)),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(np.mean(f1)),
        "per_class_precision": {k: float(v) for k, v in zip(keys, precision)},
        "per_class_recall": {k: float(v) for k, v in zip(keys, recall)},
        "per_class_f1": {k: float(v) for k, v in zip(keys, f1)},
        "support": {k: int(v) for k, v in zip(keys, support)},
        "labels": keys,
        "confusion_matrix": counts.astype(int).tolist(),
    }
