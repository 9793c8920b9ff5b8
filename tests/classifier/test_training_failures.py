"""Training that notices it failed: diverged losses, ended schedules, Ctrl-C,
and parameters checked where they are used."""

import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from skorch.callbacks import Callback

from skfer.classifier import fit_with_checkpoints
from skfer.classifier._net import TrainingDivergedError
from skfer.weights import read_checkpoint

SMALL_PARAMS = dict(max_epochs=1, batch_size=16)


def test_a_diverged_fit_stops_with_a_clear_error_and_keeps_nothing(small, faces3):
    X, y = faces3
    clf = small(optimizer="sgd", lr=1e3, max_epochs=3)
    with pytest.raises(TrainingDivergedError, match="Training diverged at epoch 1"):
        clf.fit(X, y)
    assert isinstance(TrainingDivergedError("x"), RuntimeError)
    with pytest.raises(NotFittedError):
        clf.predict(X[:2])


def test_a_diverged_warm_fit_keeps_the_weights_it_started_from(small, faces3):
    X, y = faces3
    clf = small(warm_start=True).fit(X, y)
    before = {k: v.clone() for k, v in clf.net_.module_.state_dict().items()}
    proba = clf.predict_proba(X)
    with pytest.raises(TrainingDivergedError, match="lower lr"):
        clf.set_params(optimizer="sgd", lr=1e4, max_epochs=3).fit(X, y)
    after = clf.net_.module_.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    np.testing.assert_array_equal(clf.predict_proba(X), proba)


class _NaNAfter:
    """An augmentation that turns images to NaN from its ``n``-th call on."""

    def __init__(self, n):
        self.n = n
        self.calls = 0

    def __call__(self, images, generator=None):
        self.calls += 1
        return images * float("nan") if self.calls >= self.n else images


def test_an_augmentation_giving_nan_stops_the_fit(small, faces3):
    X, y = faces3
    with pytest.raises(TrainingDivergedError, match="not finite.*augment"):
        small(augment=_NaNAfter(1)).fit(X, y)


def test_a_diverged_epoch_writes_no_checkpoint(small, faces3, tmp_path):
    X, y = faces3
    # one batch per epoch: epoch 1 trains normally, epoch 2 gets NaN images
    clf = small(augment=_NaNAfter(2), max_epochs=3, batch_size=len(X))
    with pytest.raises(TrainingDivergedError, match="epoch 2"):
        fit_with_checkpoints(clf, X, y, tmp_path)
    info = read_checkpoint(tmp_path)
    assert info["epoch"] == 1
    assert all(np.isfinite(row["train_loss"]) for row in info["history"])


def test_partial_fit_after_the_schedule_ended_warns(small, faces3):
    X, y = faces3
    clf = small(lr_schedule="cosine", max_epochs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.partial_fit(X, y).partial_fit(X, y)
    with pytest.warns(UserWarning, match="'cosine' learning-rate schedule spans 2"):
        clf.partial_fit(X, y)
    assert clf.history_[-1]["lr"] == 0.0


class CtrlCDuring(Callback):
    """Ctrl-C in the middle of epoch ``epoch``, after ``batch`` batches."""

    def __init__(self, epoch, batch):
        self.epoch, self.batch = epoch, batch

    def on_batch_end(self, net, training=False, **kwargs):
        if (
            training
            and len(net.history) == self.epoch
            and len(net.history[-1]["batches"]) == self.batch
        ):
            raise KeyboardInterrupt


def test_ctrl_c_mid_epoch_leaves_no_stub_epoch(small, faces3):
    X, y = faces3
    stop = CtrlCDuring(epoch=2, batch=2)
    with pytest.warns(UserWarning, match="interrupted during epoch 2 after 2"):
        clf = small(max_epochs=4, warm_start=True, callbacks=[("stop", stop)]).fit(X, y)
    assert [row["epoch"] for row in clf.history_] == [1]
    assert all("train_loss" in row for row in clf.history_)
    assert clf.predict(X[:3]).shape == (3,)
    # a warm start goes on from epoch 2: the stub is not counted
    clf.set_params(callbacks=None, max_epochs=1).fit(X, y)
    assert [row["epoch"] for row in clf.history_] == [1, 2]


def test_class_prior_is_checked_at_predict(small, faces3):
    X, y = faces3
    clf = small().fit(X, y)
    clf.set_params(class_prior="bogus")
    with pytest.raises(ValueError, match="class_prior must be None, 'uniform'"):
        clf.predict(X[:2])
    clf.set_params(class_prior="uniform")
    assert clf.predict_proba(X[:2]).shape == (2, 3)


@pytest.mark.parametrize(
    "params, error, match",
    [
        (dict(callbacks=[1]), TypeError, r"callbacks\[0\] is 1"),
        (dict(callbacks=[("a", 1)]), TypeError, r"callbacks\[0\] is \('a', 1\)"),
        (dict(optimizer=int), ValueError, "subclass of torch.optim.Optimizer"),
    ],
)
def test_bad_callbacks_and_optimizers_are_named(small, faces3, params, error, match):
    X, y = faces3
    with pytest.raises(error, match=match):
        small(**params).fit(X, y)


def test_from_weights_without_weights_is_a_clear_error():
    from skfer import FERClassifier

    with pytest.raises(TypeError, match="weights must be a name of"):
        FERClassifier.from_weights(None)


@pytest.mark.parametrize("batch_size", ["x", 0, 2.5])
def test_a_bad_batch_size_set_after_fit_is_named_at_predict(small, faces3, batch_size):
    X, y = faces3
    clf = small().fit(X, y).set_params(batch_size=batch_size)
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        clf.predict(X[:2])
