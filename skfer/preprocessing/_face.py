"""Face detection with scikit-image's LBP cascade, and face cropping."""

import functools
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import _ImageTransformer
from ._grayscale import _to_gray
from ._validation import _check_size, _collect, check_images

__all__ = ["FaceCropper", "NoFaceWarning", "detect_faces", "extract_faces"]


class NoFaceWarning(UserWarning):
    """Warned when :class:`FaceCropper` finds no face in some images.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from skfer.preprocessing import FaceCropper, NoFaceWarning
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = FaceCropper().fit_transform([np.zeros((64, 64), dtype=np.uint8)])
    >>> any(issubclass(w.category, NoFaceWarning) for w in caught)
    True
    """


@functools.lru_cache(maxsize=1)
def _cascade():
    from skimage import data
    from skimage.feature import Cascade

    return Cascade(data.lbp_frontal_face_cascade_filename())


def _overlap(a, b):
    """Intersection of two (row, col, height, width) boxes over the smaller area."""
    rows = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    cols = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if rows <= 0 or cols <= 0:
        return 0.0
    return rows * cols / min(a[2] * a[3], b[2] * b[3])


def _merge(boxes, threshold):
    """Average the boxes that overlap a larger one by ``threshold`` or more."""
    clusters = []
    for box in sorted(boxes, key=lambda b: b[2] * b[3], reverse=True):
        for cluster in clusters:
            if _overlap(cluster[0], box) >= threshold:
                cluster.append(box)
                break
        else:
            clusters.append([box])
    merged = [tuple(int(v) for v in np.rint(np.mean(c, axis=0))) for c in clusters]
    return sorted(merged, key=lambda b: b[2] * b[3], reverse=True)


def _detect(gray, scale_factor, step_ratio, min_size, min_neighbors, merge_overlap):
    height, width = gray.shape
    if min_size is None:
        side = max(24, min(height, width) // 8)
        min_size = (side, side)
    else:
        min_size = _check_size(min_size, "min_size")
    if min_size[0] > height or min_size[1] > width:
        return []
    found = _cascade().detect_multi_scale(
        img=gray,
        scale_factor=scale_factor,
        step_ratio=step_ratio,
        min_size=min_size,
        max_size=(height, width),
        min_neighbor_number=min_neighbors,
    )
    boxes = [(d["r"], d["c"], d["height"], d["width"]) for d in found]
    return _merge(boxes, merge_overlap)


def detect_faces(
    image,
    *,
    scale_factor=1.2,
    step_ratio=1.0,
    min_size=None,
    min_neighbors=4,
    merge_overlap=0.5,
):
    """Find the frontal faces in one image.

    Runs scikit-image's multi-scale LBP cascade
    (:class:`skimage.feature.Cascade` with the frontal-face cascade shipped in
    :func:`skimage.data.lbp_frontal_face_cascade_filename`), then merges the
    detections that cover the same face into their average box.

    Parameters
    ----------
    image : array-like of shape (height, width) or (height, width, channels)
        A gray or colour photo of any size, 8-bit intensities in [0, 255].
    scale_factor : float, default=1.2
        Ratio between two successive search-window sizes (smaller: slower, finds
        more faces).
    step_ratio : float, default=1.0
        Step of the sliding window, relative to its size (1 is exhaustive).
    min_size : int or (int, int), default=None
        Smallest face looked for, in pixels. ``None``: one eighth of the image's
        shorter side, at least 24 (the cascade's window).
    min_neighbors : int, default=4
        Detections a candidate needs around it to count (higher: fewer false
        faces, more missed ones).
    merge_overlap : float, default=0.5
        Two boxes whose intersection covers at least this share of the smaller one
        are the same face.

    Returns
    -------
    boxes : list of (int, int, int, int)
        One ``(row, col, height, width)`` box per face, largest first; empty when
        no face is found.

    See Also
    --------
    FaceCropper : Crop the main face of each image, as a transformer.

    Examples
    --------
    >>> from skimage import data
    >>> from skfer.preprocessing import detect_faces
    >>> boxes = detect_faces(data.astronaut())
    >>> len(boxes)
    1
    >>> row, col, height, width = boxes[0]
    >>> 150 < col + width / 2 < 300  # the astronaut's face, left of centre
    True
    """
    (gray,), _ = check_images([image], name="image")
    return _detect(
        _to_gray(gray), scale_factor, step_ratio, min_size, min_neighbors, merge_overlap
    )


def _square_box(box, margin, height, width):
    """Grow a box by ``margin`` on each side, square it and fit it in the image."""
    row, col, box_h, box_w = box
    side = int(round(max(box_h, box_w) * (1.0 + 2.0 * margin)))
    side = max(1, min(side, height, width))
    centre_r, centre_c = row + box_h / 2.0, col + box_w / 2.0
    top = int(np.clip(round(centre_r - side / 2.0), 0, height - side))
    left = int(np.clip(round(centre_c - side / 2.0), 0, width - side))
    return top, left, side, side


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
    thumbnails), and with ``detect="auto"`` the photo's centre square is taken
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
    from ._find import find_faces
    from ._resize import Resize

    (gray,), _ = check_images([image], name="image")
    gray = _to_gray(gray)
    boxes, sources = find_faces(
        gray, detect=detect, margin=margin, max_side=max_side, min_size=min_size
    )
    crops = [gray[r : r + h, c : c + w] for r, c, h, w in boxes]
    if crops:
        rows = Resize(size=size).fit_transform(crops)
    else:
        rows = np.empty((0, size * size), np.uint8)
    return (boxes, rows, sources) if return_sources else (boxes, rows)


class FaceCropper(_ImageTransformer):
    """Crop the main face out of each image.

    Each image is searched with :func:`detect_faces`; the largest face, grown by
    ``margin`` on every side and made square (shifted inside the image where it
    would cross the border), is cut out. Colour images are searched in gray but
    cropped in colour. Output crops keep their own size: follow with
    :class:`Resize` to get model-ready rows.

    **Fallback.** When no face is found in an image, ``fallback="center"`` returns
    the largest centred square of the image (faces in FER datasets are roughly
    centred) and warns with a :class:`NoFaceWarning` giving the count;
    ``fallback="error"`` raises instead. ``transform`` records which images had
    no face in ``face_found_`` and ``n_no_face_``.

    Stateless: ``fit`` only checks the input; the attributes below describe the
    last call of ``transform``.

    Parameters
    ----------
    margin : float, default=0.1
        Share of the face box added on each side (0.1 grows a 100-pixel box to
        120 pixels). The cascade's box runs from the brows to the lower lip; the
        default margin brings in the chin and forehead, framing faces as in
        FER2013.
    fallback : {"center", "error"}, default="center"
        What to do with an image where no face is found (see above).
    scale_factor : float, default=1.2
        Detector setting, see :func:`detect_faces`.
    step_ratio : float, default=1.0
        Detector setting, see :func:`detect_faces`.
    min_size : int or (int, int), default=None
        Detector setting, see :func:`detect_faces`.
    min_neighbors : int, default=4
        Detector setting, see :func:`detect_faces`.
    merge_overlap : float, default=0.5
        Detector setting, see :func:`detect_faces`.

    Attributes
    ----------
    face_found_ : ndarray of bool of shape (n_samples,)
        Whether a face was found in each image of the last batch transformed.
    n_no_face_ : int
        Number of images of the last batch where no face was found.
    boxes_ : ndarray of int of shape (n_samples, 4)
        The ``(row, col, height, width)`` crop box of each image.

    See Also
    --------
    detect_faces : All the faces of one photo.
    Resize : Bring the crops to the model's input size.

    Examples
    --------
    >>> from skimage import data
    >>> from sklearn.pipeline import make_pipeline
    >>> from skfer.preprocessing import FaceCropper, Grayscale, Resize
    >>> photos = [data.astronaut(), data.camera()]  # camera: no frontal face
    >>> pipe = make_pipeline(FaceCropper(), Grayscale(), Resize())
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     X = pipe.fit_transform(photos)
    >>> X.shape, X.dtype
    ((2, 2304), dtype('uint8'))
    >>> cropper = pipe[0]
    >>> cropper.face_found_, cropper.n_no_face_
    (array([ True, False]), 1)
    >>> print(caught[0].message)
    FaceCropper found no face in 1 of 2 images (indices [1]); used the centre crop.
    """

    _parameter_constraints = {
        "margin": [Interval(Real, 0, None, closed="left")],
        "fallback": [StrOptions({"center", "error"})],
        "scale_factor": [Interval(Real, 1, None, closed="neither")],
        "step_ratio": [Interval(Real, 0, None, closed="neither")],
        "min_size": "no_validation",  # None or checked by _check_size
        "min_neighbors": [Interval(Integral, 0, None, closed="left")],
        "merge_overlap": [Interval(Real, 0, 1, closed="right")],
    }

    def __init__(
        self,
        *,
        margin=0.1,
        fallback="center",
        scale_factor=1.2,
        step_ratio=1.0,
        min_size=None,
        min_neighbors=4,
        merge_overlap=0.5,
    ):
        self.margin = margin
        self.fallback = fallback
        self.scale_factor = scale_factor
        self.step_ratio = step_ratio
        self.min_size = min_size
        self.min_neighbors = min_neighbors
        self.merge_overlap = merge_overlap

    def _crop(self, images):
        """Crops, whether a face was found, and the boxes of a list of images."""
        crops, found, boxes = [], np.zeros(len(images), dtype=bool), []
        for index, image in enumerate(images):
            height, width = image.shape[:2]
            faces = _detect(
                _to_gray(image),
                self.scale_factor,
                self.step_ratio,
                self.min_size,
                self.min_neighbors,
                self.merge_overlap,
            )
            if faces:
                found[index] = True
                box = _square_box(faces[0], self.margin, height, width)
            else:
                side = min(height, width)
                box = ((height - side) // 2, (width - side) // 2, side, side)
            boxes.append(box)
            top, left, box_h, box_w = box
            crops.append(image[top : top + box_h, left : left + box_w])
        return crops, found, np.array(boxes, dtype=int)

    def transform(self, X):
        """Crop the largest face of every image of ``X``.

        Parameters
        ----------
        X : array-like or list of array-like
            Images of any sizes, gray or colour.

        Returns
        -------
        crops : list of ndarray, or ndarray, of uint8
            The square crops (a stacked array when they all share one shape).

        Warns
        -----
        NoFaceWarning
            When no face is found in some images and ``fallback="center"``.
        """
        self._validate_params()
        if self.min_size is not None:
            _check_size(self.min_size, "min_size")
        images, kind = check_images(X)
        crops, found, boxes = self._crop(images)
        self.face_found_, self.boxes_ = found, boxes
        self.n_no_face_ = int((~found).sum())
        if self.n_no_face_:
            missed = np.flatnonzero(~found).tolist()
            message = (
                f"FaceCropper found no face in {self.n_no_face_} of {len(images)} "
                f"images (indices {missed})"
            )
            if self.fallback == "error":
                raise ValueError(message + ' and fallback="error".')
            warnings.warn(message + "; used the centre crop.", NoFaceWarning, 2)
        return _collect(crops, kind)
