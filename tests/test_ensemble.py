import numpy as np
import pytest
from sklearn.base import clone
from sklearn.ensemble import VotingClassifier
from sklearn.exceptions import NotFittedError

from skfer import FERClassifier, ensemble_from_fitted, make_ensemble, save_vote
from skfer.models import SoftVote
from skfer.weights import read_weights_meta


def test_make_ensemble_is_a_soft_voting_classifier_of_the_paper_models():
    ens = make_ensemble(max_epochs=3, random_state=0)
    assert isinstance(ens, VotingClassifier)
    assert ens.voting == "soft"
    assert [name for name, _ in ens.estimators] == ["model1", "model2", "model3"]
    assert all(est.max_epochs == 3 for _, est in ens.estimators)
    clone(ens)  # a plain scikit-learn estimator


def test_ensemble_of_fitted_members_averages_their_probabilities(faces3):
    X, y = faces3
    params = dict(architecture="small", max_epochs=2, validation_fraction=None)
    a = FERClassifier(random_state=0, **params).fit(X, y)
    b = FERClassifier(random_state=1, **params).fit(X, y)
    ens = ensemble_from_fitted([a, b])
    expected = (a.predict_proba(X) + b.predict_proba(X)) / 2
    np.testing.assert_allclose(ens.predict_proba(X), expected, rtol=1e-6)
    assert set(ens.predict(X)) <= set(y)
    weighted = ensemble_from_fitted([("a", a), ("b", b)], weights=[3, 1])
    np.testing.assert_allclose(
        weighted.predict_proba(X),
        (3 * a.predict_proba(X) + b.predict_proba(X)) / 4,
        rtol=1e-6,
    )


def test_ensemble_from_fitted_checks_its_members(faces3):
    X, y = faces3
    with pytest.raises(ValueError, match="at least one"):
        ensemble_from_fitted([])
    a = FERClassifier("small", max_epochs=1, validation_fraction=None).fit(X, y)
    keep = y != "sad"
    b = FERClassifier("small", max_epochs=1, validation_fraction=None).fit(
        X[keep], y[keep]
    )
    with pytest.raises(ValueError, match="share classes_"):
        ensemble_from_fitted([a, b])


class _Fixed:
    """A 'fitted classifier' returning given probabilities (rows of X index them)."""

    def __init__(self, proba, classes):
        self.proba = np.asarray(proba, dtype=float)
        self.classes_ = np.asarray(classes)

    def predict_proba(self, X):
        return self.proba[np.asarray(X).ravel().astype(int)]


def test_fit_voting_weights_minimizes_validation_log_loss():
    from skfer import fit_voting_weights

    rng = np.random.RandomState(0)
    n, classes = 300, np.array(["a", "b", "c"])
    y = rng.randint(3, size=n)
    first, second = np.arange(n // 2), np.arange(n // 2, n)
    # two complementary experts (each sure and right on one half, unsure on the
    # other) and one whose probabilities are noise
    expert_a, expert_b = np.full((n, 3), 1 / 3), np.full((n, 3), 1 / 3)
    expert_a[first], expert_b[second] = 0.05, 0.05
    expert_a[first, y[first]] = 0.9
    expert_b[second, y[second]] = 0.9
    noisy = rng.dirichlet(np.ones(3), size=n)
    X = np.arange(n).reshape(-1, 1)
    members = [
        _Fixed(expert_a, classes),
        _Fixed(noisy, classes),
        _Fixed(expert_b, classes),
    ]
    w = fit_voting_weights(members, X, classes[y])
    assert w.shape == (3,) and w.min() >= 0 and abs(w.sum() - 1) < 1e-9

    def loss(weights):
        mix = sum(wi * m.proba for wi, m in zip(weights, members))
        return -np.mean(np.log(mix[np.arange(n), y]))

    grid = [
        (a, b, 1 - a - b)
        for a in np.linspace(0, 1, 41)
        for b in np.linspace(0, 1, 41)
        if a + b <= 1 + 1e-9
    ]
    assert loss(w) <= min(loss(g) for g in grid) + 1e-6
    assert w[1] < 0.05  # the noisy member is (nearly) left out
    assert abs(w[0] - w[2]) < 0.05  # the two experts share the vote


def test_fit_voting_weights_reaches_the_optimum_a_useless_member_does_not_move():
    from skfer import fit_voting_weights

    rng = np.random.RandomState(1)
    n, classes = 2000, np.array(["a", "b", "c"])
    y = rng.randint(3, size=n)
    X = np.arange(n).reshape(-1, 1)

    def member(sharpness):  # right more often the sharper it is
        logits = rng.normal(size=(n, 3))
        logits[np.arange(n), y] += sharpness
        proba = np.exp(logits)
        return _Fixed(proba / proba.sum(axis=1, keepdims=True), classes)

    members = [member(1.5), member(1.0), member(0.8)]
    useless = _Fixed(np.full((n, 3), 1 / 3), classes)  # never worth any weight
    w = fit_voting_weights(members, X, classes[y])
    w_more = fit_voting_weights(members + [useless], X, classes[y])
    assert w_more[-1] < 1e-6
    np.testing.assert_allclose(w_more[:-1], w, atol=1e-4)
    # optimality: the log-loss gradient is the same for every member in the vote
    p_true = np.stack([m.proba[np.arange(n), y] for m in members])
    grad = -(p_true / (w @ p_true)).mean(axis=1)
    used = w > 1e-6
    assert used.sum() >= 2 and np.ptp(grad[used]) < 1e-4


def test_fit_voting_weights_rejects_unknown_labels():
    from skfer import fit_voting_weights

    member = _Fixed(np.full((2, 2), 0.5), ["a", "b"])
    with pytest.raises(ValueError, match="y_val contains labels"):
        fit_voting_weights([member], np.arange(2).reshape(-1, 1), ["a", "z"])


# ------------------------------------------------------------------ save_vote
def _two_small(X, y, **params):
    params = dict(
        architecture="small", max_epochs=2, validation_fraction=None, **params
    )
    a = FERClassifier(random_state=0, **params).fit(X, y)
    b = FERClassifier(random_state=1, **params).fit(X, y)
    return a, b


def test_save_vote_is_one_network_giving_the_members_mean(faces3, tmp_path):
    X, y = faces3
    a, b = _two_small(X, y, precision="float32")
    path = save_vote([a, b], tmp_path / "vote.safetensors", weights=[3, 1], note="x")
    vote = FERClassifier.from_weights(path, precision="float32")
    assert vote.architecture_ == "small+small"
    assert isinstance(vote.net_.module_, SoftVote)
    np.testing.assert_array_equal(vote.classes_, a.classes_)
    expected = (3 * a.predict_proba(X) + b.predict_proba(X)) / 4
    np.testing.assert_allclose(vote.predict_proba(X), expected, atol=1e-5)
    for tta in ("flip", "crops"):  # each view voted, then the views averaged
        for clf in (a, b, vote):
            clf.set_params(tta=tta)
        expected = (3 * a.predict_proba(X[:5]) + b.predict_proba(X[:5])) / 4
        np.testing.assert_allclose(vote.predict_proba(X[:5]), expected, atol=1e-5)
    card = read_weights_meta(path)["card"]
    assert card["note"] == "x"
    assert [m["weight"] for m in card["members"]] == [0.75, 0.25]


def test_save_vote_keeps_each_members_pixel_scaling(faces3, tmp_path):
    X, y = faces3
    a = FERClassifier(
        "small",
        max_epochs=2,
        validation_fraction=None,
        precision="float32",
        random_state=0,
    ).fit(X, y)
    X01 = X.astype(np.float32) / 255.0  # another unit: [0, 1]
    b = FERClassifier(
        "small",
        max_epochs=2,
        validation_fraction=None,
        precision="float32",
        random_state=1,
    ).fit(X01[::-1], y[::-1])
    assert a.input_range_ != b.input_range_ and a.pixel_mean_ != b.pixel_mean_
    vote = FERClassifier.from_weights(
        save_vote([a, b], tmp_path / "v.safetensors"), precision="float32"
    )
    expected = (a.predict_proba(X) + b.predict_proba(X01)) / 2
    np.testing.assert_allclose(vote.predict_proba(X), expected, atol=1e-5)


def test_save_vote_averages_the_training_priors(faces3, tmp_path):
    X, y = faces3
    keep = np.r_[np.flatnonzero(y != "sad"), np.flatnonzero(y == "sad")[:5]]
    a = FERClassifier("small", max_epochs=1, validation_fraction=None).fit(X, y)
    b = FERClassifier("small", max_epochs=1, validation_fraction=None).fit(
        X[keep], y[keep]
    )
    vote = FERClassifier.from_weights(save_vote([a, b], tmp_path / "v.safetensors"))
    np.testing.assert_allclose(
        vote.class_prior_, (a.class_prior_ + b.class_prior_) / 2, rtol=1e-9
    )
    uniform = vote.set_params(class_prior="uniform").predict_proba(X[:4])
    np.testing.assert_allclose(uniform.sum(axis=1), 1.0, rtol=1e-6)


def test_a_saved_vote_fine_tunes_as_one_network(faces3, tmp_path):
    X, y = faces3
    a, b = _two_small(X, y)
    path = save_vote([a, b], tmp_path / "vote.safetensors")
    keep = y != "surprise"  # fewer classes: each member's head keeps its rows
    tuned = FERClassifier(pretrained=path, max_epochs=1, validation_fraction=None)
    tuned.fit(X[keep], y[keep])
    assert tuned.architecture_ == "small+small"
    assert tuned.classes_.tolist() == ["happy", "sad"]
    heads = [m.head for m in tuned.net_.module_.members]
    assert all(h.out_features == 2 for h in heads)
    assert set(tuned.predict(X)) <= {"happy", "sad"}


def test_save_vote_checks_its_members(faces3, tmp_path):
    X, y = faces3
    a, b = _two_small(X, y)
    out = tmp_path / "v.safetensors"
    with pytest.raises(ValueError, match="at least 2"):
        save_vote([a], out)
    with pytest.raises(TypeError, match="ensemble_from_fitted"):
        save_vote([a, ensemble_from_fitted([a, b])], out)
    with pytest.raises(NotFittedError):
        save_vote([a, FERClassifier("small")], out)
    other = FERClassifier("small", max_epochs=1, validation_fraction=None)
    other.fit(X[y != "sad"], y[y != "sad"])
    with pytest.raises(ValueError, match="share classes_"):
        save_vote([a, other], out)
    with pytest.raises(ValueError, match="no vote"):
        save_vote([a, b], out, weights=[1, 0])
    with pytest.raises(ValueError, match="one finite number"):
        save_vote([a, b], out, weights=[1])
    vote = FERClassifier.from_weights(save_vote([a, b], out))
    with pytest.raises(ValueError, match="pass its members"):
        save_vote([vote, a], tmp_path / "w.safetensors")
