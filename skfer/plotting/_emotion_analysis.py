"""Emotion analysis: each face beside a bar chart of its class probabilities."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from ._base import _check_per_image, _face_grid, _pyplot, _show_face

if TYPE_CHECKING:
    from matplotlib.colors import Colormap
    from matplotlib.figure import Figure

__all__ = ["plot_emotion_analysis"]

_PREDICTED_COLOR = "tab:orange"
_OTHER_COLOR = "tab:blue"


def _check_probabilities(probabilities, n_images, n_classes):
    try:
        proba = np.asarray(probabilities, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            "probabilities must be a numeric array of shape (n_images, n_classes)."
        ) from exc
    if proba.ndim == 1:
        proba = proba[np.newaxis]
    if proba.ndim != 2 or proba.shape != (n_images, n_classes):
        raise ValueError(
            "probabilities must have one row per image and one column per class, "
            f"shape ({n_images}, {n_classes}); got shape {np.shape(probabilities)}."
        )
    if not np.all(np.isfinite(proba)):
        raise ValueError("probabilities must be finite; got NaN or infinite values.")
    if proba.min() < 0.0 or proba.max() > 1.0 + 1e-6:
        raise ValueError(
            "probabilities must lie in [0, 1] (e.g. the output of predict_proba); got "
            f"values from {proba.min():.3g} to {proba.max():.3g}."
        )
    return proba


def plot_emotion_analysis(
    images: ArrayLike,
    probabilities: ArrayLike,
    classes: Sequence[Any],
    *,
    titles: Sequence[str] | None = None,
    true_labels: Sequence[Any] | None = None,
    ncols: int = 2,
    image_shape: tuple[int, int] | None = None,
    cmap: str | Colormap = "gray",
    saliency: ArrayLike | None = None,
) -> Figure:
    """Draw each face beside a horizontal bar chart of its class probabilities.

    This is the paper's "emotion analysis" figure: for every face, the bars give
    the probability of each emotion, the predicted (most probable) one
    highlighted, with its name and probability above the chart. When
    ``true_labels`` is given, the face's title shows the true label and the
    prediction is written in green when right and red when wrong.

    Parameters
    ----------
    images : array-like
        Faces as flattened rows ``(n, 2304)``, images ``(n, 48, 48)`` or one image
        ``(48, 48)`` / ``(2304,)``, uint8 or float.
    probabilities : array-like of shape (n, n_classes)
        Class probabilities of each face, e.g. ``clf.predict_proba(images)``; one
        row of shape ``(n_classes,)`` is accepted for a single face.
    classes : sequence of shape (n_classes,)
        Class names in the column order of ``probabilities``, e.g. ``clf.classes_``.
    titles : sequence of str, default=None
        One title per face (e.g. the file name); shown above the face instead of
        the true label.
    true_labels : sequence, default=None
        True class of each face.
    ncols : int, default=2
        Number of (face, bars) pairs per row.
    image_shape : tuple of int (height, width), default=None
        Shape of each image when it cannot be inferred; ``None`` infers it.
    cmap : str or matplotlib Colormap, default="gray"
        Colormap of the faces.
    saliency : array-like of shape (n, h, w), default=None
        Maps in [0, 1] drawn over the faces (semi-transparent, "jet" colours),
        e.g. :func:`skfer.inspection.saliency_map`; stretched to each face.

    Returns
    -------
    fig : matplotlib Figure
        The figure, with two Axes per face: the image, then its bar chart.

    See Also
    --------
    plot_faces : Faces alone, in a grid.

    Examples
    --------
    >>> import numpy as np
    >>> from skfer.datasets import EMOTIONS, make_faces
    >>> from skfer.plotting import plot_emotion_analysis
    >>> X, y = make_faces(n_samples=2, random_state=0, return_X_y=True)
    >>> proba = np.array([[0.05, 0.0, 0.05, 0.7, 0.1, 0.05, 0.05],
    ...                   [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.4]])
    >>> fig = plot_emotion_analysis(X, proba, EMOTIONS, true_labels=y)
    >>> len(fig.axes)
    4
    >>> fig.axes[1].get_title(), fig.axes[3].get_title()
    ('predicted: happy (70%)', 'predicted: neutral (40%)')
    """
    faces, nrows, ncols, (vmin, vmax) = _face_grid(images, image_shape, ncols)
    n = len(faces)
    classes = [str(c) for c in np.ravel(np.asarray(classes, dtype=object))]
    if not classes:
        raise ValueError("classes must name at least one class; got an empty sequence.")
    proba = _check_probabilities(probabilities, n, len(classes))
    if saliency is not None:
        saliency = np.asarray(saliency, dtype=float)
        if saliency.ndim != 3 or len(saliency) != n:
            raise ValueError(
                f"saliency must hold one 2-D map per image, shape ({n}, h, w); got "
                f"shape {saliency.shape}."
            )
    titles = _check_per_image(titles, n, "titles")
    true_labels = _check_per_image(true_labels, n, "true_labels")

    plt = _pyplot()
    k = len(classes)
    row_height = max(2.4, 0.28 * k + 0.6)
    fig = plt.figure(figsize=(5.6 * ncols, row_height * nrows), layout="constrained")
    grid = fig.add_gridspec(nrows, 2 * ncols, width_ratios=[1.0, 1.3] * ncols)
    positions = np.arange(k)
    for i in range(n):
        row, col = divmod(i, ncols)
        ax_face = fig.add_subplot(grid[row, 2 * col])
        ax_bars = fig.add_subplot(grid[row, 2 * col + 1])
        _show_face(ax_face, faces[i], vmin, vmax, cmap)
        if saliency is not None:
            h, w = faces[i].shape
            ax_face.imshow(
                saliency[i],
                cmap="jet",
                alpha=0.4,
                vmin=0.0,
                vmax=1.0,
                extent=(-0.5, w - 0.5, h - 0.5, -0.5),
                interpolation="bilinear",
            )

        best = int(np.argmax(proba[i]))
        colors = [_OTHER_COLOR] * k
        colors[best] = _PREDICTED_COLOR
        ax_bars.barh(positions, proba[i], color=colors, height=0.7)
        for pos, p in zip(positions, proba[i]):
            ax_bars.text(p + 0.02, pos, f"{p:.0%}", va="center", fontsize=8)
        ax_bars.set_yticks(positions, labels=classes)
        ax_bars.invert_yaxis()
        ax_bars.set_xlim(0.0, 1.25)
        ax_bars.set_xticks([0.0, 0.5, 1.0], labels=["0", "0.5", "1"])
        ax_bars.spines[["top", "right"]].set_visible(False)
        ax_bars.spines["bottom"].set_bounds(0.0, 1.0)
        ax_bars.tick_params(axis="y", length=0)

        color = "black"
        if true_labels is not None:
            color = "tab:green" if str(true_labels[i]) == classes[best] else "tab:red"
            ax_face.set_title(f"true: {true_labels[i]}", fontsize=10)
        if titles is not None:
            ax_face.set_title(str(titles[i]), fontsize=10)
        ax_bars.set_title(
            f"predicted: {classes[best]} ({proba[i, best]:.0%})",
            color=color,
            fontsize=10,
        )
    return fig
