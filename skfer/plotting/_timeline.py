"""Emotions over time: the probability of each emotion, one panel per face."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from ._base import _pyplot
from ._emotion_analysis import _check_probabilities

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_emotion_timeline"]


def plot_emotion_timeline(
    time: ArrayLike,
    probabilities: ArrayLike,
    classes: Sequence[Any],
    *,
    tracks: ArrayLike | None = None,
    title: str | None = None,
) -> Figure:
    """Draw the probability of each emotion over time, one panel per face.

    Parameters
    ----------
    time : array-like of shape (n_rows,)
        Time stamp of each row, in seconds.
    probabilities : array-like of shape (n_rows, n_classes)
        Probability of each emotion in each row (e.g.
        ``VideoPredictions.proba`` of :mod:`skfer.video`).
    classes : sequence of shape (n_classes,)
        Emotion names, in the column order of ``probabilities``.
    tracks : array-like of shape (n_rows,), default=None
        The face (track id) of each row; one panel per face. ``None``: one face.
    title : str, default=None
        Title of the figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One panel per face, stacked, sharing the time axis; the legend lists the
        emotions and each panel's title gives the face's dominant emotion.

    Examples
    --------
    >>> import numpy as np
    >>> from skfer.plotting import plot_emotion_timeline
    >>> t = np.linspace(0, 2, 21)
    >>> happy = np.clip(t / 2, 0, 1)
    >>> fig = plot_emotion_timeline(t, np.c_[happy, 1 - happy], ["happy", "sad"])
    >>> len(fig.axes)
    1
    """
    time = np.asarray(time, dtype=float).reshape(-1)
    classes = [str(c) for c in classes]
    if not len(time):
        raise ValueError("nothing to draw: time and probabilities are empty.")
    proba = _check_probabilities(probabilities, len(time), len(classes))
    tracks = np.ones(len(time), int) if tracks is None else np.asarray(tracks)
    if tracks.shape != time.shape:
        raise ValueError(
            f"tracks must have one id per row, shape {time.shape}; got {tracks.shape}."
        )
    plt = _pyplot()
    ids = np.unique(tracks)
    fig, axes = plt.subplots(
        len(ids),
        1,
        sharex=True,
        squeeze=False,
        figsize=(8, 1.2 + 1.9 * len(ids)),
        layout="constrained",
    )
    colors = plt.get_cmap("tab10")
    for ax, track in zip(axes[:, 0], ids):
        rows = np.flatnonzero(tracks == track)
        rows = rows[np.argsort(time[rows], kind="stable")]
        for k, name in enumerate(classes):
            ax.plot(
                time[rows], proba[rows, k], color=colors(k % 10), label=name, lw=1.4
            )
        won = np.bincount(np.argmax(proba[rows], axis=1), minlength=len(classes))
        dominant = classes[int(np.argmax(won))]
        share = won.max() / len(rows)
        ax.set_title(
            f"face {track}: mostly {dominant} ({share:.0%} of its frames)",
            fontsize=10,
            loc="left",
        )
        ax.set_ylim(0, 1)
        ax.set_ylabel("probability")
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("time (s)")
    axes[0, 0].legend(
        loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False
    )
    if title:
        fig.suptitle(title)
    return fig
