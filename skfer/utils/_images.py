"""Image files and image arrays: the one decoder and the one resizer of skfer.

Used by the dataset loaders, the preprocessing transformers and ``skfer
predict``, so that a photo gives the same pixels whichever way it comes in.
:func:`read_gray_image` is also the guard of every image file skfer reads: it
opens regular files only (a FIFO would block, a device could have side effects)
and refuses images of more pixels than a budget before decoding them (a PNG of
a few hundred bytes can declare a 12000x12000 image).
"""

from __future__ import annotations

import errno
import os
import stat
import threading
import warnings

import numpy as np

__all__ = [
    "MAX_IMAGE_PIXELS",
    "check_regular_file",
    "max_image_pixels",
    "read_gray_image",
    "resize_image",
]

#: Images of more pixels than this are refused by :func:`read_gray_image`
#: (64 million: a 61-megapixel camera photo is read, a decompression bomb is
#: not). Change it per call (``max_pixels=``) or for a whole program with the
#: environment variable ``SKFER_MAX_IMAGE_PIXELS``.
MAX_IMAGE_PIXELS = 64_000_000
_MAX_PIXELS_ENV = "SKFER_MAX_IMAGE_PIXELS"

# What ``stat`` says a file is, for the files that are not regular ones.
_FILE_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
_ROWS_PER_BLOCK = 1024  # rows of a 16-bit or float image converted at a time
# One decode at a time in a process. ``warnings.catch_warnings`` changes the
# process-wide filters: two threads decoding at once (``skfer predict --jobs``)
# restored each other's filters mid-decode, and Pillow's warnings leaked out.
# It also keeps two images near the pixel budget from taking memory together;
# the face search, most of the time per photo, still runs on every thread.
_DECODING = threading.Lock()


def check_regular_file(path: str | os.PathLike[str]) -> os.stat_result:
    """Refuse anything but a regular file (or a link to one), without opening it.

    Reading a FIFO blocks until something writes to it, and opening a device can
    have side effects (a camera turns on, a tape rewinds): skfer reads neither.
    Only the file's status is read (``os.stat``), so the check never blocks.

    Parameters
    ----------
    path : str or path-like
        The file about to be read.

    Returns
    -------
    status : os.stat_result
        The status of the regular file.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    IsADirectoryError
        If ``path`` is a folder.
    ValueError
        If ``path`` is a FIFO, a device, a socket or any other special file; the
        message names it and says what it is.

    Examples
    --------
    >>> import os, tempfile
    >>> from skfer.utils import check_regular_file
    >>> folder = tempfile.mkdtemp()
    >>> fifo = os.path.join(folder, "x.png")
    >>> os.mkfifo(fifo)
    >>> check_regular_file(fifo)
    Traceback (most recent call last):
    ValueError: '.../x.png' is a FIFO (named pipe), not a regular file; ...
    """
    status = os.stat(path)
    _check_mode(path, status.st_mode)
    return status


def _check_mode(path, mode):
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", str(path))
    kind = next((k for test, k in _FILE_KINDS if test(mode)), "a special file")
    raise ValueError(
        f"{str(path)!r} is {kind}, not a regular file; skfer reads regular files "
        "only (reading it could block or have side effects)."
    )


def _open_regular(path):
    """``open(path, "rb")`` of a regular file, checked before and after opening.

    Checked before (nothing special is ever opened) and on the open descriptor
    (the path cannot be swapped for a FIFO in between): opened non-blocking, so
    even a FIFO put there at the last moment does not block.
    """
    check_regular_file(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    handle = open(path, "rb", opener=lambda name, _: os.open(name, flags))  # noqa: SIM115
    try:
        _check_mode(path, os.fstat(handle.fileno()).st_mode)
        if hasattr(os, "set_blocking"):
            os.set_blocking(handle.fileno(), True)
    except BaseException:
        handle.close()
        raise
    return handle


def max_image_pixels(max_pixels: int | None = None) -> int:
    """The pixel budget of :func:`read_gray_image`: ``max_pixels`` or the default.

    Parameters
    ----------
    max_pixels : int, default=None
        The budget; ``None`` reads the environment variable
        ``SKFER_MAX_IMAGE_PIXELS``, else :data:`MAX_IMAGE_PIXELS`.

    Returns
    -------
    max_pixels : int

    Raises
    ------
    ValueError
        If ``max_pixels`` or the environment variable is not a positive integer.

    Examples
    --------
    >>> from skfer.utils import max_image_pixels
    >>> max_image_pixels(), max_image_pixels(1000)
    (64000000, 1000)
    """
    where = "max_pixels"
    if max_pixels is None:
        text = os.environ.get(_MAX_PIXELS_ENV, "").strip()
        if not text:
            return MAX_IMAGE_PIXELS
        where = f"the environment variable {_MAX_PIXELS_ENV}"
        try:
            max_pixels = int(text.replace("_", ""))
        except ValueError:
            max_pixels = text  # type: ignore[assignment]  # reported as received
    if isinstance(max_pixels, (bool, np.bool_)) or not isinstance(
        max_pixels, (int, np.integer)
    ):
        max_pixels = repr(max_pixels)  # type: ignore[assignment]  # as received
    elif max_pixels >= 1:
        return int(max_pixels)
    raise ValueError(
        f"{where} must be a positive integer (a number of pixels); got {max_pixels}."
    )


def read_gray_image(
    path: str | os.PathLike[str], *, max_pixels: int | None = None
) -> np.ndarray:
    """Decode an image file as 8-bit grayscale: the one image decoder of skfer.

    Palette and colour images are converted to gray, the EXIF orientation is
    applied, and images of more than 8 bits (16-bit PNG or TIFF, 32-bit integer
    or float TIFF) are scaled to 0-255 (Pillow's own conversion would clip them:
    almost every pixel of a 16-bit photo would become 255). Used by the dataset
    loaders and by ``skfer predict``.

    Only regular files are opened (a FIFO, a device or a socket is refused before
    it is opened), and an image of more than ``max_pixels`` pixels is refused
    from its header, before it is decoded: memory stays bounded whatever a file
    declares. Threads decode one image at a time.

    Parameters
    ----------
    path : str or path-like
        The image file (any format Pillow reads: PNG, JPEG, TIFF, BMP, GIF...).
    max_pixels : int, default=None
        Largest image read, in pixels (width times height); ``None``: the
        environment variable ``SKFER_MAX_IMAGE_PIXELS``, else
        :data:`MAX_IMAGE_PIXELS` (64 million). Pillow's own limit (twice
        ``PIL.Image.MAX_IMAGE_PIXELS``) still applies above that.

    Returns
    -------
    gray : ndarray of shape (height, width), dtype uint8

    Raises
    ------
    FileNotFoundError, IsADirectoryError
        If ``path`` does not exist or is a folder.
    ValueError
        If ``path`` is not a regular file, or its image is larger than the
        budget (the message names the file and its size).
    PIL.UnidentifiedImageError, OSError
        If the file is not an image Pillow reads, or is truncated.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from PIL import Image
    >>> from skfer.utils import read_gray_image
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "face.png"
    >>> Image.new("RGB", (64, 32), (255, 0, 0)).save(path)
    >>> gray = read_gray_image(path)
    >>> gray.shape, gray.dtype, int(gray[0, 0])
    ((32, 64), dtype('uint8'), 76)
    >>> read_gray_image(path, max_pixels=1000)
    Traceback (most recent call last):
    ValueError: '.../face.png' is 64x32 pixels (2048 pixels), more than ...
    """
    # lazy: Pillow (~15 modules) stays out of finding faces in arrays
    from PIL import Image, ImageOps

    budget = max_image_pixels(max_pixels)
    with _DECODING, warnings.catch_warnings(), _open_regular(path) as handle:
        # Pillow's own warnings (corrupt EXIF, ...) would hide which file it was:
        # a file that cannot be decoded raises, and is reported by name. Its
        # DecompressionBombWarning is replaced by the budget checked below.
        # The filters are process-wide: one decode at a time (see _DECODING).
        warnings.simplefilter("ignore")
        try:
            image: Image.Image = Image.open(handle)
        except Image.DecompressionBombError as exc:
            raise ValueError(
                f"{str(path)!r} is larger than Pillow's limit of decompression "
                f"bombs ({exc}); raise PIL.Image.MAX_IMAGE_PIXELS to read it."
            ) from exc
        except Image.UnidentifiedImageError as exc:
            raise Image.UnidentifiedImageError(
                f"cannot identify image file {str(path)!r}"
            ) from exc
        with image:
            _check_budget(path, image.size, budget)
            image = ImageOps.exif_transpose(image)
            if image.mode.startswith(("I", "F")):
                return _to_uint8(np.asarray(image), image.mode)
            return np.asarray(image.convert("L"))


def _check_budget(path, size, budget):
    width, height = size
    if width * height > budget:
        raise ValueError(
            f"{str(path)!r} is {width}x{height} pixels ({width * height} pixels), "
            f"more than the {budget} that skfer decodes (a decompression bomb, or "
            "a photo larger than face recognition needs): shrink it, or raise the "
            f"limit with max_pixels= or the environment variable {_MAX_PIXELS_ENV}."
        )


def _to_uint8(pixels, mode):
    """Gray levels of a 16-bit, 32-bit integer or float image scaled to uint8.

    16-bit images (``I;16*``, and ``I`` images within 0-65535) map 0-65535 to
    0-255; float images within [0, 1] map to 0-255; values already within 0-255
    are kept; anything else is stretched from its own minimum and maximum.
    Converted by blocks of rows, so memory stays within a few times the image's.
    """
    if pixels.size == 0 or not all(
        np.isfinite(block).all() for block in _row_blocks(pixels)
    ):
        raise ValueError(f"image of mode {mode} holds no or non-finite values")
    lo, hi = float(pixels.min()), float(pixels.max())
    offset, factor, divisor = 0.0, 1.0, 1.0
    if mode.startswith("I;16") or (mode == "I" and lo >= 0 and 255 < hi <= 65535):
        divisor = 257.0
    elif mode == "F" and lo >= 0 and hi <= 1:
        factor = 255.0
    elif not (lo >= 0 and hi <= 255):
        offset, factor = lo, (255.0 / (hi - lo) if hi > lo else 0.0)
    out = np.empty(pixels.shape, dtype=np.uint8)
    for rows, block in zip(_row_blocks(out), _row_blocks(pixels)):
        values = block.astype(np.float64)
        values -= offset
        values *= factor
        values /= divisor
        np.clip(np.rint(values, out=values), 0, 255, out=values)
        rows[...] = values
    return out


def _row_blocks(array):
    return (
        array[start : start + _ROWS_PER_BLOCK]
        for start in range(0, len(array), _ROWS_PER_BLOCK)
    )


def resize_image(
    image: np.ndarray, size: tuple[int, int], anti_aliasing: bool = True
) -> np.ndarray:
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
    # lazy: skimage.transform (~400 modules) loads only to resize
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
