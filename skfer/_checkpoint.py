"""Epoch checkpoints of a FERClassifier fit, and resuming from them.

A checkpoint folder holds, after every complete epoch:

- ``model.safetensors``: the network's weights in the format of
  :meth:`FERClassifier.save_weights` (so ``FERClassifier.from_weights`` reads it),
  with a ``checkpoint`` metadata entry: the epoch reached, the per-epoch history
  and the name of the optimizer file;
- ``optimizer-<epoch>.pt``: the rest of the training state
  (:func:`skfer._training_state.training_state`: the optimizer's ``state_dict``,
  the learning-rate schedule's position, the raw weights behind a weight average
  and torch's random generator; tensors and plain numbers only, read back with
  ``torch.load(weights_only=True)``: no unpickling of arbitrary objects). A
  resumed fit therefore gives the same weights and history as an uninterrupted
  one (same machine and thread count).
- ``best.safetensors`` (with ``keep_best``): the weights of the epoch with the best
  monitored score so far.

Every file is written to a temporary file in the same folder and renamed into place
(``os.replace``), optimizer first; ``model.safetensors`` is the commit point, so a
process killed at any moment leaves the previous complete checkpoint readable.
Older optimizer files and temporary files left by a killed process are removed on
the next write.
"""

import os
from pathlib import Path

import numpy as np
import torch
from skorch.callbacks import Callback

from ._atomic import atomic_file
from ._training_state import training_state
from ._weights_io import read_weights_meta

__all__ = [
    "BEST_FILE",
    "EpochCheckpoint",
    "fit_with_checkpoints",
    "read_checkpoint",
    "read_training_state",
    "resume_from_checkpoint",
]

WEIGHTS_FILE = "model.safetensors"
BEST_FILE = "best.safetensors"
_OPTIMIZER_PATTERN = "optimizer-{epoch:04d}.pt"
_TMP_PREFIX = ".tmp-"


def _json_ready(value):
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, (np.generic, torch.Tensor)):
        return value.item()
    return value


def history_rows(history):
    """Per-epoch dicts of a skorch history, without the per-batch records."""
    return [
        _json_ready({k: v for k, v in row.items() if k != "batches"}) for row in history
    ]


def _atomic_torch_save(obj, path):
    with atomic_file(path) as tmp, open(tmp, "wb") as fh:
        try:
            torch.save(obj, fh)
            fh.flush()
            os.fsync(fh.fileno())
        except RuntimeError as exc:  # torch's report of a failed write (full disk)
            raise OSError(f"Cannot write {path}: {exc}") from exc


class _EstimatorMeta:
    """Callable giving the weights metadata of ``clf`` at the time of the call."""

    def __init__(self, clf, card=None):
        self.clf = clf
        self.card = card

    def __call__(self):
        # the metadata of FERClassifier.save_weights, from the attributes that
        # fit sets before training starts
        return self.clf._weights_meta(**(self.card or {}))


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

    def __init__(self, dirname, meta, keep_best=None):
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

    def on_epoch_end(self, net, **kwargs):
        from ._weights_io import tensor_dict, write_weights

        folder = Path(self.dirname)
        folder.mkdir(parents=True, exist_ok=True)
        rows = history_rows(net.history)
        epoch = len(rows)
        opt_name = _OPTIMIZER_PATTERN.format(epoch=epoch)
        _atomic_torch_save(training_state(net), folder / opt_name)
        meta = dict(self.meta())
        if self._is_best(rows):
            card = {
                **meta.get("card", {}),
                "epoch": epoch,
                self.keep_best: rows[-1][self.keep_best],
            }
            write_weights(
                folder / BEST_FILE, tensor_dict(net.module_), {**meta, "card": card}
            )
        meta["checkpoint"] = {"epoch": epoch, "history": rows, "optimizer": opt_name}
        write_weights(folder / WEIGHTS_FILE, tensor_dict(net.module_), meta)
        _remove_stale(folder, keep=opt_name)


def _remove_stale(folder, keep):
    for entry in os.scandir(folder):
        stale_opt = entry.name.startswith("optimizer-") and entry.name != keep
        if entry.is_file() and (stale_opt or entry.name.startswith(_TMP_PREFIX)):
            try:
                os.unlink(entry.path)
            except FileNotFoundError:  # pragma: no cover - removed concurrently
                pass


# The metadata of a weights file, validated (the one reader, skfer._weights_io).
_read_meta = read_weights_meta


def _check_checkpoint_meta(weights, ckpt):
    """The ``checkpoint`` metadata entry: epoch, history, an optimizer file name.

    The optimizer file must be a plain name inside the checkpoint folder: metadata
    naming another place (``../x.pt``, ``/etc/...``) is refused.
    """
    where = f"{weights}: metadata field 'checkpoint'"
    epoch, history, name = (ckpt.get(k) for k in ("epoch", "history", "optimizer"))
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise ValueError(f"{where}: 'epoch' is {epoch!r}; expected an integer >= 0.")
    if not isinstance(history, list) or not all(isinstance(r, dict) for r in history):
        raise ValueError(f"{where}: 'history' is not a list of per-epoch objects.")
    if (
        not isinstance(name, str)
        or not name
        or name in (".", "..")
        or "/" in name
        or "\\" in name
        or "\0" in name
    ):
        raise ValueError(
            f"{where}: 'optimizer' is {name!r}; expected a file name inside the "
            "checkpoint folder (no path separators, not '..')."
        )


def read_checkpoint(dirname):
    """Describe the checkpoint in ``dirname``, or return None if there is none.

    Returns
    -------
    info : dict or None
        ``epoch`` (epochs complete), ``history`` (list of per-epoch dicts),
        ``weights`` (path of ``model.safetensors``), ``optimizer`` (path of the
        optimizer state) and ``meta`` (the weights metadata).

    Raises
    ------
    ValueError
        If the folder holds a checkpoint that cannot be read.
    """
    folder = Path(dirname)
    weights = folder / WEIGHTS_FILE
    for _ in range(3):
        if not weights.is_file():
            return None
        meta = read_weights_meta(weights)
        ckpt = meta.pop("checkpoint", None)
        if not isinstance(ckpt, dict) or "history" not in ckpt:
            raise ValueError(f"{weights} is a weights file, not an skfer checkpoint.")
        _check_checkpoint_meta(weights, ckpt)
        optimizer = folder / ckpt["optimizer"]
        if optimizer.is_file():
            break
        # A training process may have committed a newer checkpoint (and removed
        # this optimizer file) while we were reading: read again.
    else:
        raise ValueError(
            f"Checkpoint {folder} is incomplete: optimizer state {optimizer.name} "
            "is missing."
        )
    return {
        "epoch": int(ckpt["epoch"]),
        "history": list(ckpt["history"]),
        "weights": weights,
        "optimizer": optimizer,
        "meta": meta,
    }


def read_training_state(path):
    """The training state saved beside a checkpoint's weights.

    Files of earlier skfer versions hold the optimizer's ``state_dict`` alone;
    they are read as ``{"optimizer": ...}`` (such a resume restarts the random
    generator and schedule).
    """
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # any unpickling refusal or corrupt file
        raise ValueError(f"Cannot read the training state {path} ({exc}).") from exc
    if not isinstance(state, dict) or not (
        "optimizer" in state or "param_groups" in state
    ):
        raise ValueError(f"{path} does not hold an skfer training state.")
    return state if "optimizer" in state else {"optimizer": state}


def resume_from_checkpoint(dirname, **params):
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
    from skorch.history import History

    from .classifier import FERClassifier

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


def fit_with_checkpoints(
    clf,
    X,
    y,
    dirname,
    *,
    resume=False,
    X_val=None,
    y_val=None,
    card=None,
    keep_best=None,
):
    """Fit ``clf`` for ``clf.max_epochs`` epochs, checkpointing after every epoch.

    With ``resume=True`` and a checkpoint in ``dirname``, training continues from
    the last complete epoch (weights, optimizer state, history and epoch numbers
    carried over) for the remaining epochs; it must be given the same data. The
    validation split of ``validation_fraction`` is the same as in the first run
    when ``random_state`` is an int.

    If the fit is interrupted (Ctrl-C: skorch returns early), the classifier
    comes back with fewer than ``max_epochs`` epochs in ``history_``; the
    checkpoint holds the last complete one.

    Parameters
    ----------
    clf : FERClassifier
        Unfitted classifier; its parameters configure the run.
    X, y : array-like
        Training data.
    dirname : str or path-like
        Checkpoint folder.
    resume : bool, default=False
        Continue from the checkpoint in ``dirname``; a ValueError if there is none.
    X_val, y_val : array-like, default=None
        Explicit validation data, as for :meth:`FERClassifier.fit`.
    card : dict, default=None
        Extra information stored in each checkpoint's weights metadata.
    keep_best : str or None, default=None
        History key whose best epoch is also saved as ``best.safetensors`` (see
        :class:`EpochCheckpoint`).

    Returns
    -------
    clf : FERClassifier
        The fitted classifier (a new object when resuming).
    """
    total = int(clf.max_epochs)
    original = clf.get_params()
    user_callbacks = list(original["callbacks"] or [])
    if resume:
        info = read_checkpoint(dirname)
        if info is None:
            raise ValueError(
                f"resume: no checkpoint in {str(dirname)!r}; start the training "
                "without resuming."
            )
        done = info["epoch"]
        if done > total:
            raise ValueError(
                f"resume: the checkpoint in {str(dirname)!r} already has {done} "
                f"epochs, more than the {total} asked for."
            )
        params = {k: v for k, v in original.items() if k != "pretrained"}
        fitted, state = _restore(dirname, params)
        if done == total:
            fitted.set_params(**original)
            return fitted
        checkpoint = EpochCheckpoint(dirname, _EstimatorMeta(fitted, card), keep_best)
        fitted.set_params(callbacks=[*user_callbacks, ("checkpoint", checkpoint)])
        try:
            # The schedule keeps its length (``max_epochs``) from the saved state.
            fitted._fit(
                X, y, X_val, y_val, warm=True, epochs=total - done, resume_state=state
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
            fitted.fit(X, y, X_val=X_val, y_val=y_val)
        finally:
            fitted.set_params(callbacks=original["callbacks"])
    # The parameters the user gave; the fitted state stays.
    fitted.set_params(**original)
    return fitted
