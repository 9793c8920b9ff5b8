"""Image files and image arrays: the one decoder and the one resizer of skfer.

Used by the dataset loaders, the preprocessing transformers and ``skfer
predict``, so that a photo gives the same pixels whichever way it comes in.
"""

import warnings

import numpy as np

__all__ = ["read_gray_image", "resize_image"]


def read_gray_image(path):
    """Decode an image file as 8-bit grayscale: the one image decoder of skfer.

    Palette and colour images are converted to gray, the EXIF orientation is
    applied, and images of more than 8 bits (16-bit PNG or TIFF, 32-bit integer
    or float TIFF) are scaled to 0-255 (Pillow's own conversion would clip them:
    almost every pixel of a 16-bit photo would become 255). Used by the dataset
    loaders and by ``skfer predict``.
    """
    from PIL import Image, ImageOps  # Pillow ships with scikit-image

    with warnings.catch_warnings():
        # Pillow's own warnings (corrupt EXIF, ...) would hide which file it was:
        # a file that cannot be decoded raises, and is reported by name.
        warnings.simplefilter("ignore")
        with Image.open(path) as image:
            image = ImageOps.exif_transpose(image)
            if image.mode.startswith(("I", "F")):
                return _to_uint8(np.asarray(image), image.mode)
            return np.asarray(image.convert("L"))


def _to_uint8(pixels, mode):
    """Gray levels of a 16-bit, 32-bit integer or float image scaled to uint8.

    16-bit images (``I;16*``, and ``I`` images within 0-65535) map 0-65535 to
    0-255; float images within [0, 1] map to 0-255; values already within 0-255
    are kept; anything else is stretched from its own minimum and maximum.
    """
    values = pixels.astype(np.float64)
    if values.size == 0 or not np.isfinite(values).all():
        raise ValueError(f"image of mode {mode} holds no or non-finite values")
    lo, hi = float(values.min()), float(values.max())
    if mode.startswith("I;16") or (mode == "I" and lo >= 0 and 255 < hi <= 65535):
        scaled = values / 257.0
    elif mode == "F" and lo >= 0 and hi <= 1:
        scaled = values * 255.0
    elif lo >= 0 and hi <= 255:
        scaled = values
    else:
        scaled = (values - lo) * (255.0 / (hi - lo)) if hi > lo else values * 0
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def resize_image(image, size, anti_aliasing=True):
    """Resize one uint8 image (H, W) or (H, W, C) to ``size`` (bilinear).

    Gaussian anti-aliasing when shrinking; an image already at ``size`` is
    returned as is. The result is rounded and clipped back to uint8.

    Examples
    --------
    >>> import numpy as np
    >>> from skfer.utils import resize_image
    >>> resize_image(np.zeros((96, 64), np.uint8), (48, 48)).shape
    (48, 48)
    """
    if image.shape[:2] == size:
        return image
    from skimage.transform import resize

    out = resize(
        image,
        size + image.shape[2:],
        order=1,
        mode="edge",
        anti_aliasing=anti_aliasing,
        preserve_range=True,
    )
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)
