"""A classifier that applies saved weights without training: the zero-shot baseline."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ..classifier import load_pretrained
from ..utils import validate_images

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["PretrainedClassifier"]


class PretrainedClassifier(ClassifierMixin, BaseEstimator):
    """Use pretrained weights as they are: ``fit`` loads them and learns nothing.

    The zero-shot baseline of a transfer study: a FER2013 model applied to CK+ or
    JAFFE without seeing any of it. ``fit(X, y)`` only checks the input and loads
    the weights, so the estimator works in ``cross_validate`` next to trained ones.
    Labels of the target that the source does not know are never predicted.

    Parameters
    ----------
    weights : str or path-like
        A name of :func:`skfer.list_pretrained` or a file written by
        :meth:`FERClassifier.save_weights`.
    tta : {"default", None, "flip", "crops"}, default="default"
        Test-time augmentation, as in :class:`FERClassifier`; ``"default"``: the
        setting the model's accuracy was measured with (a registered model's
        ``predict_params``, as :func:`skfer.load_pretrained` uses; none for a
        weights file).
    device : str, default="cpu"
        Torch device.

    Attributes
    ----------
    classifier_ : FERClassifier
        The loaded model.
    classes_ : ndarray
        The source model's classes.

    Examples
    --------
    >>> from skfer import FERClassifier
    >>> from skfer.datasets import make_faces
    >>> from skfer.transfer import PretrainedClassifier
    >>> import tempfile, os
    >>> X, y = make_faces(40, classes=["happy", "sad"], random_state=0,
    ...                   return_X_y=True)
    >>> path = os.path.join(tempfile.mkdtemp(), "w.safetensors")
    >>> _ = FERClassifier("small", max_epochs=1).fit(X, y).save_weights(path)
    >>> PretrainedClassifier(path).fit(X, y).predict(X[:2]).shape
    (2,)
    """

    def __init__(
        self,
        weights: str | os.PathLike[str],
        *,
        tta: Literal["default", "flip", "crops"] | None = "default",
        device: str = "cpu",
    ) -> None:
        self.weights = weights
        self.tta = tta
        self.device = device

    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> Self:
        """Load the weights; ``X`` and ``y`` are only validated.

        ``X`` must be images the pretrained model takes (48x48, or another square
        size it can be resized from); ``y``, when given, class labels.
        """
        if y is None:
            X = validate_images(self, X, reset=True)
        else:
            X, y = validate_images(self, X, y, reset=True)
            check_classification_targets(y)
        params = {} if self.tta == "default" else {"tta": self.tta}
        self.classifier_ = load_pretrained(self.weights, device=self.device, **params)
        validate_images(self.classifier_, np.asarray(X)[:1], reset=False)  # sizes
        self.classes_ = self.classifier_.classes_
        return self

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities from the pretrained model."""
        check_is_fitted(self)
        return self.classifier_.predict_proba(validate_images(self, X, reset=False))

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Most probable class according to the pretrained model."""
        check_is_fitted(self)
        return self.classifier_.predict(validate_images(self, X, reset=False))
