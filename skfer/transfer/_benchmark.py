"""Scratch vs fine-tuned vs zero-shot on a target dataset, with cross_validate."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import cross_validate

from ..classifier import FERClassifier
from ..weights import read_weights_meta, resolve_weights
from ._protocols import make_protocol
from ._zero_shot import PretrainedClassifier

if TYPE_CHECKING:
    from sklearn.base import BaseEstimator
    from sklearn.utils import Bunch

__all__ = [
    "METHODS",
    "PAPER_TABLES",
    "TARGETS",
    "make_transfer_estimator",
    "training_length",
    "transfer_benchmark",
]

#: The target datasets of the benchmark.
TARGETS = ("ckplus", "jaffe")

#: The compared ways of getting a model for the target dataset.
METHODS = ("zero-shot", "scratch", "fine-tuned", "fine-tuned+oversampling")

#: Accuracies (%) of the paper's Tables 6 (JAFFE) and 7 (CK+), Models 1 / 2 / 3.
PAPER_TABLES = {
    "jaffe": {
        "scratch": {"model1": 74.02, "model2": 74.42, "model3": 60.47},
        "fine-tuned": {"model1": 76.74, "model2": 79.07, "model3": 65.12},
    },
    "ckplus": {
        "scratch": {"model1": 46.89, "model2": 50.73, "model3": 60.90},
        "fine-tuned": {"model1": 50.96, "model2": 68.81, "model3": 61.45},
    },
}

#: Training settings on the (small) target datasets.
DEFAULT_PARAMS = {
    "max_epochs": 40,
    "batch_size": 32,
    "augment": "light",
    "early_stopping": True,
    "n_iter_no_change": 10,
}
_LR = {"scratch": 1e-3, "fine-tuned": 3e-4, "fine-tuned+oversampling": 3e-4}

#: Fewest optimizer steps of a training run: on a small training part (JAFFE's
#: ~130 images are 4 batches) ``max_epochs`` and the early-stopping patience grow
#: so that every target gets about the same number of steps (CK+ keeps 40 epochs).
MIN_STEPS = 500


def training_length(
    n_train: int,
    validation_fraction: float | None,
    params: Mapping[str, Any] | None = None,
) -> dict[str, int]:
    """``max_epochs`` and ``n_iter_no_change`` of a fit on a small dataset.

    Long enough for at least ``MIN_STEPS`` optimizer steps (500): on a
    training part of a few batches, the epochs and the early-stopping patience
    grow in proportion, as the transfer benchmark trains every target dataset.

    Parameters
    ----------
    n_train : int
        Images of the training part, before the validation share is held out.
    validation_fraction : float or None
        Share of ``n_train`` held out for early stopping.
    params : dict, default=None
        :class:`~skfer.FERClassifier` parameters: ``batch_size`` (default 32)
        sets the steps of an epoch; an explicit ``max_epochs`` or
        ``n_iter_no_change`` wins.

    Returns
    -------
    length : dict
        ``{"max_epochs": int, "n_iter_no_change": int}``, to pass on as
        :class:`~skfer.FERClassifier` parameters.

    Examples
    --------
    >>> from skfer.transfer import training_length
    >>> training_length(523, 1 / 8)     # CK+, paper protocol
    {'max_epochs': 40, 'n_iter_no_change': 10}
    >>> training_length(170, 0.25)      # JAFFE, paper protocol
    {'max_epochs': 125, 'n_iter_no_change': 31}
    """
    params = params or {}
    batch = params.get("batch_size", DEFAULT_PARAMS["batch_size"])
    fitted = int(n_train * (1 - (validation_fraction or 0)))
    batches = max(1, -(-fitted // batch))
    epochs = max(DEFAULT_PARAMS["max_epochs"], -(-MIN_STEPS // batches))
    scale = epochs / DEFAULT_PARAMS["max_epochs"]
    out = {
        "max_epochs": epochs,
        "n_iter_no_change": int(DEFAULT_PARAMS["n_iter_no_change"] * scale),
    }
    out.update({k: params[k] for k in out if k in params})
    return out


def make_transfer_estimator(
    method: str,
    model: str,
    weights: str | os.PathLike[str] | None = None,
    *,
    validation_fraction: float = 0.2,
    params: Mapping[str, Any] | None = None,
    random_state: int = 0,
) -> BaseEstimator:
    """The estimator of one transfer method, ready for ``cross_validate``.

    Parameters
    ----------
    method : {"zero-shot", "scratch", "fine-tuned", "fine-tuned+oversampling"}
        ``"zero-shot"``: the source weights as they are
        (:class:`PretrainedClassifier`); ``"scratch"``: a fresh
        :class:`~skfer.FERClassifier`; ``"fine-tuned"``: a
        :class:`~skfer.FERClassifier` starting from ``weights``, all layers
        trained; ``"fine-tuned+oversampling"``: the same after an
        :class:`~skfer.over_sampling.AugmentationOverSampler` that balances the
        classes, in an imbalanced-learn pipeline.
    model : str
        Architecture (``"model1"``, ``"model2"``, ``"model3"``, ...).
    weights : str or path-like, default=None
        Source weights (needed by every method but ``"scratch"``).
    validation_fraction : float, default=0.2
        Held out of each training part to pick the epoch (early stopping).
    params : dict, default=None
        :class:`~skfer.FERClassifier` parameters overriding the defaults
        (``max_epochs=40``, ``batch_size=32``, ``augment="light"``, early stopping
        with patience 10, ``lr`` 1e-3 from scratch and 3e-4 when fine-tuning).
    random_state : int, default=0
        Seed of the estimator.

    Returns
    -------
    estimator : scikit-learn estimator

    Examples
    --------
    >>> from skfer.transfer import make_transfer_estimator
    >>> make_transfer_estimator("scratch", "model2").lr
    0.001
    """
    if method not in METHODS:
        raise ValueError(f"Unknown method {method!r}; expected one of {METHODS}.")
    if method != "scratch" and weights is None:
        raise ValueError(f"Method {method!r} needs source weights; got weights=None.")
    if method == "zero-shot":
        tta = (params or {}).get("tta")
        return PretrainedClassifier(weights, tta=tta)  # type: ignore[arg-type]  # not None: checked above
    settings = {**DEFAULT_PARAMS, "lr": _LR[method], **(params or {})}
    clf = FERClassifier(
        architecture=model if method == "scratch" else None,
        pretrained=None if method == "scratch" else weights,
        validation_fraction=validation_fraction,
        random_state=random_state,
        **settings,
    )
    if clf.pretrained is not None:
        arch = read_weights_meta(resolve_weights(weights))["architecture"]  # type: ignore[arg-type]  # not None: checked above
        if arch != model:
            raise ValueError(f"Weights {weights!r} are a {arch!r}, not a {model!r}.")
    if method == "fine-tuned+oversampling":
        # lazy: imbalanced-learn (~400 modules), for this method only
        from imblearn.pipeline import Pipeline

        from ..over_sampling import AugmentationOverSampler

        return Pipeline(
            [
                ("oversample", AugmentationOverSampler(random_state=random_state)),
                ("clf", clf),
            ]
        )
    return clf


class _FoldLogger:
    """The accuracy scorer of ``cross_validate``, logging each fold as it ends.

    Folds fitted in parallel (``n_jobs``) each score a copy of the logger, so
    they are not numbered.
    """

    def __init__(self, log, label, n_folds, start, n_jobs=None):
        self.log, self.label, self.n_folds, self.start = log, label, n_folds, start
        self.numbered = n_jobs in (None, 1)
        self.n_done = 0

    def __call__(self, estimator, X, y):
        accuracy = float(np.mean(estimator.predict(X) == np.asarray(y)))
        self.n_done += 1
        epochs = len(_history(estimator))
        which = f"fold {self.n_done}/{self.n_folds}" if self.numbered else "a fold"
        self.log(
            f"  {self.label}: {which} {100 * accuracy:.1f} %"
            + (f" after {epochs} epochs" if epochs else "")
            + f" ({time.perf_counter() - self.start:.0f} s)"
        )
        return accuracy


_HISTORY_KEYS = ("epoch", "train_loss", "valid_loss", "train_acc", "valid_acc")


def _compact(history):
    """The per-epoch curves of a history, JSON-ready (for figures made later)."""
    return [
        {k: float(e[k]) for k in _HISTORY_KEYS if isinstance(e.get(k), (int, float))}
        for e in history
    ]


def _history(estimator):
    final = estimator[-1] if hasattr(estimator, "steps") else estimator
    return list(getattr(final, "history_", []) or [])


def transfer_benchmark(
    datasets: Mapping[str, Bunch],
    weights: Mapping[str, str | os.PathLike[str]],
    *,
    models: Sequence[str] = ("model1", "model2", "model3"),
    methods: Sequence[str] = ("zero-shot", "scratch", "fine-tuned"),
    protocols: Sequence[str] = ("paper", "subject"),
    n_repeats: int = 5,
    max_splits: int | None = None,
    params: Mapping[str, Any] | None = None,
    random_state: int = 0,
    n_jobs: int | None = None,
    log: Callable[[str], object] | None = print,
    skip: Collection[tuple[str, str, str, str]] = (),
    on_row: Callable[[dict[str, Any]], object] | None = None,
    verbose: int = 1,
) -> tuple[list[dict[str, Any]], dict[Any, Any]]:
    """Compare transfer methods on target datasets with ``cross_validate``.

    For every target, protocol, model and method, the same folds (materialized
    once per target and protocol) are scored with
    :func:`sklearn.model_selection.cross_validate`; test-fold predictions are
    summed into a confusion matrix.

    Parameters
    ----------
    datasets : dict
        Target name (``"ckplus"`` or ``"jaffe"``) -> Bunch with ``data``,
        ``target`` and ``groups`` (subject ids), as returned by the loaders.
    weights : dict
        Model name -> source weights (registered name or file).
    models, methods, protocols : sequences of str
        What to run; see :data:`METHODS` and :func:`make_protocol`.
    n_repeats : int, default=5
        Random splits of the paper protocol.
    max_splits : int, default=None
        Use only the first folds of each protocol (quick runs).
    params : dict, default=None
        Extra :class:`~skfer.FERClassifier` parameters for every trained model.
        Unless given there, ``max_epochs`` and ``n_iter_no_change`` grow on small
        targets so that every run makes at least 500 optimizer
        steps (JAFFE: about 125 epochs; CK+ keeps 40).
    random_state : int, default=0
        Seed of the splits and the estimators.
    n_jobs : int, default=None
        Folds fitted in parallel (joblib; ``cross_validate``'s ``n_jobs``).
    log : callable, default=print
        Progress messages; ``None`` for silence.
    skip : collection of tuple, default=()
        ``(target, protocol, model, method)`` combinations not to run (already
        done, when resuming).
    on_row : callable, default=None
        Called with each row as soon as it is complete (to save progress).
    verbose : int, default=1
        1: ``log`` one line per finished row; 2: also one per finished fold (its
        accuracy and epochs), so that a row of several minutes shows progress.

    Returns
    -------
    rows : list of dict
        One per (target, protocol, model, method) run: ``mean``, ``std``,
        ``n_splits``, ``scores``, ``fit_time_mean``, ``wall_time_s``, ``labels``,
        ``confusion_matrix`` (summed over test folds) and, for trained methods,
        ``history_first_fold`` (per-epoch losses and accuracies of the first fold).
    histories : dict
        ``(target, protocol, model, method)`` -> the first fold's ``history_``.
    """
    # long: the nested loop over targets, protocols, models and methods, each
    # row written as it ends; not yet split by job (issue #30)
    log = log or (lambda *a, **k: None)
    rows, histories = [], {}
    done = set(skip or ())
    for target, data in datasets.items():
        X, y, groups = data.data, np.asarray(data.target), data.groups
        for protocol in protocols:
            cv, val_frac = make_protocol(
                target, protocol, n_repeats=n_repeats, random_state=random_state
            )
            if protocol == "subject" and groups is None:
                raise ValueError(f"The subject protocol needs groups for {target!r}.")
            split_groups = groups if protocol == "subject" else None
            splits = list(cv.split(X, y, split_groups))[:max_splits]
            for model in models:
                for method in methods:
                    if (target, protocol, model, method) in done:
                        continue
                    if method != "scratch" and model not in weights:
                        raise ValueError(
                            f"No source weights for {model!r} (needed by {method!r})."
                        )
                    est = make_transfer_estimator(
                        method,
                        model,
                        weights.get(model),
                        validation_fraction=val_frac,
                        params={
                            **(params or {}),
                            **training_length(len(splits[0][0]), val_frac, params),
                        },
                        random_state=random_state,
                    )
                    t0 = time.perf_counter()
                    label = f"{target} {protocol} {model} {method}"
                    res = cross_validate(
                        est,
                        X,
                        y,
                        cv=splits,
                        scoring=(
                            _FoldLogger(log, label, len(splits), t0, n_jobs)
                            if verbose >= 2
                            else "accuracy"
                        ),
                        return_estimator=True,
                        return_indices=True,
                        n_jobs=n_jobs,
                        error_score="raise",
                    )
                    wall = time.perf_counter() - t0
                    preds = [
                        (y[test], fitted.predict(X[test]))
                        for fitted, test in zip(
                            res["estimator"], res["indices"]["test"]
                        )
                    ]
                    labels = np.unique(np.concatenate([y] + [p for _, p in preds]))
                    cm = sum(confusion_matrix(t, p, labels=labels) for t, p in preds)
                    scores = res["test_score"]
                    row = {
                        "target": target,
                        "protocol": protocol,
                        "model": model,
                        "method": method,
                        "mean": float(np.mean(scores)),
                        "std": float(np.std(scores)),
                        "n_splits": len(scores),
                        "scores": [float(s) for s in scores],
                        "fit_time_mean": float(np.mean(res["fit_time"])),
                        "wall_time_s": round(wall, 1),
                        "labels": [str(label) for label in labels],
                        "confusion_matrix": cm.tolist(),
                    }
                    history = _history(res["estimator"][0])
                    if history:
                        row["history_first_fold"] = _compact(history)
                    rows.append(row)
                    histories[(target, protocol, model, method)] = history
                    if on_row is not None:
                        on_row(row)
                    log(
                        f"{target:>6} {protocol:>7} {model:>7} {method:>24}: "
                        f"{100 * row['mean']:5.1f} +- {100 * row['std']:4.1f} % "
                        f"({row['n_splits']} folds, {wall:.0f} s)"
                    )
    return rows, histories
