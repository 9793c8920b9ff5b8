"""Several datasets as one training set: one vocabulary, subjects kept apart."""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Real
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils import Bunch

from ._vocabulary import _sort_names

__all__ = ["combine_datasets"]


def _parts(name, dataset):
    """``(data, target, groups, distribution, classes)`` of one dataset."""
    if isinstance(dataset, tuple):
        if len(dataset) not in (2, 3):
            raise ValueError(
                f"combine_datasets: dataset {name!r} must be a loader's Bunch or a "
                f"tuple (X, y) or (X, y, groups); got a tuple of {len(dataset)}."
            )
        data, target, groups = (*dataset, None)[:3]
        dist, classes = None, None
    else:
        try:
            data, target = dataset.data, dataset.target
        except AttributeError as exc:
            raise TypeError(
                f"combine_datasets: dataset {name!r} must be a loader's Bunch or a "
                f"tuple (X, y[, groups]); got {type(dataset).__name__}."
            ) from exc
        groups = dataset.get("groups")
        dist, classes = dataset.get("label_distribution"), dataset.get("classes")
    data = np.asarray(data)
    target = np.asarray(target).astype(str)
    if data.ndim != 2 or len(data) != len(target):
        raise ValueError(
            f"combine_datasets: dataset {name!r} needs data of shape (n, n_pixels) "
            f"and one label per row; got data {data.shape} and {len(target)} labels."
        )
    if groups is None:  # no subject ids: every image is its own person
        groups = np.arange(len(target)).astype(str)
    groups = np.char.add(f"{name}/", np.asarray(groups).astype(str))
    return data, target, groups, dist, classes


def _weights(names, sizes, balance):
    """Per-image weights giving each dataset its share of the total weight."""
    if balance is None:
        return None
    if balance == "equal":
        shares = dict.fromkeys(names, 1.0)
    elif isinstance(balance, dict):
        unknown = sorted(set(balance) - set(names))
        missing = sorted(set(names) - set(balance))
        bad = [k for k, v in balance.items() if not isinstance(v, Real) or v < 0]
        if unknown or missing or bad or sum(balance.values()) <= 0:
            raise ValueError(
                "combine_datasets: balance must give a non-negative share to every "
                f"dataset {names}, not all zero; got {balance!r}."
            )
        shares = {k: float(v) for k, v in balance.items()}
    else:
        raise ValueError(
            "combine_datasets: balance must be None, 'equal' or a dict "
            f"{{dataset: share}}; got {balance!r}."
        )
    total = sum(shares.values())
    n = sum(sizes)
    # mean weight 1: a dataset's images share its part of n
    return np.concatenate(
        [np.full(size, shares[k] / total * n / size) for k, size in zip(names, sizes)]
    ).astype(np.float32)


def combine_datasets(
    datasets: Mapping[str, Bunch | tuple[ArrayLike, ...]],
    *,
    balance: Literal["equal"] | Mapping[str, float] | None = None,
) -> Bunch:
    """Concatenate datasets into one training set, keeping who is who.

    Labels are already in one vocabulary (every loader returns the canonical
    emotion names, see :data:`EMOTIONS`); subject groups are prefixed with the
    dataset's name, so ``GroupKFold`` or :func:`split_dataset` never puts one
    person on both sides, and images without subject ids (FER2013, FER+) are
    each their own group.

    Parameters
    ----------
    datasets : dict of str to Bunch or tuple
        ``{name: dataset}``: a loader's Bunch, or ``(X, y)`` / ``(X, y, groups)``.
        All with the same number of pixels per row.
    balance : None, "equal" or dict of str to float, default=None
        Per-dataset weight in training, returned as ``sample_weight`` (mean 1):
        ``None`` weighs every image alike (no ``sample_weight``), ``"equal"``
        gives every dataset the same total weight, a dict gives each dataset its
        share, e.g. ``{"ferplus": 0.9, "ckplus": 0.1}``.

    Returns
    -------
    combined : Bunch
        ``data``, ``target``, ``groups``, ``dataset`` (the name of each row's
        dataset), ``sample_weight`` (None without ``balance``), ``classes``
        (sorted, the order of ``FERClassifier.classes_``) and
        ``label_distribution`` (each row's distribution over ``classes``: a
        dataset's own, e.g. FER+'s votes, else its one-hot labels).

    Examples
    --------
    >>> import numpy as np
    >>> from skfer.datasets import combine_datasets
    >>> a = (np.zeros((3, 4)), ["happy", "sad", "happy"])
    >>> b = (np.ones((1, 4)), ["sad"], ["S010"])
    >>> both = combine_datasets({"web": a, "lab": b}, balance="equal")
    >>> both.groups.tolist()
    ['web/0', 'web/1', 'web/2', 'lab/S010']
    >>> both.sample_weight.tolist()
    [0.6666666865348816, 0.6666666865348816, 0.6666666865348816, 2.0]
    """
    if not isinstance(datasets, dict) or not datasets:
        raise TypeError(
            "combine_datasets: datasets must be a non-empty dict {name: dataset}; "
            f"got {datasets!r:.80}."
        )
    names = list(datasets)
    parts = [_parts(name, datasets[name]) for name in names]
    widths = {p[0].shape[1] for p in parts}
    if len(widths) > 1:
        raise ValueError(
            "combine_datasets: every dataset must have the same number of pixels "
            f"per row; got {sorted(widths)}."
        )
    labels = [set(p[1]) | set(p[4] or ()) for p in parts]
    classes = np.array(sorted(set().union(*labels)))
    distributions = []
    for _, target, _, dist, own in parts:
        full = np.zeros((len(target), len(classes)), dtype=np.float32)
        if dist is None:
            full[np.arange(len(target)), np.searchsorted(classes, target)] = 1.0
        else:
            full[:, np.searchsorted(classes, own)] = dist
        distributions.append(full)
    return Bunch(
        data=np.concatenate([p[0] for p in parts]),
        target=np.concatenate([p[1] for p in parts]),
        target_names=np.array(_sort_names(classes.tolist())),
        groups=np.concatenate([p[2] for p in parts]),
        dataset=np.concatenate([np.full(len(p[1]), n) for n, p in zip(names, parts)]),
        sample_weight=_weights(names, [len(p[1]) for p in parts], balance),
        classes=classes.tolist(),
        label_distribution=np.concatenate(distributions),
    )
