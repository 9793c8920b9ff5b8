"""Confusion-matrix heat maps: raw counts, row-normalized, or both side by side."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import check_is_fitted

from ..metrics import confusion_matrices, normalize_confusion_matrix
from ._base import _check_axes, _pyplot

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.colors import Colormap
    from matplotlib.figure import Figure

__all__ = [
    "plot_confusion_matrix",
    "plot_confusion_matrix_from_estimator",
    "plot_confusion_matrix_from_matrix",
]


def _check_normalize(normalize):
    if isinstance(normalize, (bool, np.bool_)):
        return bool(normalize)
    if isinstance(normalize, str) and normalize == "both":
        return "both"
    raise ValueError(f"normalize must be False, True or 'both'; got {normalize!r}.")


def _draw_matrix(ax, matrix, display_labels, *, fmt, vmax, cmap, colorbar):
    n = len(display_labels)
    im = ax.imshow(matrix, interpolation="nearest", cmap=cmap, vmin=0.0, vmax=vmax)
    # Light text on dark cells and dark text on light ones, from the colormap ends.
    dark_on_light, light_on_dark = im.cmap(1.0), im.cmap(0.0)
    fontsize = max(6.0, min(10.0, 70.0 / n))
    for (i, j), value in np.ndenumerate(matrix):
        color = light_on_dark if value > vmax / 2.0 else dark_on_light
        ax.text(
            j,
            i,
            format(value, fmt),
            ha="center",
            va="center",
            color=color,
            fontsize=fontsize,
        )
    ax.set_xticks(np.arange(n), labels=display_labels)
    ax.set_yticks(np.arange(n), labels=display_labels)
    ax.tick_params(axis="x", labelrotation=45)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
        label.set_rotation_mode("anchor")
    ax.set_xlabel("Predicted label")
    ax.set_ylabel("True label")
    ax.set_ylim(n - 0.5, -0.5)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)


def plot_confusion_matrix_from_matrix(
    matrix: ArrayLike,
    *,
    display_labels: Sequence[str] | np.ndarray | None = None,
    normalize: bool | Literal["both"] = False,
    ax: Axes | Sequence[Axes] | None = None,
    title: str | None = None,
    cmap: str | Colormap = "Blues",
    values_format: str | None = None,
    colorbar: bool = True,
) -> Figure:
    """Draw a precomputed confusion matrix as an annotated heat map.

    Parameters
    ----------
    matrix : array-like of shape (n_classes, n_classes)
        Non-negative confusion matrix, rows = true class, columns = predicted
        class: counts (e.g. from :func:`skfer.metrics.confusion_matrices`) or
        already normalized values (e.g. copied from a paper, with
        ``normalize=False``).
    display_labels : sequence of str, default=None
        Tick labels of the classes; ``None`` means ``0 .. n_classes - 1``.
    normalize : {False, True, "both"}, default=False
        ``False`` shows ``matrix`` as is, ``True`` divides each row by its sum
        (per-class recall on the diagonal; an empty row stays zeros), ``"both"``
        draws the raw matrix and the row-normalized one side by side, as in the
        paper's Table 2.
    ax : matplotlib Axes, or a sequence of two Axes for ``normalize="both"``, \
default=None
        Where to draw. ``None`` creates a new figure.
    title : str, default=None
        Title of the axes; with ``normalize="both"`` the title of the figure (or a
        prefix of both axes titles when ``ax`` is given).
    cmap : str or matplotlib Colormap, default="Blues"
        Colormap of the cells.
    values_format : str, default=None
        Format spec of the cell annotations, applied to every panel; ``None`` means
        ``"d"`` for whole numbers and ``".2f"`` otherwise.
    colorbar : bool, default=True
        Add a colorbar beside each matrix.

    Returns
    -------
    fig : matplotlib Figure
        The figure holding the drawing (``ax.figure`` when ``ax`` is given).

    See Also
    --------
    plot_confusion_matrix : From true and predicted labels.
    plot_confusion_matrix_from_estimator : From a fitted classifier and data.

    Examples
    --------
    >>> from skfer.plotting import plot_confusion_matrix_from_matrix
    >>> fig = plot_confusion_matrix_from_matrix(
    ...     [[8, 2], [1, 9]], display_labels=["happy", "sad"], normalize="both"
    ... )
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['Counts', 'Row-normalized']
    """
    normalize = _check_normalize(normalize)
    matrix, display_labels = _check_matrix(matrix, display_labels, values_format)
    n = matrix.shape[0]
    panels = _panels(matrix, normalize)

    if ax is None:
        plt = _pyplot()
        side = max(4.0, 0.55 * n + 2.0)
        fig, axes = plt.subplots(
            1,
            len(panels),
            figsize=(side * len(panels), side),
            layout="constrained",
            squeeze=False,
        )
        axes, own_figure = list(axes[0]), True
    else:
        axes, own_figure = _check_axes(ax, len(panels)), False
        fig = axes[0].figure

    for axis, (values, fmt, subtitle) in zip(axes, panels):
        if normalize is True or subtitle == "Row-normalized":
            vmax = 1.0
        else:
            vmax = max(float(values.max()), 1.0)
        _draw_matrix(
            axis,
            values,
            display_labels,
            fmt=values_format or fmt,
            vmax=vmax,
            cmap=cmap,
            colorbar=colorbar,
        )
        if subtitle is None:
            if title is not None:
                axis.set_title(title)
        elif own_figure or title is None:
            axis.set_title(subtitle)
        else:
            axis.set_title(f"{title}: {subtitle.lower()}")
    if normalize == "both" and own_figure and title is not None:
        fig.suptitle(title)
    return fig


def plot_confusion_matrix(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    labels: ArrayLike | None = None,
    display_labels: Sequence[str] | np.ndarray | None = None,
    normalize: bool | Literal["both"] = False,
    ax: Axes | Sequence[Axes] | None = None,
    title: str | None = None,
    cmap: str | Colormap = "Blues",
    values_format: str | None = None,
    colorbar: bool = True,
) -> Figure:
    """Draw the confusion matrix of predictions as an annotated heat map.

    Rows are true classes, columns predicted classes; each cell shows its value.
    ``normalize="both"`` draws the raw counts and the row-normalized matrix side
    by side, like the paper's confusion-matrix table.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    labels : array-like of shape (n_classes,), default=None
        Classes and their order; ``None`` means the sorted union of the labels in
        ``y_true`` and ``y_pred``.
    display_labels : sequence of str, default=None
        Tick labels, one per class (e.g. emotion names for integer labels);
        ``None`` means ``labels``.
    normalize : {False, True, "both"}, default=False
        Raw counts, rows divided by their sums (per-class recall on the diagonal),
        or both side by side.
    ax : matplotlib Axes, or a sequence of two Axes for ``normalize="both"``, \
default=None
        Where to draw. ``None`` creates a new figure.
    title : str, default=None
        Title of the axes (of the figure for ``normalize="both"``).
    cmap : str or matplotlib Colormap, default="Blues"
        Colormap of the cells.
    values_format : str, default=None
        Format spec of the cell annotations; ``None`` means ``"d"`` for counts and
        ``".2f"`` for normalized values.
    colorbar : bool, default=True
        Add a colorbar beside each matrix.

    Returns
    -------
    fig : matplotlib Figure
        The figure holding the drawing (``ax.figure`` when ``ax`` is given).

    See Also
    --------
    skfer.metrics.confusion_matrices : The same matrices as arrays.
    plot_confusion_matrix_from_estimator : From a fitted classifier and data.
    plot_confusion_matrix_from_matrix : From a precomputed matrix.

    Examples
    --------
    >>> from skfer.plotting import plot_confusion_matrix
    >>> y_true = ["happy", "happy", "sad", "sad", "sad", "fear"]
    >>> y_pred = ["happy", "sad", "sad", "sad", "happy", "fear"]
    >>> fig = plot_confusion_matrix(y_true, y_pred, normalize=True, title="Test set")
    >>> ax = fig.axes[0]
    >>> ax.get_title(), [t.get_text() for t in ax.get_xticklabels()]
    ('Test set', ['fear', 'happy', 'sad'])
    >>> [t.get_text() for t in ax.texts][3:6]
    ['0.00', '0.50', '0.50']
    """
    counts, _ = confusion_matrices(y_true, y_pred, labels=labels)  # validates
    labels = unique_labels(y_true, y_pred) if labels is None else np.asarray(labels)
    if display_labels is None:
        display_labels = labels
    elif len(display_labels) != len(labels):
        raise ValueError(
            f"display_labels must have one entry per label ({len(labels)}); got "
            f"{len(display_labels)}."
        )
    return plot_confusion_matrix_from_matrix(
        counts,
        display_labels=display_labels,
        normalize=normalize,
        ax=ax,
        title=title,
        cmap=cmap,
        values_format=values_format,
        colorbar=colorbar,
    )


def plot_confusion_matrix_from_estimator(
    estimator: Any,
    X: ArrayLike,
    y: ArrayLike,
    *,
    labels: ArrayLike | None = None,
    display_labels: Sequence[str] | np.ndarray | None = None,
    **kwargs: Any,
) -> Figure:
    """Draw the confusion matrix of a fitted classifier's predictions on ``X``.

    Parameters
    ----------
    estimator : fitted classifier
        Any fitted scikit-learn classifier, e.g. :class:`skfer.FERClassifier`.
    X : array-like of shape (n_samples, n_features)
        Input of ``estimator.predict``, e.g. flattened 48x48 faces.
    y : array-like of shape (n_samples,)
        True labels.
    labels : array-like of shape (n_classes,), default=None
        Classes and their order; ``None`` means ``estimator.classes_``.
    display_labels : sequence of str, default=None
        Tick labels, one per class; ``None`` means ``labels``.
    **kwargs
        ``normalize``, ``ax``, ``title``, ``cmap``, ``values_format``, ``colorbar``
        of :func:`plot_confusion_matrix`.

    Returns
    -------
    fig : matplotlib Figure
        The figure holding the drawing.

    Examples
    --------
    >>> from sklearn.neighbors import NearestCentroid
    >>> from skfer.datasets import make_faces
    >>> from skfer.plotting import plot_confusion_matrix_from_estimator
    >>> X, y = make_faces(n_samples=70, random_state=0, return_X_y=True)
    >>> clf = NearestCentroid().fit(X, y)
    >>> fig = plot_confusion_matrix_from_estimator(
    ...     clf, X, y, normalize="both", title="Training set"
    ... )
    >>> fig.get_suptitle()
    'Training set'
    """
    check_is_fitted(estimator)
    y_pred = estimator.predict(X)
    if labels is None:
        labels = getattr(estimator, "classes_", None)
    return plot_confusion_matrix(
        y, y_pred, labels=labels, display_labels=display_labels, **kwargs
    )


def _check_matrix(
    matrix: ArrayLike, display_labels: Any, values_format: Any
) -> tuple[np.ndarray, list[str]]:
    """The matrix as an array and the tick labels, both checked."""
    matrix = np.asarray(matrix)
    if (
        matrix.ndim != 2
        or matrix.shape[0] != matrix.shape[1]
        or matrix.shape[0] == 0
        or not np.issubdtype(matrix.dtype, np.number)
    ):
        raise ValueError(
            "matrix must be a non-empty square 2-D numeric array (true x predicted); "
            f"got shape {matrix.shape} and dtype {matrix.dtype}."
        )
    if not np.all(np.isfinite(matrix)) or np.any(matrix < 0):
        raise ValueError("matrix must hold finite non-negative values.")
    n = matrix.shape[0]
    if display_labels is None:
        display_labels = [str(i) for i in range(n)]
    else:
        display_labels = [str(label) for label in display_labels]
        if len(display_labels) != n:
            raise ValueError(
                f"display_labels must have one label per row of the matrix ({n}); "
                f"got {len(display_labels)}."
            )
    if values_format is not None and not isinstance(values_format, str):
        raise ValueError(
            f"values_format must be a format string; got {values_format!r}."
        )
    return matrix, display_labels


def _panels(matrix, normalize):
    """``(values, format, subtitle)`` of each matrix to draw."""
    whole = bool(np.all(matrix == np.round(matrix)))
    raw = (
        matrix.astype(int) if whole else matrix.astype(float),
        "d" if whole else ".2f",
    )
    normalized = (normalize_confusion_matrix(matrix), ".2f")
    if normalize == "both":
        panels = [(*raw, "Counts"), (*normalized, "Row-normalized")]
    elif normalize:
        panels = [(*normalized, None)]
    else:
        panels = [(*raw, None)]
    return panels
