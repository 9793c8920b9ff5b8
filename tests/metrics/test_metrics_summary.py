import json

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

from skfer.metrics import classification_summary

EXPECTED_KEYS = {
    "n_samples",
    "accuracy",
    "macro_f1",
    "per_class_precision",
    "per_class_recall",
    "per_class_f1",
    "support",
    "labels",
    "confusion_matrix",
}


@pytest.fixture
def predictions(faces):
    _, y = faces
    rng = np.random.default_rng(0)
    y_pred = y.copy()
    flip = rng.random(len(y)) < 0.35
    y_pred[flip] = rng.choice(np.unique(y), flip.sum())
    return y, y_pred


def _roundtrip(obj):
    return json.loads(json.dumps(obj))


def test_values_equal_sklearn(predictions):
    y_true, y_pred = predictions
    summary = classification_summary(y_true, y_pred)
    labels = np.unique(y_true)
    assert set(summary) == EXPECTED_KEYS
    assert summary["n_samples"] == len(y_true)
    assert summary["accuracy"] == pytest.approx(accuracy_score(y_true, y_pred))
    assert summary["macro_f1"] == pytest.approx(
        f1_score(y_true, y_pred, average="macro")
    )
    recall = recall_score(y_true, y_pred, average=None, labels=labels)
    precision = precision_score(y_true, y_pred, average=None, labels=labels)
    assert summary["labels"] == labels.tolist()
    for label, r, p in zip(labels, recall, precision):
        assert summary["per_class_recall"][label] == pytest.approx(r)
        assert summary["per_class_precision"][label] == pytest.approx(p)
        assert summary["support"][label] == int(np.sum(y_true == label))
    assert np.trace(summary["confusion_matrix"]) == np.sum(y_true == y_pred)


def test_is_json_serializable_with_plain_types(predictions):
    summary = classification_summary(*predictions)
    assert _roundtrip(summary) == summary
    assert type(summary["accuracy"]) is float
    assert type(summary["n_samples"]) is int
    assert all(type(v) is int for v in summary["support"].values())
    assert all(type(v) is float for v in summary["per_class_recall"].values())


def test_integer_labels_become_str_keys():
    summary = classification_summary(np.array([0, 1, 2, 2]), np.array([0, 2, 2, 2]))
    assert list(summary["support"]) == ["0", "1", "2"]
    assert summary["per_class_recall"] == {"0": 1.0, "1": 0.0, "2": 1.0}
    assert _roundtrip(summary) == summary


def test_unpredicted_and_absent_classes_score_zero_without_warning(recwarn):
    summary = classification_summary(
        ["happy", "sad"], ["happy", "happy"], labels=["happy", "sad", "fear"]
    )
    assert summary["per_class_precision"]["sad"] == 0.0
    assert summary["per_class_recall"]["fear"] == 0.0
    assert summary["support"] == {"happy": 1, "sad": 1, "fear": 0}
    # macro F1 averages over the three requested labels, as sklearn does
    assert summary["macro_f1"] == pytest.approx(
        f1_score(
            ["happy", "sad"],
            ["happy", "happy"],
            labels=["happy", "sad", "fear"],
            average="macro",
            zero_division=0.0,
        )
    )
    assert not [w for w in recwarn if "zero" in str(w.message).lower()]


def test_mismatched_lengths_raise():
    with pytest.raises(ValueError, match="y_true and y_pred"):
        classification_summary(["happy"], ["happy", "sad"])
