"""scikit-learn's estimator checks on every public estimator of skfer."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skfer import FERClassifier


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
