"""Fitting with a checkpoint after every epoch, and resuming from one.

The files (weights, training state, best epoch) are written and read by
:mod:`skfer.weights` (see :func:`skfer.weights.write_checkpoint`); this module
holds the skorch callback that writes them and the resuming logic. The training
state saved with each epoch (:func:`training_state`: optimizer, schedule
position, the raw weights behind a weight average and torch's random generator)
makes a resumed fit give the same weights and history as an uninterrupted one
(same machine and thread count).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from numpy.typing import ArrayLike
from skorch.callbacks import Callback
from skorch.history import History

from ..weights import (
    history_rows,
    read_checkpoint,
    read_training_state,
    tensor_dict,
    write_checkpoint,
)
from ._classifier import FERClassifier, resume_fit, weights_meta
from ._distributed import is_main_process
from ._training_state import training_state

if TYPE_CHECKING:
    from ._classifier import FERClassifier

__all__ = [
    "EpochCheckpoint",
    "checkpoint_to_resume",
    "fit_with_checkpoints",
    "resume_from_checkpoint",
]


class _EstimatorMeta:
    """Callable giving the weights metadata of ``clf`` at the time of the call."""

    def __init__(self, clf, card=None):
        self.clf = clf
        self.card = card

    def __call__(self):
        # the metadata of FERClassifier.save_weights, from the attributes that
        # fit sets before training starts
        return weights_meta(self.clf, **(self.card or {}))


class EpochCheckpoint(Callback):
    """skorch callback writing a resumable checkpoint after every epoch.

    Parameters
    ----------
    dirname : str or path-like
        The checkpoint folder (created if needed).
    meta : callable
        Returns the weights metadata (architecture, classes, pixel scaling, see
        :meth:`FERClassifier.save_weights`) when called; :func:`fit_with_checkpoints`
        passes one reading the classifier being fitted.
    keep_best : str or None, default=None
        A history key (e.g. ``"valid_acc"``, higher is better; a key ending in
        ``"loss"`` is lower-is-better): also write ``best.safetensors`` whenever an
        epoch beats every earlier one. Decided from the history alone, so resumed
        runs keep the same best epoch.
    """

    def __init__(
        self,
        dirname: str | os.PathLike[str],
        meta: Callable[[], dict[str, Any]],
        keep_best: str | None = None,
    ) -> None:
        self.dirname = dirname
        self.meta = meta
        self.keep_best = keep_best

    def _is_best(self, rows):
        key = self.keep_best
        scores = [row.get(key) for row in rows]
        if key is None or scores[-1] is None:
            return False
        earlier = [v for v in scores[:-1] if v is not None]
        if not earlier:
            return True
        if key.endswith("loss"):
            return scores[-1] < min(earlier)
        return scores[-1] > max(earlier)

    def on_epoch_end(self, net: Any, **kwargs: Any) -> None:
        if not is_main_process():  # data-parallel: the first process writes
            return
        rows = history_rows(net.history)
        meta = dict(self.meta())
        best_card = None
        if self._is_best(rows):
            best_card = {
                **meta.get("card", {}),
                "epoch": len(rows),
                self.keep_best: rows[-1][self.keep_best],  # type: ignore[index]  # not None: _is_best
            }
        write_checkpoint(
            self.dirname,
            tensor_dict(net.module_),
            meta,
            rows,
            training_state(net),
            best_card=best_card,
        )


def resume_from_checkpoint(
    dirname: str | os.PathLike[str], **params: Any
) -> FERClassifier:
    """Rebuild a fitted FERClassifier from a checkpoint.

    The classifier has the checkpoint's weights, ``history_`` and, on ``net_``, the
    skorch history. To continue the training exactly as an uninterrupted run would
    (optimizer, schedule, weight average, random generator), use
    :func:`fit_with_checkpoints` with ``resume=True``.

    Parameters
    ----------
    dirname : str or path-like
        The checkpoint folder.
    **params
        Constructor parameters of :class:`FERClassifier` (not ``pretrained``).

    Returns
    -------
    clf : FERClassifier
    """
    clf, _ = _restore(dirname, params)
    return clf


def _restore(dirname, params):
    info = read_checkpoint(dirname)
    if info is None:
        raise FileNotFoundError(f"No checkpoint found in {str(dirname)!r}.")
    state = read_training_state(info["optimizer"])
    params = dict(params)
    params.pop("pretrained", None)
    clf = FERClassifier.from_weights(info["weights"], **params)
    history = History()
    for row in info["history"]:
        history.append({**row, "batches": []})
    clf.net_.history = history
    clf.history_ = [dict(row) for row in info["history"]]
    return clf, state


def checkpoint_to_resume(
    dirname: str | os.PathLike[str], *, resume: bool, max_epochs: int
) -> dict[str, Any] | None:
    """The checkpoint a run continues from, after checking it fits the request.

    One policy for every caller (:func:`fit_with_checkpoints`, ``skfer train``,
    the benchmarks): a checkpoint is never overwritten by a fresh run, and a
    run is resumed only from a checkpoint that exists and is not longer than
    the run asked for.

    Parameters
    ----------
    dirname : str or path-like
        Checkpoint folder.
    resume : bool
        Whether the run continues a checkpoint.
    max_epochs : int
        Epochs the run asks for in all.

    Returns
    -------
    info : dict or None
        The checkpoint (see :func:`skfer.weights.read_checkpoint`) when
        resuming, else None.

    Raises
    ------
    ValueError
        If the checkpoint is unreadable, if ``resume`` is asked without a
        checkpoint, if a fresh run would overwrite one, or if the checkpoint
        has more than ``max_epochs`` epochs.

    Examples
    --------
    >>> import tempfile
    >>> from skfer.classifier import checkpoint_to_resume
    >>> print(checkpoint_to_resume(tempfile.mkdtemp(), resume=False, max_epochs=5))
    None
    """
    where = repr(str(dirname))
    try:
        info = read_checkpoint(dirname)
    except ValueError as exc:
        raise ValueError(f"cannot read the checkpoint in {where}: {exc}") from exc
    if resume and info is None:
        raise ValueError(
            f"resume: no checkpoint in {where}; start the training without resuming."
        )
    if not resume and info is not None:
        raise ValueError(
            f"{where} already holds a training checkpoint ({info['epoch']} epochs): "
            "resume it, or choose another folder."
        )
    if info is not None and info["epoch"] > max_epochs:
        raise ValueError(
            f"resume: the checkpoint in {where} already has {info['epoch']} epochs, "
            f"more than the {max_epochs} asked for."
        )
    return info


def fit_with_checkpoints(
    clf: FERClassifier,
    X: ArrayLike,
    y: ArrayLike,
    dirname: str | os.PathLike[str],
    *,
    resume: bool = False,
    X_val: ArrayLike | None = None,
    y_val: ArrayLike | None = None,
    card: Mapping[str, Any] | None = None,
    keep_best: str | None = None,
    sample_weight: ArrayLike | None = None,
    label_distribution: ArrayLike | None = None,
    teacher_proba: ArrayLike | None = None,
) -> FERClassifier:
    """Fit ``clf`` for ``clf.max_epochs`` epochs, checkpointing after every epoch.

    With ``resume=True`` and a checkpoint in ``dirname``, training continues from
    the last complete epoch (weights, optimizer state, history and epoch numbers
    carried over) for the remaining epochs; it must be given the same data. The
    validation split of ``validation_fraction`` is the same as in the first run
    when ``random_state`` is an int.

    If the fit is interrupted (Ctrl-C: skorch returns early), the classifier
    comes back with fewer than ``max_epochs`` epochs in ``history_`` (an epoch
    stopped midway is left out, with a warning); the checkpoint holds the last
    complete one. A diverged training (see ``FERClassifier``) raises before the
    diverged epoch is checkpointed.

    Parameters
    ----------
    clf : FERClassifier
        Unfitted classifier; its parameters configure the run.
    X, y : array-like
        Training data.
    dirname : str or path-like
        Checkpoint folder.
    resume : bool, default=False
        Continue from the checkpoint in ``dirname``. The request must fit the
        folder (see :func:`checkpoint_to_resume`): a ValueError if there is no
        checkpoint to resume, or if a fresh run would overwrite one.
    X_val, y_val : array-like, default=None
        Explicit validation data, as for :meth:`FERClassifier.fit`.
    card : dict, default=None
        Extra information stored in each checkpoint's weights metadata.
    keep_best : str or None, default=None
        History key whose best epoch is also saved as ``best.safetensors`` (see
        :class:`EpochCheckpoint`).
    sample_weight, label_distribution, teacher_proba : array-like, default=None
        Weights, label distributions and a teacher's probabilities for ``X``, as
        for :meth:`FERClassifier.fit`; a resumed run must be given the same.

    Returns
    -------
    clf : FERClassifier
        The fitted classifier (a new object when resuming).
    """
    total = int(clf.max_epochs)
    original = clf.get_params()
    user_callbacks = list(original["callbacks"] or [])
    info = checkpoint_to_resume(dirname, resume=resume, max_epochs=total)
    if info is not None:
        done = info["epoch"]
        params = {k: v for k, v in original.items() if k != "pretrained"}
        fitted, state = _restore(dirname, params)
        if done == total:
            fitted.set_params(**original)
            return fitted
        checkpoint = EpochCheckpoint(dirname, _EstimatorMeta(fitted, card), keep_best)
        fitted.set_params(callbacks=[*user_callbacks, ("checkpoint", checkpoint)])
        try:
            # The schedule keeps its length (``max_epochs``) from the saved state.
            resume_fit(
                fitted,
                X,
                y,
                X_val,
                y_val,
                state,
                epochs=total - done,
                sample_weight=sample_weight,
                label_distribution=label_distribution,
                teacher_proba=teacher_proba,
            )
        finally:
            fitted.set_params(callbacks=original["callbacks"])
    else:
        fitted = clf
        fitted.set_params(
            callbacks=[
                *user_callbacks,
                (
                    "checkpoint",
                    EpochCheckpoint(dirname, _EstimatorMeta(fitted, card), keep_best),
                ),
            ]
        )
        try:
            fitted.fit(
                X,
                y,
                sample_weight,
                X_val=X_val,
                y_val=y_val,
                label_distribution=label_distribution,
                teacher_proba=teacher_proba,
            )
        finally:
            fitted.set_params(callbacks=original["callbacks"])
    # The parameters the user gave; the fitted state stays.
    fitted.set_params(**original)
    return fitted
