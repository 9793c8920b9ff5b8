"""validate_images: the fast path for plain arrays gives what scikit-learn gives."""

import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.utils.validation import validate_data

from skfer.utils import validate_images
from skfer.utils._validation import _plain_rows


class Fitted(BaseEstimator):
    """A bare estimator that learnt ``n_features_in_`` (and names) from ``X``."""

    def fit(self, X):
        validate_data(self, X, reset=True)
        return self


@pytest.mark.parametrize("dtype", [np.uint8, np.int64, np.float32, np.float64])
def test_plain_arrays_take_the_fast_path_unchanged(dtype):
    est = Fitted().fit(np.zeros((2, 2304)))
    X = np.random.default_rng(0).integers(0, 256, (3, 2304)).astype(dtype)
    out = validate_images(est, X, reset=False)
    assert _plain_rows(est, X) is X and out is X
    reference = validate_data(est, X, reset=False, dtype="numeric")
    assert out.dtype == reference.dtype
    np.testing.assert_array_equal(out, reference)


@pytest.mark.parametrize(
    "X",
    [
        np.zeros((1, 100)),  # another row length: the resize path
        np.zeros((0, 2304)),  # empty
        np.zeros((1, 2304), dtype=bool),
        np.zeros((2, 48, 48)),  # an image stack
        [[0.0] * 2304],  # not an ndarray
    ],
    ids=["length", "empty", "bool", "stack", "list"],
)
def test_other_inputs_take_the_full_path(X):
    est = Fitted().fit(np.zeros((2, 2304)))
    assert _plain_rows(est, X) is None


def test_the_fast_path_still_refuses_non_finite_values():
    est = Fitted().fit(np.zeros((2, 2304)))
    X = np.zeros((2, 2304))
    X[1, 5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        validate_images(est, X, reset=False)


def test_a_wrong_row_length_still_raises():
    est = Fitted().fit(np.zeros((2, 2304)))
    with pytest.raises(ValueError, match="features"):
        validate_images(est, np.zeros((2, 2305)), reset=False)


def test_an_estimator_fitted_with_feature_names_still_warns():
    pd = pytest.importorskip("pandas")
    est = Fitted().fit(pd.DataFrame(np.zeros((2, 2304))).add_prefix("p"))
    assert _plain_rows(est, np.zeros((1, 2304))) is None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        validate_images(est, np.zeros((1, 2304)), reset=False)
    assert any("feature names" in str(w.message) for w in caught)
