"""Class priors: the training labels' counts and a change of prior at predict time."""

import numpy as np
import pytest

from skfer import FERClassifier
from skfer.utils._prior import (
    change_prior,
    check_class_prior,
    class_counts,
    valid_class_counts,
)


def test_class_counts_are_weighted():
    counts = class_counts(np.array([0, 0, 2]), 3, weights=np.array([1.0, 0.5, 2.0]))
    assert counts.tolist() == [1.5, 0.0, 2.0]


@pytest.mark.parametrize("bad", [[1, 2], [1, -1, 1], [0, 0, 0], [1, np.nan, 1]])
def test_a_bad_class_prior_is_named(bad):
    with pytest.raises(ValueError, match="class_prior must be 'uniform' or 3"):
        check_class_prior(bad, ["a", "b", "c"])


def test_change_prior_is_bayes_rule():
    proba = np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]])
    counts = np.array([50.0, 30.0, 20.0])
    same = change_prior(proba, counts / counts.sum(), counts)
    np.testing.assert_allclose(same, proba)  # the training prior changes nothing
    uniform = change_prior(proba, np.full(3, 1 / 3), counts)
    np.testing.assert_allclose(uniform[0], [1 / 3] * 3)  # the prior alone, removed
    np.testing.assert_allclose(uniform.sum(axis=1), 1.0)
    # a class the training labels never held is not re-weighted
    kept = change_prior(proba, np.full(3, 1 / 3), np.array([50.0, 50.0, 0.0]))
    expected = proba * [2 / 3, 2 / 3, 1]
    np.testing.assert_allclose(kept, expected / expected.sum(axis=1, keepdims=True))


def test_fit_records_the_training_prior(small, faces):
    X, y = faces
    keep = (y != "disgust") | (np.arange(len(y)) % 4 == 0)  # fewer disgust faces
    clf = small(max_epochs=1).fit(X[keep], y[keep])
    expected = [np.sum(y[keep] == c) for c in clf.classes_]
    assert clf.class_count_.tolist() == expected
    np.testing.assert_allclose(clf.class_prior_, np.array(expected) / keep.sum())
    balanced = small(max_epochs=1, class_weight="balanced").fit(X[keep], y[keep])
    np.testing.assert_allclose(balanced.class_prior_, 1 / 7)


def test_partial_fit_adds_up_the_counts(small, faces):
    X, y = faces
    clf = small().partial_fit(X[:70], y[:70], classes=np.unique(y))
    clf.partial_fit(X[70:], y[70:])
    assert clf.class_count_.tolist() == [np.sum(y == c) for c in clf.classes_]


def test_class_prior_reweights_the_probabilities(small, faces, tmp_path):
    X, y = faces
    keep = (y != "disgust") | (np.arange(len(y)) % 4 == 0)
    clf = small(max_epochs=1).fit(X[keep], y[keep])
    base = clf.predict_proba(X[:10])
    clf.set_params(class_prior="uniform")
    uniform = clf.predict_proba(X[:10])
    np.testing.assert_allclose(
        uniform, change_prior(base, np.full(7, 1 / 7), clf.class_count_)
    )
    assert not np.allclose(uniform, base)  # disgust was rarer: it gains
    disgust = list(clf.classes_).index("disgust")
    assert np.all(uniform[:, disgust] > base[:, disgust])
    assert np.array_equal(clf.predict(X[:10]), clf.classes_[uniform.argmax(axis=1)])
    # the counts travel with the weights
    path = clf.save_weights(tmp_path / "w.safetensors")
    loaded = FERClassifier.from_weights(path, class_prior="uniform")
    assert loaded.class_count_.tolist() == clf.class_count_.tolist()
    np.testing.assert_allclose(loaded.predict_proba(X[:10]), uniform, atol=1e-6)
    clf.set_params(class_prior=[1, 2])
    with pytest.raises(ValueError, match="one per class of classes_"):
        clf.predict(X[:2])


def test_class_prior_needs_recorded_counts(small, faces, tmp_path):
    from skfer.weights import read_weights, write_weights

    X, y = faces
    path = small(max_epochs=1).fit(X, y).save_weights(tmp_path / "w.safetensors")
    state, meta = read_weights(path)
    del meta["class_count"]  # as written by earlier versions
    write_weights(path, state, meta)
    old = FERClassifier.from_weights(path)
    assert old.class_count_ is None and old.class_prior_ is None
    old.predict(X[:2])  # the training prior needs nothing
    old.set_params(class_prior="uniform")
    with pytest.raises(ValueError, match="class_prior needs the class frequencies"):
        old.predict(X[:2])


@pytest.mark.parametrize(
    "counts, ok",
    [
        ([3, 0.5, 0], True),
        ([0, 0, 0], False),
        ([1, 2], False),  # one per class
        ([1, -1, 3], False),
        ([1, float("nan"), 3], False),
        ([1e308, 1e308, 1e308], False),  # the sum overflows
        ([1, True, 3], False),
        ("1,2,3", False),
    ],
)
def test_valid_class_counts_accepts_only_usable_counts(counts, ok):
    assert valid_class_counts(counts, 3) is ok
