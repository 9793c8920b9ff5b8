"""What a training or evaluation run leaves in its output folder.

- training: ``model.safetensors``, ``card.json`` (``kind: skfer-train``),
  ``history.json`` and ``learning_curves.png``;
- evaluation: ``evaluation.json`` (``kind: skfer-evaluate``, the
  :func:`skfer.metrics.classification_summary`) and ``confusion_matrix.png``.

:func:`skfer.report.make_report` reads these files; their names and kinds are
defined once, in :mod:`skfer.report.schema`.
"""

from pathlib import Path

import numpy as np

from .. import __version__
from ..metrics import classification_summary
from ..plotting import plot_confusion_matrix, plot_learning_curves, save_figure
from ..report import schema
from ._common import note, now, write_json, writing


def _plot(make, path):
    """Draw and save one figure; without matplotlib, say so and go on."""
    try:
        with writing(path):  # a full disk names the figure
            return save_figure(make(), path)
    except ImportError as exc:
        note(f"skfer: note: no figure {Path(path).name}: {exc}")
        return None


def evaluate_into(folder, clf, X, y, info):
    """Score ``clf`` on ``(X, y)``; write evaluation.json and the confusion matrix.

    Returns the classification summary.
    """
    folder = Path(folder)
    y_pred = clf.predict(X)
    summary = classification_summary(y, y_pred)
    title = f"{info.get('dataset', '')} {info.get('subset') or ''}".strip()

    def make():
        return plot_confusion_matrix(y, y_pred, normalize="both", title=title or None)

    figure = _plot(make, folder / schema.CONFUSION_PNG)
    result = {
        "kind": schema.KIND_EVALUATE,
        **info,
        "n_samples": int(len(y)),
        "summary": summary,
        "figure": schema.CONFUSION_PNG if figure else None,
        "date": now(),
        "skfer_version": __version__,
    }
    write_json(folder / schema.EVALUATION_JSON, result)
    return summary


def last(history, key):
    values = [row[key] for row in history if row.get(key) is not None]
    return float(values[-1]) if values else None


def write_training(folder, clf, card):
    """Save the weights, card.json, history.json and the learning curves."""
    folder = Path(folder)
    history = [dict(row) for row in clf.history_]
    card = {
        "kind": schema.KIND_TRAIN,
        "architecture": clf.architecture_,
        "classes": [str(c) for c in np.asarray(clf.classes_).tolist()],
        **card,
        "epochs": len(history),
        "weights": schema.WEIGHTS_FILE,
        "skfer_version": __version__,
        "date": now(),
    }
    card["accuracy"] = {
        k: v
        for k, v in {
            "train": last(history, "train_acc"),
            "valid": last(history, "valid_acc"),
            **(card.get("accuracy") or {}),
        }.items()
        if v is not None
    }
    weights_card = {k: card[k] for k in ("data", "accuracy", "command") if k in card}
    clf.save_weights(folder / schema.WEIGHTS_FILE, **weights_card)
    write_json(folder / schema.HISTORY_JSON, history)
    if history:

        def make():
            return plot_learning_curves(history, title=card.get("name"))

        _plot(make, folder / schema.CURVES_PNG)
    write_json(folder / schema.CARD_JSON, card)
    return card
