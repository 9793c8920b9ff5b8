"""Face detection: scikit-image's LBP cascade, overlapping boxes merged."""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import ArrayLike

from ._gray import _to_gray
from ._validation import _check_size, check_images

__all__ = ["detect_faces"]


@functools.lru_cache(maxsize=1)
def _cascade():
    # lazy: scikit-image's cascade (~280 modules) loads only when it runs
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
    image: ArrayLike,
    *,
    scale_factor: float = 1.2,
    step_ratio: float = 1.0,
    min_size: int | tuple[int, int] | None = None,
    min_neighbors: int = 4,
    merge_overlap: float = 0.5,
) -> list[tuple[int, int, int, int]]:
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
