"""Soft-voting ensembles of FER classifiers."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from numpy.typing import ArrayLike
from scipy.optimize import minimize
from sklearn.ensemble import VotingClassifier
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import Bunch
from sklearn.utils.validation import check_is_fitted

from .classifier import FERClassifier, weights_meta
from .models import SoftVote
from .weights import tensor_dict, write_weights

if TYPE_CHECKING:
    from sklearn.base import ClassifierMixin

__all__ = ["ensemble_from_fitted", "fit_voting_weights", "make_ensemble", "save_vote"]

PAPER_ARCHITECTURES = ("model1", "model2", "model3")


def make_ensemble(
    architectures: Sequence[str] = PAPER_ARCHITECTURES,
    *,
    weights: ArrayLike | None = None,
    n_jobs: int | None = None,
    **params: Any,
) -> VotingClassifier:
    """Soft-voting ``VotingClassifier`` of one :class:`FERClassifier` per architecture.

    The paper's ensemble of its three CNNs in one line. Every member gets the same
    ``params`` (``max_epochs``, ``random_state``, ``pretrained`` is not shared since
    weights are architecture specific). Fit it like any estimator; it clones and
    trains each member.

    Parameters
    ----------
    architectures : sequence of str, default=("model1", "model2", "model3")
        One member per name.
    weights : array-like of float, default=None
        Voting weights (uniform when None).
    n_jobs : int, default=None
        Members fitted in parallel by joblib.
    **params
        :class:`FERClassifier` parameters shared by every member.

    Returns
    -------
    ensemble : sklearn.ensemble.VotingClassifier

    Examples
    --------
    >>> from skfer import make_ensemble
    >>> from skfer.datasets import make_faces
    >>> X, y = make_faces(n_samples=40, classes=["happy", "sad"], random_state=0,
    ...                   return_X_y=True)
    >>> ens = make_ensemble(["small", "small"], max_epochs=1, random_state=0)
    >>> ens.fit(X, y).predict_proba(X[:2]).shape
    (2, 2)
    """
    architectures = list(architectures)
    if not architectures:
        raise ValueError("make_ensemble needs at least one architecture.")
    names = [
        f"{arch}_{i}" if architectures.count(arch) > 1 else arch
        for i, arch in enumerate(architectures)
    ]
    estimators = [
        (name, FERClassifier(architecture=arch, **params))
        for name, arch in zip(names, architectures)
    ]
    return VotingClassifier(estimators, voting="soft", weights=weights, n_jobs=n_jobs)


def ensemble_from_fitted(
    classifiers: Sequence[ClassifierMixin | tuple[str, ClassifierMixin]],
    *,
    weights: ArrayLike | None = None,
) -> VotingClassifier:
    """Soft-voting ensemble of already fitted classifiers (e.g. pretrained ones).

    scikit-learn's ``VotingClassifier`` always refits its members; this returns one
    whose members are used as they are, ready to ``predict``. Refitting it (or a
    clone) trains fresh members as usual.

    Parameters
    ----------
    classifiers : list of (str, estimator) or list of estimator
        Fitted classifiers with ``predict_proba`` and the same ``classes_``.
    weights : array-like of float, default=None
        Voting weights.

    Returns
    -------
    ensemble : sklearn.ensemble.VotingClassifier
        Fitted.

    Examples
    --------
    >>> from skfer import FERClassifier, ensemble_from_fitted
    >>> from skfer.datasets import make_faces
    >>> X, y = make_faces(n_samples=40, classes=["happy", "sad"], random_state=0,
    ...                   return_X_y=True)
    >>> a = FERClassifier("small", max_epochs=1, random_state=0).fit(X, y)
    >>> b = FERClassifier("small", max_epochs=1, random_state=1).fit(X, y)
    >>> ensemble_from_fitted([a, b]).predict(X[:3]).shape
    (3,)
    """
    named = [
        c if isinstance(c, tuple) else (f"{getattr(c, 'architecture_', 'clf')}_{i}", c)
        for i, c in enumerate(classifiers)
    ]
    if not named:
        raise ValueError("ensemble_from_fitted needs at least one classifier.")
    for _, clf in named:
        check_is_fitted(clf)
    _check_shared_classes([(repr(name), clf) for name, clf in named])
    classes = named[0][1].classes_
    if weights is not None:
        _check_weights(weights, len(named))
    ensemble = VotingClassifier(named, voting="soft", weights=weights)
    ensemble.estimators_ = [clf for _, clf in named]
    ensemble.le_ = LabelEncoder().fit(classes)
    ensemble.classes_ = ensemble.le_.classes_

    ensemble.named_estimators_ = Bunch(**dict(named))
    return ensemble


def save_vote(
    classifiers: Sequence[FERClassifier],
    path: str | os.PathLike[str],
    *,
    weights: ArrayLike | None = None,
    **card: Any,
) -> Path:
    """Write fitted classifiers' soft vote as one weights file: one network.

    Unlike :func:`ensemble_from_fitted` (a scikit-learn ``VotingClassifier``),
    the vote loads as a single :class:`FERClassifier` (architecture
    ``"model3+model3"`` for two Model 3 networks, a
    :class:`~skfer.models.SoftVote`): :func:`skfer.load_pretrained`, ``skfer
    predict --model``, ONNX export, saliency maps and fine-tuning (``pretrained``)
    treat it as any model. Its probabilities are the weighted mean of the
    members' (with the same ``tta``, no ``class_prior``); each member keeps its
    own pixel scaling.

    Parameters
    ----------
    classifiers : sequence of FERClassifier
        At least two fitted classifiers with the same ``classes_`` and input size;
        none of them a vote itself.
    path : str or path-like
        The weights file to write (atomically).
    weights : array-like of float, default=None
        Voting weights, one per classifier, each > 0 (equal when None).
    **card
        JSON-serializable information stored in the file's metadata, beside the
        members' ``pretrained`` names and weights under ``"members"``.

    Returns
    -------
    path : pathlib.Path

    Notes
    -----
    The vote reads raw pixels in the first member's units (``input_range_``)
    and standardizes them as the first member did; the others get the same
    pixels standardized as they were trained. Its ``class_count_`` (what
    ``class_prior`` re-weights) is the members' class frequencies averaged with
    the voting weights, scaled to their mean number of training images: the
    prior the vote's probabilities follow when each member follows its own.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skfer import FERClassifier, save_vote
    >>> from skfer.datasets import make_faces
    >>> X, y = make_faces(n_samples=40, classes=["happy", "sad"], random_state=0,
    ...                   return_X_y=True)
    >>> a = FERClassifier("small", max_epochs=1, random_state=0).fit(X, y)
    >>> b = FERClassifier("small", max_epochs=1, random_state=1).fit(X, y)
    >>> path = save_vote([a, b], os.path.join(tempfile.mkdtemp(), "vote.safetensors"))
    >>> vote = FERClassifier.from_weights(path)
    >>> vote.architecture_
    'small+small'
    >>> mean = (a.predict_proba(X[:3]) + b.predict_proba(X[:3])) / 2
    >>> bool(np.allclose(vote.predict_proba(X[:3]), mean, atol=1e-3))
    True
    """
    members = list(classifiers)
    if len(members) < 2:
        raise ValueError(f"save_vote needs at least 2 classifiers; got {len(members)}.")
    for i, clf in enumerate(members):
        if not isinstance(clf, FERClassifier):
            raise TypeError(
                f"save_vote votes FERClassifier networks; classifier {i} is a "
                f"{type(clf).__name__} (ensemble_from_fitted takes any classifier)."
            )
        check_is_fitted(clf)
        if isinstance(clf.net_.module_, SoftVote):
            raise ValueError(
                f"classifier {i} is a vote ({clf.architecture_!r}); pass its "
                "members instead: a vote of votes is not a weights file."
            )
    _check_shared_classes([(f"classifier {i}", clf) for i, clf in enumerate(members)])
    first = members[0]
    for i, clf in enumerate(members[1:], start=1):
        if clf.n_features_in_ != first.n_features_in_:
            raise ValueError(
                f"All classifiers must read images of one size; classifier {i} "
                f"reads {clf.n_features_in_} pixels, the first {first.n_features_in_}."
            )
    share = np.full(len(members), 1.0 / len(members))
    if weights is not None:
        _check_weights(weights, len(members))
        share = np.asarray(weights, dtype=float) / np.sum(weights)
        if np.any(share == 0):
            raise ValueError(
                f"weights {weights!r} give a classifier no vote; leave it out."
            )
    state = {  # copies: one classifier given twice must not share its tensors
        f"members.{i}.{key}": tensor.clone()
        for i, clf in enumerate(members)
        for key, tensor in tensor_dict(clf.net_.module_).items()
    }
    state.update(_vote_buffers(members, share))
    vote = SimpleNamespace(
        architecture_="+".join(clf.architecture_ for clf in members),
        classes_=first.classes_,
        input_range_=first.input_range_,
        pixel_mean_=first.pixel_mean_,
        pixel_std_=first.pixel_std_,
        n_features_in_=first.n_features_in_,
        class_count_=_vote_class_count(members, share),
    )
    described = [
        {
            "pretrained": None if clf.pretrained is None else str(clf.pretrained),
            "weight": float(w),
        }
        for clf, w in zip(members, share)
    ]
    return write_weights(path, state, weights_meta(vote, members=described, **card))


def _vote_buffers(members, share):
    """The buffers of a :class:`SoftVote` whose input is standardized as the
    first member's: member ``i`` gets ``x * scale + shift``, the same [0, 1]
    pixels standardized with its own mean and deviation (see
    :class:`skfer.classifier.Scaling`; the units of raw pixels are the vote's)."""
    mean, std = members[0].pixel_mean_, members[0].pixel_std_
    scale = [std / clf.pixel_std_ for clf in members]
    shift = [(mean - clf.pixel_mean_) / clf.pixel_std_ for clf in members]
    return {
        "log_weights": torch.log(torch.as_tensor(share, dtype=torch.float32)),
        "input_scale": torch.tensor(scale, dtype=torch.float32),
        "input_shift": torch.tensor(shift, dtype=torch.float32),
    }


def _vote_class_count(members, share):
    """The members' class frequencies averaged with the voting weights, scaled to
    their mean number of images; None when a member does not record its own."""
    counts = [getattr(clf, "class_count_", None) for clf in members]
    if any(c is None for c in counts):
        return None
    frequencies = sum(w * c / c.sum() for w, c in zip(share, counts))
    return frequencies * float(np.mean([c.sum() for c in counts]))


def _check_shared_classes(labelled):
    """Raise a ValueError unless every ``(label, classifier)`` has the first's
    ``classes_`` (``label`` names the classifier in the error)."""
    classes = labelled[0][1].classes_
    for label, clf in labelled[1:]:
        if not np.array_equal(clf.classes_, classes):
            raise ValueError(
                f"All classifiers must share classes_; {label} has "
                f"{clf.classes_.tolist()} but the first has {classes.tolist()}."
            )


def _check_weights(weights, n_members):
    """Voting weights: one finite number >= 0 per member, not all zero."""
    try:
        array = np.asarray(weights, dtype=float)
    except (TypeError, ValueError):
        array = None
    if (
        array is None
        or array.shape != (n_members,)
        or not np.all(np.isfinite(array))
        or np.any(array < 0)
        or not array.sum() > 0
    ):
        raise ValueError(
            f"weights must hold one finite number >= 0 per classifier ({n_members} "
            f"here), not all zero; got {weights!r}."
        )


def fit_voting_weights(
    classifiers: Sequence[ClassifierMixin | tuple[str, ClassifierMixin]],
    X_val: ArrayLike,
    y_val: ArrayLike,
) -> np.ndarray:
    """Soft-voting weights that minimize the log-loss on validation data.

    The log-loss of a weighted average of probabilities is convex in the weights,
    so the optimum on the simplex (weights >= 0, summing to 1) is found reliably;
    unlike a search on accuracy it does not chase the noise of a few images. Use
    validation data only (e.g. FER2013's PublicTest), never the test split.

    Parameters
    ----------
    classifiers : list of (str, estimator) or list of estimator
        Fitted classifiers with ``predict_proba`` and the same ``classes_``.
    X_val, y_val : array-like
        Validation images and labels.

    Returns
    -------
    weights : ndarray of shape (n_classifiers,)
        Non-negative, summing to 1, in the order of ``classifiers``; pass them to
        :func:`ensemble_from_fitted`.

    Examples
    --------
    >>> from skfer import FERClassifier, ensemble_from_fitted, fit_voting_weights
    >>> from skfer.datasets import make_faces
    >>> X, y = make_faces(n_samples=60, classes=["happy", "sad"], random_state=0,
    ...                   return_X_y=True)
    >>> a = FERClassifier("small", max_epochs=2, random_state=0).fit(X[:40], y[:40])
    >>> b = FERClassifier("small", max_epochs=1, random_state=1).fit(X[:40], y[:40])
    >>> w = fit_voting_weights([a, b], X[40:], y[40:])
    >>> w.shape, bool(abs(w.sum() - 1) < 1e-6)
    ((2,), True)
    >>> ensemble_from_fitted([a, b], weights=w).predict(X[:2]).shape
    (2,)
    """
    members = [c[1] if isinstance(c, tuple) else c for c in classifiers]
    if not members:
        raise ValueError("fit_voting_weights needs at least one classifier.")
    classes = members[0].classes_
    y_val = np.asarray(y_val)
    unknown = np.setdiff1d(np.unique(y_val), classes)
    if unknown.size:
        raise ValueError(
            f"y_val contains labels {unknown.tolist()!r} that are not in the "
            f"classifiers' classes_ {classes.tolist()!r}."
        )
    codes = np.searchsorted(classes, y_val)
    # (n_members, n_samples): each member's probability of the true class
    p_true = np.stack(
        [m.predict_proba(X_val)[np.arange(len(codes)), codes] for m in members]
    )
    k = len(members)
    if k == 1:
        return np.ones(1)

    def loss(w):
        return -np.mean(np.log(np.clip(w @ p_true, 1e-12, None)))

    def grad(w):
        return -(p_true / np.clip(w @ p_true, 1e-12, None)).mean(axis=1)

    result = minimize(
        loss,
        np.full(k, 1.0 / k),
        jac=grad,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * k,
        constraints=({"type": "eq", "fun": lambda w: w.sum() - 1.0},),
        # to the optimum itself: with SciPy's default tolerance the weights stop
        # up to ~0.01 short of it, and adding a member that gets no weight would
        # move the others
        options={"ftol": 1e-10, "maxiter": 1000},
    )
    weights = np.clip(result.x, 0.0, None)
    return weights / weights.sum()
