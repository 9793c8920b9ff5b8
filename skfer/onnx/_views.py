"""Input handling of :class:`~skfer.onnx.ONNXClassifier` in numpy (no torch).

The same rules as :class:`skfer.FERClassifier` (see
``skfer.utils.rows_to_images`` and ``skfer.classifier._inference``): rows of
``s*s`` pixels or ``(n, s, s)`` stacks, resized to 48x48, and the views of
test-time augmentation, written for numpy arrays.
"""

import math

import numpy as np

from ..utils import scale_pixels

__all__ = ["CROP_SHIFT", "INPUT_SIZE", "rows_to_images", "tta_views"]

#: Side of the square images the exported networks take.
INPUT_SIZE = 48

#: Shift of the crops of ``tta="crops"``, in pixels (as in
#: ``skfer.classifier._inference``).
CROP_SHIFT = 2

#: TTA settings understood by :func:`tta_views`.
TTA_OPTIONS = (None, "flip", "crops")


def check_rows(X, n_features, owner="ONNXClassifier"):
    """``X`` as a 2-D numeric, finite array of ``n_features`` columns."""
    X = np.asarray(X)
    if X.ndim == 3:
        X = X.reshape(X.shape[0], -1)
    if X.ndim != 2:
        raise ValueError(
            f"X must be 2-D (n_samples, n_pixels) or 3-D (n_samples, h, w); got "
            f"shape {X.shape}."
        )
    if X.dtype.kind == "b":
        raise TypeError(
            "X holds booleans (dtype bool), not pixel intensities; pass grayscale "
            "images as uint8 0-255 or floats in [0, 1]."
        )
    if X.dtype.kind not in "iuf":
        raise ValueError(f"X must hold numbers; got dtype {X.dtype}.")
    if X.shape[0] < 1:
        raise ValueError(f"X holds no image (shape {X.shape}); expected at least 1.")
    if X.shape[1] != n_features:
        raise ValueError(
            f"X has {X.shape[1]} features, but {owner} is expecting {n_features} "
            "features as input."
        )
    # the sum is finite when every value is (no temporary array as large as X)
    if X.dtype.kind == "f" and not np.isfinite(X.sum()):
        if not np.all(np.isfinite(X)):
            raise ValueError("X contains NaN or infinity.")
    return X


def rows_to_images(X, size=INPUT_SIZE, scale=1.0):
    """Validated rows ``(n, s*s)`` as float32 images ``(n, size, size)``.

    Values are multiplied by ``scale`` (the units factor of
    :func:`skfer.utils.check_units`) and otherwise keep their units (scaling is
    inside the exported graph). Rows of another
    side are resized with Pillow's bilinear filter (antialiased when shrinking),
    close to, but not bit-identical with, the torch resize of ``FERClassifier``.
    """
    n, d = X.shape
    side = math.isqrt(d)
    if side * side != d:
        raise ValueError(
            f"X has {d} pixels per row, which is not a square image; "
            "ONNXClassifier takes rows of s*s pixels (s x s images)."
        )
    if scale != 1.0:
        X = scale_pixels(X, scale)
    images = np.ascontiguousarray(X, dtype=np.float32).reshape(n, side, side)
    if side == size:
        return images
    # lazy: Pillow, only for rows of another size (skfer.onnx loads numpy only)
    from PIL import Image

    return np.stack(
        [
            np.asarray(
                Image.fromarray(image, mode="F").resize(
                    (size, size), Image.Resampling.BILINEAR
                )
            )
            for image in images
        ]
    )


def tta_views(images, tta):
    """The views of a batch ``(n, h, w)`` that test-time augmentation averages.

    ``None``: the batch; ``"flip"``: it and its mirror image; ``"crops"``: five
    crops of the batch padded by :data:`CROP_SHIFT` pixels (replicating the
    border), at the centre and the four corners, and their mirror images: the
    views of ``FERClassifier(tta=...)``.
    """
    if tta is None:
        return [images]
    if tta == "flip":
        return [images, images[..., ::-1]]
    if tta == "crops":
        s = CROP_SHIFT
        h, w = images.shape[-2:]
        padded = np.pad(images, ((0, 0), (s, s), (s, s)), mode="edge")
        crops = [
            padded[:, top : top + h, left : left + w]
            for top, left in ((s, s), (0, 0), (0, 2 * s), (2 * s, 0), (2 * s, 2 * s))
        ]
        return crops + [c[..., ::-1] for c in crops]
    raise ValueError(f"Unknown tta {tta!r}; expected None, 'flip' or 'crops'.")
