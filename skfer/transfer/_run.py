"""The transfer benchmark end to end: load targets, run, write results and figures."""

import datetime as _dt
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from ._benchmark import METHODS, PAPER_TABLES, transfer_benchmark

__all__ = ["run_transfer", "source_weights"]

TARGETS = ("ckplus", "jaffe")
_QUICK = {"n_repeats": 2, "max_splits": 2, "params": {"max_epochs": 3}}


def source_weights(models, overrides=None):
    """FER2013 source weights per model: shipped, cached, or given.

    Looks for ``overrides[model]`` first, then the registered name
    ``"fer2013-<model>"``, then ``fer2013-<model>.safetensors`` in the cache
    (``SKFER_CACHE/weights``, where ``benchmarks/fer2013.py`` keeps Model 1's 80 MB).
    """
    from ..datasets import get_cache_home
    from ..weights import list_pretrained

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
    from ..datasets._home import _cache_relative

    if not Path(weights).is_file():  # a registered name
        return str(weights)
    return _cache_relative(weights) or str(weights)


def _load_targets(data_home, targets):
    from ..datasets import get_data_home, load_ckplus, load_jaffe

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
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(
                line.split(":", 1)[1].strip() for line in fh
                if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "torch": torch.__version__,
            "torch_threads": torch.get_num_threads()}


def _markdown(results):
    rows = results["rows"]
    lines = [
        "# Cross-dataset transfer: FER2013 -> CK+ and JAFFE",
        "",
        f"Command: `{results['command']}`  ",
        f"Date: {results['date']}; machine: {json.dumps(results['machine'])}; "
        + (
            f"wall time {results['wall_time_s'] / 60:.1f} min"
            if len(results.get("runs", [])) <= 1
            else "run times summed over the runs below "
            f"{results['wall_time_s'] / 60:.1f} min (some ran at the same time, "
            "sharing the CPU)"
        )
        + (" (**quick run**)" if results.get("quick") else ""),
        "",
    ]
    if not results.get("complete", True):
        missing = results.get("missing_rows", [])
        lines += [
            (
                f"**Incomplete**: {len(missing)} rows of this run's models are "
                "missing: " + "; ".join(" / ".join(m) for m in missing)
                if missing
                else "**Incomplete**: the run stopped before its last row"
            )
            + ". Running the same command again adds them.",
            "",
        ]
    if len(results.get("runs", [])) > 1:
        lines += ["Made in several runs (each adds the rows it lacks):", ""]
        lines += [
            f"- `{r['command']}` ({r['date']}, {r.get('wall_time_s', 0) / 60:.1f} min, "
            f"models {', '.join(r.get('models', []))})"
            for r in results["runs"]
        ]
        lines.append("")
    lines += [
        "Protocols: **paper** = stratified random image-level splits at the paper's "
        "ratios (JAFFE 60/20/20, CK+ 70/10/20), repeated over seeds: the same person "
        "appears in training and test. **subject** = subject-independent folds "
        "(CK+ GroupKFold(10) on subject, JAFFE leave one subject out). "
        "Accuracy in %, mean +- std over folds; every method sees the same folds.",
        "",
    ]
    for target in TARGETS:
        sub = [r for r in rows if r["target"] == target]
        if not sub:
            continue
        table = "Table 7 (CK+)" if target == "ckplus" else "Table 6 (JAFFE)"
        lines += [f"## {target}", "", f"Paper figures from its {table}.", ""]
        methods = [m for m in METHODS if any(r["method"] == m for r in sub)]
        header = "| model | protocol | " + " | ".join(methods) + " | paper scratch "
        header += "| paper fine-tuned |"
        lines += [header, "|" + "---|" * (len(methods) + 4)]
        for model in sorted({r["model"] for r in sub}):
            for protocol in ("paper", "subject"):
                cells = []
                for m in methods:
                    r = next(
                        (r for r in sub if r["model"] == model and r["method"] == m
                         and r["protocol"] == protocol), None,
                    )
                    cells.append(
                        "" if r is None
                        else f"{100 * r['mean']:.1f} +- {100 * r['std']:.1f} "
                        f"(n={r['n_splits']})"
                    )
                if not any(cells):
                    continue
                paper = PAPER_TABLES[target]
                lines.append(
                    f"| {model} | {protocol} | " + " | ".join(cells)
                    + f" | {paper['scratch'].get(model, '')} | "
                    f"{paper['fine-tuned'].get(model, '')} |"
                )
        lines.append("")
    if results.get("figures"):
        lines += ["## Figures", ""]
        lines += [f"- `{name}`" for name in results["figures"]]
    return "\n".join(lines) + "\n"


def _figures(rows, output):
    from ..plotting import (
        plot_confusion_matrix_from_matrix,
        plot_learning_curves,
        save_figure,
    )

    written = []
    for target in TARGETS:
        tuned = [r for r in rows if r["target"] == target
                 and r["method"] == "fine-tuned" and r["protocol"] == "paper"]
        if not tuned:
            continue
        best = max(tuned, key=lambda r: r["mean"])
        fig = plot_confusion_matrix_from_matrix(
            np.asarray(best["confusion_matrix"]),
            display_labels=best["labels"],
            normalize="both",
            title=f"{target}: {best['model']} fine-tuned (paper protocol, summed "
            f"over {best['n_splits']} test folds)",
        )
        written.append(save_figure(fig, output / f"transfer_confusion_{target}.png"))
        history = best.get("history_first_fold")
        if history:
            fig = plot_learning_curves(
                history, title=f"{target}: fine-tuning {best['model']} (first fold)"
            )
            written.append(save_figure(fig, output / f"transfer_curves_{target}.png"))
    return [Path(p).name for p in written]


def run_transfer(
    data_home=None,
    *,
    output="transfer-results",
    models=("model1", "model2", "model3"),
    targets=TARGETS,
    protocols=("paper", "subject"),
    methods=("zero-shot", "scratch", "fine-tuned"),
    weights=None,
    quick=False,
    n_repeats=5,
    n_jobs=None,
    random_state=0,
    device="cpu",
    command=None,
    log=print,
    resume=True,
):
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

    Returns
    -------
    results : dict
        What ``transfer.json`` holds.
    """
    from .._torch_utils import check_device

    check_device(device)
    log = log or (lambda *a, **k: None)
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    needs_weights = any(m != "scratch" for m in methods)
    found, missing = source_weights(models, weights)
    if needs_weights and missing:
        raise ValueError(
            f"No FER2013 weights for {missing}: train them with "
            f"`python benchmarks/fer2013.py --models {' '.join(missing)}` (they are "
            "kept in the cache) or pass weights explicitly."
        )
    datasets = _load_targets(data_home, targets)
    kwargs = dict(n_repeats=n_repeats, params=None, max_splits=None)
    if quick:
        kwargs.update(_QUICK)
    if str(device) != "cpu":
        kwargs["params"] = {**(kwargs["params"] or {}), "device": str(device)}
    settings = {
        "quick": bool(quick),
        "n_repeats": int(kwargs["n_repeats"]),
        "random_state": random_state,
    }
    path = output / "transfer.json"
    checksums = {m: _weights_sha256(w) for m, w in found.items() if m in models}
    earlier = _earlier_results(path, settings) if resume else None
    rows, runs = [], []
    if earlier:
        # rows made from other FER2013 weights than this run's are stale
        old = {}
        for r in earlier.get("runs", []):
            old.update(r.get("weights_sha256", {}))
        stale = {m for m in checksums if m in old and old[m] != checksums[m]}
        rows = [
            r for r in earlier["rows"]
            if r["model"] not in stale or r["method"] == "scratch"
        ]
        runs = list(earlier.get("runs", []))
        log(f"resuming: {len(rows)} rows kept from {path}"
            + (f"; rows of {sorted(stale)} dropped (new weights)" if stale else ""))
    run = {
        "command": command or "skfer.transfer.run_transfer(...)",
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {**_machine(), "device": str(device)},
        "models": list(models),
        "weights": {m: _shown(w) for m, w in found.items() if m in models},
        "weights_sha256": checksums,
    }
    runs.append(run)
    t0 = time.perf_counter()

    def results_now(complete):
        run["wall_time_s"] = round(time.perf_counter() - t0, 1)
        weights_used = {}
        for r in runs:
            weights_used.update(r.get("weights", {}))
        return {
            **settings,
            "complete": complete,
            "command": run["command"],
            "date": run["date"],
            "machine": run["machine"],
            "wall_time_s": round(sum(r.get("wall_time_s", 0) for r in runs), 1),
            "runs": runs,
            "weights": weights_used,
            "paper_tables": PAPER_TABLES,
            "rows": sorted(rows, key=_row_order),
        }

    def save(row):
        rows[:] = [r for r in rows if _key(r) != _key(row)] + [row]
        _write_atomic(path, json.dumps(results_now(False), indent=2) + "\n")

    transfer_benchmark(
        datasets, found, models=models, methods=methods, protocols=protocols,
        random_state=random_state, n_jobs=n_jobs, log=log,
        skip={_key(r) for r in rows}, on_row=save, **kwargs,
    )
    results = write_report(results_now(True), output)
    log(f"results written to {path}")
    return results


def merge_results(paths):
    """Merge ``transfer.json`` files of several runs into one results dict.

    Rows of later files win; the runs are concatenated and their wall times
    summed. Files made with other ``quick``, ``n_repeats`` or ``random_state``
    settings than the first are refused. A merge of several files is complete
    when no row is missing (:func:`write_report` checks), whatever the runs
    stopped before their last row said; a single file keeps its own flag.
    """
    merged, rows = None, {}
    for path in paths:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if merged is None:
            merged = {**data, "runs": []}
        elif any(data.get(k) != merged.get(k)
                 for k in ("quick", "n_repeats", "random_state")):
            raise ValueError(f"{path}: made with other settings than {paths[0]}")
        merged["runs"] += data.get("runs", [])
        for row in data["rows"]:
            rows[_key(row)] = row
    if merged is None:
        raise ValueError("merge_results needs at least one transfer.json.")
    merged["rows"] = list(rows.values())
    if len(paths) > 1:
        merged["complete"] = True
    merged["wall_time_s"] = round(
        sum(r.get("wall_time_s", 0) for r in merged["runs"]), 1
    )
    for run in merged["runs"]:
        merged.setdefault("weights", {}).update(run.get("weights", {}))
    return merged


def write_report(results, output):
    """Write ``transfer.json``, ``transfer.md`` and the figures of ``results``.

    Also used on merged or partial results (``benchmarks/transfer.py
    --report-only``): rows missing for the models of its runs are listed, and
    ``complete`` is false when there are any.
    """
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    present = {_key(r) for r in results["rows"]}
    models = sorted({m for r in results.get("runs", []) for m in r.get("models", [])})
    targets = sorted({r["target"] for r in results["rows"]}, key=TARGETS.index)
    methods = [m for m in METHODS if any(r["method"] == m for r in results["rows"])]
    missing = [
        k for k in (
            (t, p, m, meth) for t in targets for p in ("paper", "subject")
            for m in models for meth in methods
        )
        if k not in present
    ]
    results = {**results, "complete": results.get("complete", True) and not missing}
    results["missing_rows"] = [list(k) for k in missing]
    results["rows"] = sorted(results["rows"], key=_row_order)
    results["figures"] = _figures(results["rows"], output)
    _write_atomic(output / "transfer.json", json.dumps(results, indent=2) + "\n")
    _write_atomic(output / "transfer.md", _markdown(results))
    return results


def _weights_sha256(weights):
    import hashlib

    from ..weights import resolve_weights

    digest = hashlib.sha256()
    with open(resolve_weights(weights), "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _key(row):
    return (row["target"], row["protocol"], row["model"], row["method"])


def _row_order(row):
    methods = list(METHODS)
    return (
        TARGETS.index(row["target"]) if row["target"] in TARGETS else 99,
        ("paper", "subject").index(row["protocol"]),
        row["model"],
        methods.index(row["method"]) if row["method"] in methods else 99,
    )


def _earlier_results(path, settings):
    """An earlier ``transfer.json`` made with the same settings, or None."""
    try:
        earlier = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(earlier, dict) or not isinstance(earlier.get("rows"), list):
        return None
    if any(earlier.get(k) != v for k, v in settings.items()):
        return None
    return earlier


def _write_atomic(path, text):
    from .._atomic import write_text_atomic

    write_text_atomic(path, text)
