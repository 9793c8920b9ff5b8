"""The transfer results as tables and figures: ``transfer.md`` and PNG files."""

import json
from pathlib import Path

import numpy as np

from ._benchmark import METHODS, PAPER_TABLES, TARGETS

__all__ = ["results_markdown", "write_figures"]


def _run_line(run):
    """One run of a merged results file: command, date, time, models, weights."""
    methods = run.get("methods")
    digests = run.get("weights_sha256", {})
    weights = ", ".join(f"{m} sha256 {d[:12]}" for m, d in digests.items())
    return (
        f"- `{run['command']}` ({run['date']}, {run.get('wall_time_s', 0) / 60:.1f} "
        f"min, models {', '.join(run.get('models', []))}"
        + (f", methods {', '.join(methods)}" if methods else "")
        + (f"; FER2013 weights {weights}" if weights else "")
        + ")"
    )


def results_markdown(results):
    """``transfer.md``: the paper's Tables 6 and 7 beside ours, per protocol."""
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
        lines += [
            "Made in several runs (a row of a later run replaces the same row of an "
            "earlier one):",
            "",
        ]
        lines += [_run_line(r) for r in results["runs"]]
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
                        (
                            r
                            for r in sub
                            if r["model"] == model
                            and r["method"] == m
                            and r["protocol"] == protocol
                        ),
                        None,
                    )
                    cells.append(
                        ""
                        if r is None
                        else f"{100 * r['mean']:.1f} +- {100 * r['std']:.1f} "
                        f"(n={r['n_splits']})"
                    )
                if not any(cells):
                    continue
                paper = PAPER_TABLES[target]
                lines.append(
                    f"| {model} | {protocol} | "
                    + " | ".join(cells)
                    + f" | {paper['scratch'].get(model, '')} | "
                    f"{paper['fine-tuned'].get(model, '')} |"
                )
        lines.append("")
    if results.get("figures"):
        lines += ["## Figures", ""]
        lines += [f"- `{name}`" for name in results["figures"]]
    return "\n".join(lines) + "\n"


def write_figures(rows, output):
    """Confusion matrix and learning curves of the best fine-tuned model per target.

    Returns the names of the PNG files written to ``output``.
    """
    from ..plotting import (
        plot_confusion_matrix_from_matrix,
        plot_learning_curves,
        save_figure,
    )

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
