"""Training, validation and test parts of a loaded dataset."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sklearn.utils import Bunch

__all__ = ["split_dataset"]

_FER2013_PARTS = ("Training", "PublicTest", "PrivateTest")


def split_dataset(
    bunch: Bunch,
    *,
    test_fraction: float | None = None,
    by_subject: bool = False,
    random_state: int | np.random.RandomState | None = None,
) -> tuple[
    tuple[np.ndarray, np.ndarray],
    tuple[np.ndarray, np.ndarray] | None,
    tuple[np.ndarray, np.ndarray] | None,
    str,
]:
    """Split a loaded dataset into training, validation and test parts.

    FER2013 (a bunch with ``usage``) keeps its own split: Training, PublicTest
    for validation, PrivateTest for testing. Other datasets hold out a
    stratified random ``test_fraction`` of the images (image-level: a subject
    may appear in both parts), or, with ``by_subject=True``, the images of a
    random ``test_fraction`` of the subjects (``groups``), or none.

    Parameters
    ----------
    bunch : Bunch
        A dataset of :mod:`skfer.datasets` (``data``, ``target``, and ``usage``
        for FER2013).
    test_fraction : float or None, default=None
        Share of the images (of the subjects, with ``by_subject``) held out for
        testing; ignored for FER2013.
    by_subject : bool, default=False
        Hold out whole subjects (the bunch's ``groups``), so that no subject is
        in both parts: the subject-independent protocol.
    random_state : int, RandomState instance or None, default=None
        Seed of the random split.

    Returns
    -------
    train : tuple (X, y)
    valid : tuple (X, y) or None
    test : tuple (X, y) or None
    description : str
        How the parts were made, for result files.

    Raises
    ------
    ValueError
        If ``test_fraction`` cannot be held out of the images (too few), or
        ``by_subject`` is asked of a dataset without ``groups``.

    Examples
    --------
    >>> from skfer.datasets import make_faces, split_dataset
    >>> faces = make_faces(n_samples=40, random_state=0)
    >>> train, valid, test, text = split_dataset(faces, test_fraction=0.25,
    ...                                          random_state=0)
    >>> len(train[1]), valid, len(test[1])
    (30, None, 10)
    >>> text = split_dataset(faces, test_fraction=0.5, by_subject=True,
    ...                      random_state=0)[3]
    >>> text
    'subject-independent: 5 subjects for training, 5 others for testing'
    """
    # lazy: sklearn.model_selection (~70 modules) loads only to split
    from sklearn.model_selection import train_test_split

    X, y = bunch.data, bunch.target
    usage = bunch.get("usage")
    if usage is not None:
        usage = np.asarray(usage)
        parts = {name: (X[usage == name], y[usage == name]) for name in _FER2013_PARTS}
        if len(parts["Training"][1]):
            valid = parts["PublicTest"] if len(parts["PublicTest"][1]) else None
            test = parts["PrivateTest"] if len(parts["PrivateTest"][1]) else None
            text = "FER2013 Training; validation PublicTest; test PrivateTest"
            return parts["Training"], valid, test, text
    if not test_fraction:
        return (X, y), None, None, "all images for training"
    if by_subject:
        return _split_by_subject(bunch, test_fraction, random_state)
    counts = np.unique(y, return_counts=True)[1]
    stratify = y if counts.min() >= 2 else None
    try:
        X_tr, X_te, y_tr, y_te = train_test_split(
            X, y, test_size=test_fraction, stratify=stratify, random_state=random_state
        )
    except ValueError as exc:
        raise ValueError(
            f"cannot hold out {test_fraction} of {len(y)} images ({exc})."
        ) from exc
    text = (
        f"stratified random split: {test_fraction:.0%} of the images held out for "
        "testing (image-level: subjects may appear in both parts)"
    )
    return (X_tr, y_tr), None, (X_te, y_te), text


def _split_by_subject(bunch, test_fraction, random_state):
    """Hold out the images of a random ``test_fraction`` of the subjects."""
    # lazy: sklearn.model_selection (~70 modules) loads only to split
    from sklearn.model_selection import GroupShuffleSplit

    groups = bunch.get("groups")
    if groups is None:
        raise ValueError("by_subject needs a dataset with subjects (``groups``).")
    groups = np.asarray(groups)
    splitter = GroupShuffleSplit(
        n_splits=1, test_size=test_fraction, random_state=random_state
    )
    try:
        tr, te = next(splitter.split(bunch.data, bunch.target, groups=groups))
    except ValueError as exc:
        raise ValueError(
            f"cannot hold out {test_fraction} of {len(set(groups))} subjects ({exc})."
        ) from exc
    X, y = bunch.data, bunch.target
    text = (
        f"subject-independent: {len(set(groups[tr]))} subjects for training, "
        f"{len(set(groups[te]))} others for testing"
    )
    return (X[tr], y[tr]), None, (X[te], y[te]), text
