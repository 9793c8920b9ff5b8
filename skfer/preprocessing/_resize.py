"""Resizing to the model's input size."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from ..utils import resize_image
from ._base import _ImageTransformer, pixel_names
from ._validation import _check_size, check_images

__all__ = ["Resize"]


class Resize(_ImageTransformer):
    """Resize images to a fixed size (48x48 by default), flattened for a model.

    Bilinear interpolation (scikit-image's :func:`~skimage.transform.resize`),
    with Gaussian anti-aliasing when shrinking; images already at the right size
    are passed through unchanged. Stateless: ``fit`` only checks the input.
    The flattened output's columns are ``pixel_0`` ... ``pixel_{h*w-1}``
    (``get_feature_names_out``), and ``set_output(transform="pandas")`` returns
    them as DataFrames.

    Parameters
    ----------
    size : int or (int, int), default=48
        Output ``(height, width)``; an int gives a square.
    flatten : bool, default=True
        Return a 2-D array ``(n_samples, height * width)`` (what a classifier
        takes) instead of a ``(n_samples, height, width)`` stack.
    anti_aliasing : bool, default=True
        Smooth before shrinking to avoid aliasing.

    See Also
    --------
    FaceCropper : Crop the face out of each image first.
    Grayscale : Convert colour images to gray.

    Examples
    --------
    >>> import numpy as np
    >>> from skfer.preprocessing import Resize
    >>> images = [np.full((128, 100), 200, dtype=np.uint8), np.zeros((48, 48))]
    >>> X = Resize().fit_transform(images)
    >>> X.shape, X.dtype, int(X[0].min()), int(X[1].max())
    ((2, 2304), dtype('uint8'), 200, 0)
    >>> Resize(size=(24, 32), flatten=False).fit_transform(images).shape
    (2, 24, 32)
    >>> Resize(size=4).get_feature_names_out()[[0, -1]]
    array(['pixel_0', 'pixel_15'], dtype=object)
    """

    _parameter_constraints = {
        "size": "no_validation",  # checked by _check_size: int or pair of ints
        "flatten": ["boolean"],
        "anti_aliasing": ["boolean"],
    }

    def __init__(
        self,
        size: int | tuple[int, int] = 48,
        *,
        flatten: bool = True,
        anti_aliasing: bool = True,
    ) -> None:
        self.size = size
        self.flatten = flatten
        self.anti_aliasing = anti_aliasing

    def _validate_params(self):
        super()._validate_params()
        _check_size(self.size)  # an int or a pair, beyond what constraints express

    def transform(self, X: ArrayLike | Sequence[ArrayLike]) -> np.ndarray:
        """Resize every image of ``X``.

        Parameters
        ----------
        X : array-like or list of array-like
            Images of any sizes.

        Returns
        -------
        X_new : ndarray of uint8
            ``(n_samples, height * width[ * channels])`` if ``flatten``, else
            ``(n_samples, height, width[, channels])``.
        """
        self._validate_params()
        size = _check_size(self.size)
        images, _ = check_images(X)
        shapes = {image.shape[2:] for image in images}
        if len(shapes) > 1:
            raise ValueError(
                "X mixes images with different numbers of channels "
                f"{sorted(shapes)}; apply Grayscale first."
            )
        out = np.stack(
            [resize_image(image, size, self.anti_aliasing) for image in images]
        )
        out = out.reshape(len(out), -1) if self.flatten else out
        self._check_table_output(out)
        return out

    def get_feature_names_out(
        self, input_features: ArrayLike | None = None
    ) -> np.ndarray:
        """Names of the output columns: ``pixel_0`` ... ``pixel_{h*w-1}``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored (checked against ``feature_names_in_`` when fitted on a
            DataFrame): the output's pixels are new ones.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per pixel of a flattened grayscale output image.
        """
        self._validate_params()
        fitted = getattr(self, "feature_names_in_", None)
        if input_features is not None and fitted is not None:
            if not np.array_equal(np.asarray(input_features, dtype=object), fitted):
                raise ValueError("input_features is not equal to feature_names_in_.")
        if not self.flatten:
            raise ValueError(
                "Resize(flatten=False) returns image stacks, which have no columns; "
                "set flatten=True for rows of pixels with names."
            )
        height, width = _check_size(self.size)
        return pixel_names(height * width)
