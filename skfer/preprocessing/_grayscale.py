"""Grayscale conversion."""

from ._base import _ImageTransformer, _OneToOnePixels
from ._gray import _to_gray

__all__ = ["Grayscale"]


class Grayscale(_OneToOnePixels, _ImageTransformer):
    """Convert colour images to 8-bit grayscale.

    RGB and RGBA images are mixed with the ITU-R BT.601 luma weights (0.299 R +
    0.587 G + 0.114 B, as Pillow's ``convert("L")``; alpha is dropped); gray images
    (2-D, or 3-D with one channel, or gray + alpha) are kept as they are.
    Stateless: ``fit`` only checks the input.

    Accepted inputs, here and in every :mod:`skfer.preprocessing` transformer: a
    list of 2-D ``(height, width)`` or 3-D ``(height, width, channels)`` images of
    any sizes; a ``(n_samples, height, width[, channels])`` array; or a 2-D array
    of flattened square grayscale images ``(n_samples, side * side)``. Values are
    8-bit intensities in [0, 255], or floats in [0, 1] (when every value of the
    input is in [0, 1], it is multiplied by 255); the outputs are uint8 0-255.

    Fitted on flattened rows, the transformer names its output columns
    (``get_feature_names_out``: the input's names, else ``pixel_0`` ...) and
    ``set_output(transform="pandas")`` returns DataFrames.

    See Also
    --------
    Resize : Resize images to the model's input size.

    Examples
    --------
    >>> import numpy as np
    >>> from skfer.preprocessing import Grayscale
    >>> rgb = np.zeros((2, 64, 80, 3), dtype=np.uint8)
    >>> rgb[..., 0] = 255
    >>> gray = Grayscale().fit_transform(rgb)
    >>> gray.shape, gray.dtype, int(gray[0, 0, 0])
    ((2, 64, 80), dtype('uint8'), 76)
    >>> rows = np.zeros((2, 2304), dtype=np.uint8)
    >>> table = Grayscale().set_output(transform="pandas").fit_transform(rows)
    >>> table.columns[:2].tolist()
    ['pixel_0', 'pixel_1']
    """

    def _transform_image(self, image):
        return _to_gray(image)
