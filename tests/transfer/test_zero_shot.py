"""PretrainedClassifier validates what it is given, though it learns nothing."""

import numpy as np
import pytest

from skfer.transfer import PretrainedClassifier
from skfer.utils import resize_image


@pytest.fixture(scope="module")
def faces48(faces):
    X, y = faces
    return X[:20], y[:20]


def test_fit_refuses_continuous_targets(faces48):
    X, _ = faces48
    with pytest.raises(ValueError, match="Unknown label type"):
        PretrainedClassifier("fer2013-model2").fit(X, np.linspace(0, 1, len(X)))


def test_fit_refuses_labels_and_images_of_different_lengths(faces48):
    X, y = faces48
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        PretrainedClassifier("fer2013-model2").fit(X, y[:-1])


def test_fit_refuses_images_the_model_cannot_take(faces48):
    X, y = faces48
    with pytest.raises(ValueError, match="X has 3 features.*2304"):
        PretrainedClassifier("fer2013-model2").fit(X[:, :3], y)


def test_predict_checks_the_number_of_features_of_the_fit(faces48):
    X, y = faces48
    clf = PretrainedClassifier("fer2013-model2").fit(X, y)
    assert clf.n_features_in_ == 48 * 48
    assert set(clf.predict(X)) <= set(clf.classes_)
    with pytest.raises(ValueError, match="X has 100 features"):
        clf.predict(np.zeros((2, 100), np.uint8))


def test_predict_takes_other_square_sizes_as_the_model_does(faces48):
    X, y = faces48
    clf = PretrainedClassifier("fer2013-model2").fit(X, y)
    big = np.stack([resize_image(x.reshape(48, 48), (64, 64)) for x in X[:2]])
    assert clf.predict_proba(big.reshape(2, -1)).shape == (2, len(clf.classes_))
