"""Base class of the stateless image transformers."""

from sklearn.base import BaseEstimator, TransformerMixin

from ._validation import _collect, check_images

__all__ = []


class _ImageTransformer(TransformerMixin, BaseEstimator):
    """Stateless transformer mapping each image on its own.

    Subclasses write ``_transform_image(image) -> image``; ``fit`` only checks the
    parameters and the input, ``transform`` gives the images back in the layout
    they came in (see :func:`~skfer.preprocessing._validation.check_images`).
    """

    _parameter_constraints: dict = {}

    def fit(self, X, y=None):
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
        check_images(X)
        return self

    def transform(self, X):
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
        return _collect([self._transform_image(image) for image in images], kind)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.three_d_array = True
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = []
        return tags
