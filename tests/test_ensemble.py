import numpy as np
import pytest
from sklearn.base import clone
from sklearn.ensemble import VotingClassifier

from skfer import FERClassifier, ensemble_from_fitted, make_ensemble


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
