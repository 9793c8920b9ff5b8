"""Resizing to the model's input size."""

import numpy as np

from ..utils import resize_image
from ._base import _ImageTransformer
from ._validation import _check_size, check_images

__all__ = ["Resize"]


class Resize(_ImageTransformer):
    """Resize images to a fixed size (48x48 by default), flattened for a model.

    Bilinear interpolation (scikit-image's :func:`~skimage.transform.resize`),
    with Gaussian anti-aliasing when shrinking; images already at the right size
    are passed through unchanged. Stateless: ``fit`` only checks the input.

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
    """

    _parameter_constraints = {
        "size": "no_validation",  # checked by _check_size: int or pair of ints
        "flatten": ["boolean"],
        "anti_aliasing": ["boolean"],
    }

    def __init__(self, size=48, *, flatten=True, anti_aliasing=True):
        self.size = size
        self.flatten = flatten
        self.anti_aliasing = anti_aliasing

    def _validate_params(self):
        super()._validate_params()
        _check_size(self.size)  # an int or a pair, beyond what constraints express

    def transform(self, X):
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
        return out.reshape(len(out), -1) if self.flatten else out
