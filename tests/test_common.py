"""scikit-learn's estimator checks on the public estimators of skfer.

FERClassifier and PretrainedClassifier here; AugmentationOverSampler in
tests/over_sampling/ (imbalanced-learn's checks). The image transformers of
skfer.preprocessing take images only, which the checks' data are not.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skfer import FERClassifier
from skfer.transfer import PretrainedClassifier


def _fast_classifier(**params):
    # The "small" network, enough epochs for check_classifiers_train's accuracy bar
    # on blobs, and float32 so that predictions of a subset equal the subset of
    # predictions to the last bit.
    defaults = dict(
        architecture="small",
        max_epochs=8,
        batch_size=32,
        lr=1e-2,
        validation_fraction=None,
        precision="float32",
        random_state=0,
    )
    return FERClassifier(**{**defaults, **params})


# Every expected failure, with its reason. Keep this list short.
EXPECTED_FAILED_CHECKS = {
    "check_methods_subset_invariance": (
        "float32 convolution kernels (oneDNN) are chosen by batch size, so an image's "
        "probabilities differ in the 7th digit (~2e-7) between a batch and a subset of "
        "it; the check demands rtol=1e-7."
    ),
    "check_sample_weight_equivalence_on_dense_data": (
        "mini-batch training: a sample of weight 2 and two copies of it land in "
        "different batches (and shift every later batch), so the two fits differ."
    ),
}

# Validation split, early stopping and on-the-fly augmentation change what a fit
# does (a held-out part, restored weights, random image transforms): the checks run
# on these configurations too, with 2 epochs to stay fast. With so little training
# the accuracy bar of check_classifiers_train on blobs is out of reach.
_TRAINING_ONLY_FAILURES = {
    "check_classifiers_train": (
        "2 epochs on tiny blobs data do not reach the check's accuracy bar (0.83); "
        "the configuration, not the estimator, is too weak here."
    ),
}


def _expected_failed_checks(estimator):
    failures = dict(EXPECTED_FAILED_CHECKS)
    if estimator.max_epochs < 8:
        failures.update(_TRAINING_ONLY_FAILURES)
    return failures


@parametrize_with_checks(
    [
        _fast_classifier(),
        _fast_classifier(
            max_epochs=2,
            early_stopping=True,
            validation_fraction=0.2,
            n_iter_no_change=1,
        ),
        _fast_classifier(max_epochs=2, augment="standard"),
    ],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# PretrainedClassifier applies a shipped 48x48 image model: every check that fits
# it on the checks' own data (blobs of 1-10 features, or one feature per sample)
# must fail with a clear "X has n features, but ... expecting 2304" error, which is
# the behaviour wanted. The other checks (parameters, cloning, repr, y handling,
# unfitted errors, tags) run and pass.
_NEEDS_48X48_IMAGES = "fitting needs images the pretrained 48x48 model can take"
PRETRAINED_FAILED_CHECKS = dict.fromkeys(
    [
        "check_classifier_data_not_an_array",
        "check_classifiers_classes",
        "check_classifiers_one_label",
        "check_classifiers_train",
        "check_dict_unchanged",
        "check_dont_overwrite_parameters",
        "check_dtype_object",
        "check_estimators_dtypes",
        "check_estimators_fit_returns_self",
        "check_estimators_nan_inf",
        "check_estimators_overwrite_params",
        "check_estimators_pickle",
        "check_f_contiguous_array_estimator",
        "check_fit2d_1feature",
        "check_fit2d_1sample",
        "check_fit2d_predict1d",
        "check_fit_check_is_fitted",
        "check_fit_idempotent",
        "check_fit_score_takes_y",
        "check_methods_sample_order_invariance",
        "check_methods_subset_invariance",
        "check_n_features_in",
        "check_n_features_in_after_fitting",
        "check_pipeline_consistency",
        "check_positive_only_tag_during_fit",
        "check_readonly_memmap_input",
        "check_requires_y_none",
        "check_supervised_y_2d",
    ],
    _NEEDS_48X48_IMAGES,
)


@parametrize_with_checks(
    [PretrainedClassifier("fer2013-model2")],
    expected_failed_checks=lambda estimator: PRETRAINED_FAILED_CHECKS,
)
def test_pretrained_classifier_sklearn_checks(estimator, check):
    check(estimator)
