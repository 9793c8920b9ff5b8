"""Augmentation of numpy image arrays (rows of pixels or 2-D images)."""

from __future__ import annotations

import numpy as np
import torch
from numpy.typing import ArrayLike
from sklearn.utils import check_random_state

from ..utils import image_side, intensity_scale
from ._presets import AugmentationSpec, Transform, make_augmentation

__all__ = ["augment_array", "augment_images"]


def augment_images(
    X: ArrayLike,
    transform: AugmentationSpec = "paper",
    random_state: int | np.random.RandomState | None = None,
    *,
    batch_size: int = 1024,
) -> np.ndarray:
    """Augment numpy images with a transform, returning the same shape and dtype.

    Parameters
    ----------
    X : ndarray of shape (n_samples, side * side) or (n_samples, height, width)
        Grayscale images: rows of pixels (square images) or 2-D images. Integer
        data (e.g. uint8) are read on the 0-255 scale; floats on the [0, 1] scale,
        or 0-255 if at least 1 % of the values exceed 1 (fewer is ambiguous and
        raises a ValueError).
    transform : None, str, transform or list of transforms, default="paper"
        Anything :func:`make_augmentation` accepts.
    random_state : int, RandomState instance or None, default=None
        Seeds the torch generator the transform draws from; an int gives the same
        output every call.
    batch_size : int, default=1024
        Images augmented at a time (bounds the memory used).

    Returns
    -------
    X_augmented : ndarray
        Same shape and dtype as ``X``; integer data are rounded and clipped to
        0-255, floats to their scale.

    Examples
    --------
    >>> from skfer.augmentation import augment_images
    >>> from skfer.datasets import make_faces
    >>> X, y = make_faces(n_samples=8, random_state=0, return_X_y=True)
    >>> X_aug = augment_images(X, "standard", random_state=0)
    >>> X_aug.shape, X_aug.dtype
    ((8, 2304), dtype('uint8'))
    >>> bool((X_aug != X).any())
    True
    >>> bool((augment_images(X, "standard", random_state=0) == X_aug).all())
    True
    """
    transform = make_augmentation(transform)
    X = np.asarray(X)
    if X.ndim == 2:
        side = image_side(X.shape[1])
        size = (side, side)
    elif X.ndim == 3:
        size = X.shape[1:]
    else:
        raise ValueError(
            "X must have shape (n_samples, side * side) or (n_samples, height, width)"
            f"; got shape {X.shape}."
        )
    scale = intensity_scale(X, "X")
    return augment_array(
        X,
        transform,
        check_random_state(random_state),
        scale,
        size,
        batch_size=batch_size,
    )


def augment_array(
    X: np.ndarray,
    transform: Transform,
    random_state: np.random.RandomState,
    scale: float,
    size: tuple[int, int],
    *,
    batch_size: int = 1024,
) -> np.ndarray:
    """Augment ``X`` (rows or 2-D images of ``size``), pixels on ``[0, scale]``.

    The transform draws from a torch generator seeded by ``random_state`` (a
    ``RandomState``); the output has the shape and dtype of ``X``.
    """
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    batch_size = int(batch_size)
    seed = int(random_state.randint(np.iinfo(np.int32).max))
    generator = torch.Generator().manual_seed(seed)
    out = np.empty_like(X)
    for start in range(0, X.shape[0], batch_size):
        chunk = X[start : start + batch_size]
        images = torch.from_numpy(np.ascontiguousarray(chunk, dtype=np.float32))
        images = images.reshape(-1, 1, *size)
        if scale != 1.0:
            images = images / scale
        result = transform(images, generator).reshape(chunk.shape).numpy()
        if np.issubdtype(X.dtype, np.integer):
            result = np.clip(np.rint(result * scale), 0, 255)
        elif scale != 1.0:
            result = result * scale
        out[start : start + len(chunk)] = result
    return out
