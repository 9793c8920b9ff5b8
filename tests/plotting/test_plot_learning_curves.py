import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError

from skfer.plotting import plot_learning_curves


def _history(n_epochs=5, valid=True):
    rows = []
    for epoch in range(1, n_epochs + 1):
        row = {
            "epoch": epoch,
            "train_loss": 2.0 / epoch,
            "train_acc": 1.0 - 0.5 / epoch,
            "dur": 0.1,
            "lr": 1e-3,
        }
        if valid:
            row.update(valid_loss=2.5 / epoch, valid_acc=0.9 - 0.5 / epoch)
        rows.append(row)
    return rows


class _FittedLike(ClassifierMixin, BaseEstimator):
    """Stands in for a fitted FERClassifier: only history_ matters here."""

    def fit(self, X, y):
        self.history_ = _history(4)
        return self


def _line_labels(ax):
    return [line.get_label() for line in ax.get_lines()]


def test_two_panels_with_train_and_valid():
    fig = plot_learning_curves(_history(6), title="Model 2")
    acc_ax, loss_ax = fig.axes
    assert fig.get_suptitle() == "Model 2"
    assert (acc_ax.get_title(), loss_ax.get_title()) == ("Accuracy", "Loss")
    assert _line_labels(acc_ax) == _line_labels(loss_ax) == ["train", "validation"]
    train_loss, valid_loss = loss_ax.get_lines()
    np.testing.assert_allclose(train_loss.get_xdata(), np.arange(1, 7))
    np.testing.assert_allclose(train_loss.get_ydata(), [2.0 / e for e in range(1, 7)])
    np.testing.assert_allclose(valid_loss.get_ydata(), [2.5 / e for e in range(1, 7)])
    assert acc_ax.get_xlabel() == "Epoch"


def test_train_only_history():
    fig = plot_learning_curves(_history(3, valid=False))
    assert all(_line_labels(ax) == ["train"] for ax in fig.axes)


def test_accepts_fitted_estimator():
    fig = plot_learning_curves(_FittedLike().fit(None, None))
    assert len(fig.axes[1].get_lines()[0].get_xdata()) == 4


def test_unfitted_estimator_raises_not_fitted():
    with pytest.raises(NotFittedError, match="fit it before plotting"):
        plot_learning_curves(_FittedLike())


def test_missing_accuracy_leaves_a_note_and_epochs_default_to_count():
    history = [{"train_loss": 1.0}, {"train_loss": 0.5}, {"train_loss": 0.4}]
    fig = plot_learning_curves(history)
    acc_ax, loss_ax = fig.axes
    assert not acc_ax.get_lines()
    assert "no accuracy recorded" in [t.get_text() for t in acc_ax.texts]
    np.testing.assert_allclose(loss_ax.get_lines()[0].get_xdata(), [1, 2, 3])


def test_missing_epoch_values_become_gaps():
    history = _history(3)
    del history[1]["valid_loss"]
    fig = plot_learning_curves(history)
    valid_loss = fig.axes[1].get_lines()[1].get_ydata()
    assert np.isnan(valid_loss[1]) and not np.isnan(valid_loss[[0, 2]]).any()


def test_draws_on_given_axes():
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 1)
    out = plot_learning_curves(_history(), ax=axes, title="run 1")
    assert out is fig
    assert axes[0].get_title() == "run 1: accuracy"
    assert axes[1].get_lines()


@pytest.mark.parametrize(
    ("history", "exc", "match"),
    [
        ([], ValueError, "history is empty"),
        ([{"epoch": 1, "valid_loss": 1.0}], ValueError, "no 'train_loss'"),
        ({"train_loss": [1.0]}, ValueError, "list of per-epoch dicts; got dict"),
        ([1.0, 2.0], ValueError, "entry 0 is a float"),
        (None, ValueError, "got NoneType"),
    ],
)
def test_bad_history_raises(history, exc, match):
    with pytest.raises(exc, match=match):
        plot_learning_curves(history)


def test_ax_must_be_two_axes():
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="ax must be a sequence of 2 Axes"):
        plot_learning_curves(_history(), ax=ax)
