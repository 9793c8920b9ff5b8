"""Training and validation accuracy and loss per epoch, in two panels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.exceptions import NotFittedError

from ._base import _check_axes, _pyplot

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_learning_curves"]


def _check_history(history):
    """Per-epoch dicts from a fitted estimator (``history_``) or a list of dicts."""
    if hasattr(history, "history_"):
        history = history.history_
    elif hasattr(history, "fit") and hasattr(history, "get_params"):
        raise NotFittedError(
            f"This {type(history).__name__} has no history_: fit it before plotting "
            "its learning curves."
        )
    if isinstance(history, (str, bytes, Mapping)) or not hasattr(history, "__len__"):
        raise ValueError(
            "history must be a fitted estimator with history_ or a list of per-epoch "
            f"dicts; got {type(history).__name__}."
        )
    epochs = list(history)
    if not epochs:
        raise ValueError("history is empty: no epoch was recorded.")
    bad = [i for i, row in enumerate(epochs) if not isinstance(row, Mapping)]
    if bad:
        raise ValueError(
            "history must be a list of per-epoch dicts; entry "
            f"{bad[0]} is a {type(epochs[bad[0]]).__name__}."
        )
    if not any("train_loss" in row for row in epochs):
        raise ValueError(
            "history has no 'train_loss': expected per-epoch dicts with the keys "
            f"'train_loss' (and 'train_acc', 'valid_loss', 'valid_acc'); got keys "
            f"{sorted(epochs[0])!r}."
        )
    return epochs


def _column(epochs, key):
    """Values of ``key`` per epoch as floats (NaN where missing), or None if absent."""
    if not any(key in row and row[key] is not None for row in epochs):
        return None
    return np.array(
        [float(row[key]) if row.get(key) is not None else np.nan for row in epochs]
    )


def plot_learning_curves(
    history: Any | Sequence[Mapping[str, Any]],
    *,
    ax: Sequence[Axes] | None = None,
    title: str | None = None,
) -> Figure:
    """Draw accuracy and loss per epoch, for training and validation data.

    The left panel shows ``train_acc`` and ``valid_acc``, the right one
    ``train_loss`` and ``valid_loss``, each versus the epoch number, as in the
    paper's training curves. Validation curves are drawn when the history holds
    them; epochs missing a value leave a gap.

    Parameters
    ----------
    history : fitted estimator or list of dict
        An estimator with a ``history_`` attribute (e.g. a fitted
        :class:`skfer.FERClassifier`) or its list of per-epoch dicts with the keys
        ``train_loss`` and optionally ``epoch``, ``train_acc``, ``valid_loss``,
        ``valid_acc``; other keys are ignored.
    ax : sequence of two matplotlib Axes, default=None
        Axes for the accuracy and the loss panels. ``None`` creates a new figure.
    title : str, default=None
        Title of the figure (of the accuracy panel when ``ax`` is given).

    Returns
    -------
    fig : matplotlib Figure
        The figure holding the two panels.

    Raises
    ------
    ValueError
        If the history is empty, is not a list of dicts or has no ``train_loss``.
    sklearn.exceptions.NotFittedError
        If ``history`` is an estimator that has not been fitted.

    Examples
    --------
    >>> from skfer.plotting import plot_learning_curves
    >>> history = [
    ...     {"epoch": 1, "train_loss": 1.9, "train_acc": 0.20, "valid_loss": 1.8,
    ...      "valid_acc": 0.25, "dur": 3.1},
    ...     {"epoch": 2, "train_loss": 1.4, "train_acc": 0.45, "valid_loss": 1.5,
    ...      "valid_acc": 0.40, "dur": 3.0},
    ...     {"epoch": 3, "train_loss": 1.1, "train_acc": 0.60, "valid_loss": 1.3,
    ...      "valid_acc": 0.52, "dur": 3.0},
    ... ]
    >>> fig = plot_learning_curves(history, title="Model 1 on FER2013")
    >>> [ax.get_title() for ax in fig.axes]
    ['Accuracy', 'Loss']
    >>> [line.get_label() for line in fig.axes[1].get_lines()]
    ['train', 'validation']
    """
    epochs = _check_history(history)
    x = _column(epochs, "epoch")
    if x is None or np.isnan(x).any():
        x = np.arange(1, len(epochs) + 1, dtype=float)

    if ax is None:
        plt = _pyplot()
        fig, axes = plt.subplots(1, 2, figsize=(10.0, 4.0), layout="constrained")
        own_figure = True
    else:
        axes, own_figure = _check_axes(ax, 2), False
        fig = axes[0].figure

    from matplotlib.ticker import MaxNLocator  # lazy: matplotlib is the plot extra

    marker = "o" if len(epochs) <= 30 else None
    for axis, metric, name in zip(axes, ("acc", "loss"), ("Accuracy", "Loss")):
        drawn = False
        for split, label, style in (
            ("train", "train", "-"),
            ("valid", "validation", "--"),
        ):
            values = _column(epochs, f"{split}_{metric}")
            if values is not None:
                axis.plot(x, values, style, marker=marker, markersize=3, label=label)
                drawn = True
        if drawn:
            axis.legend()
        else:
            if len(x) > 1:
                axis.set_xlim(x[0], x[-1])
            axis.text(
                0.5,
                0.5,
                f"no {name.lower()} recorded",
                ha="center",
                va="center",
                transform=axis.transAxes,
                color="0.4",
            )
        axis.set_title(name)
        axis.set_xlabel("Epoch")
        axis.set_ylabel(name.lower())
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.grid(True, alpha=0.3)
    if title is not None:
        if own_figure:
            fig.suptitle(title)
        else:
            axes[0].set_title(f"{title}: accuracy")
            axes[1].set_title(f"{title}: loss")
    return fig
