import numpy as np
import pytest
from matplotlib.figure import Figure
from sklearn.exceptions import NotFittedError
from sklearn.neighbors import NearestCentroid

from skfer.datasets import EMOTIONS
from skfer.plotting import (
    plot_confusion_matrix,
    plot_confusion_matrix_from_estimator,
    plot_confusion_matrix_from_matrix,
)

Y_TRUE = ["happy", "happy", "sad", "sad", "sad", "fear"]
Y_PRED = ["happy", "sad", "sad", "sad", "happy", "happy"]


def _cell_texts(ax):
    return [t.get_text() for t in ax.texts]


def _ticks(ax, axis="x"):
    labels = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    return [t.get_text() for t in labels]


def test_counts_annotations_and_ticks():
    fig = plot_confusion_matrix(Y_TRUE, Y_PRED, title="test")
    assert isinstance(fig, Figure)
    ax, cbar = fig.axes  # the matrix and its colorbar
    assert ax.get_title() == "test"
    assert _ticks(ax, "x") == _ticks(ax, "y") == ["fear", "happy", "sad"]
    assert _cell_texts(ax) == ["0", "1", "0", "0", "1", "1", "0", "1", "2"]
    assert ax.get_xlabel() == "Predicted label"
    assert ax.get_ylabel() == "True label"


def test_normalized_annotations():
    fig = plot_confusion_matrix(Y_TRUE, Y_PRED, normalize=True, colorbar=False)
    (ax,) = fig.axes
    texts = _cell_texts(ax)
    assert texts == ["0.00", "1.00", "0.00", "0.00", "0.50", "0.50"] + [
        "0.00",
        "0.33",
        "0.67",
    ]
    # each row of the drawn image sums to 1
    np.testing.assert_allclose(ax.images[0].get_array().sum(axis=1), 1.0)


def test_both_draws_counts_and_normalized_side_by_side():
    fig = plot_confusion_matrix(
        Y_TRUE,
        Y_PRED,
        labels=["sad", "happy", "fear"],
        normalize="both",
        title="FER2013",
    )
    assert len(fig.axes) == 4  # two matrices, two colorbars
    counts_ax, norm_ax = fig.axes[:2]
    assert fig.get_suptitle() == "FER2013"
    assert counts_ax.get_title() == "Counts"
    assert norm_ax.get_title() == "Row-normalized"
    assert _cell_texts(counts_ax)[0] == "2"  # sad -> sad
    assert _cell_texts(norm_ax)[0] == "0.67"


def test_draws_on_given_axes():
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3)
    out = plot_confusion_matrix(Y_TRUE, Y_PRED, ax=axes[1], colorbar=False)
    assert out is fig
    assert axes[1].images and not axes[0].images
    out = plot_confusion_matrix(
        Y_TRUE, Y_PRED, ax=axes[[0, 2]], normalize="both", colorbar=False, title="t"
    )
    assert axes[0].get_title() == "t: counts"
    assert axes[2].get_title() == "t: row-normalized"


def test_display_labels_replace_integer_labels():
    y_true = [0, 3, 3, 6]
    fig = plot_confusion_matrix(
        y_true, y_true, labels=[0, 3, 6], display_labels=["angry", "happy", "neutral"]
    )
    assert _ticks(fig.axes[0]) == ["angry", "happy", "neutral"]


def test_from_matrix_keeps_float_values():
    fig = plot_confusion_matrix_from_matrix(
        [[0.9, 0.1], [0.25, 0.75]], display_labels=["happy", "sad"], colorbar=False
    )
    assert _cell_texts(fig.axes[0]) == ["0.90", "0.10", "0.25", "0.75"]


def test_from_matrix_values_format_and_zero_row():
    fig = plot_confusion_matrix_from_matrix(
        np.array([[3, 1], [0, 0]]), normalize=True, values_format=".0%", colorbar=False
    )
    assert _cell_texts(fig.axes[0]) == ["75%", "25%", "0%", "0%"]
    assert _ticks(fig.axes[0]) == ["0", "1"]


def test_from_estimator_uses_classes_order(faces):
    X, y = faces
    clf = NearestCentroid().fit(X, y)
    fig = plot_confusion_matrix_from_estimator(clf, X, y, normalize="both")
    assert _ticks(fig.axes[0]) == list(clf.classes_)
    counts = fig.axes[0].images[0].get_array()
    assert counts.sum() == len(y)
    assert np.trace(counts) == np.sum(clf.predict(X) == y)


def test_from_estimator_requires_fitted():
    with pytest.raises(NotFittedError):
        plot_confusion_matrix_from_estimator(NearestCentroid(), [[0.0]], [0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"normalize": "row"}, "normalize must be False, True or 'both'; got 'row'"),
        ({"normalize": 1}, "normalize must be"),
        ({"display_labels": ["a", "b"]}, "display_labels must have one entry"),
        ({"ax": "nope"}, "ax must be one matplotlib Axes"),
        ({"values_format": 3}, "values_format must be a format string"),
    ],
)
def test_bad_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_confusion_matrix(Y_TRUE, Y_PRED, **kwargs)


def test_both_needs_two_axes():
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="sequence of 2 Axes"):
        plot_confusion_matrix(Y_TRUE, Y_PRED, normalize="both", ax=ax)


@pytest.mark.parametrize(
    ("matrix", "match"),
    [
        ([[1, 2, 3], [4, 5, 6]], "square"),
        ([[1, -1], [0, 1]], "non-negative"),
        ([[1, np.nan], [0, 1]], "finite"),
        ([["a", "b"], ["c", "d"]], "numeric"),
    ],
)
def test_from_matrix_bad_matrix(matrix, match):
    with pytest.raises(ValueError, match=match):
        plot_confusion_matrix_from_matrix(matrix)


def test_from_matrix_display_labels_length():
    with pytest.raises(ValueError, match="one label per row of the matrix \\(7\\)"):
        plot_confusion_matrix_from_matrix(np.eye(7), display_labels=EMOTIONS[:6])
