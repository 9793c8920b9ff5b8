"""The transfer benchmark end to end: find the weights, load the targets, run.

The results file, its resuming and merging are :mod:`._results`; the tables and
figures :mod:`._tables`.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

from ..datasets import (
    cache_relative,
    get_cache_home,
    get_data_home,
    load_ckplus,
    load_jaffe,
)
from ..utils import check_device, sha256_file
from ..weights import list_pretrained, resolve_weights
from ._benchmark import TARGETS, transfer_benchmark
from ._results import ResultsLog, write_results

__all__ = ["run_transfer", "source_weights"]

_QUICK = {"n_repeats": 2, "max_splits": 2, "params": {"max_epochs": 3}}


def source_weights(
    models: Sequence[str],
    overrides: Mapping[str, str | os.PathLike[str]] | None = None,
) -> tuple[dict[str, str | os.PathLike[str]], list[str]]:
    """FER2013 source weights per model: shipped, cached, or given.

    Looks for ``overrides[model]`` first, then the registered name
    ``"fer2013-<model>"``, then ``fer2013-<model>.safetensors`` in the cache
    (``SKFER_CACHE/weights``, where ``benchmarks/fer2013.py`` keeps Model 1's 80 MB).
    """
    registered = {entry["name"] for entry in list_pretrained()}
    found, missing = {}, []
    for model in models:
        name = f"fer2013-{model}"
        cached = Path(get_cache_home()) / "weights" / f"{name}.safetensors"
        if overrides and model in overrides:
            found[model] = overrides[model]
        elif name in registered:
            found[model] = name
        elif cached.is_file():
            found[model] = cached
        else:
            missing.append(model)
    return found, missing


def _shown(weights):
    """Weights as written in results: cached files as ``$SKFER_CACHE/...``."""
    if not Path(weights).is_file():  # a registered name
        return str(weights)
    return cache_relative(weights) or str(weights)


def _load_targets(data_home, targets):
    home = Path(get_data_home(data_home))
    loaders = {"ckplus": load_ckplus, "jaffe": load_jaffe}
    out = {}
    for target in targets:
        if target not in loaders:
            raise ValueError(f"Unknown target {target!r}; expected {TARGETS}.")
        folder = home / target if (home / target).is_dir() else home
        out[target] = loaders[target](folder)
    return out


def _machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(
                line.split(":", 1)[1].strip()
                for line in fh
                if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
    }


def run_transfer(
    data_home: str | os.PathLike[str] | None = None,
    *,
    output: str | os.PathLike[str] = "transfer-results",
    models: Sequence[str] = ("model1", "model2", "model3"),
    targets: Sequence[str] = TARGETS,
    protocols: Sequence[str] = ("paper", "subject"),
    methods: Sequence[str] = ("zero-shot", "scratch", "fine-tuned"),
    weights: Mapping[str, str | os.PathLike[str]] | None = None,
    quick: bool = False,
    n_repeats: int = 5,
    n_jobs: int | None = None,
    random_state: int = 0,
    device: str = "cpu",
    command: str | None = None,
    log: Callable[[str], object] | None = print,
    resume: bool = True,
    verbose: int = 1,
) -> dict[str, Any]:
    """Run the FER2013 -> CK+ / JAFFE transfer benchmark and write its results.

    Writes ``transfer.json`` (a list ``rows`` of ``{"target", "protocol",
    "model", "method", "mean", "std", "n_splits", ...}``, accuracies as fractions),
    ``transfer.md`` (the paper's Tables 6 and 7 beside ours, per protocol) and PNG
    figures (confusion matrices of the best fine-tuned model per target, learning
    curves of one fine-tuning run per target) to ``output``.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding ``ckplus/`` and ``jaffe/`` (default: ``SKFER_DATA``).
    output : str or path-like, default="transfer-results"
        Results folder.
    models, targets, protocols, methods : sequences of str
        What to run.
    weights : dict, default=None
        Model -> FER2013 weights overriding the shipped / cached ones.
    quick : bool, default=False
        Two folds per protocol and 3 epochs: a smoke run with every row.
    n_repeats : int, default=5
        Random splits of the paper protocol.
    n_jobs : int, default=None
        Folds fitted in parallel.
    random_state : int, default=0
        Seed.
    device : str, default="cpu"
        Torch device of the trained models (``"cuda"`` for a GPU); recorded with
        the machine in the results.
    command : str, default=None
        The command line to record in the results.
    log : callable, default=print
        Progress messages.
    resume : bool, default=True
        ``transfer.json`` is rewritten after every finished row (``"complete":
        false`` until the end), so an interrupted run loses at most the row in
        progress. With ``resume=True`` a run keeps the rows of an earlier
        ``transfer.json`` in ``output`` made with the same settings (``quick``,
        ``n_repeats``, ``random_state``) and runs only the missing ones; rows of
        other models or targets are kept too, so models can be run one at a time.
        ``False`` starts afresh.
    verbose : int, default=1
        1: ``log`` a line per finished row; 2: also a line per finished fold.

    Returns
    -------
    results : dict
        What ``transfer.json`` holds.
    """
    check_device(device)
    log = log or (lambda *a, **k: None)
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    needs_weights = any(m != "scratch" for m in methods)
    found, missing = source_weights(models, weights)
    if needs_weights and missing:
        raise ValueError(
            f"No FER2013 weights for {missing}: train them with `skfer train "
            f"--dataset fer2013 --model {missing[0]} --output RUN` and pass them as "
            f"weights (on the command line `--weights {missing[0]}="
            "RUN/model.safetensors`)."
        )
    datasets = _load_targets(data_home, targets)
    kwargs: dict[str, Any] = dict(n_repeats=n_repeats, params=None, max_splits=None)
    if quick:
        kwargs.update(_QUICK)
    if str(device) != "cpu":
        kwargs["params"] = {**(kwargs["params"] or {}), "device": str(device)}
    settings = {
        "quick": bool(quick),
        "n_repeats": int(kwargs["n_repeats"]),
        "random_state": random_state,
    }
    run = {
        "command": command or "skfer.transfer.run_transfer(...)",
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {**_machine(), "device": str(device)},
        "models": list(models),
        "targets": list(targets),
        "protocols": list(protocols),
        "methods": list(methods),
        "weights": {m: _shown(w) for m, w in found.items() if m in models},
        "weights_sha256": {
            m: sha256_file(resolve_weights(w)) for m, w in found.items() if m in models
        },
    }
    results_log = ResultsLog(
        output / "transfer.json", settings, run, resume=resume, log=log
    )
    transfer_benchmark(
        datasets,
        found,
        models=models,
        methods=methods,
        protocols=protocols,
        random_state=random_state,
        n_jobs=n_jobs,
        log=log,
        verbose=verbose,
        skip=results_log.done(),
        on_row=results_log.add,
        **kwargs,
    )
    results = write_results(results_log.results(True), output)
    log(f"results written to {results_log.path}")
    return results
