import numpy as np
import pytest
from sklearn.metrics import confusion_matrix

from skfer.metrics import confusion_matrices

Y_TRUE = ["happy", "happy", "sad", "sad", "sad", "fear"]
Y_PRED = ["happy", "sad", "sad", "sad", "happy", "happy"]


def test_counts_known_values():
    counts, normalized = confusion_matrices(Y_TRUE, Y_PRED)
    # sorted labels: fear, happy, sad
    np.testing.assert_array_equal(counts, [[0, 1, 0], [0, 1, 1], [0, 1, 2]])
    np.testing.assert_allclose(
        normalized, [[0, 1, 0], [0, 0.5, 0.5], [0, 1 / 3, 2 / 3]]
    )
    assert counts.dtype.kind == "i"
    assert normalized.dtype == float


def test_label_order_is_respected():
    labels = ["sad", "happy", "fear"]
    counts, _ = confusion_matrices(Y_TRUE, Y_PRED, labels=labels)
    np.testing.assert_array_equal(
        counts, confusion_matrix(Y_TRUE, Y_PRED, labels=labels)
    )
    assert counts[0, 0] == 2  # sad -> sad


def test_absent_class_gives_zero_row_not_nan():
    counts, normalized = confusion_matrices(
        Y_TRUE, Y_PRED, labels=["fear", "happy", "sad", "surprise"]
    )
    assert counts.shape == (4, 4)
    assert not np.isnan(normalized).any()
    np.testing.assert_array_equal(normalized[3], 0.0)
    np.testing.assert_allclose(normalized[:3].sum(axis=1), 1.0)


def test_rows_sum_to_one_on_random_labels():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 7, 500), rng.integers(0, 7, 500)
    counts, normalized = confusion_matrices(y_true, y_pred)
    assert counts.sum() == 500
    np.testing.assert_allclose(normalized.sum(axis=1), 1.0)
    np.testing.assert_allclose(
        normalized, confusion_matrix(y_true, y_pred, normalize="true")
    )


@pytest.mark.parametrize(
    ("y_true", "y_pred", "labels", "match"),
    [
        ([0, 1, 1], [0, 1], None, "same number of samples; got 3 and 2"),
        ([], [], None, "empty"),
        ([[0, 1]], [[0, 1]], None, "y_true must be 1-D"),
        ([0, 1], [0, 1], [], "labels must be a non-empty"),
        ([0, 1], [0, 1], [0, 0, 1], "must not repeat"),
        ([0, 1], [0, 1], [5, 6], "none of labels"),
    ],
)
def test_bad_inputs_raise(y_true, y_pred, labels, match):
    with pytest.raises(ValueError, match=match):
        confusion_matrices(y_true, y_pred, labels=labels)
