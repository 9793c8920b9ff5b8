"""The transfer results as tables and figures: ``transfer.md`` and PNG files."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..plotting import (
    plot_confusion_matrix_from_matrix,
    plot_learning_curves,
    save_figure,
)
from ._benchmark import METHODS, PAPER_TABLES, TARGETS

__all__ = ["results_markdown", "write_figures"]


def _cell(row):
    if row is None:
        return ""
    return f"{100 * row['mean']:.1f} +- {100 * row['std']:.1f} (n={row['n_splits']})"


def _target_table(target, rows):
    """The table of one target dataset: ours per method beside the paper's."""
    table = "Table 7 (CK+)" if target == "ckplus" else "Table 6 (JAFFE)"
    methods = [m for m in METHODS if any(r["method"] == m for r in rows)]
    by_key = {(r["model"], r["protocol"], r["method"]): r for r in rows}
    lines = [
        f"## {target}",
        "",
        f"Paper figures from its {table}.",
        "",
        "| model | protocol | "
        + " | ".join(methods)
        + " | paper scratch | paper fine-tuned |",
        "|" + "---|" * (len(methods) + 4),
    ]
    paper = PAPER_TABLES[target]
    for model in sorted({r["model"] for r in rows}):
        for protocol in ("paper", "subject"):
            cells = [_cell(by_key.get((model, protocol, m))) for m in methods]
            if any(cells):
                lines.append(
                    f"| {model} | {protocol} | "
                    + " | ".join(cells)
                    + f" | {paper['scratch'].get(model, '')} | "
                    f"{paper['fine-tuned'].get(model, '')} |"
                )
    return [*lines, ""]


def _incomplete(results):
    if results.get("complete", True):
        return []
    missing = results.get("missing_rows", [])
    return [
        (
            f"**Incomplete**: {len(missing)} rows of this run's models are "
            "missing: " + "; ".join(" / ".join(m) for m in missing)
            if missing
            else "**Incomplete**: the run stopped before its last row"
        )
        + ". Running the same command again adds them.",
        "",
    ]


def results_markdown(results: Mapping[str, Any]) -> str:
    """``transfer.md``: the paper's Tables 6 and 7 beside ours, per protocol.

    The tables first, then the protocol, the command and the machine, one line
    each; each run of merged results is listed in ``transfer.json``.

    Parameters
    ----------
    results : dict
        The contents of a ``transfer.json`` (:func:`run_transfer`,
        :func:`write_results`).

    Returns
    -------
    text : str
        The Markdown page.

    Examples
    --------
    >>> from skfer.transfer import results_markdown
    >>> row = {"target": "jaffe", "protocol": "paper", "model": "model2",
    ...        "method": "fine-tuned", "mean": 0.786, "std": 0.082, "n_splits": 5}
    >>> results = {"rows": [row], "command": "skfer transfer", "date": "today",
    ...            "wall_time_s": 60, "machine": {"cpu": "x86-64", "cores": 2}}
    >>> print(results_markdown(results).splitlines()[8])
    | model2 | paper | 78.6 +- 8.2 (n=5) | 74.42 | 79.07 |
    """
    rows = results["rows"]
    lines = ["# Cross-dataset transfer: FER2013 -> CK+ and JAFFE", ""]
    lines += _incomplete(results)
    for target in TARGETS:
        sub = [r for r in rows if r["target"] == target]
        if sub:
            lines += _target_table(target, sub)
    if results.get("figures"):
        lines += ["Figures: " + ", ".join(f"`{n}`" for n in results["figures"]), ""]
    runs = results.get("runs", [])
    command = f"`{results['command']}` ({results['date']}"
    if len(runs) > 1:
        command += (
            f"). Made in several runs ({len(runs)}; a row of a later run replaces "
            "the same row of an earlier one), each listed with its command and "
            f"weights in `transfer.json`; {results['wall_time_s'] / 60:.1f} min in all"
        )
    else:
        command += f", {results['wall_time_s'] / 60:.1f} min)"
    machine = results["machine"]
    lines += [
        "- **Protocol**: paper = stratified random image-level splits at the "
        "paper's ratios (JAFFE 60/20/20, CK+ 70/10/20), repeated over seeds: the "
        "same person appears in training and test; subject = subject-independent "
        "folds (CK+ GroupKFold(10) on subject, JAFFE leave one subject out). "
        "Accuracy in %, mean +- std over folds; every method sees the same folds"
        + (" (**quick run**)." if results.get("quick") else "."),
        f"- **Command**: {command}",
        f"- **Hardware**: {machine.get('cpu')}, {machine.get('cores')} cores, torch "
        f"{machine.get('torch')} ({machine.get('torch_threads')} threads)",
    ]
    return "\n".join(lines) + "\n"


def write_figures(rows, output):
    """Confusion matrix and learning curves of the best fine-tuned model per target.

    Returns the names of the PNG files written to ``output``.
    """
    written = []
    for target in TARGETS:
        tuned = [
            r
            for r in rows
            if r["target"] == target
            and r["method"] == "fine-tuned"
            and r["protocol"] == "paper"
        ]
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
