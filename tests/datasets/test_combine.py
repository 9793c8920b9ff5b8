"""combine_datasets: one training set from several datasets."""

import numpy as np
import pytest
from sklearn.model_selection import GroupKFold
from sklearn.utils import Bunch

from skfer.datasets import combine_datasets


def _bunch(n, labels, groups=None, dist=None, classes=None):
    extra = {} if dist is None else {"label_distribution": dist, "classes": classes}
    return Bunch(
        data=np.full((n, 4), n, np.uint8),
        target=np.array(labels),
        groups=groups,
        **extra,
    )


def test_rows_labels_groups_and_datasets_are_kept_in_order():
    ck = _bunch(2, ["happy", "disgust"], groups=np.array(["S010", "S011"]))
    web = _bunch(3, ["sad", "happy", "happy"])
    both = combine_datasets({"ckplus": ck, "web": web})
    assert both.data.shape == (5, 4)
    assert both.target.tolist() == ["happy", "disgust", "sad", "happy", "happy"]
    assert both.groups.tolist() == [
        "ckplus/S010",
        "ckplus/S011",
        "web/0",
        "web/1",
        "web/2",
    ]
    assert both.dataset.tolist() == ["ckplus"] * 2 + ["web"] * 3
    assert both.sample_weight is None
    assert both.classes == ["disgust", "happy", "sad"]


def test_groups_never_straddle_folds():
    a = _bunch(6, ["happy", "sad"] * 3, groups=np.array(list("aabbcc")))
    b = _bunch(6, ["happy", "sad"] * 3, groups=np.array(list("aabbcc")))  # same ids
    both = combine_datasets({"a": a, "b": b})
    for train, test in GroupKFold(3).split(both.data, both.target, both.groups):
        assert not set(both.groups[train]) & set(both.groups[test])
    assert len(set(both.groups)) == 6  # "a/a" and "b/a" are different people


def test_distributions_are_aligned_on_the_union_of_classes():
    votes = np.array([[0.2, 0.8], [1.0, 0.0]], np.float32)
    fp = _bunch(2, ["neutral", "contempt"], dist=votes, classes=["contempt", "neutral"])
    jaffe = _bunch(1, ["happy"])
    both = combine_datasets({"ferplus": fp, "jaffe": jaffe})
    assert both.classes == ["contempt", "happy", "neutral"]
    np.testing.assert_allclose(
        both.label_distribution, [[0.2, 0, 0.8], [1.0, 0, 0], [0, 1, 0]], rtol=1e-6
    )


@pytest.mark.parametrize(
    "balance, expected",
    [
        ("equal", [0.625] * 4 + [2.5]),
        ({"big": 0.8, "small": 0.2}, [1.0] * 4 + [1.0]),
        ({"big": 1, "small": 0}, [1.25] * 4 + [0.0]),
    ],
)
def test_balance_sets_each_datasets_share(balance, expected):
    both = combine_datasets(
        {"big": _bunch(4, ["happy"] * 4), "small": _bunch(1, ["sad"])}, balance=balance
    )
    np.testing.assert_allclose(both.sample_weight, expected, rtol=1e-6)
    assert both.sample_weight.mean() == pytest.approx(1.0)


@pytest.mark.parametrize(
    "datasets, kwargs, error, match",
    [
        ([], {}, TypeError, "non-empty dict"),
        ({"a": object()}, {}, TypeError, "loader's Bunch or a tuple"),
        ({"a": (np.zeros((2, 4)),)}, {}, ValueError, "a tuple of 1"),
        ({"a": (np.zeros((2, 4)), ["x"])}, {}, ValueError, "one label per row"),
        (
            {"a": (np.zeros((1, 4)), ["x"]), "b": (np.zeros((1, 5)), ["x"])},
            {},
            ValueError,
            "same number of pixels",
        ),
        ({"a": (np.zeros((1, 4)), ["x"])}, {"balance": {"b": 1}}, ValueError, "share"),
        ({"a": (np.zeros((1, 4)), ["x"])}, {"balance": "auto"}, ValueError, "'equal'"),
    ],
)
def test_bad_input_is_refused(datasets, kwargs, error, match):
    with pytest.raises(error, match=match):
        combine_datasets(datasets, **kwargs)
