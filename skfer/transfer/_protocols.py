"""Evaluation protocols for cross-dataset transfer: the paper's and subject-wise."""

from __future__ import annotations

from typing import Any

from sklearn.model_selection import GroupKFold, LeaveOneGroupOut, StratifiedShuffleSplit

__all__ = ["PAPER_RATIOS", "make_protocol"]

#: The paper's image-level train / validation / test ratios per target dataset.
PAPER_RATIOS = {"jaffe": (0.6, 0.2, 0.2), "ckplus": (0.7, 0.1, 0.2)}

_SUBJECT_FOLDS = {"ckplus": 10, "jaffe": None}  # None: leave one subject out


def make_protocol(
    target: str,
    protocol: str,
    *,
    n_repeats: int = 5,
    random_state: int = 0,
) -> tuple[Any, float]:
    """Cross-validation splitter and inner validation fraction of a protocol.

    Parameters
    ----------
    target : {"ckplus", "jaffe"}
        The target dataset (decides the paper's ratios and the subject folds).
    protocol : {"paper", "subject"}
        ``"paper"``: stratified random image-level splits at the paper's ratios,
        repeated ``n_repeats`` times (the same person can be in training and test).
        ``"subject"``: subject-independent folds, ``GroupKFold(10)`` for CK+ and
        leave-one-subject-out for JAFFE (pass the subjects as ``groups``).
    n_repeats : int, default=5
        Number of random splits of the paper protocol.
    random_state : int, default=0
        Seed of the paper protocol's splits.

    Returns
    -------
    cv : scikit-learn splitter
        Yields (train + validation, test) indices; the same object gives the same
        folds to every method, so methods are compared on identical data.
    validation_fraction : float
        Share of each training part to hold out for choosing the epoch (the
        paper's validation ratio, relative to train + validation).

    Examples
    --------
    >>> from skfer.transfer import make_protocol
    >>> cv, val = make_protocol("jaffe", "paper")
    >>> cv.get_n_splits(), round(val, 2)
    (5, 0.25)
    >>> make_protocol("jaffe", "subject")[0]
    LeaveOneGroupOut()
    """
    if target not in PAPER_RATIOS:
        raise ValueError(
            f"Unknown target {target!r}; expected one of {sorted(PAPER_RATIOS)}."
        )
    train, val, test = PAPER_RATIOS[target]
    validation_fraction = val / (train + val)
    if protocol == "paper":
        cv = StratifiedShuffleSplit(
            n_splits=n_repeats, test_size=test, random_state=random_state
        )
    elif protocol == "subject":
        folds = _SUBJECT_FOLDS[target]
        cv = LeaveOneGroupOut() if folds is None else GroupKFold(n_splits=folds)
    else:
        raise ValueError(
            f"Unknown protocol {protocol!r}; expected 'paper' or 'subject'."
        )
    return cv, validation_fraction
