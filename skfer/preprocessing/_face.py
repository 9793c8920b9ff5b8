"""Face cropping as a transformer, framed by :func:`find_faces`."""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils._param_validation import Interval, StrOptions

from ._align import _aligned_crop
from ._base import _ImageTransformer
from ._detectors import (
    DEFAULT_DETECTOR,
    CascadeDetector,
    FaceDetector,
    check_detector,
)
from ._find import _centre_square, _frame
from ._grayscale import _to_gray
from ._validation import _check_size, _collect, check_images

__all__ = ["FaceCropper", "NoFaceWarning"]


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


#: The settings of FaceCropper that build a CascadeDetector.
_CASCADE_SETTINGS = (
    "scale_factor",
    "step_ratio",
    "min_size",
    "min_neighbors",
    "merge_overlap",
)


def _is_default(value, default):
    """Whether a detector setting is its default (``min_size`` may be a tuple)."""
    return value is default or (default is not None and value == default)


class FaceCropper(_ImageTransformer):
    """Crop the main face out of each image.

    Each image is framed by :func:`find_faces` (``detect="auto"``), the framing
    of ``skfer predict``, :func:`extract_faces` and :func:`skfer.analyze`, so a
    model trained on these crops sees faces framed as it will at prediction: the
    largest face, grown by ``margin`` on every side and made square (shifted
    inside the image where it would cross the border), is cut out; an image that
    already is a face crop (a thumbnail such as CK+'s 128x128 faces, or a face
    filling the frame) is kept whole (its centre square). Colour images are
    searched in gray but cropped in colour. Output crops keep their own size:
    follow with :class:`Resize` to get model-ready rows.

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
        FER2013 (faces with landmarks are framed from them, see
        :func:`find_faces`).
    detector : str or object, default="yunet"
        The face detector: ``"yunet"`` (:class:`YuNetDetector`, a small CNN
        with landmarks), ``"cascade"`` (scikit-image's LBP cascade, set by the
        five detector settings below, which are otherwise unused),
        ``"module:attribute"``, or any object with a ``detect(image) -> boxes,
        scores[, landmarks]`` method (see :class:`FaceDetector`).
    align : bool, default=False
        Turn the crop of each face with landmarks (the default YuNet's) so that
        the eyes are level (see :func:`find_faces`): train with the ``align``
        that ``skfer predict --align`` or :func:`extract_faces` will use, so
        that the model sees faces framed as it was trained on. Faces without
        landmarks (the cascade's) are not turned.
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
    scores_ : ndarray of float of shape (n_samples,)
        The score of each image's face (see :func:`find_faces`); ``nan`` where
        no face was found.
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
    >>> photos = [data.astronaut(), data.coffee()]  # coffee: a cup, no face
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

    Faces framed from YuNet's landmarks (the default detector), turned so that
    the eyes are level, as ``skfer predict --align`` frames them:

    >>> aligned = FaceCropper(align=True)
    >>> aligned.fit_transform([data.astronaut()])[0].shape, aligned.boxes_.tolist()
    ((140, 140, 3), [[47, 153, 140, 140]])
    """

    _parameter_constraints = {
        "margin": [Interval(Real, 0, None, closed="left")],
        "detector": "no_validation",  # checked by check_detector
        "align": ["boolean"],
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
        margin: float = 0.1,
        detector: str | FaceDetector = DEFAULT_DETECTOR,
        align: bool = False,
        fallback: Literal["center", "error"] = "center",
        scale_factor: float = 1.2,
        step_ratio: float = 1.0,
        min_size: int | tuple[int, int] | None = None,
        min_neighbors: int = 4,
        merge_overlap: float = 0.5,
    ) -> None:
        self.margin = margin
        self.detector = detector
        self.align = align
        self.fallback = fallback
        self.scale_factor = scale_factor
        self.step_ratio = step_ratio
        self.min_size = min_size
        self.min_neighbors = min_neighbors
        self.merge_overlap = merge_overlap

    def _detector(self):
        settings = {name: getattr(self, name) for name in _CASCADE_SETTINGS}
        if isinstance(self.detector, str) and self.detector == "cascade":
            return CascadeDetector(**settings)
        defaults = inspect.signature(FaceCropper).parameters
        changed = [
            name
            for name, value in settings.items()
            if not _is_default(value, defaults[name].default)
        ]
        if changed:
            warnings.warn(
                f"FaceCropper: {', '.join(changed)} set the cascade detector only; "
                f"with detector={self.detector!r} they have no effect (pass "
                "detector='cascade', or set the detector object itself).",
                UserWarning,
                stacklevel=3,
            )
        return check_detector(self.detector)

    def crop(
        self, images: Sequence[np.ndarray]
    ) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
        """Crop the largest face of each image, else its centre square.

        What :meth:`transform` does, without its checks and warnings (the
        ``fallback`` is always the centre square): the crop function of the
        dataset loaders' ``crop_faces``. Sets ``scores_``. With ``align``, a
        face with landmarks is turned about its box's centre so that the eyes
        are level (the crop keeps the box's size).

        Parameters
        ----------
        images : list of ndarray
            Images of any sizes, gray or colour.

        Returns
        -------
        crops : list of ndarray
            The square crops, in the images' dtype.
        found : ndarray of bool
            Whether a face was found in each image.
        boxes : ndarray of shape (n_images, 4)
            ``(top, left, height, width)`` of each crop.

        Examples
        --------
        >>> import numpy as np
        >>> from skfer.preprocessing import FaceCropper
        >>> crops, found, boxes = FaceCropper().crop([np.zeros((60, 80), np.uint8)])
        >>> crops[0].shape, found.tolist(), boxes.tolist()
        ((60, 60), [False], [[0, 10, 60, 60]])
        """
        self._validate_params()  # the loaders call crop without transform
        detector = self._detector()
        n = len(images)
        crops, found, boxes, scores = [], np.zeros(n, bool), [], np.full(n, np.nan)
        for index, image in enumerate(images):
            height, width = image.shape[:2]
            gray = _to_gray(image)
            faces = _frame(
                gray, detector, "auto", self.margin, 1024, None, bool(self.align)
            )
            angle = 0.0
            if faces:
                largest = max(faces, key=lambda f: f[0][2] * f[0][3])
                box, scores[index], _, angle = largest
                found[index] = True
            else:
                box = _centre_square(height, width)
            boxes.append(box)
            top, left, box_h, box_w = box
            if angle:
                crops.append(_aligned_crop(image, box, angle, (box_h, box_w)))
            else:
                crops.append(image[top : top + box_h, left : left + box_w])
        self.scores_ = scores
        return crops, found, np.array(boxes, dtype=int)

    def transform(
        self, X: ArrayLike | Sequence[ArrayLike]
    ) -> np.ndarray | list[np.ndarray]:
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
        crops, found, boxes = self.crop(images)
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
