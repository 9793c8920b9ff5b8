"""Soft labels: ``FERClassifier.fit(..., label_distribution=...)`` and its modes."""

from types import SimpleNamespace

import numpy as np
import pytest
import sklearn
import torch
import torch.nn.functional as F
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

from skfer.classifier._net import FERNet


def _one_hot(y):
    classes = np.unique(y)
    return np.eye(len(classes))[np.searchsorted(classes, y)]


def test_one_hot_distributions_are_the_labels(small, faces3):
    X, y = faces3
    # The plain fit when every distribution is one-hot, with label smoothing
    # applied the same way.
    params = dict(label_smoothing=0.1)
    a = small(**params).fit(X, y)
    b = small(**params).fit(X, y, label_distribution=_one_hot(y))
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-4)
    assert b.net_.iterator_train__label_distribution is None  # not pickled


@pytest.mark.parametrize("mode", ["crossentropy", "probability"])
def test_distributions_steer_the_training(small, faces3, mode):
    X, y = faces3
    # Every face's votes say "happy" whatever its label: the network learns
    # the votes, not the labels.
    votes = np.zeros((len(y), 3))
    votes[:, 0] = 0.9
    votes[:, 2] = 0.1
    clf = small(max_epochs=5, lr=1e-2, label_distribution_mode=mode)
    clf.fit(X, y, label_distribution=votes)
    assert np.mean(clf.predict(X) == "happy") > 0.9
    plain = small(max_epochs=5, lr=1e-2).fit(X, y)
    assert np.mean(plain.predict(X) == "happy") < 0.9


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_probability_mode_loss_is_that_of_the_drawn_label(smoothing):
    # One-hot rows that disagree with the labels: the drawn label is the row's.
    net = SimpleNamespace(
        criterion_=SimpleNamespace(label_smoothing=smoothing),
        label_distribution_mode="probability",
        distillation_weight=0.5,
    )
    logits = torch.randn(6, 3, generator=torch.Generator().manual_seed(0))
    labels = torch.zeros(6, dtype=torch.long)
    drawn = torch.tensor([2, 1, 2, 1, 2, 1])
    dist = F.one_hot(drawn, 3).float()
    loss = FERNet._train_loss(net, logits, labels, None, None, dist)
    expected = F.cross_entropy(logits, drawn, label_smoothing=smoothing)
    torch.testing.assert_close(loss, expected)
    net.label_distribution_mode = "crossentropy"
    loss = FERNet._train_loss(net, logits, labels, None, None, dist)
    torch.testing.assert_close(loss, expected)


def test_probability_mode_draws_labels_from_the_distribution(small, faces3):
    X, y = faces3
    votes = np.full((len(y), 3), 1 / 3)
    a = small(label_distribution_mode="probability").fit(X, y, label_distribution=votes)
    b = small(label_distribution_mode="crossentropy").fit(
        X, y, label_distribution=votes
    )
    # The same seed, other targets: drawn labels are not the expected target.
    assert not np.allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-4)
    again = small(label_distribution_mode="probability").fit(
        X, y, label_distribution=votes
    )
    np.testing.assert_array_equal(a.predict_proba(X), again.predict_proba(X))


@pytest.mark.parametrize(
    "votes, match",
    [
        (
            np.full((90, 2), 0.5),
            r"label_distribution must have one row .* got \(90, 2\)",
        ),
        (np.full((90, 3), 0.5), "every row of label_distribution must sum to 1"),
        (np.tile([1.5, -0.5, 0.0], (90, 1)), "label_distribution must hold"),
    ],
)
def test_bad_label_distribution_is_refused(small, faces3, votes, match):
    X, y = faces3
    with pytest.raises(ValueError, match=match):
        small().fit(X, y, label_distribution=votes)


def test_bad_mode_is_refused(small, faces3):
    X, y = faces3
    with pytest.raises(InvalidParameterError, match="label_distribution_mode"):
        small(label_distribution_mode="vote").fit(X, y)


def test_label_distribution_is_routed_in_pipelines_and_searches(small, faces3):
    X, y = faces3
    votes = _one_hot(y) * 0.8 + 0.2 / 3
    with sklearn.config_context(enable_metadata_routing=True):
        clf = small().set_fit_request(label_distribution=True)
        scores = cross_validate(clf, X, y, cv=2, params={"label_distribution": votes})[
            "test_score"
        ]
        assert scores.shape == (2,)
        pipe = make_pipeline(clf).fit(X, y, label_distribution=votes)
        assert pipe[-1].net_ is not None
        search = GridSearchCV(clf, {"lr": [1e-3, 1e-2]}, cv=2)
        search.fit(X, y, label_distribution=votes)
        assert search.best_params_["lr"] in (1e-3, 1e-2)
        # Not requested: passing it is an error, not a silent drop.
        with pytest.raises(Exception, match="label_distribution"):
            make_pipeline(small()).fit(X, y, label_distribution=votes)


def test_partial_fit_takes_label_distribution(small, faces3):
    X, y = faces3
    clf = small().partial_fit(X, y, label_distribution=_one_hot(y))
    clf.partial_fit(X, y, label_distribution=_one_hot(y))
    assert len(clf.history_) == 2
