"""FER2013 benchmark, the results page ``fer2013.md``.

Used by ``fer2013.py`` and ``ship.py``.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import page, write_text  # noqa: E402

PAPER_TABLE5 = {"model1": 0.6119, "model2": 0.6158, "model3": 0.6162}
ENSEMBLES = ("ensemble-uniform", "ensemble")


def _pct(x):
    return f"{100 * x:.2f}"


def _singles(results):
    models = results.get("models", {})
    return {k: v for k, v in models.items() if not k.startswith("ensemble")}


def _single_row(name, row):
    paper = PAPER_TABLE5.get(name.split("-")[0])
    return (
        f"| {name} | {row['recipe']} | {'' if paper is None else _pct(paper)} | "
        f"**{_pct(row['private_test_accuracy'])}** | "
        f"{_pct(row['public_test_accuracy'])} | {_pct(row['macro_f1'])} | "
        f"{row.get('tta', 'flip')} | {row['epochs_run']} ({row['best_epoch']}) | "
        f"{row['wall_time_s'] / 60:.1f} min |"
    )


def _ensemble_row(key, ens):
    how = (
        "uniform soft vote"
        if ens.get("weights") is None
        else "soft vote, weights "
        + ", ".join(f"{m} {w:.2f}" for m, w in zip(ens["members"], ens["weights"]))
        + f" (chosen on {ens['weights_chosen_on']})"
    )
    return (
        f"| {key} of {', '.join(ens['members'])} | {how} | | "
        f"**{_pct(ens['private_test_accuracy'])}** | "
        f"{_pct(ens['public_test_accuracy'])} | {_pct(ens['macro_f1'])} | | | |"
    )


def _order(singles):
    """Runs by architecture, then by name."""
    return sorted(singles, key=lambda n: (n.split("-")[0], n))


def results_table(results):
    """The accuracies of every run and ensemble, and the best single network."""
    singles = _singles(results)
    lines = [
        "| model | recipe | paper (Table 5) | PrivateTest | PublicTest | macro-F1 "
        "| TTA | epochs (best) | training time |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in _order(singles):
        lines.append(_single_row(name, singles[name]))
    for key in ENSEMBLES:
        if results.get("models", {}).get(key):
            lines.append(_ensemble_row(key, results["models"][key]))
    if singles:
        best = max(singles, key=lambda n: singles[n]["public_test_accuracy"])
        lines += [
            "",
            f"Best single network, chosen on PublicTest: **{best}**, PrivateTest "
            f"{_pct(singles[best]['private_test_accuracy'])} %.",
        ]
    return lines


def recall_table(results):
    """Per-class recall on PrivateTest of every run and ensemble."""
    models = results.get("models", {})
    names = [*_order(_singles(results)), *(k for k in ENSEMBLES if k in models)]
    rows = {k: models[k] for k in names if models[k].get("per_class_recall")}
    if not rows:
        return []
    classes = list(next(iter(rows.values()))["per_class_recall"])
    lines = [
        "Per-class recall on PrivateTest (%):",
        "",
        "| model | " + " | ".join(classes) + " |",
        "|---|" + "---:|" * len(classes),
    ]
    for name, row in rows.items():
        recall = row["per_class_recall"]
        lines.append(
            f"| {name} | "
            + " | ".join(f"{100 * recall[c]:.1f}" for c in classes)
            + " |"
        )
    return lines


def _hardware(singles):
    """The machines of the runs: ``CPU, N torch threads: rows``, per machine."""
    machines = {}
    for name in _order(singles):
        hw = singles[name]["hardware"]
        gpu = f" / {hw['gpu']}" if "gpu" in hw else ""
        cores = f", {hw['cores']} cores" if hw.get("cores") else ""
        threads = hw.get("torch_threads", "?")
        plural = "" if threads == 1 else "s"
        key = f"{hw['cpu']}{gpu}{cores}, {threads} torch thread{plural}"
        machines.setdefault(key, []).append(name)
    return "; ".join(f"{k}: {', '.join(v)}" for k, v in machines.items())


def markdown(results):
    """The results page: the tables, then protocol, command and hardware."""
    singles = _singles(results)
    protocol = (
        "train on Training (28,709 images), choose the epoch and the test-time "
        "augmentation (mirror image, or five shifted crops and their mirror images) "
        "on PublicTest (3,589), report PrivateTest (3,589), read once per model; "
        "ensembles: soft votes of the runs, weighted on PublicTest. Accuracies in %; "
        "training time: the sum of the epochs' durations. Recipes, confusion "
        "matrices and learning curves (`fer2013_*_<row>.png`) per row in "
        "`fer2013.json`."
    )
    command = "per row in `fer2013.json`"
    if singles:
        best = max(singles.values(), key=lambda r: r["public_test_accuracy"])
        command += f"; the best single network: `{best['command']}` ({best['date']})"
    return page(
        "FER2013 results",
        [*results_table(results), "", *recall_table(results)],
        protocol,
        command,
        _hardware(singles) or "-",
    )


def write_markdown(results, path):
    write_text(path, markdown(results))
