"""``split_dataset``: FER2013's own parts, stratified and subject-independent splits."""

import numpy as np
import pytest
from sklearn.utils import Bunch

from skfer.datasets import make_faces, split_dataset


def test_fer2013_keeps_its_own_parts():
    usage = np.array(["Training"] * 6 + ["PublicTest"] * 2 + ["PrivateTest"] * 3)
    bunch = Bunch(data=np.arange(11)[:, None], target=np.arange(11) % 2, usage=usage)
    train, valid, test, text = split_dataset(bunch, test_fraction=0.5)
    assert (len(train[1]), len(valid[1]), len(test[1])) == (6, 2, 3)
    assert test[0].ravel().tolist() == [8, 9, 10]
    assert "PrivateTest" in text


def test_stratified_split_keeps_class_shares():
    faces = make_faces(70, random_state=0)
    (_, y_tr), valid, (_, y_te), _ = split_dataset(
        faces, test_fraction=0.2, random_state=0
    )
    assert valid is None
    assert np.unique(y_te, return_counts=True)[1].tolist() == [2] * 7
    assert len(y_tr) == 56


def test_subject_independent_split_shares_no_subject():
    faces = make_faces(80, n_subjects=8, random_state=0)
    train, _, test, text = split_dataset(
        faces, test_fraction=0.25, by_subject=True, random_state=1
    )
    groups = np.asarray(faces.groups)
    rows = {tuple(r) for r in faces.data}
    index = {tuple(r): i for i, r in enumerate(faces.data)}
    assert len(rows) == len(faces.data)
    tr = {groups[index[tuple(r)]] for r in train[0]}
    te = {groups[index[tuple(r)]] for r in test[0]}
    assert tr.isdisjoint(te) and len(te) == 2 and len(tr) == 6
    assert text.startswith("subject-independent: 6 subjects")


def test_by_subject_needs_groups_and_enough_subjects():
    bunch = Bunch(data=np.zeros((4, 1)), target=np.array([0, 1, 0, 1]))
    with pytest.raises(ValueError, match="groups"):
        split_dataset(bunch, test_fraction=0.5, by_subject=True)
    bunch.groups = np.array([0, 0, 0, 0])
    with pytest.raises(ValueError, match="cannot hold out"):
        split_dataset(bunch, test_fraction=0.5, by_subject=True)
