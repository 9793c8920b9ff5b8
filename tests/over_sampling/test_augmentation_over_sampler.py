"""AugmentationOverSampler: class counts, originals, dtypes, errors, pipelines."""

import pickle
from collections import Counter

import numpy as np
import pytest
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import make_pipeline
from scipy import sparse
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.preprocessing import MinMaxScaler

from skfer.augmentation import RandomRotation, augment_images
from skfer.datasets import make_faces
from skfer.over_sampling import AugmentationOverSampler

COUNTS = {"happy": 30, "sad": 14, "surprise": 8}


def _imbalanced(counts=COUNTS, image_size=16, random_state=0):
    """uint8 faces (rows of image_size**2 pixels) with exactly ``counts`` per class."""
    total = max(counts.values()) * len(counts)
    X, y = make_faces(
        n_samples=total,
        classes=tuple(counts),
        image_size=image_size,
        random_state=random_state,
        return_X_y=True,
    )
    keep = np.concatenate([np.flatnonzero(y == c)[:n] for c, n in counts.items()])
    keep.sort()
    return X[keep], y[keep]


@pytest.fixture(scope="module")
def data():
    return _imbalanced()


@pytest.mark.parametrize(
    "strategy, expected",
    [
        ("auto", {"happy": 30, "sad": 30, "surprise": 30}),
        ("not majority", {"happy": 30, "sad": 30, "surprise": 30}),
        ("all", {"happy": 30, "sad": 30, "surprise": 30}),
        ("minority", {"happy": 30, "sad": 14, "surprise": 30}),
        ("not minority", {"happy": 30, "sad": 30, "surprise": 8}),
        ({"sad": 20, "surprise": 25}, {"happy": 30, "sad": 20, "surprise": 25}),
        ({"happy": 31}, {"happy": 31, "sad": 14, "surprise": 8}),
        (lambda y: {"surprise": 9}, {"happy": 30, "sad": 14, "surprise": 9}),
    ],
    ids=[
        "auto",
        "not_majority",
        "all",
        "minority",
        "not_minority",
        "dict",
        "dict2",
        "fn",
    ],
)
def test_class_counts_match_the_strategy_exactly(data, strategy, expected):
    X, y = data
    sampler = AugmentationOverSampler(sampling_strategy=strategy, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert dict(Counter(y_res)) == expected
    assert X_res.shape == (len(y_res), X.shape[1])


def test_float_strategy_on_two_classes():
    X, y = _imbalanced({"happy": 30, "sad": 6})
    sampler = AugmentationOverSampler(sampling_strategy=0.5, random_state=0)
    _, y_res = sampler.fit_resample(X, y)
    assert dict(Counter(y_res)) == {"happy": 30, "sad": 15}


def test_originals_first_and_unchanged_new_samples_augmented_from_their_class(data):
    X, y = data
    before = X.copy()
    sampler = AugmentationOverSampler(augmentation="standard", random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    np.testing.assert_array_equal(X, before)  # input untouched
    np.testing.assert_array_equal(X_res[: len(X)], X)
    np.testing.assert_array_equal(y_res[: len(y)], y)
    source = sampler.sample_indices_
    assert len(source) == len(y_res)
    np.testing.assert_array_equal(source[: len(y)], np.arange(len(y)))
    np.testing.assert_array_equal(y_res, y[source])  # same class as their source
    new, origin = X_res[len(X) :], X[source[len(X) :]]
    differs = (new != origin).any(axis=1)
    assert differs.mean() > 0.9  # "standard" leaves ~ 0.5 * 0.2 * 0.5 * 0.5 alone


def test_no_augmentation_is_random_over_sampling(data):
    X, y = data
    ours = AugmentationOverSampler(augmentation=None, random_state=3)
    X_res, y_res = ours.fit_resample(X, y)
    ros = RandomOverSampler(random_state=3)
    X_ros, y_ros = ros.fit_resample(X, y)
    np.testing.assert_array_equal(ours.sample_indices_, ros.sample_indices_)
    np.testing.assert_array_equal(X_res, X_ros)
    np.testing.assert_array_equal(y_res, y_ros)


def test_new_samples_are_the_augmentation_of_their_source(data):
    """Replays the sampler: same random_state -> same indices, then same images."""
    X, y = data
    sampler = AugmentationOverSampler(augmentation="paper", random_state=5)
    X_res, _ = sampler.fit_resample(X, y)
    rng = np.random.RandomState(5)
    for klass, n in sampler.sampling_strategy_.items():
        rng.choice(np.flatnonzero(y == klass), size=n, replace=True)
    expected = augment_images(X[sampler.sample_indices_[len(X) :]], "paper", rng)
    np.testing.assert_array_equal(X_res[len(X) :], expected)


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_output_dtype_and_range_follow_the_input(data, dtype):
    X, y = data
    X = X.astype(dtype) if dtype == np.uint8 else (X / 255.0).astype(dtype)
    X_res, _ = AugmentationOverSampler(random_state=0).fit_resample(X, y)
    assert X_res.dtype == dtype
    assert X_res.min() >= 0 and X_res.max() <= (255 if dtype == np.uint8 else 1)


def test_float_images_on_0_255_stay_on_0_255(data):
    X, y = data
    X = X.astype(np.float32)
    X_res, _ = AugmentationOverSampler(random_state=0).fit_resample(X, y)
    assert X_res.dtype == np.float32 and X_res[len(X) :].max() > 1


def test_same_random_state_same_output(data):
    X, y = data
    first = AugmentationOverSampler(random_state=1).fit_resample(X, y)[0]
    again = AugmentationOverSampler(random_state=1).fit_resample(X, y)[0]
    other = AugmentationOverSampler(random_state=2).fit_resample(X, y)[0]
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_any_square_side_and_the_48x48_default():
    for side in (9, 48):
        X, y = _imbalanced({"happy": 6, "sad": 3}, image_size=side)
        X_res, y_res = AugmentationOverSampler(random_state=0).fit_resample(X, y)
        assert X_res.shape == (12, side * side)


def test_transform_object_sparse_list_and_one_vs_all_inputs(data):
    X, y = data
    sampler = AugmentationOverSampler(
        augmentation=RandomRotation(degrees=30, p=1.0), random_state=0
    )
    X_res, y_res = sampler.fit_resample(X, y)
    assert sampler.augmentation_ is sampler.augmentation
    X_sp, y_sp = clone(sampler).fit_resample(sparse.csr_matrix(X), y)
    assert sparse.issparse(X_sp) and X_sp.format == "csr"
    np.testing.assert_array_equal(X_sp.toarray(), X_res)
    X_list, _ = clone(sampler).fit_resample(X.tolist(), list(y))
    assert isinstance(X_list, list)
    np.testing.assert_array_equal(np.asarray(X_list), X_res)
    y_codes = np.unique(y, return_inverse=True)[1]
    onehot = np.eye(3, dtype=int)[y_codes]
    X_ova, y_ova = clone(sampler).fit_resample(X, onehot)
    np.testing.assert_array_equal(X_ova, X_res)
    assert y_ova.shape == (len(y_res), 3)


def test_get_feature_names_out_and_pickle(data):
    X, y = data
    sampler = AugmentationOverSampler(random_state=0).fit(X, y)
    names = sampler.get_feature_names_out()
    assert len(names) == X.shape[1] and names[0] == "x0"
    restored = pickle.loads(pickle.dumps(sampler))
    assert restored.get_params() == sampler.get_params()


@pytest.mark.parametrize("n_features", [2, 20, 2303])
def test_rows_that_are_not_square_images_raise(n_features):
    X = np.zeros((10, n_features), np.uint8)
    y = np.array([0] * 7 + [1] * 3)
    msg = f"rows of {n_features} values, which is not a perfect square"
    with pytest.raises(ValueError, match=msg):
        AugmentationOverSampler().fit_resample(X, y)


def test_values_that_are_not_pixel_intensities_raise(data):
    X, y = data
    with pytest.raises(ValueError, match=r"pixel intensities in \[0, 255\]"):
        AugmentationOverSampler().fit_resample(X - 300.0, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"augmentation": "strong"}, "'augmentation' parameter .* must be"),
        ({"augmentation": 3}, "'augmentation' parameter"),
        ({"sampling_strategy": "most"}, "'sampling_strategy' parameter"),
        ({"random_state": "zero"}, "'random_state' parameter"),
    ],
)
def test_invalid_parameters_raise_at_fit(data, params, match):
    X, y = data
    sampler = AugmentationOverSampler(**params)  # __init__ only stores them
    with pytest.raises(ValueError, match=match) as info:
        sampler.fit_resample(X, y)
    if params.get("augmentation") == "strong":
        for name in ("paper", "standard", "light", "none"):
            assert name in str(info.value)


def test_bad_transform_list_raises(data):
    X, y = data
    with pytest.raises(TypeError, match=r"transforms\[0\] must be a transform"):
        AugmentationOverSampler(augmentation=["flip"]).fit_resample(X, y)


# -- in pipelines ------------------------------------------------------------


def _pipeline(**sampler_params):
    return make_pipeline(
        AugmentationOverSampler(random_state=0, **sampler_params),
        MinMaxScaler(),
        LogisticRegression(max_iter=300),
    )


def test_pipeline_fits_and_predicts_without_resampling_at_predict_time(data):
    X, y = data
    model = _pipeline().fit(X, y)
    assert model.predict(X).shape == y.shape
    assert model.score(X, y) > 0.8
    sampler = model.steps[0][1]
    assert sum(sampler.sampling_strategy_.values()) == 90 - len(y)


def test_cross_validate_and_grid_search(data):
    X, y = data
    cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    scores = cross_validate(_pipeline(), X, y, cv=cv)
    assert len(scores["test_score"]) == 3
    search = GridSearchCV(
        _pipeline(),
        {"augmentationoversampler__augmentation": ["none", "light", "paper"]},
        cv=cv,
    ).fit(X, y)
    assert search.best_params_["augmentationoversampler__augmentation"] in {
        "none",
        "light",
        "paper",
    }


def test_pipeline_before_fer_classifier():
    pytest.importorskip("skorch")
    try:
        from skfer.classifier import FERClassifier
    except ImportError as exc:  # the classifier is written in another issue
        pytest.skip(f"skfer.classifier not available: {exc}")
    X, y = _imbalanced({"happy": 20, "sad": 8}, image_size=48)
    model = make_pipeline(
        AugmentationOverSampler(augmentation="paper", random_state=0),
        FERClassifier(
            architecture="small", max_epochs=1, batch_size=32, random_state=0
        ),
    )
    model.fit(X, y)
    assert model.predict(X).shape == y.shape
    fitted = model.steps[-1][1]
    assert set(fitted.classes_) == {"happy", "sad"}


def test_grid_search_tunes_the_strength_of_a_transform(data):
    X, y = data
    cv = StratifiedKFold(n_splits=2, shuffle=True, random_state=0)
    search = GridSearchCV(
        _pipeline(augmentation=RandomRotation(degrees=5, p=1.0)),
        {"augmentationoversampler__augmentation__degrees": [5, 25]},
        cv=cv,
    ).fit(X, y)
    best = search.best_estimator_.steps[0][1].augmentation
    assert (
        best.degrees
        == search.best_params_["augmentationoversampler__augmentation__degrees"]
    )
