"""The result of a video analysis: one row per (frame, face), and its summary."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["VideoPredictions", "summarize_tracks"]


class VideoPredictions:
    """Emotions of every face in every analysed frame of a video.

    Made by :func:`analyse_video`; one row per (frame, face), in time order.

    Attributes
    ----------
    source : str
        The video file or stream.
    classes : ndarray of shape (n_classes,)
        Emotion names, the columns of ``proba``.
    frame : ndarray of int of shape (n_rows,)
        Index of the frame among the decoded frames (from 0).
    time : ndarray of float of shape (n_rows,)
        Time stamp of the frame, in seconds.
    track : ndarray of int of shape (n_rows,)
        Track id of the face (from 1; one id per face followed).
    boxes : ndarray of int of shape (n_rows, 4)
        Face box ``(row, col, height, width)`` in the frame.
    proba : ndarray of float of shape (n_rows, n_classes)
        Probability of each emotion (smoothed after :func:`smooth_probabilities`).
    raw_proba : ndarray of float of shape (n_rows, n_classes)
        The per-frame probabilities before any smoothing.
    info : dict
        Facts about the run: ``fps`` (of the video), ``width``, ``height``,
        ``n_decoded`` and ``n_sampled`` frames, ``duration`` (seconds read),
        ``sampling``, ``complete`` (False when decoding stopped on an error),
        ``message`` (why), ``interrupted`` (stopped by Ctrl-C), ``smoothing``.

    Examples
    --------
    >>> import numpy as np
    >>> from skfer.video import VideoPredictions
    >>> result = VideoPredictions(
    ...     source="clip.mp4", classes=["happy", "sad"], frame=[0, 3], time=[0, 0.1],
    ...     track=[1, 1], boxes=[(5, 5, 40, 40)] * 2, proba=[[0.8, 0.2], [0.3, 0.7]])
    >>> result.emotion.tolist(), len(result)
    (['happy', 'sad'], 2)
    """

    def __init__(
        self,
        *,
        source: str | os.PathLike[str] | int,
        classes: ArrayLike,
        frame: ArrayLike,
        time: ArrayLike,
        track: ArrayLike,
        boxes: ArrayLike,
        proba: ArrayLike,
        raw_proba: ArrayLike | None = None,
        info: Mapping[str, Any] | None = None,
    ) -> None:
        self.source = str(source)
        self.classes = np.asarray(classes)
        self.frame = np.asarray(frame, dtype=int).reshape(-1)
        self.time = np.asarray(time, dtype=float).reshape(-1)
        self.track = np.asarray(track, dtype=int).reshape(-1)
        self.boxes = np.asarray(boxes, dtype=int).reshape(-1, 4)
        self.proba = np.asarray(proba, dtype=float).reshape(-1, len(self.classes))
        self.raw_proba = self.proba if raw_proba is None else np.asarray(raw_proba)
        self.info = dict(info or {})

    def __len__(self):
        return len(self.frame)

    def __repr__(self):
        return (
            f"<VideoPredictions of {self.source!r}: {len(self)} faces in "
            f"{len(np.unique(self.frame))} frames, {len(np.unique(self.track))} tracks>"
        )

    @property
    def emotion(self) -> np.ndarray:
        """ndarray of str: the most probable emotion of each row."""
        if not len(self):
            return np.empty(0, dtype=self.classes.dtype)
        return self.classes[np.argmax(self.proba, axis=1)]

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per (frame, face): frame, time, track, box, emotion, probabilities.

        Returns
        -------
        records : list of dict
            JSON-ready.
        """
        classes = [str(c) for c in self.classes]
        return [
            {
                "frame": int(f),
                "time": round(float(t), 4),
                "track": int(k),
                "box": [int(v) for v in box],
                "emotion": str(e),
                "probabilities": {c: round(float(p), 6) for c, p in zip(classes, ps)},
            }
            for f, t, k, box, e, ps in zip(
                self.frame, self.time, self.track, self.boxes, self.emotion, self.proba
            )
        ]

    def to_dict(self) -> dict[str, Any]:
        """The whole result as JSON-ready data: info, per-track summary and rows."""
        return {
            "source": self.source,
            "classes": [str(c) for c in self.classes],
            **self.info,
            "n_tracks": int(len(np.unique(self.track))),
            "tracks": summarize_tracks(self),
            "frames": self.to_records(),
        }


def summarize_tracks(result: VideoPredictions) -> list[dict[str, Any]]:
    """Per-track summary: when the face was seen and the share of time per emotion.

    Parameters
    ----------
    result : VideoPredictions
        A video analysis.

    Returns
    -------
    summary : list of dict
        One dict per track, by id: ``track``, ``start`` and ``end`` (seconds),
        ``n_frames``, ``dominant`` (the emotion that wins the most frames),
        ``share`` (emotion -> share of the track's frames it wins) and
        ``mean_probabilities``.

    Examples
    --------
    >>> from skfer.video import VideoPredictions, summarize_tracks
    >>> result = VideoPredictions(
    ...     source="clip.mp4", classes=["happy", "sad"], frame=[0, 1, 2],
    ...     time=[0, 0.1, 0.2], track=[1, 1, 1], boxes=[(5, 5, 40, 40)] * 3,
    ...     proba=[[0.8, 0.2], [0.6, 0.4], [0.3, 0.7]])
    >>> [(s["track"], s["dominant"], s["share"]["happy"]) for s in
    ...  summarize_tracks(result)]
    [(1, 'happy', 0.6667)]
    """
    classes = [str(c) for c in result.classes]
    emotions = result.emotion
    summary = []
    for track in np.unique(result.track):
        rows = result.track == track
        won = emotions[rows]
        share = {c: round(float(np.mean(won == c)), 4) for c in classes}
        summary.append(
            {
                "track": int(track),
                "start": round(float(result.time[rows].min()), 4),
                "end": round(float(result.time[rows].max()), 4),
                "n_frames": int(rows.sum()),
                "dominant": max(classes, key=lambda c: (share[c], -classes.index(c))),
                "share": share,
                "mean_probabilities": {
                    c: round(float(p), 4)
                    for c, p in zip(classes, result.proba[rows].mean(axis=0))
                },
            }
        )
    return summary
