"""Per-sample training data: weights (``sample_weight``, ``class_weight``) and a
teacher's probabilities (``teacher_proba``)."""

from numbers import Real

import numpy as np
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import _check_sample_weight, check_array

__all__ = ["check_teacher_proba", "training_weights"]


def _class_weights(class_weight, y_codes, classes):
    """Weight of each class code (``None`` when all are 1)."""
    if class_weight is None:
        return None
    weights = np.ones(len(classes))
    if isinstance(class_weight, str):  # "balanced", checked by the constraints
        present = np.unique(y_codes)
        weights[present] = compute_class_weight("balanced", classes=present, y=y_codes)
        return weights
    index = {label: i for i, label in enumerate(classes.tolist())}
    unknown = [key for key in class_weight if key not in index]
    if unknown:
        raise ValueError(
            f"class_weight has keys {unknown!r} that are not classes of the model "
            f"{classes.tolist()!r}."
        )
    for key, value in class_weight.items():
        if (
            not isinstance(value, Real)
            or isinstance(value, bool)
            or not (np.isfinite(value) and value >= 0)
        ):
            raise ValueError(
                f"class_weight[{key!r}] must be a finite non-negative number; got "
                f"{value!r}."
            )
        weights[index[key]] = float(value)
    return weights


def training_weights(X, y_codes, classes, sample_weight, class_weight):
    """Weights of the training samples, normalized to mean 1, or ``None`` if uniform.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The validated training images (for the length check).
    y_codes : ndarray of int of shape (n_samples,)
        Labels as indices into ``classes``.
    classes : ndarray
        The model's classes.
    sample_weight : array-like of shape (n_samples,) or None
        Validated here: finite, non-negative, not all zero.
    class_weight : None, "balanced" or dict
        ``"balanced"`` weights each class present by
        ``n_samples / (n_classes_present * count)``; a dict maps class labels to
        weights (others get 1).

    Returns
    -------
    weights : ndarray of float32 of shape (n_samples,) or None
        ``None`` when every sample weighs the same (the unweighted loss is used).

    Examples
    --------
    >>> import numpy as np
    >>> from skfer.classifier._weighting import training_weights
    >>> X, y = np.zeros((4, 4)), np.array([0, 0, 0, 1])
    >>> w = training_weights(X, y, np.array(["a", "b"]), None, "balanced")
    >>> np.round(w.astype(float), 3).tolist()  # 4 / (2 * 3) and 4 / (2 * 1)
    [0.667, 0.667, 0.667, 2.0]
    >>> training_weights(X, y, np.array(["a", "b"]), [2, 2, 2, 2], None) is None
    True
    """
    per_class = _class_weights(class_weight, y_codes, classes)
    if sample_weight is None and per_class is None:
        return None
    weights = np.ones(len(y_codes))
    if sample_weight is not None:
        try:
            weights = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
        except ValueError as exc:
            if "sample_weight" in str(exc):
                raise
            raise ValueError(f"sample_weight: {exc}") from exc
    if per_class is not None:
        weights = weights * per_class[y_codes]
    total = weights.sum()
    if not total > 0:
        raise ValueError(
            "sample_weight (times class_weight) sums to 0: at least one training "
            "sample needs a positive weight."
        )
    weighted = np.unique(y_codes[weights > 0])
    if len(weighted) < 2 and len(np.unique(y_codes)) >= 2:
        raise ValueError(
            "sample_weight (times class_weight) leaves positive weight on one class "
            f"only ({classes[weighted].tolist()!r}); FERClassifier needs samples of "
            "at least 2 classes to learn from."
        )
    if np.all(weights == weights[0]):
        return None
    return (weights * (len(weights) / total)).astype(np.float32)


def check_teacher_proba(teacher_proba, n_samples, classes, name="teacher_proba"):
    """Validate per-image class probabilities: ``None``, or float32 rows summing to 1.

    Used for a teacher's probabilities (``teacher_proba``) and for label
    distributions (``label_distribution``).

    Parameters
    ----------
    teacher_proba : array-like of shape (n_samples, n_classes) or None
        Finite, non-negative; each row must sum to 1 (within 1e-3; rows are then
        renormalized exactly).
    n_samples : int
        Number of training images.
    classes : ndarray
        The model's classes, in the order of the columns.
    name : str, default="teacher_proba"
        The argument's name, for the error messages.

    Returns
    -------
    teacher : ndarray of float32 of shape (n_samples, n_classes) or None

    Examples
    --------
    >>> import numpy as np
    >>> from skfer.classifier._weighting import check_teacher_proba
    >>> check_teacher_proba([[0.25, 0.75]], 1, np.array(["a", "b"])).tolist()
    [[0.25, 0.75]]
    """
    if teacher_proba is None:
        return None
    teacher = check_array(teacher_proba, dtype=np.float64, input_name=name)
    expected = (n_samples, len(classes))
    if teacher.shape != expected:
        raise ValueError(
            f"{name} must have one row per training image and one column per "
            f"class {classes.tolist()!r}, i.e. shape {expected}; got {teacher.shape}."
        )
    if (teacher < 0).any():
        raise ValueError(
            f"{name} must hold probabilities; it has negative values (pass "
            "predict_proba's output, not decision scores or logits)."
        )
    sums = teacher.sum(axis=1)
    if not np.allclose(sums, 1.0, atol=1e-3):
        raise ValueError(
            f"every row of {name} must sum to 1 (probabilities over the "
            f"classes); row sums range from {sums.min():.4g} to {sums.max():.4g}."
        )
    return (teacher / sums[:, None]).astype(np.float32)
