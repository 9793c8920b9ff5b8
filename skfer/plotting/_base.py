"""Helpers shared by the plotting functions: figures, axes and face images."""

import math
from numbers import Integral

import numpy as np

from ..utils import import_optional

__all__ = []


def _pyplot():
    """Import pyplot lazily, with a clear message when matplotlib is missing."""
    return import_optional(
        "matplotlib.pyplot",
        "skfer.plotting needs matplotlib",
        extra="plot",
        package="matplotlib",
    )


def _check_axes(ax, n, name="ax"):
    """Return a list of ``n`` Axes from ``ax`` (one Axes, or a sequence of ``n``)."""
    from matplotlib.axes import Axes  # lazy: matplotlib is the plot extra

    axes = (
        [ax] if isinstance(ax, Axes) else list(np.ravel(np.asarray(ax, dtype=object)))
    )
    if len(axes) != n or not all(isinstance(a, Axes) for a in axes):
        expected = "one matplotlib Axes" if n == 1 else f"a sequence of {n} Axes"
        raise ValueError(f"{name} must be {expected}; got {ax!r}.")
    return axes


def _check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}.")
    return int(value)


def _as_images(images, image_shape=None, name="images"):
    """Turn one image or a batch of images into an array of shape (n, h, w).

    Accepted: ``(n, h*w)`` flattened rows of square images, ``(n, h, w)``,
    ``(n, h, w, 1)``, one image ``(h, w)`` or one flattened square image
    ``(h*w,)``. A 2-D array is read as flattened rows when its number of columns is
    a perfect square different from its number of rows, and as one image
    otherwise. ``image_shape=(h, w)`` removes any doubt: the data are then read as
    images of that shape.
    """
    arr = np.asarray(images)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
    ):
        raise ValueError(f"{name} must be a numeric array; got dtype {arr.dtype}.")
    if image_shape is not None:
        h, w = (int(s) for s in image_shape)
        if arr.size == 0 or arr.size % (h * w):
            raise ValueError(
                f"{name} of shape {arr.shape} cannot be read as images of shape "
                f"image_shape={tuple(image_shape)!r}."
            )
        return arr.reshape(-1, h, w)
    if arr.ndim == 4 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim == 3:
        out = arr
    elif arr.ndim in (1, 2):
        n_cols = arr.shape[-1]
        side = math.isqrt(n_cols)
        flat = side * side == n_cols and side > 1
        if arr.ndim == 1 and flat:
            out = arr.reshape(1, side, side)
        elif arr.ndim == 2 and flat and arr.shape[0] != arr.shape[1]:
            out = arr.reshape(-1, side, side)
        elif arr.ndim == 2:
            out = arr[np.newaxis]
        else:
            out = None
    else:
        out = None
    if out is None or out.size == 0 or min(out.shape[1:]) < 2:
        raise ValueError(
            f"{name} must be flattened square images (n, 2304), images (n, 48, 48) "
            f"or one image (48, 48) / (2304,); got shape {arr.shape}. Pass "
            "image_shape=(height, width) for other layouts."
        )
    return out


def _value_range(images):
    """``(vmin, vmax)`` for imshow: 0..255 for integers, 0..1 for floats in [0, 1]."""
    if images.dtype == bool:
        return 0, 1
    if np.issubdtype(images.dtype, np.integer):
        return 0, 255
    finite = images[np.isfinite(images)]
    if finite.size and finite.min() >= 0.0 and finite.max() <= 1.0:
        return 0.0, 1.0
    return None, None  # standardized images: each image on its own scale


def _face_grid(images, image_shape, ncols):
    """The faces as ``(n, h, w)``, the grid they fill and the range to show them in.

    Returns ``faces, nrows, ncols, (vmin, vmax)``: ``ncols`` checked and capped at
    the number of faces, ``(vmin, vmax)`` from :func:`_value_range`, one range for
    all faces so that they compare.
    """
    faces = _as_images(images, image_shape)
    ncols = min(_check_positive_int(ncols, "ncols"), len(faces))
    return faces, math.ceil(len(faces) / ncols), ncols, _value_range(faces)


def _show_face(ax, image, vmin, vmax, cmap):
    ax.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])


def _check_per_image(values, n, name):
    """``values`` as a list with one entry per image, or None."""
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    values = list(np.ravel(np.asarray(values, dtype=object)))
    if len(values) != n:
        raise ValueError(
            f"{name} must have one entry per image ({n}); got {len(values)}."
        )
    return values
