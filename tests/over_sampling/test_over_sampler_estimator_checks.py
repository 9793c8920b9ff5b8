"""scikit-learn's and imbalanced-learn's own estimator checks on the sampler.

scikit-learn's checks call ``fit`` (input validation and ``sampling_strategy_``) and
all pass. imbalanced-learn's checks call ``fit_resample`` on data that are not
images: rows of 2 or 20 features, where the sampler raises, by design, a ValueError
("not a perfect square"). So each imblearn check is run twice:

- as shipped, asserting that the checks fed such rows fail with exactly that
  ValueError (and that all the others pass);
- with their shared dataset generator (``sample_dataset_generator``, 1000 rows of 20
  features, 3 imbalanced classes) replaced by the same rows cut to 16 features and
  scaled to [0, 1], i.e. 4 x 4 images. Every check then passes except the two that
  build their own 2- or 3-feature data (listed in ``EXPECTED_FAILURES`` below);
  their assertions are covered with image data in
  ``test_augmentation_over_sampler.py``.
"""

import functools

import imblearn.utils.estimator_checks as imblearn_checks
import pytest
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skfer.augmentation import RandomRotation
from skfer.over_sampling import AugmentationOverSampler

SAMPLERS = [
    AugmentationOverSampler(random_state=0),
    AugmentationOverSampler(
        augmentation=RandomRotation(degrees=20, p=1.0), random_state=0
    ),
]


@parametrize_with_checks(SAMPLERS)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


#: imblearn checks whose data are rows of 2 or 20 features, as shipped.
NOT_IMAGES_AS_SHIPPED = {
    "check_samplers_fit": "X = np.random.random((30, 2))",
    "check_samplers_fit_resample": "sample_dataset_generator(): 20 features",
    "check_samplers_sampling_strategy_fit_resample": "sample_dataset_generator()",
    "check_samplers_sparse": "sample_dataset_generator()",
    "check_samplers_list": "sample_dataset_generator()",
    "check_samplers_multiclass_ova": "sample_dataset_generator()",
    "check_samplers_preserve_dtype": "sample_dataset_generator()",
    "check_samplers_sample_indices": "sample_dataset_generator()",
    "check_samplers_2d_target": "sample_dataset_generator()",
    "check_sampler_get_feature_names_out": "make_blobs, 3 features",
    # the pandas checks are skipped when pandas is not installed
    "check_samplers_pandas": "sample_dataset_generator()",
    "check_samplers_pandas_sparse": "sample_dataset_generator()",
    "check_sampler_get_feature_names_out_pandas": "make_blobs, 3 features",
}

#: Expected failures once the shared generator yields 4 x 4 images.
EXPECTED_FAILURES = {
    "check_samplers_fit": (
        "builds its own X = np.random.random((30, 2)): rows of 2 pixels are not "
        "square images; covered by test_class_counts_match_the_strategy_exactly"
    ),
    "check_sampler_get_feature_names_out": (
        "builds its own make_blobs data with 3 features; covered by "
        "test_get_feature_names_out_and_pickle"
    ),
    "check_sampler_get_feature_names_out_pandas": (
        "same data as check_sampler_get_feature_names_out (skipped without pandas)"
    ),
}


def _name(check):
    while isinstance(check, functools.partial) or hasattr(check, "__wrapped__"):
        check = (
            check.func if isinstance(check, functools.partial) else check.__wrapped__
        )
    return check.__name__


def _imblearn_checks():
    for sampler in SAMPLERS:
        for estimator, check in imblearn_checks.estimator_checks_generator(sampler):
            yield pytest.param(
                estimator,
                check,
                id=f"{type(sampler.augmentation).__name__}-{_name(check)}",
            )


def _square_image_dataset(original=imblearn_checks.sample_dataset_generator):
    X, y = original()
    return MinMaxScaler().fit_transform(X[:, :16]), y  # 4 x 4 images in [0, 1]


@pytest.mark.parametrize("estimator, check", list(_imblearn_checks()))
def test_imblearn_checks_as_shipped(estimator, check):
    if _name(check) in NOT_IMAGES_AS_SHIPPED:
        with pytest.raises(ValueError, match="not a perfect square"):
            check(estimator)
    else:
        check(estimator)


@pytest.mark.parametrize("estimator, check", list(_imblearn_checks()))
def test_imblearn_checks_on_square_images(estimator, check, monkeypatch):
    monkeypatch.setattr(
        imblearn_checks, "sample_dataset_generator", _square_image_dataset
    )
    if _name(check) in EXPECTED_FAILURES:
        with pytest.raises(ValueError, match="not a perfect square"):
            check(estimator)
    else:
        check(estimator)
