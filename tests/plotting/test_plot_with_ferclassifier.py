"""The figures drawn from a real fitted FERClassifier (small network, one epoch)."""

import json

import numpy as np
import pytest

from skfer.metrics import classification_summary
from skfer.plotting import (
    plot_confusion_matrix_from_estimator,
    plot_emotion_analysis,
    plot_learning_curves,
    save_figure,
)


@pytest.fixture(scope="module")
def fitted(faces):
    from skfer import FERClassifier

    X, y = faces
    clf = FERClassifier(architecture="small", max_epochs=2, random_state=0)
    return clf.fit(X[:70], y[:70]), X, y


def test_figures_from_fitted_classifier(fitted, tmp_path):
    clf, X, y = fitted
    fig = plot_learning_curves(clf)
    assert len(fig.axes[1].get_lines()[0].get_xdata()) == len(clf.history_)

    proba = clf.predict_proba(X[:3])
    fig = plot_emotion_analysis(X[:3], proba, clf.classes_, true_labels=y[:3])
    assert len(fig.axes) == 6
    assert len(fig.axes[1].patches) == len(clf.classes_)

    fig = plot_confusion_matrix_from_estimator(clf, X, y, normalize="both")
    counts = fig.axes[0].images[0].get_array()
    assert counts.sum() == len(y)
    assert save_figure(fig, tmp_path / "cm.png").stat().st_size > 0


def test_summary_from_fitted_classifier(fitted):
    clf, X, y = fitted
    y_pred = clf.predict(X)
    summary = classification_summary(y, y_pred, labels=clf.classes_)
    assert summary["accuracy"] == pytest.approx(np.mean(y_pred == y))
    assert summary["labels"] == [str(c) for c in clf.classes_]
    assert json.loads(json.dumps(summary)) == summary
