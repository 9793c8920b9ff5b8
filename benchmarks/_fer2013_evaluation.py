"""FER2013 benchmark, the evaluation: TTA chosen on PublicTest, PrivateTest read
once, figures, the soft-voting ensembles, rows brought from other results files.

Used by ``fer2013.py``.
"""

import shutil
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import command_line, now, read_json, shown_path  # noqa: E402
from _fer2013_runs import (  # noqa: E402
    ensemble_members,
    find_weights,
    run_key,
    save_weights,
)

TTA_CHOICES = ("flip", "crops")


def evaluate(clf, data):
    """PublicTest and PrivateTest summaries; the TTA is chosen on PublicTest.

    Sets ``clf.tta`` to the test-time augmentation (of :data:`TTA_CHOICES`) with the
    best PublicTest accuracy; PrivateTest is evaluated once, with that one.
    """
    # lazy: skfer stays out of `fer2013.py --markdown-only`
    from skfer.metrics import classification_summary

    X, y = data["public"]
    public = {}
    for tta in TTA_CHOICES:
        proba = clf.set_params(tta=tta).predict_proba(X)
        pred = clf.classes_[proba.argmax(1)]
        public[tta] = (proba, classification_summary(y, pred, labels=clf.classes_))
    best = max(TTA_CHOICES, key=lambda t: public[t][1]["accuracy"])
    clf.set_params(tta=best)
    X, y = data["private"]
    proba = clf.predict_proba(X)
    pred = clf.classes_[proba.argmax(1)]
    out = {
        "public": public[best],
        "private": (proba, classification_summary(y, pred, labels=clf.classes_)),
        "tta": best,
        "public_by_tta": {t: public[t][1]["accuracy"] for t in TTA_CHOICES},
    }
    return out


def result_row(clf, ev, args, base=None):
    """The results row of a fitted model from its evaluation ``ev``."""
    private = ev["private"][1]
    row = dict(base or {})
    row.update(
        private_test_accuracy=private["accuracy"],
        public_test_accuracy=ev["public"][1]["accuracy"],
        macro_f1=private["macro_f1"],
        per_class_recall=private["per_class_recall"],
        tta=ev["tta"],
        public_test_accuracy_by_tta=ev["public_by_tta"],
    )
    row["params"] = {**row.get("params", {}), "tta": ev["tta"]}
    return row


def reevaluate(model, args, data, results):
    """Evaluate saved weights again (``--evaluate-only``); training facts are kept."""
    # lazy: skfer stays out of `fer2013.py --markdown-only`
    from skfer import FERClassifier

    path = find_weights(model, args)
    if path is None:
        raise SystemExit(f"{model}: no saved weights to evaluate")
    key = run_key(model, args)
    base = results["models"].get(key)
    if base is None:
        raise SystemExit(f"{model}: no results row to update in fer2013.json")
    clf = FERClassifier.from_weights(path, device=args.device)
    ev = evaluate(clf, data)
    row = result_row(clf, ev, args, base)
    row["evaluation"] = {"command": command_line(), "date": now()}
    pred = clf.classes_[ev["private"][0].argmax(1)]
    row["figures"] = {
        **base.get("figures", {}),
        "confusion": figures(key, None, data["private"][1], pred, args.output)[
            "confusion"
        ],
    }
    row["weights"] = shown_path(save_weights(clf, model, args, row))
    results["models"][key] = row
    return clf, row


def figures(name, clf, y_private, pred_private, outdir):
    # lazy: skfer stays out of `fer2013.py --markdown-only`
    from skfer.plotting import (
        plot_confusion_matrix,
        plot_learning_curves,
        save_figure,
    )

    labels = clf.classes_ if clf is not None else np.unique(y_private)
    fig = plot_confusion_matrix(
        y_private,
        pred_private,
        labels=labels,
        normalize="both",
        title=f"FER2013 PrivateTest: {name}",
    )
    paths = {"confusion": save_figure(fig, outdir / f"fer2013_confusion_{name}.png")}
    if clf is not None and clf.history_:
        fig = plot_learning_curves(clf, title=f"FER2013 {name}")
        paths["curves"] = save_figure(fig, outdir / f"fer2013_curves_{name}.png")
    return {k: str(Path(v).name) for k, v in paths.items()}


def add_rows(results, paths, outdir):
    """Copy into ``results`` the single-model rows of other ``fer2013.json`` files
    that are newer than its own (by their ``date``), with their figures.

    Ensemble rows are not copied: they are evaluated again from the members.
    Returns the keys of the rows copied.
    """
    added = []
    for path in map(Path, paths):
        other = read_json(path)
        if not other:
            raise SystemExit(f"--add-rows: no results in {path}")
        for key, row in other.get("models", {}).items():
            mine = results["models"].get(key)
            if key.startswith("ensemble") or (
                mine is not None and mine.get("date", "") >= row.get("date", "")
            ):
                continue
            results["models"][key] = row
            added.append(key)
            for name in row.get("figures", {}).values():
                source, target = path.parent / name, Path(outdir) / name
                if source.is_file() and source.resolve() != target.resolve():
                    shutil.copy2(source, target)
    return added


def record_class_count(weights, y_train):
    """Write the training labels' class counts into a weights file that lacks them.

    Runs made before ``fit`` recorded ``class_count`` (a worktree pinned at an
    older commit) saved weights without it, so ``class_prior`` could not be used
    with them. Every run of this script trains on FER2013 Training (``y_train``,
    the labels ``load`` gives) without class weights, so its counts are those of
    ``y_train``. Returns whether the file was written.
    """
    # lazy: skfer stays out of `fer2013.py --markdown-only`
    from skfer.weights import read_weights, write_weights

    state, meta = read_weights(weights)
    if "class_count" in meta:
        return False
    labels = np.asarray(y_train)
    counts = [int(np.sum(labels == label)) for label in meta["classes"]]
    write_weights(weights, state, {**meta, "class_count": counts})
    return True


def ensemble(args, data, results, outdir, fitted):
    """Soft votes of the reported models: uniform, and weighted on PublicTest.

    The weighted vote's member weights minimize the log-loss on PublicTest
    (:func:`skfer.fit_voting_weights`); PrivateTest is evaluated once per vote.
    """
    # lazy: skfer stays out of `fer2013.py --markdown-only`
    from skfer import ensemble_from_fitted, fit_voting_weights
    from skfer.metrics import classification_summary

    members = ensemble_members(args, results, fitted)
    if len(members) < 2:
        print("ensemble: fewer than two models with weights, skipped")
        return
    X_pub, y_pub = data["public"]
    votes = {
        "ensemble-uniform": None,
        "ensemble": fit_voting_weights(members, X_pub, y_pub),
    }
    for key, weights in votes.items():
        ens = ensemble_from_fitted(members, weights=weights)
        row = {
            "members": [m for m, _ in members],
            "weights": None
            if weights is None
            else [round(float(w), 4) for w in weights],
            "weights_chosen_on": None if weights is None else "PublicTest log-loss",
            "quick": args.quick,
        }
        for split in ("public", "private"):
            X, y = data[split]
            pred = ens.predict(X)
            summary = classification_summary(y, pred, labels=ens.classes_)
            row[f"{split}_test_accuracy"] = summary["accuracy"]
            if split == "private":
                row.update(
                    macro_f1=summary["macro_f1"],
                    per_class_recall=summary["per_class_recall"],
                    figures=figures(key, None, y, pred, outdir),
                )
        best = max(
            results["models"][m]["private_test_accuracy"] for m in row["members"]
        )
        row["best_member_private_test_accuracy"] = best
        results["models"][key] = row
        print(
            f"{key} {row['members']} weights {row['weights']}: PrivateTest "
            f"{row['private_test_accuracy']:.4f} (best member {best:.4f})"
        )
    results.pop("ensemble", None)  # older layout
