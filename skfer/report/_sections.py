"""The report's sections: one per result folder, built from its files."""

import json
from pathlib import Path

from ._html import (
    FIGURE_TYPES,
    data_uri,
    details,
    esc,
    figure_file,
    figure_from_matplotlib,
    is_scalar,
    kv_table,
    table,
)
from ._markdown import markdown_to_html
from .schema import (
    CURVES_PNG,
    KIND_EVALUATE,
    KIND_PREDICT,
    KIND_TRAIN,
    KIND_VIDEO,
    check_result,
    read_result,
    result_kind,
)

__all__ = ["section_for_files"]


def _train_html(card, headline=True):
    acc = card.get("accuracy") or {}
    parts = []
    if acc and headline:
        best = acc.get("test", acc.get("valid"))
        if isinstance(best, (int, float)):
            which = "test" if "test" in acc else "validation"
            parts.append(f'<p class="big">{which} accuracy {best:.1%}</p>')
    rows = {
        "architecture": card.get("architecture"),
        "classes": card.get("classes"),
        "epochs": card.get("epochs"),
        "accuracy": acc,
        "pretrained": card.get("pretrained"),
        "seconds": card.get("seconds"),
    }
    rows = {k: v for k, v in rows.items() if v not in (None, {}, [])}
    for key, value in (card.get("data") or {}).items():
        rows[f"data: {key}"] = value
    parts.append(kv_table(rows))
    if card.get("command"):
        parts.append(f"<pre>{esc(card['command'])}</pre>")
    parts.append(_made(card))
    return "".join(parts)


def _made(result):
    """A small line saying when and with which skfer a result was made."""
    made = [str(result["date"])] if result.get("date") else []
    if result.get("skfer_version"):
        made.append(f"skfer {result['skfer_version']}")
    return f'<p class="note">{esc(" · ".join(made))}</p>' if made else ""


def _summary_html(summary):
    labels = summary.get("labels", [])
    rows = [
        {
            "class": label,
            "precision": summary["per_class_precision"].get(label),
            "recall": summary["per_class_recall"].get(label),
            "f1": summary["per_class_f1"].get(label),
            "support": summary["support"].get(label),
        }
        for label in labels
    ]
    return table(rows)


def _evaluation_html(result, show_command=True):
    summary = result.get("summary") or {}
    parts = []
    if "accuracy" in summary:
        parts.append(
            f'<p class="big">accuracy {summary["accuracy"]:.1%} &middot; macro F1 '
            f"{summary.get('macro_f1', float('nan')):.3f} &middot; "
            f"{esc(summary.get('n_samples'))} images</p>"
        )
    info = {
        k: result[k]
        for k in ("model", "dataset", "data_dir", "subset")
        if result.get(k) is not None
    }
    parts.append(kv_table(info))
    if summary.get("labels"):
        parts.append(_summary_html(summary))
    if result.get("command") and show_command:
        parts.append(f"<pre>{esc(result['command'])}</pre>")
        parts.append(_made(result))
    return "".join(parts)


def _generic_json_html(data, name=None):
    """Tables for a benchmark result file: header fields, then each entry."""
    if not isinstance(data, dict):
        if isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
            return table([{k: v for k, v in r.items()} for r in data])
        return f"<pre>{esc(json.dumps(data, indent=2))}</pre>"
    parts, scalars = [], {}
    for key, value in data.items():
        if is_scalar(value):
            scalars[key] = value
        elif isinstance(value, dict) and all(is_scalar(v) for v in value.values()):
            scalars[key] = value
        elif (
            isinstance(value, list)
            and value
            and all(isinstance(r, dict) for r in value)
        ):
            heading = "" if key == name else f"<h3>{esc(key)}</h3>"
            parts.append(heading + table(value))
        elif (
            isinstance(value, dict)
            and value
            and all(isinstance(v, dict) for v in value.values())
        ):
            rows = [{"": k, **v} for k, v in value.items()]
            parts.append(f"<h3>{esc(key)}</h3>" + table(rows))
        else:
            parts.append(details(key, f"<pre>{esc(json.dumps(value, indent=2))}</pre>"))
    command = scalars.pop("command", None)
    head = f"<pre>{esc(command)}</pre>" if command else ""
    return head + (kv_table(scalars) if scalars else "") + "".join(parts)


def _history_figure(history, title):
    # lazy: skfer.plotting loads scikit-learn (torch extra), not for --help
    from ..plotting import plot_learning_curves

    return figure_from_matplotlib(
        plot_learning_curves(history, title=title), "learning curves"
    )


def _confusion_figure(summary):
    # lazy: skfer.plotting loads scikit-learn (torch extra), not for --help
    from ..plotting import plot_confusion_matrix_from_matrix

    fig = plot_confusion_matrix_from_matrix(
        summary["confusion_matrix"],
        display_labels=summary["labels"],
        normalize="both",
    )
    return figure_from_matplotlib(fig, "confusion matrix")


def _video_html(video):
    """A video run of ``skfer predict --json``: facts and the per-track summary."""
    facts = {
        k: video.get(k)
        for k in ("status", "message", "fps", "n_decoded", "n_sampled", "duration")
        if video.get(k) is not None
    }
    rows = [
        {
            "face": t["track"],
            "from (s)": t["start"],
            "to (s)": t["end"],
            "frames": t["n_frames"],
            "dominant": t["dominant"],
            "share": t["share"].get(t["dominant"]),
        }
        for t in video.get("tracks", [])
    ]
    return (
        f"<h3>{esc(Path(str(video.get('file'))).name)}</h3>"
        + kv_table(facts)
        + table(rows)
    )


def _predictions(data, kind):
    """The video records and the photo records of a ``skfer predict --json``
    document (``videos`` in the documents of video runs before ``results``)."""
    records = data.get("videos" if kind == KIND_VIDEO else "results")
    records = (
        [r for r in records if isinstance(r, dict)] if isinstance(records, list) else []
    )
    if kind == KIND_VIDEO:
        return records, []
    videos = [r for r in records if r.get("kind") == "video"]
    return videos, [r for r in records if r.get("kind") != "video"]


def _timeline_figure(video):
    # lazy: skfer.plotting loads scikit-learn (torch extra), not for --help
    from ..plotting import plot_emotion_timeline

    frames = video["frames"]
    fig = plot_emotion_timeline(
        [f["time"] for f in frames],
        [[f["probabilities"][c] for c in video["classes"]] for f in frames],
        video["classes"],
        tracks=[f["track"] for f in frames],
    )
    return figure_from_matplotlib(fig, "emotions over time")


def _read_text(path):
    """The text of a UTF-8 file; a ValueError naming it if it is not one."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not a UTF-8 text file ({exc}).") from exc


def _prediction_blocks(path, data, kind, base, figure_names, used):
    """The blocks and figures of a ``skfer predict`` result file: its photos as a
    table, each video with its timeline (the folder's figure, or drawn)."""
    blocks, figures = [], []
    videos, photos = _predictions(data, kind)
    if photos:  # as any other result file
        shown = {**data, "results": photos}
        blocks.append(
            f"<h3>{esc(path.stem)}</h3>" + _generic_json_html(shown, path.stem)
        )
    for video in videos:
        blocks.append(_video_html(video))
        timeline = Path(str(video.get("timeline"))).name
        if timeline in figure_names:
            figures.append(figure_file(base / timeline))
            used.add(timeline)
        elif video.get("frames"):
            figures.append(_timeline_figure(video))
    return blocks, figures


def section_for_files(name, files, base):
    """HTML section from the result files of one folder (or a single file)."""
    blocks, first, last, figures, used = [], [], [], [], set()
    figure_names = {p.name for p in files if p.suffix.lower() in FIGURE_TYPES}
    md_stems = {p.stem for p in files if p.suffix.lower() == ".md"}
    loaded = [
        (path, data, check_result(path, data, result_kind(path, data)))
        for path in sorted(p for p in files if p.suffix.lower() == ".json")
        for data in [read_result(path)]
    ]
    evaluated = any(kind == KIND_EVALUATE for _, _, kind in loaded)
    train_commands = {d.get("command") for _, d, kind in loaded if kind == KIND_TRAIN}

    def embed(src):  # an image of a Markdown page: one of this folder's figures
        if src not in figure_names:
            return None
        used.add(src)
        return data_uri(base / src)

    for path in sorted(p for p in files if p.suffix.lower() == ".md"):
        first.append(markdown_to_html(_read_text(path), images=embed))
    for path, data, kind in loaded:
        if kind == KIND_TRAIN:
            blocks.append(
                "<h3>Training</h3>" + _train_html(data, headline=not evaluated)
            )
        elif kind == KIND_EVALUATE:
            show = data.get("command") not in train_commands
            blocks.append(
                "<h3>Evaluation</h3>" + _evaluation_html(data, show_command=show)
            )
            cm_png = data.get("figure")
            figure = figure_file(base / cm_png) if cm_png in figure_names else None
            if figure is not None:
                figures.append(figure)
                used.add(cm_png)
            elif (data.get("summary") or {}).get("confusion_matrix"):
                figures.append(_confusion_figure(data["summary"]))
        elif kind in (KIND_PREDICT, KIND_VIDEO):
            more_blocks, more_figures = _prediction_blocks(
                path, data, kind, base, figure_names, used
            )
            blocks += more_blocks
            figures += more_figures
        elif kind == "history":
            if data:
                curves = CURVES_PNG
                figure = figure_file(base / curves) if curves in figure_names else None
                if figure is not None:
                    figures.append(figure)
                    used.add(curves)
                else:
                    figures.append(_history_figure(data, name))
                last.append(details(f"history ({len(data)} epochs)", table(data)))
        elif path.stem in md_stems:
            raw = f"<pre>{esc(json.dumps(data, indent=2))}</pre>"
            last.append(details(f"{path.name} (raw results)", raw))
        else:
            blocks.append(
                f"<h3>{esc(path.stem)}</h3>" + _generic_json_html(data, path.stem)
            )
    for path in sorted(p for p in files if p.suffix.lower() in FIGURE_TYPES):
        if path.name not in used:
            figure = figure_file(path)
            if figure is not None:
                figures.append(figure)
    if not blocks and not first and not last and not figures:
        return None
    items = (
        [f'<div class="full">{b}</div>' for b in first]
        + [f'<div class="block">{b}</div>' for b in blocks]
        + figures
        + [f'<div class="full">{b}</div>' for b in last]
    )
    return name, '<div class="flow">' + "".join(items) + "</div>"
