"""Find and frame the faces of a photo: the one framing of skfer.

Every path that turns a photo into face crops goes through :func:`find_faces`:
:func:`extract_faces`, :class:`FaceCropper` (and so the dataset loaders),
``skfer predict``, the video analysis and :func:`skfer.analyze`, so a model is
trained on faces framed as it sees them. The detector (``detector=``, any
:class:`FaceDetector`; default YuNet, else scikit-image's LBP cascade) needs
some room around a face and, for the cascade, a face at least 24 pixels high;
web photos often give it neither. The search therefore runs in up to three steps:

1. the photo itself (scaled down to ``max_side`` when larger, for speed); with
   the cascade, when every box found is small beside the photo, a check for a
   face that fills the frame (the cascade often misses such a face and finds
   one of its parts instead, an eye or the eyes and nose): a box inside a face
   at least
   ``FILLS_FRAME`` of the photo's shorter side, and under ``PART_SHARE`` of that
   face's side, is a part of it and gives way to it;
2. when nothing is found, a copy brought to a standard size (shorter side
   ``RETRY_SIDE``, up-scaled when smaller) and padded with a flat border of the
   photo's median gray, so that a face that fills the frame has room around it;
3. with ``detect="auto"``, the check of an image that already is a face crop:
   nearly square (sides within ``FACE_CROP_ASPECT``), not flat, and either a
   thumbnail (longest side at most ``THUMBNAIL_SIDE``, the size of FER datasets'
   crops) or backed by the detector (a face box filling its frame, or for the
   cascade a group of windows centred on the image and at least half its side,
   scoring ``FACE_CROP_MIN_SCORE``). Such an image is used as it is (its centre
   square), also when the face detected in it fills the frame
   (``FACE_CROP_SHARE``) or is the only face of a thumbnail, unless that face
   is clearly a head shot's (``HEAD_SHOT_SHARE``, ``HEAD_SHOT_MIN_SCORE``): a
   face crop is not cut again. Anything else (a coffee cup, a cat, a landscape)
   has no face.

Each face comes with how it was found, ``"detected"`` or ``"whole image"`` (the
image is the face crop; also every image with ``detect="never"``), and a score in
[0, 1]: the detector's, or for a whole image the detector's support for a face
filling it (0 when none; ``nan`` with ``detect="never"``).
"""

from __future__ import annotations

import math
from numbers import Integral
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from ..utils import resize_image
from ._align import PHOTO_SCALE, _aligned_crop, _landmark_box
from ._detect import _square_box
from ._detectors import (
    DEFAULT_DETECTOR,
    CascadeDetector,
    FaceDetector,
    _face_score,
    _run_detector,
    check_detector,
)
from ._gray import _to_gray
from ._validation import _check_size, check_images

__all__ = ["DETECT_MODES", "extract_faces", "find_faces"]

#: Choices of ``detect``: "auto" (detect, search again, else the whole image when
#: it is a face crop), "always" (detect and search again, never assume),
#: "never" (each image is one face: its centre square).
DETECT_MODES = ("auto", "always", "never")

DETECTED, WHOLE_IMAGE = "detected", "whole image"

# Second search: the photo's shorter side is brought to this many pixels (a face
# that fills the frame is then ~4 cascade windows high: found at several scales).
RETRY_SIDE = 192
# The retry copy's longest side at most: a thin strip (2x40000 pixels) is never
# blown up to gigabytes; one whose short side would then be under a cascade
# window (24 px) cannot hold a face and is not searched again.
RETRY_MAX_SIDE = 4 * RETRY_SIDE
_MIN_SEARCH_SIDE = 24
# ... and a flat border of this share of the side is added on each side.
RETRY_PAD = 0.25
# An image is a face crop only when its sides differ by at most this ratio (face
# crops are square or portrait 4:5; scenes, the coffee cup and the cat are 3:2) ...
FACE_CROP_ASPECT = 1.25
# ... its gray levels spread by at least this standard deviation (a blank or
# flat image holds no face) ...
MIN_CONTRAST = 8.0
# ... and it is a thumbnail this large at most (FER2013 and CK+48 are 48x48:
# the cascade's windows find no face in a fifth of them), or the detector backs
# it with this score (the cascade: 3 windows, n / (n + 4) = 0.43; no 3-window
# group centred on square crops of skimage's coffee, cat, rocket, text, grass).
THUMBNAIL_SIDE = 128
FACE_CROP_MIN_SCORE = 0.4
# A detected face whose squared box is at least this share of the shorter side
# fills the frame: the image is the face crop (the detector's box is a worse crop
# than the photo itself).
FACE_CROP_SHARE = 0.8
# A thumbnail is a face crop unless its one face is clearly a head shot's face:
# a box (margin included) of this share of its shorter side, detected with at
# least this score. Set on the validation parts of benchmarks/photos.py's
# "small" JAFFE photos (whole heads of 48-96 px: boxes of 0.70-0.80, scores
# >= 0.73; read 17 points better cropped) and FER+ PublicTest's 48x48 crops
# (0.15 points lower if they were cut by this rule: 48 px crops never are).
HEAD_SHOT_SHARE = (0.68, FACE_CROP_SHARE)
HEAD_SHOT_MIN_SCORE = 0.75
# A thumbnail no larger than the models' input (FER2013's and CK+48's 48x48
# crops) is never cut: its face would be blown up from fewer pixels.
HEAD_SHOT_MIN_SIDE = 49
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
    # lazy: skimage.transform (~400 modules) loads only to rescale
    from skimage.transform import rescale

    if scale == 1.0:
        return gray
    out = rescale(gray, scale, anti_aliasing=scale < 1, preserve_range=True, order=1)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _search(gray, detector, max_side, min_size):
    """Step 1: (box, score, landmarks) triples on the photo scaled down to
    ``max_side``."""
    scale = min(1.0, max_side / max(gray.shape))
    small = _rescale(gray, scale)
    size = None if min_size is None else max(1, round(min_size * scale))
    boxes, scores, points = _run_detector(detector, small, size)
    return [
        (
            tuple(int(round(v / scale)) for v in box),
            score,
            None if face_points is None else face_points / scale,
        )
        for box, score, face_points in zip(boxes, scores, points)
    ]


def _search_again(gray, detector, min_size, weak=False):
    """Step 2: (box, score, landmarks) triples on a padded copy of standard size,
    mapped back and clipped; with ``weak``, also the boxes scoring under 0.5."""
    height, width = gray.shape
    scale = min(RETRY_SIDE / min(height, width), RETRY_MAX_SIDE / max(height, width))
    if min(height, width) * scale < _MIN_SEARCH_SIDE:
        return []
    copy = _rescale(gray, scale)
    pad = int(round(RETRY_PAD * min(copy.shape)))
    padded = np.pad(copy, pad, mode="constant", constant_values=int(np.median(gray)))
    size = None if min_size is None else max(1, round(min_size * scale))
    found = []
    for (row, col, box_h, box_w), score, points in zip(
        *_run_detector(detector, padded, size, weak=weak)
    ):
        if points is not None:
            points = (points - pad) / scale
        top = max(0.0, (row - pad) / scale)
        left = max(0.0, (col - pad) / scale)
        bottom = min(float(height), (row + box_h - pad) / scale)
        right = min(float(width), (col + box_w - pad) / scale)
        if bottom - top >= 1 and right - left >= 1:
            box = (top, left, bottom - top, right - left)
            found.append((tuple(int(round(v)) for v in box), score, points))
    return found


def _inside(box, outer):
    """Whether at least half of ``box`` lies in ``outer`` (both row, col, h, w)."""
    rows = min(box[0] + box[2], outer[0] + outer[2]) - max(box[0], outer[0])
    cols = min(box[1] + box[3], outer[1] + outer[3]) - max(box[1], outer[1])
    return max(rows, 0) * max(cols, 0) >= 0.5 * box[2] * box[3]


def _parts_to_faces(gray, detector, found, min_size):
    """``found`` with the boxes that are parts of a face filling the frame
    replaced by that face (see the module's step 1)."""
    side = FILLS_FRAME * min(gray.shape)
    if not found or max(f[0][2] for f in found) >= side:
        return found
    for face in _search_again(gray, detector, max(round(side), min_size or 0)):
        parts = [f for f in found if _inside(f[0], face[0])]
        if parts and all(f[0][2] < PART_SHARE * face[0][2] for f in parts):
            found = [f for f in found if f not in parts] + [face]
    return found


def _centre_square(height, width):
    side = min(height, width)
    return ((height - side) // 2, (width - side) // 2, side, side)


def _crop_shaped(gray):
    """Whether the image can be a face crop: nearly square and not flat."""
    height, width = gray.shape
    return max(height, width) <= FACE_CROP_ASPECT * min(height, width) and (
        float(gray.std()) >= MIN_CONTRAST
    )


def _support(gray, found):
    """The best score of a box centred on the image and at least half its side:
    the detector's support for the image being one face."""
    height, width = gray.shape
    side = min(height, width)
    best = 0.0
    for (row, col, box_h, box_w), score, _ in found:
        off = math.hypot(row + box_h / 2 - height / 2, col + box_w / 2 - width / 2)
        if max(box_h, box_w) >= 0.5 * side and off <= 0.25 * side:
            best = max(best, score)
    return best


def _frame(gray, detector, detect, margin, max_side, min_size, align=False):
    """The faces of a gray photo as (box, score, source, angle) quadruples, left
    to right; ``angle`` is the turn of an aligned crop (degrees, else 0)."""
    height, width = gray.shape
    whole = _centre_square(height, width)
    if detect == "never":
        return [(whole, float("nan"), WHOLE_IMAGE, 0.0)]
    found = _search(gray, detector, max_side, min_size)
    if isinstance(detector, CascadeDetector):  # a remedy for the cascade's misses
        found = _parts_to_faces(gray, detector, found, min_size)
    evidence = []
    if not found:
        evidence = _search_again(gray, detector, min_size, weak=detect == "auto")
        face_score = _face_score(detector)
        found = [f for f in evidence if f[1] >= face_score]
    auto = detect == "auto" and _crop_shaped(gray)
    thumbnail = max(height, width) <= THUMBNAIL_SIDE
    faces = [
        (*_face_box(box, points, margin, align, height, width), s)
        for box, s, points in found
    ]
    if faces:
        if auto and len(faces) == 1:
            (box, _, score), side = faces[0], min(height, width)
            low, high = HEAD_SHOT_SHARE
            head_shot = (
                side >= HEAD_SHOT_MIN_SIDE and low * side <= box[2] < high * side
            )
            if box[2] >= high * side or (
                thumbnail and not (head_shot and score >= HEAD_SHOT_MIN_SCORE)
            ):
                return [(whole, score, WHOLE_IMAGE, 0.0)]
        faces.sort(key=lambda f: (f[0][1], f[0][0]))
        return [(box, score, DETECTED, angle) for box, angle, score in faces]
    if auto:
        support = _support(gray, evidence)
        if thumbnail or support >= FACE_CROP_MIN_SCORE:
            return [(whole, support, WHOLE_IMAGE, 0.0)]
    return []


def _face_box(box, points, margin, align, height, width):
    """A detected face's square box and its crop's turn: FER2013's framing from
    the landmarks when the detector gives them (``PHOTO_SCALE`` times its side;
    turned so that the eyes are level with ``align``), else the box grown by
    ``margin`` (never turned). Landmarks that cannot frame a face (not finite,
    the eyes or the eyes and mouth under a pixel apart) are ignored."""
    if points is not None and len(points) >= 5:
        framed = _landmark_box(points[:5], margin, height, width, PHOTO_SCALE)
        if framed is not None:
            return framed[0], framed[1] if align else 0.0
    return _square_box(box, margin, height, width), 0.0


def find_faces(
    image: ArrayLike,
    *,
    detect: Literal["auto", "always", "never"] = "auto",
    detector: str | FaceDetector = DEFAULT_DETECTOR,
    margin: float = 0.1,
    max_side: int = 1024,
    min_size: int | None = None,
    align: bool = False,
    return_scores: bool = False,
) -> tuple[list[Any], ...]:
    """The face boxes of one photo of any framing, and how each was found.

    Faces are searched by ``detector`` on the photo (scaled down to
    ``max_side``), then, when none is found, on a padded copy of standard size
    (tight face crops, thumbnails); a box that is only a part of a face filling
    the frame (an eye, found where the cascade missed the face) gives way to that
    face. With ``detect="auto"`` an image that already is a face crop is used as
    it is (its centre square): a nearly square, not flat image (sides within a
    ratio of 1.25) that is a thumbnail (at most 128 pixels; unless it is over 48
    and its face is clearly a head shot's, a box of 0.68-0.8 of its side) or
    whose face fills the frame (detected, or backed by the detector's weaker
    evidence); a coffee cup, a cat or a landscape has no face. Detected boxes are
    grown by ``margin`` on each side and made square, and listed left to right.
    This is the one framing of skfer: :class:`FaceCropper` (the dataset
    loaders), :func:`extract_faces`, ``skfer predict``, the video analysis and
    :func:`skfer.analyze` all use it.

    Parameters
    ----------
    image : array-like of shape (height, width) or (height, width, channels)
        A photo of any size, gray or colour, 8-bit.
    detect : {"auto", "always", "never"}, default="auto"
        ``"auto"``: detected faces, and the whole image when it is a face crop;
        ``"always"``: detected faces only (an image may have none);
        ``"never"``: each image is one face, its centre square.
    detector : str or object, default="yunet"
        ``"yunet"`` (a small CNN with landmarks, :class:`YuNetDetector`),
        ``"cascade"`` (scikit-image's LBP cascade, :class:`CascadeDetector`),
        ``"module:attribute"``, or any object with a
        ``detect(image) -> boxes, scores[, landmarks]`` method (see
        :class:`FaceDetector`).
    margin : float, default=0.1
        Share of each detected box added on every side (a face with landmarks
        is framed from them, its box grown or shrunk as ``margin`` grows a box).
    max_side : int, default=1024
        Longest side of the copy searched first.
    min_size : int, default=None
        Smallest face side to find, in pixels of the photo (default: one eighth of
        the searched copy's shorter side, at least 24 pixels of it).
    align : bool, default=False
        A face with landmarks (the default YuNet's) is always framed from them
        as FER2013 frames its faces (the eyes at 39 % of the box's height, 38 %
        of its side apart; the box then grown 1.1 times, which reads photos
        best); with ``align``, :func:`extract_faces` also turns its crop so that
        the eyes are level (for a model trained on such crops: it reads the
        validation photos about 2 points lower than unturned crops). Faces
        without landmarks are never turned.
    return_scores : bool, default=False
        Also return each face's score.

    Returns
    -------
    boxes : list of (int, int, int, int)
        One square ``(row, col, height, width)`` box per face, in the photo.
    sources : list of str
        For each box, ``"detected"`` or ``"whole image"``.
    scores : list of float
        Only with ``return_scores=True``: the detector's score of each face in
        [0, 1] (for a whole image, its support for one face filling the image;
        ``nan`` with ``detect="never"``).

    Examples
    --------
    >>> from skimage import data
    >>> from skfer.preprocessing import find_faces
    >>> photo = data.astronaut()
    >>> find_faces(photo)[1]
    ['detected']
    >>> thumbnail = photo[60:190:2, 160:290:2]  # 65x65, a face crop: used whole
    >>> find_faces(thumbnail)
    ([(0, 0, 65, 65)], ['whole image'])
    >>> find_faces(data.coffee(), return_scores=True)  # a coffee cup: no face
    ([], [], [])
    """
    (gray,), _ = check_images([image], name="image")
    faces = _find(_to_gray(gray), detect, detector, margin, max_side, min_size, align)
    boxes = [face[0] for face in faces]
    sources = [face[2] for face in faces]
    if return_scores:
        return boxes, sources, [face[1] for face in faces]
    return boxes, sources


def extract_faces(
    image: ArrayLike,
    *,
    detect: Literal["auto", "always", "never"] = "auto",
    detector: str | FaceDetector = DEFAULT_DETECTOR,
    margin: float = 0.1,
    max_side: int = 1024,
    min_size: int | None = None,
    align: bool = False,
    size: int = 48,
    return_sources: bool = False,
    return_scores: bool = False,
) -> tuple[Any, ...]:
    """Every face of a photo: its box and its model-ready crop.

    Faces are found and framed by :func:`find_faces` (the framing shared by
    :class:`FaceCropper`, the dataset loaders, ``skfer predict`` and
    :func:`skfer.analyze`): searched on a copy of the photo scaled down to at
    most ``max_side`` pixels, then on a padded copy of standard size when none is
    found; a box that is only a part of a face filling the frame gives way to
    that face, and with ``detect="auto"`` an image that already is a face crop
    is used as it is. Boxes are given in the original photo's pixels, grown by
    ``margin`` on each side and made square, and listed left to right.

    Parameters
    ----------
    image : ndarray of shape (height, width) or (height, width, channels)
        A photo of any size, gray or colour.
    detect : {"auto", "always", "never"}, default="auto"
        ``"auto"``: detected faces, and the whole image when it is a face crop;
        ``"always"``: detected faces only; ``"never"``: the whole image (centre
        square) is the face.
    detector : str or object, default="yunet"
        The face detector: a name, ``"module:attribute"`` or an object with a
        ``detect(image)`` method (see :class:`FaceDetector`).
    margin : float, default=0.1
        Share of each face box added on every side.
    max_side : int, default=1024
        Longest side of the copy that is searched.
    min_size : int, default=None
        Smallest face side to find, in pixels of the original photo.
    align : bool, default=False
        Crops of faces with landmarks turned so that the eyes are level (see
        :func:`find_faces`).
    size : int, default=48
        Side of the returned crops.
    return_sources : bool, default=False
        Also return how each face was found.
    return_scores : bool, default=False
        Also return each face's score (see :func:`find_faces`), after the sources
        when both are asked for.

    Returns
    -------
    boxes : list of (row, col, height, width)
        One square box per face, in the original photo.
    rows : ndarray of shape (n_faces, size * size), dtype uint8
        The grayscale crops, resized and flattened: ready for ``predict``.
    sources : list of str
        Only with ``return_sources=True``: ``"detected"`` or ``"whole image"``
        for each face.
    scores : list of float
        Only with ``return_scores=True``: the score of each face.

    See Also
    --------
    find_faces : The boxes alone.
    skfer.analyze : Faces and emotions of photos in one call.

    Examples
    --------
    >>> from skimage import data
    >>> from skfer.preprocessing import extract_faces
    >>> boxes, rows = extract_faces(data.astronaut())
    >>> len(boxes), rows.shape
    (1, (1, 2304))
    >>> thumbnail = data.astronaut()[60:190:2, 160:290:2]  # 65x65, face only
    >>> extract_faces(thumbnail, return_sources=True)[2]  # used as it is
    ['whole image']
    """
    (gray,), _ = check_images([image], name="image")
    gray = _to_gray(gray)
    faces = _find(gray, detect, detector, margin, max_side, min_size, align)
    boxes, scores, sources, angles = ([face[k] for face in faces] for k in range(4))
    rows = _crop_rows(gray, boxes, size, angles)
    out: tuple[Any, ...] = (boxes, rows)
    if return_sources:
        out += (sources,)
    if return_scores:
        out += (scores,)
    return out


def _find(gray, detect, detector, margin, max_side, min_size, align):
    """:func:`_frame` with its arguments checked: (box, score, source, angle)."""
    if detect not in DETECT_MODES:
        raise ValueError(f"detect must be one of {DETECT_MODES}; got {detect!r}.")
    if (
        isinstance(max_side, bool)
        or not isinstance(max_side, Integral)
        or max_side < _MIN_SEARCH_SIDE
    ):
        raise ValueError(
            f"max_side must be an integer of at least {_MIN_SEARCH_SIDE} (pixels of "
            f"the searched copy's longest side); got {max_side!r}."
        )
    if not isinstance(align, (bool, np.bool_)):
        raise ValueError(f"align must be True or False; got {align!r}.")
    detector = check_detector(detector)
    return _frame(gray, detector, detect, margin, max_side, min_size, bool(align))


def _crop_rows(gray, boxes, size=48, angles=None):
    """The ``boxes`` of ``gray`` resized to ``size`` and flattened, as uint8;
    each turned by its angle of ``angles`` (degrees) where not 0."""
    if not boxes:
        return np.empty((0, size * size), np.uint8)
    # as Resize does, without scikit-learn
    shape = _check_size(size)
    angles = [0.0] * len(boxes) if angles is None else angles
    rows = []
    for (r, c, h, w), angle in zip(boxes, angles):
        if angle:
            rows.append(_aligned_crop(gray, (r, c, h, w), angle, shape))
        else:
            rows.append(resize_image(gray[r : r + h, c : c + w], shape, True))
    return np.stack(rows).reshape(len(boxes), -1)
