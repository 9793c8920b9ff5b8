"""Exponential moving average of the weights (``ema_decay``)."""

import numpy as np
import torch
from skorch.callbacks import Callback

from skfer import FERClassifier
from skfer.classifier._ema import _RAMP


class RecordRaw(Callback):
    """Raw weights after every optimizer step (runs after the built-in callbacks)."""

    def on_train_begin(self, net, **kwargs):
        self.start = {
            k: v.detach().clone() for k, v in net.module_.state_dict().items()
        }
        self.steps = []

    def on_batch_end(self, net, training=False, **kwargs):
        if training:
            self.steps.append(
                {k: v.detach().clone() for k, v in net.module_.state_dict().items()}
            )


def test_fitted_weights_are_the_moving_average_of_the_raw_ones(faces3):
    X, y = faces3
    decay = 0.8
    record = RecordRaw()
    clf = FERClassifier(
        "small",
        max_epochs=2,
        batch_size=30,
        optimizer="sgd",
        lr=0.05,
        ema_decay=decay,
        validation_fraction=None,
        random_state=0,
        callbacks=[("record", record)],
    ).fit(X, y)
    expected = {k: v.double() for k, v in record.start.items() if v.is_floating_point()}
    for n, raw in enumerate(record.steps, start=1):
        d = min(decay, (1 + n) / (_RAMP + n))
        for k in expected:
            expected[k] = d * expected[k] + (1 - d) * raw[k].double()
    fitted = clf.net_.module_.state_dict()
    for k, value in expected.items():
        np.testing.assert_allclose(fitted[k].double(), value, rtol=1e-4, atol=1e-6)
    last_raw = record.steps[-1]
    assert any(not torch.equal(fitted[k], last_raw[k]) for k in expected)


def test_validation_scores_are_those_of_the_average(faces3):
    X, y = faces3
    clf = FERClassifier(
        "small", max_epochs=2, ema_decay=0.9, validation_fraction=None, random_state=0
    )
    clf.fit(X[:60], y[:60], X_val=X[60:], y_val=y[60:])
    # the last epoch's valid_acc was measured on the weights the model now holds
    assert clf.history_[-1]["valid_acc"] == clf.score(X[60:], y[60:])


def test_ema_model_pickles_and_predicts_the_same(faces3):
    import pickle

    X, y = faces3
    clf = FERClassifier("small", max_epochs=1, ema_decay=0.9, random_state=0).fit(X, y)
    copy = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(copy.predict_proba(X), clf.predict_proba(X))
