"""Histogram equalization."""

import numpy as np

from ._base import _ImageTransformer, _OneToOnePixels
from ._grayscale import _to_gray

__all__ = ["HistogramEqualization"]


def _equalize(image):
    """Global histogram equalization of a uint8 gray image (OpenCV's mapping)."""
    counts = np.bincount(image.ravel(), minlength=256)
    cdf = np.cumsum(counts)
    cdf_min = cdf[np.flatnonzero(counts)[0]]
    if cdf[-1] == cdf_min:  # a constant image has nothing to spread
        return image
    lut = np.rint((cdf - cdf_min) * 255.0 / (cdf[-1] - cdf_min))
    return np.clip(lut, 0, 255).astype(np.uint8)[image]


class HistogramEqualization(_OneToOnePixels, _ImageTransformer):
    """Spread each image's gray levels over the full 0-255 range.

    Global histogram equalization of each image on its own (the usual mapping
    ``round(255 * (cdf(v) - cdf_min) / (n_pixels - cdf_min))``); colour images are
    converted to gray first, constant images are left unchanged. It evens out
    lighting differences between datasets (e.g. FER2013 web photos and CK+ lab
    frames). Stateless: ``fit`` only checks the input. Output columns are named
    as :class:`Grayscale`'s (``get_feature_names_out``, ``set_output``).

    See Also
    --------
    Grayscale : The colour conversion applied first.

    Examples
    --------
    >>> import numpy as np
    >>> from skfer.preprocessing import HistogramEqualization
    >>> dim = np.array([[100, 101], [102, 103]], dtype=np.uint8)
    >>> HistogramEqualization().fit_transform([dim])[0]
    array([[  0,  85],
           [170, 255]], dtype=uint8)
    """

    def _transform_image(self, image):
        return _equalize(_to_gray(image))
