"""Find the face of a photo of any framing: detect, search again, or take it whole.

The LBP cascade of :func:`detect_faces` needs some room around a face and a face
at least 24 pixels high. Web photos often give it neither: face crops framed like
FER2013's (the face fills the image) and thumbnails under 100 pixels come back
empty. :func:`find_faces` therefore searches in up to three steps:

1. the photo itself (scaled down to ``max_side`` when larger, for speed); when
   every box found is small beside the photo, a check for a face that fills the
   frame (the cascade often misses such a face and finds one of its parts
   instead, an eye or the eyes and nose): a box inside a face at least
   ``FILLS_FRAME`` of the photo's shorter side, and under ``PART_SHARE`` of that
   face's side, is a part of it and gives way to it;
2. when nothing is found, a copy brought to a standard size (shorter side
   ``RETRY_SIDE``, up-scaled when smaller) and padded with a flat border of the
   photo's median gray, so that a face that fills the frame has room around it;
3. with ``detect="auto"``, when still nothing is found and the photo is plausibly
   one face (nearly square, not flat), the photo's centre square: a face crop.

Each face comes with how it was found: ``"detected"`` (steps 1 and 2) or
``"whole image"`` (step 3, and every image with ``detect="never"``).
"""

import numpy as np

from ._detect import _detect, _square_box
from ._gray import _to_gray
from ._validation import _check_size, check_images

__all__ = ["DETECT_MODES", "extract_faces", "find_faces"]

#: Choices of ``detect``: "auto" (detect, search again, else the whole image when
#: it is plausibly one face), "always" (detect and search again, never assume),
#: "never" (each image is one face: its centre square).
DETECT_MODES = ("auto", "always", "never")

DETECTED, WHOLE_IMAGE = "detected", "whole image"

# Second search: the photo's shorter side is brought to this many pixels (a face
# that fills the frame is then ~4 cascade windows high: found at several scales).
RETRY_SIDE = 192
# ... and a flat border of this share of the side is added on each side.
RETRY_PAD = 0.25
# The whole image is taken as one face only when its sides differ by at most this
# ratio (a face crop is about square; a wide scene is not a face) ...
SINGLE_FACE_ASPECT = 1.5
# ... and its gray levels spread by at least this standard deviation (a blank or
# flat image holds no face).
MIN_CONTRAST = 8.0
# A face at least this share of the photo's shorter side fills the frame: when
# the first search finds only smaller boxes, the padded copy is searched for one.
FILLS_FRAME = 0.6
# A box inside such a face and under this share of its side is a part of it (an
# eye is about a third of a face; the cascade's box of a whole face, about
# three quarters of its head's box). Both shares were set on the validation
# subjects of benchmarks/photos.py, where parts were found in a quarter of the
# tight JAFFE crops.
PART_SHARE = 0.55


def _rescale(gray, scale):
    """``gray`` resized by ``scale`` (anti-aliased when shrinking), as uint8."""
    from skimage.transform import rescale

    if scale == 1.0:
        return gray
    out = rescale(gray, scale, anti_aliasing=scale < 1, preserve_range=True, order=1)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _search(gray, max_side, min_size):
    """Step 1: boxes on the photo scaled down to at most ``max_side``."""
    scale = min(1.0, max_side / max(gray.shape))
    small = _rescale(gray, scale)
    size = None if min_size is None else max(1, round(min_size * scale))
    return [
        tuple(int(round(v / scale)) for v in box)
        for box in _detect_default(small, size)
    ]


def _search_again(gray, min_size):
    """Step 2: boxes on a padded copy of standard size, mapped back and clipped."""
    height, width = gray.shape
    scale = RETRY_SIDE / min(height, width)
    copy = _rescale(gray, scale)
    pad = int(round(RETRY_PAD * min(copy.shape)))
    padded = np.pad(copy, pad, mode="constant", constant_values=int(np.median(gray)))
    size = None if min_size is None else max(1, round(min_size * scale))
    boxes = []
    for row, col, box_h, box_w in _detect_default(padded, size):
        top = max(0.0, (row - pad) / scale)
        left = max(0.0, (col - pad) / scale)
        bottom = min(float(height), (row + box_h - pad) / scale)
        right = min(float(width), (col + box_w - pad) / scale)
        if bottom - top >= 1 and right - left >= 1:
            boxes.append(
                (
                    int(round(top)),
                    int(round(left)),
                    int(round(bottom - top)),
                    int(round(right - left)),
                )
            )
    return boxes


def _inside(box, outer):
    """Whether at least half of ``box`` lies in ``outer`` (both row, col, h, w)."""
    rows = min(box[0] + box[2], outer[0] + outer[2]) - max(box[0], outer[0])
    cols = min(box[1] + box[3], outer[1] + outer[3]) - max(box[1], outer[1])
    return max(rows, 0) * max(cols, 0) >= 0.5 * box[2] * box[3]


def _parts_to_faces(gray, found, min_size):
    """``found`` with the boxes that are parts of a face filling the frame
    replaced by that face (see the module's step 1)."""
    side = FILLS_FRAME * min(gray.shape)
    if not found or max(box[2] for box in found) >= side:
        return found
    for face in _search_again(gray, max(round(side), min_size or 0)):
        parts = [box for box in found if _inside(box, face)]
        if parts and all(box[2] < PART_SHARE * face[2] for box in parts):
            found = [box for box in found if box not in parts] + [face]
    return found


def _detect_default(gray, min_size):
    """The cascade with :func:`detect_faces`'s default settings."""
    return _detect(gray, 1.2, 1.0, min_size, 4, 0.5)


def _centre_square(height, width):
    side = min(height, width)
    return ((height - side) // 2, (width - side) // 2, side, side)


def _plausibly_one_face(gray):
    """Whether an image where no face was found can be a face crop."""
    height, width = gray.shape
    return max(height, width) <= SINGLE_FACE_ASPECT * min(height, width) and (
        float(gray.std()) >= MIN_CONTRAST
    )


def find_faces(image, *, detect="auto", margin=0.1, max_side=1024, min_size=None):
    """The face boxes of one photo of any framing, and how each was found.

    Detected faces are searched on the photo (scaled down to ``max_side``), then,
    when none is found, on a padded copy of standard size (tight face crops,
    thumbnails); a box that is only a part of a face filling the frame (an eye,
    found where the cascade missed the face) gives way to that face; with
    ``detect="auto"`` an image where still no face is found but that is plausibly
    one face (sides within a ratio of 1.5, not flat) is taken whole (its centre
    square). Detected boxes are grown by ``margin`` on each
    side and made square, as :class:`FaceCropper` does, and listed left to right.

    Parameters
    ----------
    image : array-like of shape (height, width) or (height, width, channels)
        A photo of any size, gray or colour, 8-bit.
    detect : {"auto", "always", "never"}, default="auto"
        ``"auto"``: detect, else the whole image when plausibly one face;
        ``"always"``: detected faces only (an image may have none);
        ``"never"``: each image is one face, its centre square.
    margin : float, default=0.1
        Share of each detected box added on every side.
    max_side : int, default=1024
        Longest side of the copy searched first.
    min_size : int, default=None
        Smallest face side to find, in pixels of the photo (default: one eighth of
        the searched copy's shorter side, at least 24 pixels of it).

    Returns
    -------
    boxes : list of (int, int, int, int)
        One square ``(row, col, height, width)`` box per face, in the photo.
    sources : list of str
        For each box, ``"detected"`` or ``"whole image"``.

    Examples
    --------
    >>> from skimage import data
    >>> from skfer.preprocessing import find_faces
    >>> photo = data.astronaut()
    >>> find_faces(photo)[1]
    ['detected']
    >>> tight = photo[60:190, 160:290]  # the face fills the frame
    >>> find_faces(tight)[1]
    ['detected']
    >>> find_faces(tight, detect="never")
    ([(0, 0, 130, 130)], ['whole image'])
    """
    if detect not in DETECT_MODES:
        raise ValueError(f"detect must be one of {DETECT_MODES}; got {detect!r}.")
    (gray,), _ = check_images([image], name="image")
    gray = _to_gray(gray)
    height, width = gray.shape
    if detect == "never":
        return [_centre_square(height, width)], [WHOLE_IMAGE]
    found = _parts_to_faces(gray, _search(gray, max_side, min_size), min_size)
    found = found or _search_again(gray, min_size)
    if found:
        boxes = sorted(
            (_square_box(box, margin, height, width) for box in found),
            key=lambda b: (b[1], b[0]),
        )
        return boxes, [DETECTED] * len(boxes)
    if detect == "auto" and _plausibly_one_face(gray):
        return [_centre_square(height, width)], [WHOLE_IMAGE]
    return [], []


def extract_faces(
    image,
    *,
    detect="auto",
    margin=0.1,
    max_side=1024,
    min_size=None,
    size=48,
    return_sources=False,
):
    """Every face of a photo: its box and its model-ready crop.

    Faces are found by :func:`find_faces`: searched on a copy of the photo scaled
    down to at most ``max_side`` pixels (large photos are slow to scan), then on a
    padded copy of standard size when none is found (tight face crops,
    thumbnails); a box that is only a part of a face filling the frame gives way
    to that face, and with ``detect="auto"`` the photo's centre square is taken
    when it is plausibly one face. Boxes are given in the original photo's pixels,
    grown by ``margin`` on each side and made square, as :class:`FaceCropper`
    does, and listed left to right.

    Parameters
    ----------
    image : ndarray of shape (height, width) or (height, width, channels)
        A photo of any size, gray or colour.
    detect : {"auto", "always", "never"}, default="auto"
        ``"auto"``: detected faces, else the whole image when it is plausibly one
        face; ``"always"``: detected faces only; ``"never"``: the whole image
        (centre square) is the face.
    margin : float, default=0.1
        Share of each face box added on every side.
    max_side : int, default=1024
        Longest side of the copy that is searched.
    min_size : int, default=None
        Smallest face side to find, in pixels of the original photo.
    size : int, default=48
        Side of the returned crops.
    return_sources : bool, default=False
        Also return how each face was found.

    Returns
    -------
    boxes : list of (row, col, height, width)
        One square box per face, in the original photo.
    rows : ndarray of shape (n_faces, size * size), dtype uint8
        The grayscale crops, resized and flattened: ready for ``predict``.
    sources : list of str
        Only with ``return_sources=True``: ``"detected"`` or ``"whole image"``
        for each face.

    See Also
    --------
    find_faces : The boxes alone.

    Examples
    --------
    >>> from skimage import data
    >>> from skfer.preprocessing import extract_faces
    >>> boxes, rows = extract_faces(data.astronaut())
    >>> len(boxes), rows.shape
    (1, (1, 2304))
    >>> thumbnail = data.astronaut()[60:190:2, 160:290:2]  # 65x65, face only
    >>> extract_faces(thumbnail, return_sources=True)[2]
    ['detected']
    """
    from ..utils import resize_image  # as Resize, without scikit-learn

    (gray,), _ = check_images([image], name="image")
    gray = _to_gray(gray)
    boxes, sources = find_faces(
        gray, detect=detect, margin=margin, max_side=max_side, min_size=min_size
    )
    crops = [gray[r : r + h, c : c + w] for r, c, h, w in boxes]
    if crops:
        shape = _check_size(size)
        rows = np.stack([resize_image(crop, shape, True) for crop in crops])
        rows = rows.reshape(len(crops), -1)
    else:
        rows = np.empty((0, size * size), np.uint8)
    return (boxes, rows, sources) if return_sources else (boxes, rows)
