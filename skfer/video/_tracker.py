"""Following faces from frame to frame: a small IoU / centre-distance tracker
that ends every track at a scene cut."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["FaceTracker"]

# A scene cut: the frames' 16x16 gray thumbnails differ by this many gray levels
# on average (a face moving or changing expression in one scene: a few levels;
# a cut to another shot: tens).
CUT_DIFFERENCE = 24.0
THUMBNAIL = 16


def _thumbnail(gray):
    """The frame's block means on a ``THUMBNAIL`` x ``THUMBNAIL`` grid (float)."""
    height, width = gray.shape
    rows = np.linspace(0, height, THUMBNAIL + 1).astype(int)
    cols = np.linspace(0, width, THUMBNAIL + 1).astype(int)
    sums = np.add.reduceat(
        np.add.reduceat(gray.astype(float), rows[:-1], 0), cols[:-1], 1
    )
    return sums / np.outer(np.diff(rows), np.diff(cols)).clip(min=1)


def is_scene_cut(previous, current):
    """Whether two frames (gray arrays) are from different shots.

    Examples
    --------
    >>> import numpy as np
    >>> from skfer.video._tracker import is_scene_cut
    >>> a = np.full((120, 160), 90, np.uint8)
    >>> is_scene_cut(a, a + 5), is_scene_cut(a, a + 60)
    (False, True)
    """
    if previous is None or previous.shape != current.shape:
        return previous is not None
    difference = np.abs(_thumbnail(previous) - _thumbnail(current)).mean()
    return bool(difference >= CUT_DIFFERENCE)


def _iou(a, b):
    """Intersection over union of two (row, col, height, width) boxes."""
    rows = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    cols = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if rows <= 0 or cols <= 0:
        return 0.0
    inter = rows * cols
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def _closeness(a, b, min_iou, max_distance):
    """How well box ``b`` continues box ``a``: their IoU when at least ``min_iou``,
    failing that a small score (below 1e-3) for a similar-sized box whose centre
    is within ``max_distance`` box sides; 0 when ``b`` does not continue ``a``."""
    iou = _iou(a, b)
    if iou >= min_iou and iou > 0:
        return iou
    side_a, side_b = np.sqrt(a[2] * a[3]), np.sqrt(b[2] * b[3])
    if not 0.5 <= side_a / side_b <= 2.0:
        return 0.0
    dr = (a[0] + a[2] / 2) - (b[0] + b[2] / 2)
    dc = (a[1] + a[3] / 2) - (b[1] + b[3] / 2)
    distance = np.hypot(dr, dc) / ((side_a + side_b) / 2)
    if max_distance <= 0 or distance >= max_distance:
        return 0.0
    return 1e-3 * (1 - distance / max_distance)


class FaceTracker:
    """Give each face a track id that it keeps while it moves.

    Each call of ``update`` matches the boxes found in a frame to the live
    tracks, greedily by overlap (intersection over union), or by centre distance
    for boxes that no longer overlap (a fast move); unmatched boxes start new
    tracks. A track missed in more than ``max_missed`` successive updates ends,
    and :meth:`cut` ends every track (a scene cut: the face in the same place is
    another person). Ids count from 1 and are never reused.

    Parameters
    ----------
    min_iou : float, default=0.2
        Smallest overlap of a box with a track's last box to continue it.
    max_distance : float, default=1.0
        Largest distance between centres, in box sides, for a box that does not
        overlap the track to continue it.
    max_missed : int, default=2
        Updates a track may go without a box before it ends; meanwhile it keeps
        its last box (see ``tracks_``).

    Attributes
    ----------
    tracks_ : dict of int to tuple
        Live tracks: id -> (box, number of updates missed in a row).

    Examples
    --------
    >>> from skfer.video import FaceTracker
    >>> tracker = FaceTracker()
    >>> tracker.update([(10, 10, 50, 50), (10, 200, 50, 50)])
    [1, 2]
    >>> tracker.update([(12, 205, 50, 50), (14, 16, 50, 50)])  # moved, other order
    [2, 1]
    >>> tracker.update([(300, 300, 40, 40)])  # far away: a new face
    [3]
    """

    tracks_: dict[int, tuple[Sequence[int], int]]

    def __init__(
        self,
        *,
        min_iou: float = 0.2,
        max_distance: float = 1.0,
        max_missed: int = 2,
    ) -> None:
        self.min_iou = min_iou
        self.max_distance = max_distance
        self.max_missed = max_missed

    def _check(self):
        for name in ("min_iou", "max_distance"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, Real) or value < 0:
                raise ValueError(
                    f"{name} must be a non-negative number; got {value!r}."
                )
        missed = self.max_missed
        if isinstance(missed, bool) or not isinstance(missed, Integral) or missed < 0:
            raise ValueError(
                f"max_missed must be a non-negative integer; got {missed!r}."
            )

    def reset(self) -> Self:
        """Forget every track (ids start again from 1)."""
        self.tracks_, self._next_id = {}, 1
        return self

    def cut(self) -> Self:
        """End every live track (a scene cut); the next faces get new ids.

        Examples
        --------
        >>> from skfer.video import FaceTracker
        >>> tracker = FaceTracker()
        >>> tracker.update([(10, 10, 50, 50)]), tracker.cut().update([(10, 10, 50, 50)])
        ([1], [2])
        """
        if not hasattr(self, "tracks_"):
            self._check()
            self.reset()
        self.tracks_ = {}
        return self

    def update(self, boxes: Sequence[Sequence[int]]) -> list[int]:
        """Assign a track id to each box of one frame.

        Parameters
        ----------
        boxes : sequence of (row, col, height, width)
            The faces of the frame.

        Returns
        -------
        ids : list of int
            The track id of each box, in the order given.
        """
        if not hasattr(self, "tracks_"):
            self._check()
            self.reset()
        boxes = [tuple(int(v) for v in box) for box in boxes]
        pairs = []
        for track, (last, _) in self.tracks_.items():
            for k, box in enumerate(boxes):
                score = _closeness(last, box, self.min_iou, self.max_distance)
                if score > 0:
                    pairs.append((score, track, k))
        ids: list[Any] = [None] * len(boxes)
        used = set()
        for _, track, k in sorted(pairs, reverse=True):
            if ids[k] is None and track not in used:
                ids[k] = track
                used.add(track)
        for track in list(self.tracks_):
            if track not in used:
                last, missed = self.tracks_[track]
                if missed >= self.max_missed:
                    del self.tracks_[track]
                else:
                    self.tracks_[track] = (last, missed + 1)
        for k, box in enumerate(boxes):
            if ids[k] is None:
                ids[k] = self._next_id
                self._next_id += 1
            self.tracks_[ids[k]] = (box, 0)
        return ids
