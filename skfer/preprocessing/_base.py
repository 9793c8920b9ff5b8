"""Base class of the stateless image transformers, and their output columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.validation import validate_data

from ._validation import _collect, check_images

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = []


def pixel_names(n):
    """``pixel_0`` ... ``pixel_{n-1}``: the columns of flattened images."""
    return np.asarray([f"pixel_{i}" for i in range(n)], dtype=object)


class _ImageTransformer(TransformerMixin, BaseEstimator):
    """Stateless transformer mapping each image on its own.

    Subclasses write ``_transform_image(image) -> image``; ``fit`` only checks the
    parameters and the input, ``transform`` gives the images back in the layout
    they came in (see :func:`~skfer.preprocessing._validation.check_images`).

    Fitted on flattened rows (a 2-D array or a DataFrame), a transformer records
    ``n_features_in_`` (and ``feature_names_in_`` for a DataFrame with string
    column names), as scikit-learn's estimators do; on stacks or lists of images,
    which have no columns, it records neither.
    """

    _parameter_constraints: dict = {}

    def fit(self, X: ArrayLike | Sequence[ArrayLike], y: object = None) -> Self:
        """Check the parameters and ``X``; nothing is learned.

        Parameters
        ----------
        X : array-like or list of array-like
            Images (see the class description for the accepted layouts).
        y : None
            Ignored.

        Returns
        -------
        self : object
            The transformer.
        """
        self._validate_params()
        _, kind = check_images(X)
        if kind == "flat":  # only rows of pixels have columns to name
            validate_data(self, X, skip_check_array=True, reset=True)
        else:
            for name in ("n_features_in_", "feature_names_in_"):
                self.__dict__.pop(name, None)
        return self

    def transform(
        self, X: ArrayLike | Sequence[ArrayLike]
    ) -> np.ndarray | list[np.ndarray]:
        """Apply the transformation to every image of ``X``.

        Parameters
        ----------
        X : array-like or list of array-like
            Images (see the class description for the accepted layouts).

        Returns
        -------
        X_new : ndarray or list of ndarray of uint8
            The transformed images, in the layout of ``X`` (flattened rows stay
            flattened rows); a list when the images' shapes differ.
        """
        self._validate_params()
        images, kind = check_images(X)
        X_new = _collect([self._transform_image(image) for image in images], kind)
        self._check_table_output(X_new)
        return X_new

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.three_d_array = True
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = []
        return tags

    def _check_table_output(self, X_new):
        """Refuse, with the reason, an output that ``set_output`` cannot tabulate.

        With ``set_output(transform="pandas")`` (or the global setting),
        scikit-learn wraps the output in a DataFrame named by
        ``get_feature_names_out``: only flattened rows, one name per column, fit.
        """
        if not hasattr(self, "get_feature_names_out"):
            return
        # scikit-learn's own lookup: the estimator's set_output, else the global
        container = _get_output_config("transform", self)["dense"]
        if container == "default":
            return
        names = self.get_feature_names_out()
        shape = getattr(X_new, "shape", None)
        if shape is None or len(shape) != 2 or shape[1] != len(names):
            got = f"shape {shape}" if shape is not None else "images of several sizes"
            raise ValueError(
                f"{type(self).__name__} is set to output {container} tables of "
                f"{len(names)} columns (get_feature_names_out), but its output has "
                f"{got}. Tables need flattened grayscale rows of one size: give "
                "(n_samples, side * side) rows, as in fit, or use "
                'set_output(transform="default") for image stacks.'
            )


class _OneToOnePixels:
    """``get_feature_names_out`` of a transformer that keeps every pixel's column.

    scikit-learn's ``OneToOneFeatureMixin``, except that images fitted without
    column names get ``pixel_0`` ... rather than ``x0`` ...
    """

    def get_feature_names_out(
        self, input_features: ArrayLike | None = None
    ) -> np.ndarray:
        """Names of the output columns: the input's, one per pixel.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Names of the input columns; ``None`` means ``feature_names_in_`` if
            fitted on a DataFrame, else ``pixel_0`` ... ``pixel_{n-1}``.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        n = getattr(self, "n_features_in_", None)
        if n is None:
            raise NotFittedError(
                f"{type(self).__name__} has no output columns: fit it on flattened "
                "images, a (n_samples, side * side) array or DataFrame, first."
            )
        fitted = getattr(self, "feature_names_in_", None)
        if input_features is None:
            return pixel_names(n) if fitted is None else fitted.astype(object)
        names = np.asarray(input_features, dtype=object)
        if fitted is not None and not np.array_equal(names, fitted):
            raise ValueError("input_features is not equal to feature_names_in_.")
        if names.shape != (n,):
            raise ValueError(
                f"input_features should have length equal to the number of features "
                f"seen in fit ({n}); got {len(names)}."
            )
        return names
