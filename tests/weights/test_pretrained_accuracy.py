"""Each shipped model reproduces its registered FER2013 PrivateTest accuracy."""

import numpy as np
import pytest

from skfer import list_pretrained, load_pretrained

FER2013_ENTRIES = [e for e in list_pretrained() if "private_test_accuracy" in e]


@pytest.mark.realdata
@pytest.mark.parametrize("entry", FER2013_ENTRIES, ids=lambda e: e["name"])
def test_private_test_accuracy_matches_the_registry(entry, real_dataset):
    from skfer.datasets import load_fer2013

    data = load_fer2013(real_dataset("fer2013"), subset="PrivateTest")
    assert len(data.target) == 3589
    clf = load_pretrained(entry["name"])
    accuracy = float(np.mean(clf.predict(data.data) == data.target))
    # within 0.2 points of the figure in the registry
    assert abs(accuracy - entry["private_test_accuracy"]) <= 0.002


FERPLUS_ENTRIES = [e for e in list_pretrained() if "ferplus_test_accuracy" in e]


@pytest.mark.realdata
@pytest.mark.parametrize("entry", FERPLUS_ENTRIES, ids=lambda e: e["name"])
def test_ferplus_test_accuracy_matches_the_registry(entry, real_dataset):
    from skfer.datasets import load_fer2013, load_ferplus

    data = load_ferplus(real_dataset("ferplus"), subset="PrivateTest")
    assert len(data.target) == 3135  # majority protocol, contempt merged
    clf = load_pretrained(entry["name"])
    accuracy = float(np.mean(clf.predict(data.data) == data.target))
    assert abs(accuracy - entry["ferplus_test_accuracy"]) <= 0.002
    fer = load_fer2013(real_dataset("fer2013"), subset="PrivateTest")
    accuracy = float(np.mean(clf.predict(fer.data) == fer.target))
    # a FER2013 model's PrivateTest figure is its own registry key
    private = entry.get(
        "fer2013_private_test_accuracy", entry.get("private_test_accuracy")
    )
    assert abs(accuracy - private) <= 0.002
