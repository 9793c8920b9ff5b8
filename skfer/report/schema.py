"""The result files of skfer runs: their names, kinds and checks (public module).

One place for what ``skfer train``, ``skfer evaluate`` and ``skfer predict
--json`` write and :func:`make_report` reads:

- a training run folder: ``model.safetensors``, ``card.json`` (``kind:
  skfer-train``), ``history.json`` and ``learning_curves.png``
  (``skfer train``);
- an evaluation: ``evaluation.json`` (``kind: skfer-evaluate``, a
  :func:`skfer.metrics.classification_summary`) and ``confusion_matrix.png``
  (``skfer evaluate``);
- a prediction: the JSON document of ``skfer predict --json`` (``kind:
  skfer-predict``), one record per photo or video in ``results``; a video run
  of skfer 0.x before it wrote ``kind: skfer-video`` with ``videos``.
"""

import json

__all__ = [
    "CARD_JSON",
    "CONFUSION_PNG",
    "CURVES_PNG",
    "EVALUATION_JSON",
    "HISTORY_JSON",
    "KINDS",
    "KIND_EVALUATE",
    "KIND_PREDICT",
    "KIND_TRAIN",
    "KIND_VIDEO",
    "WEIGHTS_FILE",
    "check_result",
    "read_result",
    "result_kind",
]

#: The card of a training run: what was trained, on what, how well.
CARD_JSON = "card.json"
#: The scores of an evaluation.
EVALUATION_JSON = "evaluation.json"
#: The per-epoch history of a training run.
HISTORY_JSON = "history.json"
#: The weights of a training run (the same name as skfer.weights.WEIGHTS_FILE).
WEIGHTS_FILE = "model.safetensors"
#: The confusion-matrix figure of an evaluation.
CONFUSION_PNG = "confusion_matrix.png"
#: The learning curves of a training run.
CURVES_PNG = "learning_curves.png"

#: ``kind`` of a training card.
KIND_TRAIN = "skfer-train"
#: ``kind`` of an evaluation.
KIND_EVALUATE = "skfer-evaluate"
#: ``kind`` of ``skfer predict --json`` output (photos and videos).
KIND_PREDICT = "skfer-predict"
#: ``kind`` of ``skfer predict VIDEO --json`` output before KIND_PREDICT (read).
KIND_VIDEO = "skfer-video"
#: The ``kind`` field of each result document skfer writes (or wrote).
KINDS = (KIND_TRAIN, KIND_EVALUATE, KIND_PREDICT, KIND_VIDEO)


def read_result(path):
    """The JSON document of a result file; a ValueError naming it if unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:  # too deeply nested too
        raise ValueError(f"{path} is not a readable JSON file ({exc}).") from exc


def result_kind(path, data):
    """The kind of a result document: one of :data:`KINDS`, history or generic."""
    if isinstance(data, dict):
        kind = data.get("kind")
        if kind in KINDS:
            return kind
    if path.name == HISTORY_JSON and isinstance(data, list):
        return "history"
    return "generic"


def check_result(path, data, kind):
    """``kind``, once the fields the report formats have the right types.

    A result file edited by hand (``"accuracy": "0.9"``) raises a ValueError
    naming the file and the field, instead of failing somewhere in the page.
    """

    def fail(field, value, expected):
        raise ValueError(f"{path}: field {field!r} is {value!r}; expected {expected}.")

    def number(field, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            fail(field, value, "a number")

    if kind == KIND_EVALUATE:
        summary = data.get("summary")
        if summary is None:
            return kind
        if not isinstance(summary, dict):
            fail("summary", summary, "an object (classification_summary)")
        for key in ("accuracy", "macro_f1"):
            if key in summary:
                number(f"summary.{key}", summary[key])
        labels = summary.get("labels")
        if labels:
            if not isinstance(labels, list):
                fail("summary.labels", labels, "a list of class names")
            for key in (
                "per_class_precision",
                "per_class_recall",
                "per_class_f1",
                "support",
            ):
                table = summary.get(key)
                if not isinstance(table, dict):
                    fail(f"summary.{key}", table, "an object: class -> value")
                for label, value in table.items():
                    number(f"summary.{key}.{label}", value)
    elif kind == KIND_TRAIN:
        acc = data.get("accuracy")
        if acc is not None and not isinstance(acc, dict):
            fail("accuracy", acc, "an object: split -> accuracy")
        for split, value in (acc or {}).items():
            number(f"accuracy.{split}", value)
        if data.get("data") is not None and not isinstance(data["data"], dict):
            fail("data", data["data"], "an object")
    elif kind == "history" and not all(isinstance(row, dict) for row in data):
        fail("[epoch]", next(r for r in data if not isinstance(r, dict)), "objects")
    return kind
