"""The files of an epoch checkpoint: writing them, reading them back.

A checkpoint folder holds, after every complete epoch:

- ``model.safetensors``: the network's weights in the format of
  :meth:`FERClassifier.save_weights` (so ``FERClassifier.from_weights`` reads it),
  with a ``checkpoint`` metadata entry: the epoch reached, the per-epoch history
  and the name of the optimizer file;
- ``optimizer-<epoch>.pt``: the rest of the training state
  (see :func:`skfer.classifier.fit_with_checkpoints`: the optimizer's ``state_dict``,
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

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..utils import atomic_file
from ._format import read_weights_meta, write_weights

__all__ = [
    "BEST_FILE",
    "WEIGHTS_FILE",
    "history_rows",
    "read_checkpoint",
    "read_training_state",
    "write_checkpoint",
]

#: The weights of a checkpoint folder (also what ``skfer train`` saves).
WEIGHTS_FILE = "model.safetensors"
#: The weights of the best epoch, with ``fit_with_checkpoints(keep_best=...)``.
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


def history_rows(history: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
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


def _remove_stale(folder, keep):
    for entry in os.scandir(folder):
        stale_opt = entry.name.startswith("optimizer-") and entry.name != keep
        if entry.is_file() and (stale_opt or entry.name.startswith(_TMP_PREFIX)):
            try:
                os.unlink(entry.path)
            except FileNotFoundError:  # pragma: no cover - removed concurrently
                pass


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
    if epoch != len(history):
        raise ValueError(
            f"{where}: 'epoch' is {epoch} but 'history' holds {len(history)} epochs; "
            "the checkpoint is inconsistent."
        )
    for i, row in enumerate(history):
        _check_history_row(where, i, row)
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


#: History entries that are per-epoch numbers (finite).
_SCORES = ("train_loss", "valid_loss", "train_acc", "valid_acc", "lr", "dur")


def _check_history_row(where, i, row):
    """Row ``i`` of a checkpoint's history: epoch ``i + 1``, plain values."""

    def fail(what):
        raise ValueError(f"{where}: history row {i} {what}.")

    number = (int, float)
    value = row.get("epoch")
    if isinstance(value, bool) or value != i + 1 or not isinstance(value, int):
        fail(f"has 'epoch' {value!r}; expected {i + 1}")
    for key, value in row.items():
        if not isinstance(value, (str, bool, *number)) and value is not None:
            fail(f"has {key!r} = {str(value)[:40]!r}; expected a number, bool or text")
        if key in _SCORES and (
            isinstance(value, bool)
            or not isinstance(value, number)
            or not math.isfinite(value)
        ):
            fail(f"has {key!r} = {value!r}; expected a finite number")


def read_checkpoint(dirname: str | os.PathLike[str]) -> dict[str, Any] | None:
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


def read_training_state(path: str | os.PathLike[str]) -> dict[str, Any]:
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
    state = state if "optimizer" in state else {"optimizer": state}
    _check_training_state(path, state)
    return state


def _check_training_state(path, state):
    """The structure :func:`skfer.classifier._training_state.training_state` writes."""

    def fail(what):
        raise ValueError(f"{path}: the training state's {what}.")

    optimizer = state["optimizer"]
    if not (
        isinstance(optimizer, dict)
        and isinstance(optimizer.get("state"), dict)
        and isinstance(optimizer.get("param_groups"), list)
        and optimizer["param_groups"]
        and all(
            isinstance(g, dict) and isinstance(g.get("params"), list)
            for g in optimizer["param_groups"]
        )
    ):
        fail("'optimizer' is not an optimizer state_dict (state, param_groups)")
    schedule = state.get("schedule")
    if schedule is not None and not (
        isinstance(schedule, dict)
        and all(
            isinstance(schedule.get(k), int)
            and not isinstance(schedule.get(k), bool)
            and schedule.get(k) >= 0
            for k in ("origin", "epochs")
        )
    ):
        fail("'schedule' is not {'origin': int >= 0, 'epochs': int >= 0}")
    ema = state.get("ema")
    if ema is not None and not (
        isinstance(ema, dict)
        and isinstance(ema.get("raw"), dict)
        and all(isinstance(v, torch.Tensor) for v in ema["raw"].values())
        and isinstance(ema.get("n_updates"), int)
    ):
        fail("'ema' is not {'raw': tensors, 'n_updates': int}")
    rng = state.get("torch_rng")
    expected = torch.get_rng_state()
    if rng is not None and not (
        isinstance(rng, torch.Tensor)
        and rng.dtype == expected.dtype
        and rng.shape == expected.shape
    ):
        fail(
            f"'torch_rng' is not a generator state ({expected.dtype} tensor of "
            f"{expected.numel()} values)"
        )


def write_checkpoint(
    dirname: str | os.PathLike[str],
    state_dict: Mapping[str, torch.Tensor],
    meta: Mapping[str, Any],
    history: Sequence[Mapping[str, Any]],
    state: Mapping[str, Any],
    *,
    best_card: Mapping[str, Any] | None = None,
) -> None:
    """Write the checkpoint of an epoch into ``dirname`` (created if needed).

    Parameters
    ----------
    dirname : str or path-like
        The checkpoint folder.
    state_dict : dict of str to Tensor
        The network's weights (:func:`tensor_dict`).
    meta : dict
        The weights metadata (see :func:`write_weights`).
    history : list of dict
        The per-epoch history so far (:func:`history_rows`); its length is the
        epoch number.
    state : dict
        The rest of the training state (tensors and plain numbers).
    best_card : dict or None, default=None
        When given, the epoch is also the best so far: its weights are written
        to ``best.safetensors`` with this ``card`` metadata.
    """
    folder = Path(dirname)
    folder.mkdir(parents=True, exist_ok=True)
    epoch = len(history)
    opt_name = _OPTIMIZER_PATTERN.format(epoch=epoch)
    _atomic_torch_save(state, folder / opt_name)
    if best_card is not None:
        write_weights(folder / BEST_FILE, state_dict, {**meta, "card": best_card})
    checkpoint = {"epoch": epoch, "history": history, "optimizer": opt_name}
    write_weights(folder / WEIGHTS_FILE, state_dict, {**meta, "checkpoint": checkpoint})
    _remove_stale(folder, keep=opt_name)
