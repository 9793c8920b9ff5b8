"""Face detectors: the protocol any detector follows, the shipped ones, the default.

A detector is any object with a ``detect(image)`` method (:class:`FaceDetector`);
``detector=`` arguments take such an object or a registered name
(:data:`DETECTORS`). :func:`find_faces` and everything built on it
(:func:`extract_faces`, :class:`FaceCropper`, ``skfer predict``, the video
analysis, :func:`skfer.analyze`) call the detector, then frame its boxes the same
way: search again on a padded copy, the part-of-a-face rule, the margin, the
whole-image check.

The default is YuNet (:data:`DEFAULT_DETECTOR`). On the validation part of
``benchmarks/photos.py`` it reads faces as well as scikit-image's cascade
(framed from its landmarks), it finds fewer false faces in textured backgrounds
and costs about a sixth of the cascade's CPU time (``benchmarks/detectors.py``,
``benchmarks/results/detectors.md``). The cascade stays available as
``detector="cascade"``.
"""

from __future__ import annotations

import importlib
from numbers import Integral, Real
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike

from ._detect import _cascade, _merge, _overlap
from ._validation import _check_size
from ._yunet import YuNetDetector

__all__ = [
    "DEFAULT_DETECTOR",
    "DETECTORS",
    "CascadeDetector",
    "FaceDetector",
    "check_detector",
]


@runtime_checkable
class FaceDetector(Protocol):
    """What a face detector given as ``detector=`` must do.

    ``detect(image)`` receives one 8-bit gray image, a 2-D ``uint8`` array (the
    photo, scaled down to ``max_side``, or a padded copy of it) and returns:

    - ``boxes``: array-like of shape (n_faces, 4), one ``(row, col, height,
      width)`` box per face in the image's pixels (top-left corner, then size);
    - ``scores``: array-like of shape (n_faces,), the detector's confidence in
      ``[0, 1]``; boxes scoring under the detector's ``face_score`` attribute
      (``0.5`` when it has none) are not taken as faces (they only back the
      check of an image that is a face crop, see :func:`find_faces`);
    - optionally ``landmarks``: array-like of shape (n_faces, 5, 2), ``(row,
      col)`` points: the eyes (the one on the image's left first), the nose tip
      and the mouth's corners (left first). A face with landmarks is framed
      from them as FER2013 frames its faces (:func:`find_faces`); with
      ``align=True`` its crop is also turned so that the eyes are level.

    Any object with such a method works, a class is not needed; this class
    only documents the protocol (``isinstance(obj, FaceDetector)`` checks for the
    method).

    Examples
    --------
    >>> import numpy as np
    >>> from skfer.preprocessing import FaceDetector, find_faces
    >>> class Fixed:  # a detector that always sees the same face
    ...     def detect(self, image):
    ...         return [(40, 120, 80, 80)], [0.9]
    >>> isinstance(Fixed(), FaceDetector)
    True
    >>> find_faces(np.zeros((200, 400), np.uint8), detector=Fixed(), margin=0)
    ([(40, 120, 80, 80)], ['detected'])
    """

    def detect(self, image: np.ndarray) -> tuple[ArrayLike, ...]:
        """Boxes, scores (and optionally landmarks) of the faces of ``image``."""


class CascadeDetector:
    """scikit-image's frontal LBP cascade, as a :class:`FaceDetector`.

    The detector of :func:`detect_faces` (named ``"cascade"``). Its raw windows
    are grouped as scikit-image groups them; a group of ``n`` windows scores
    ``n / (n + min_neighbors)``, so the groups of at least ``min_neighbors``
    windows, today's faces, score at least 0.5. The groups under that (weak
    evidence, never a face on their own) are returned too when
    ``return_weak=True``; they back the check of an image that is a face crop.

    Parameters
    ----------
    scale_factor : float, default=1.2
        Ratio between two successive search-window sizes.
    step_ratio : float, default=1.0
        Step of the sliding window, relative to its size.
    min_size : int or (int, int), default=None
        Smallest face looked for, in pixels (``None``: one eighth of the image's
        shorter side, at least 24).
    min_neighbors : int, default=4
        Windows a face needs (its score is then 0.5).
    merge_overlap : float, default=0.5
        Two boxes whose intersection covers this share of the smaller are merged.
    return_weak : bool, default=False
        Also return the groups of fewer than ``min_neighbors`` windows.

    Examples
    --------
    >>> from skimage import data
    >>> from skfer.preprocessing import CascadeDetector
    >>> from skfer.preprocessing._grayscale import _to_gray
    >>> boxes, scores = CascadeDetector().detect(_to_gray(data.astronaut()))
    >>> boxes.tolist(), scores.round(2).tolist()
    ([[71, 176, 91, 91]], [0.73])
    """

    def __init__(
        self,
        *,
        scale_factor: float = 1.2,
        step_ratio: float = 1.0,
        min_size: int | tuple[int, int] | None = None,
        min_neighbors: int = 4,
        merge_overlap: float = 0.5,
        return_weak: bool = False,
    ) -> None:
        self.scale_factor = scale_factor
        self.step_ratio = step_ratio
        self.min_size = min_size
        self.min_neighbors = min_neighbors
        self.merge_overlap = merge_overlap
        self.return_weak = return_weak

    def _check(self):
        checks = [
            ("scale_factor", Real, lambda v: v > 1, "a number > 1"),
            ("step_ratio", Real, lambda v: v > 0, "a number > 0"),
            ("min_neighbors", Integral, lambda v: v >= 1, "an integer >= 1"),
            ("merge_overlap", Real, lambda v: 0 < v <= 1, "a number in (0, 1]"),
        ]
        for name, kind, ok, expected in checks:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, kind) or not ok(value):
                raise ValueError(f"{name} must be {expected}; got {value!r}.")

    def detect(
        self, image: ArrayLike, min_size: int | tuple[int, int] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Boxes and scores of the faces of one gray image.

        Parameters
        ----------
        image : ndarray of shape (height, width), dtype uint8
            A gray image.
        min_size : int, default=None
            Smallest face side for this call (overrides ``self.min_size``).

        Returns
        -------
        boxes : ndarray of shape (n_faces, 4), dtype int
            ``(row, col, height, width)`` boxes, largest first.
        scores : ndarray of shape (n_faces,)
            ``n / (n + min_neighbors)`` for a box of ``n`` windows.
        """
        self._check()
        image = np.asarray(image)
        height, width = image.shape
        size = self.min_size if min_size is None else min_size
        if size is None:
            side = max(24, min(height, width) // 8)
            size = (side, side)
        else:
            size = _check_size(size, "min_size")
        empty = np.empty((0, 4), int), np.empty(0)
        if size[0] > height or size[1] > width:
            return empty
        # Every window alone (no two windows' overlap exceeds 1), grouped below as
        # scikit-image groups them, so that each group's size is known.
        found = _cascade().detect_multi_scale(
            img=image,
            scale_factor=self.scale_factor,
            step_ratio=self.step_ratio,
            min_size=size,
            max_size=(height, width),
            min_neighbor_number=1,
            intersection_score_threshold=1.0,
        )
        windows = [(d["r"], d["c"], d["height"], d["width"]) for d in found]
        groups = _group(windows)
        strong = [g for g in groups if g[1] >= self.min_neighbors]
        boxes, scores = self._merged(strong)
        if self.return_weak:
            weak = [g for g in groups if g[1] < self.min_neighbors]
            weak = [g for g in weak if all(_overlap(g[0], b) < 0.5 for b in boxes)]
            more, more_scores = self._merged(weak)
            boxes, scores = boxes + more, scores + more_scores
        if not boxes:
            return empty
        return np.array(boxes, int), np.array(scores)

    def _merged(self, groups):
        """Boxes merged as :func:`detect_faces` merges them, with their scores."""
        boxes = _merge([g[0] for g in groups], self.merge_overlap)
        scores = []
        for box in boxes:
            n = sum(g[1] for g in groups if _overlap(g[0], box) >= self.merge_overlap)
            scores.append(n / (n + self.min_neighbors))
        return boxes, scores


def _group(windows, threshold=0.5):
    """scikit-image's grouping of cascade windows: (mean box, count) per group.

    The same greedy pass as ``skimage.feature.Cascade``'s ``_group_detections``:
    each window joins the group whose (integer) mean box it overlaps most, by
    more than ``threshold`` of the smaller area, else starts a group.
    """
    sums, counts = [], []
    for window in windows:
        best, chosen = threshold, None
        for k, (total, n) in enumerate(zip(sums, counts)):
            mean = tuple(v // n for v in total)
            score = _overlap(window, mean)
            if score > best:
                best, chosen = score, k
        if chosen is None:
            sums.append(list(window))
            counts.append(1)
        else:
            sums[chosen] = [a + b for a, b in zip(sums[chosen], window)]
            counts[chosen] += 1
    return [(tuple(v // n for v in s), n) for s, n in zip(sums, counts)]


#: Registered detectors: name -> class (built with its default settings).
DETECTORS = {"cascade": CascadeDetector, "yunet": YuNetDetector}
#: The detector of every ``detector=`` argument left at its default.
DEFAULT_DETECTOR = "yunet"


def check_detector(detector: str | FaceDetector, name: str = "detector") -> Any:
    """The detector object for a ``detector=`` argument.

    Parameters
    ----------
    detector : str or object
        A name of :data:`DETECTORS`, ``"module:attribute"`` (an object or a class
        with a ``detect`` method, imported), or an object with ``detect``.
    name : str, default="detector"
        The argument's name, for the error message.

    Returns
    -------
    detector : object
        An object with a ``detect(image)`` method.

    Examples
    --------
    >>> from skfer.preprocessing import check_detector
    >>> type(check_detector("cascade")).__name__
    'CascadeDetector'
    """
    if isinstance(detector, str):
        if detector in DETECTORS:
            return DETECTORS[detector]()
        if ":" in detector:
            module, _, attribute = detector.partition(":")
            try:
                found = getattr(importlib.import_module(module), attribute)
            except (ImportError, AttributeError) as exc:
                raise ValueError(
                    f"{name}={detector!r} cannot be imported ({exc}); expected "
                    "'module:attribute' naming a detector."
                ) from exc
            detector = found() if isinstance(found, type) else found
        else:
            raise ValueError(
                f"{name} must be one of {sorted(DETECTORS)}, 'module:attribute' or "
                f"an object with a detect(image) method; got {detector!r}."
            )
    if not callable(getattr(detector, "detect", None)):
        raise TypeError(
            f"{name} must be a name of {sorted(DETECTORS)} or an object with a "
            f"detect(image) method returning boxes and scores; got "
            f"{type(detector).__name__}."
        )
    return detector


def _run_detector(detector, gray, min_size=None, weak=False):
    """Boxes (tuples), scores and landmarks of ``detector`` on ``gray``, checked.

    The cascade takes ``min_size`` and ``weak`` itself (speed, and its weak
    groups); for any other detector, boxes under ``min_size`` are dropped and
    boxes scoring under its ``face_score`` (default 0.5) are dropped unless
    ``weak``. Each face's landmarks are an (n_points, 2) array of ``(row,
    col)``, or ``None`` when the detector gives none.
    """
    if isinstance(detector, CascadeDetector):
        cascade = detector
        if weak and not detector.return_weak:
            params = {k: getattr(detector, k) for k in _CASCADE_PARAMS}
            cascade = CascadeDetector(**params, return_weak=True)
        out = cascade.detect(gray, min_size=min_size)
    else:
        out = detector.detect(gray)
    face_score = _face_score(detector)
    if not isinstance(out, tuple) or len(out) not in (2, 3):
        raise TypeError(
            f"{type(detector).__name__}.detect must return (boxes, scores) or "
            f"(boxes, scores, landmarks); got {type(out).__name__}."
        )
    boxes = np.asarray(out[0], dtype=float).reshape(-1, 4) if len(out[0]) else ()
    scores = np.asarray(out[1], dtype=float).reshape(-1)
    points = _landmarks(detector, out[2] if len(out) == 3 else None, len(boxes))
    if len(boxes) != len(scores):
        raise ValueError(
            f"{type(detector).__name__}.detect returned {len(boxes)} boxes and "
            f"{len(scores)} scores; expected one score per box."
        )
    height, width = gray.shape
    kept = []
    for box, score, face_points in zip(boxes, scores, points):
        top, left = max(0, int(round(box[0]))), max(0, int(round(box[1])))
        bottom = min(height, int(round(box[0] + box[2])))
        right = min(width, int(round(box[1] + box[3])))
        if bottom - top < 1 or right - left < 1:
            continue
        if not weak and score < face_score:
            continue
        if min_size is not None and max(bottom - top, right - left) < min_size:
            continue
        kept.append(
            ((top, left, bottom - top, right - left), float(score), face_points)
        )
    return [k[0] for k in kept], [k[1] for k in kept], [k[2] for k in kept]


def _face_score(detector):
    """The score from which ``detector``'s boxes are faces (its ``face_score``
    attribute, else 0.5), checked."""
    face_score = getattr(detector, "face_score", 0.5)
    if (
        isinstance(face_score, bool)
        or not isinstance(face_score, Real)
        or not 0 <= face_score <= 1
    ):
        raise ValueError(
            f"{type(detector).__name__}.face_score must be a number in [0, 1]; "
            f"got {face_score!r}."
        )
    return face_score


def _landmarks(detector, landmarks, n_faces):
    """One (n_points, 2) float array per face, or ``None`` per face."""
    if landmarks is None:
        return [None] * n_faces
    points = np.asarray(landmarks, dtype=float)
    if n_faces == 0 and points.size == 0:
        return []
    if points.ndim != 3 or points.shape[0] != n_faces or points.shape[2] != 2:
        raise ValueError(
            f"{type(detector).__name__}.detect returned landmarks of shape "
            f"{points.shape}; expected (n_faces={n_faces}, n_points, 2)."
        )
    return list(points)


_CASCADE_PARAMS = (
    "scale_factor",
    "step_ratio",
    "min_size",
    "min_neighbors",
    "merge_overlap",
)
