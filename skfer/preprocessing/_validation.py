"""Turn the transformers' image inputs into a list of uint8 arrays, and back."""

import math
from numbers import Integral

import numpy as np

from ..utils import MIN_SHARE_ABOVE_ONE

__all__ = ["check_images"]


def _float_scale(images, name):
    """255 when every image is float and all values lie in [0, 1], else 1.

    Float images in [0, 1] (``skimage.img_as_float``, torchvision) are read as
    such; floats in [0, 255] with only a few values above 1 could be either and
    raise. The decision is made once for the whole batch, so that one dark image
    of a 0-255 batch is not rescaled alone.
    """
    if not images or any(image.dtype.kind != "f" for image in images):
        return 1.0
    if not all(image.size and np.isfinite(image).all() for image in images):
        return 1.0  # refused, image by image, by _as_uint8
    low = min(float(image.min()) for image in images)
    high = max(float(image.max()) for image in images)
    if low < 0 or high > 255:
        return 1.0  # refused by _as_uint8
    if high <= 1:
        return 255.0
    above = sum(int(np.count_nonzero(image > 1)) for image in images)
    if above < MIN_SHARE_ABOVE_ONE * sum(image.size for image in images):
        raise ValueError(
            f"{name} holds floats mostly in [0, 1] with a few values up to {high:g}: "
            "are they [0, 1] images (clip them to [0, 1]) or dark 0-255 images "
            "(cast them to uint8)? The units are ambiguous."
        )
    return 1.0


def _as_uint8(image, name, index):
    """Return ``image`` as uint8, refusing values outside [0, 255]."""
    where = f"{name}[{index}]"
    if image.size == 0:
        raise ValueError(f"{where} is an empty image of shape {image.shape}.")
    if image.dtype == np.uint8:
        return image
    if image.dtype == bool or not np.issubdtype(image.dtype, np.number):
        raise TypeError(
            f"{where} has dtype {image.dtype}; expected numeric intensities in "
            "[0, 255] (uint8, integer or float)."
        )
    if np.issubdtype(image.dtype, np.complexfloating):
        raise TypeError(f"{where} has complex dtype {image.dtype}; expected real.")
    if np.issubdtype(image.dtype, np.floating) and not np.isfinite(image).all():
        raise ValueError(f"{where} contains NaN or infinite values.")
    low, high = image.min(), image.max()
    if low < 0 or high > 255:
        raise ValueError(
            f"{where} has values in [{low}, {high}]; expected 8-bit intensities in "
            "[0, 255] (use skimage.util.img_as_ubyte for float images in [0, 1])."
        )
    if np.issubdtype(image.dtype, np.floating):
        image = np.rint(image)
    return image.astype(np.uint8)


def _check_channels(shape, name, index):
    if len(shape) == 3 and shape[2] not in (1, 2, 3, 4):
        raise ValueError(
            f"{name}[{index}] has shape {shape}: a 3-D image must be "
            "(height, width, channels) with 1 to 4 channels."
        )


def check_images(X, *, name="X"):
    """Validate a batch of images and return them as a list of uint8 arrays.

    Parameters
    ----------
    X : array-like or sequence of array-like
        One of: a 2-D array ``(n_samples, side * side)`` of flattened square
        grayscale images; a 3-D array ``(n_samples, height, width)``; a 4-D array
        ``(n_samples, height, width, channels)``; or a list of 2-D ``(height,
        width)`` or 3-D ``(height, width, channels)`` images of any sizes. A
        single image must be wrapped in a list. Values are 8-bit intensities in
        [0, 255] of any numeric dtype (floats are rounded), or floats in [0, 1]
        (when every value of the batch is, they are multiplied by 255).
    name : str, default="X"
        Name of the argument, used in error messages.

    Returns
    -------
    images : list of ndarray of uint8
        One array per image (views of ``X`` where possible).
    kind : {"flat", "stack", "list"}
        The layout ``X`` came in, so that outputs can be given back alike.

    Examples
    --------
    >>> import numpy as np
    >>> from skfer.preprocessing._validation import check_images
    >>> images, kind = check_images(np.zeros((2, 2304)))
    >>> len(images), images[0].shape, images[0].dtype, kind
    (2, (48, 48), dtype('uint8'), 'flat')
    >>> int(check_images(np.full((1, 4, 4), 0.5))[0][0].max())  # floats in [0, 1]
    128
    """
    if isinstance(X, (str, bytes)) or X is None:
        raise TypeError(f"{name} must be an array or a list of images; got {X!r}.")
    if not isinstance(X, (list, tuple)) and hasattr(X, "__array__"):
        X = np.asarray(X)
    if isinstance(X, np.ndarray) and X.dtype != object:
        if X.ndim == 2:
            n_samples, n_features = X.shape
            side = math.isqrt(n_features)
            if side * side != n_features or n_features == 0:
                raise ValueError(
                    f"{name} is a 2-D array of shape {X.shape}, read as flattened "
                    f"square grayscale images, but {n_features} is not a square "
                    "number (expected side * side columns, e.g. 2304 = 48 * 48); "
                    "pass a (n_samples, height, width) array or a list of images."
                )
            X, kind = X.reshape(n_samples, side, side), "flat"
        elif X.ndim in (3, 4):
            kind = "stack"
        else:
            raise ValueError(
                f"{name} has shape {X.shape}; expected a 2-D array of flattened "
                "square images, a 3-D/4-D stack of images or a list of images."
            )
        if len(X) == 0:
            raise ValueError(f"{name} holds no images (shape {X.shape}).")
        if X.ndim == 4:
            _check_channels(X.shape[1:], name, 0)
        images = list(X)
    else:
        try:
            images = [np.asarray(image) for image in X]
        except TypeError as exc:
            raise TypeError(
                f"{name} must be an array or a list of images; got {type(X).__name__}."
            ) from exc
        if not images:
            raise ValueError(f"{name} holds no images (an empty sequence).")
        for index, image in enumerate(images):
            if image.ndim not in (2, 3):
                raise ValueError(
                    f"{name}[{index}] has shape {image.shape}; expected a 2-D "
                    "(height, width) or 3-D (height, width, channels) image."
                )
            _check_channels(image.shape, name, index)
        kind = "list"
    scale = _float_scale(images, name)
    if scale != 1.0:
        images = [image * scale for image in images]
    return [_as_uint8(image, name, i) for i, image in enumerate(images)], kind


def _collect(images, kind):
    """Give ``images`` back in the layout ``kind`` (a list when shapes differ)."""
    if kind == "list" or any(image.shape != images[0].shape for image in images):
        return images
    stacked = np.stack(images)
    if kind == "flat" and stacked.ndim == 3:
        return stacked.reshape(len(stacked), -1)
    return stacked


def _check_size(size, name="size"):
    """``size`` as a (height, width) tuple of positive ints."""
    if isinstance(size, Integral) and not isinstance(size, bool):
        size = (size, size)
    if (
        not isinstance(size, (tuple, list))
        or len(size) != 2
        or not all(isinstance(s, Integral) and not isinstance(s, bool) for s in size)
        or min(size) < 1
    ):
        raise ValueError(
            f"{name} must be a positive int or a (height, width) pair of positive "
            f"ints; got {size!r}."
        )
    return int(size[0]), int(size[1])
