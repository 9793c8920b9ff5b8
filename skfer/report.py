"""A self-contained HTML report of skfer runs and benchmark results.

:func:`make_report` gathers what ``skfer train``, ``skfer evaluate``, ``skfer
demo`` and the benchmark scripts write (JSON result files, Markdown summaries and
PNG figures) into one HTML page. Figures are inlined as base64 data, so the page
can be mailed or archived alone; it loads nothing from the network.
"""

import base64
import datetime
import html
import io
import json
import os
import re
import warnings
from pathlib import Path

from ._atomic import write_text_atomic

__all__ = ["make_report"]

_FIGURE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
}
# How each embedded image type starts (its "magic bytes").
_MAGIC = {
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
    "image/gif": (b"GIF87a", b"GIF89a"),
}
_SKIPPED_DIRS = {"checkpoint", "__pycache__"}
_MAX_DEPTH = 3

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
color:#1d2733;background:#f4f6f9;line-height:1.45}
main{max-width:1180px;margin:0 auto;padding:24px 28px 48px}
header{background:#1f3a5f;color:#fff;padding:20px 28px}
header h1{margin:0;font-size:1.6em}header p{margin:4px 0 0;opacity:.85}
nav{font-size:.92em;margin:12px 0 4px}nav a{margin-right:14px}
section{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.08);
padding:14px 22px 18px;margin:18px 0}
h2{margin:.2em 0 .3em;font-size:1.3em;color:#1f3a5f}
h3{margin:.6em 0 .3em;font-size:1.05em}
.path,.note{color:#6b7785;font-size:.85em;margin:0 0 .6em}
table{border-collapse:collapse;margin:.4em 0 .8em;font-size:.9em}
th,td{border:1px solid #dde3ea;padding:3px 9px;text-align:left;vertical-align:top}
th{background:#eef2f7;white-space:nowrap}tr:nth-child(even) td{background:#fafbfc}
td.num{text-align:right;font-variant-numeric:tabular-nums}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.88em}
pre{background:#f6f8fa;padding:8px 10px;border-radius:4px;white-space:pre-wrap;
overflow-wrap:anywhere}
.flow{display:flex;flex-wrap:wrap;gap:12px 28px;align-items:flex-start}
figure{margin:0;flex:1 1 420px;max-width:580px}
figure.wide,.full{flex:1 1 100%;max-width:100%}
figure img{max-width:100%;height:auto;border:1px solid #e3e8ee;border-radius:4px;
background:#fff}
figcaption{font-size:.85em;color:#4a5663;margin-top:2px}
.big{font-size:1.25em;font-weight:600;margin:.3em 0}
.block{flex:0 1 auto;max-width:600px;overflow-x:auto}
.block td{overflow-wrap:anywhere}
details{margin:.4em 0}summary{cursor:pointer;color:#1f3a5f}
footer{color:#6b7785;font-size:.8em;text-align:center;margin-top:24px}
"""


# ---------------------------------------------------------------- HTML pieces
def _esc(value):
    return html.escape(str(value), quote=True)


def _format(value):
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        if value != value:  # NaN
            return "nan"
        if abs(value) >= 1e5 or (value != 0 and abs(value) < 1e-3):
            return f"{value:.3g}"
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)) and all(
        not isinstance(v, (dict, list)) for v in value
    ):
        return ", ".join(_format(v) for v in value)
    if isinstance(value, dict) and all(
        not isinstance(v, (dict, list)) for v in value.values()
    ):
        return "; ".join(f"{k}: {_format(v)}" for k, v in value.items())
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _cell(value, tag="td"):
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    cls = ' class="num"' if numeric and tag == "td" else ""
    return f"<{tag}{cls}>{_esc(_format(value))}</{tag}>"


def _table(rows, columns=None):
    """HTML table of a list of dicts (one row each)."""
    if not rows:
        return ""
    if columns is None:
        columns = []
        for row in rows:
            columns.extend(k for k in row if k not in columns)
    head = "".join(_cell(c, "th") for c in columns)
    body = "".join(
        "<tr>" + "".join(_cell(row.get(c, "")) for c in columns) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _kv_table(mapping):
    rows = "".join(f"<tr><th>{_esc(k)}</th>{_cell(v)}</tr>" for k, v in mapping.items())
    return f"<table><tbody>{rows}</tbody></table>"


def _is_scalar(value):
    return not isinstance(value, (dict, list))


def _png_aspect(data):
    """Width / height of a PNG (from its header), or 1.0 if not a PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 24:
        return 1.0
    width, height = (
        int.from_bytes(data[16:20], "big"),
        int.from_bytes(data[20:24], "big"),
    )
    return width / max(height, 1)


def _figure(data, mime, caption):
    encoded = base64.b64encode(data).decode("ascii")
    wide = ' class="wide"' if _png_aspect(data) > 2.6 else ""
    return (
        f'<figure{wide}><img alt="{_esc(caption)}" '
        f'src="data:{mime};base64,{encoded}">'
        f"<figcaption>{_esc(caption)}</figcaption></figure>"
    )


def _is_image_data(data, mime):
    """Whether ``data`` starts as a file of type ``mime`` does (magic bytes)."""
    if mime == "image/svg+xml":
        return b"<svg" in data[:4096].lower()
    return data.startswith(_MAGIC[mime])


def _figure_file(path):
    """The embedded figure of an image file, or None (with a warning) if the file
    is not the image its name says (a text file named ``.jpg``)."""
    data = path.read_bytes()
    mime = _FIGURE_TYPES[path.suffix.lower()]
    if not _is_image_data(data, mime):
        warnings.warn(
            f"make_report: {str(path)!r} is not a {mime} image (its content does "
            "not start like one); it is left out of the report.",
            UserWarning,
            stacklevel=2,
        )
        return None
    return _figure(data, mime, path.name)


def _figure_from_matplotlib(fig, caption):
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    finally:
        plt.close(fig)
    return _figure(buffer.getvalue(), "image/png", caption)


def _details(summary, body):
    return f"<details><summary>{_esc(summary)}</summary>{body}</details>"


# ------------------------------------------------------------ Markdown (small)
_INLINE = [
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*([^*]+)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![*\w])\*([^*\s][^*]*)\*(?!\w)"), r"<em>\1</em>"),
    (re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)"), r'<a href="\2">\1</a>'),
]


def _inline(text):
    text = _esc(text)
    for pattern, repl in _INLINE:
        text = pattern.sub(repl, text)
    return text


def _markdown(text):
    """The Markdown subset benchmark summaries use: headings, tables, lists, code."""
    out, para, lines = [], [], text.splitlines()

    def flush():
        if para:
            out.append(f"<p>{_inline(' '.join(para))}</p>")
            para.clear()

    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            block = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                block.append(lines[i])
                i += 1
            out.append(f"<pre>{_esc(chr(10).join(block))}</pre>")
        elif re.match(r"^#{1,6} ", stripped):
            flush()
            level = min(len(stripped) - len(stripped.lstrip("#")) + 2, 6)
            out.append(f"<h{level}>{_inline(stripped.lstrip('#').strip())}</h{level}>")
        elif stripped.startswith("|"):
            flush()
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                if not all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
                    rows.append(cells)
                i += 1
            i -= 1
            head = "".join(f"<th>{_inline(c)}</th>" for c in rows[0])
            body = "".join(
                "<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>"
                for row in rows[1:]
            )
            out.append(
                f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            )
        elif re.match(r"^([-*]|\d+\.) ", stripped):
            flush()
            items = []
            while i < len(lines) and lines[i].strip():
                item = lines[i].strip()
                if re.match(r"^([-*]|\d+\.) ", item):
                    items.append(re.sub(r"^([-*]|\d+\.) ", "", item))
                elif items:
                    items[-1] += " " + item
                i += 1
            out.append(
                "<ul>" + "".join(f"<li>{_inline(t)}</li>" for t in items) + "</ul>"
            )
            continue
        elif not stripped:
            flush()
        else:
            para.append(stripped)
        i += 1
    flush()
    return "\n".join(out)


# ------------------------------------------------------------ result content
def _read_json(path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:  # too deeply nested too
        raise ValueError(f"{path} is not a readable JSON file ({exc}).") from exc


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
    parts.append(_kv_table(rows))
    if card.get("command"):
        parts.append(f"<pre>{_esc(card['command'])}</pre>")
    parts.append(_made(card))
    return "".join(parts)


def _made(result):
    """A small line saying when and with which skfer a result was made."""
    made = [str(result["date"])] if result.get("date") else []
    if result.get("skfer_version"):
        made.append(f"skfer {result['skfer_version']}")
    return f'<p class="note">{_esc(" · ".join(made))}</p>' if made else ""


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
    return _table(rows)


def _evaluation_html(result, show_command=True):
    summary = result.get("summary") or {}
    parts = []
    if "accuracy" in summary:
        parts.append(
            f'<p class="big">accuracy {summary["accuracy"]:.1%} &middot; macro F1 '
            f"{summary.get('macro_f1', float('nan')):.3f} &middot; "
            f"{summary.get('n_samples')} images</p>"
        )
    info = {
        k: result[k]
        for k in ("model", "dataset", "data_dir", "subset")
        if result.get(k) is not None
    }
    parts.append(_kv_table(info))
    if summary.get("labels"):
        parts.append(_summary_html(summary))
    if result.get("command") and show_command:
        parts.append(f"<pre>{_esc(result['command'])}</pre>")
        parts.append(_made(result))
    return "".join(parts)


def _generic_json_html(data, name=None):
    """Tables for a benchmark result file: header fields, then each entry."""
    if not isinstance(data, dict):
        if isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
            return _table([{k: v for k, v in r.items()} for r in data])
        return f"<pre>{_esc(json.dumps(data, indent=2))}</pre>"
    parts, scalars = [], {}
    for key, value in data.items():
        if _is_scalar(value):
            scalars[key] = value
        elif isinstance(value, dict) and all(_is_scalar(v) for v in value.values()):
            scalars[key] = value
        elif (
            isinstance(value, list)
            and value
            and all(isinstance(r, dict) for r in value)
        ):
            heading = "" if key == name else f"<h3>{_esc(key)}</h3>"
            parts.append(heading + _table(value))
        elif (
            isinstance(value, dict)
            and value
            and all(isinstance(v, dict) for v in value.values())
        ):
            rows = [{"": k, **v} for k, v in value.items()]
            parts.append(f"<h3>{_esc(key)}</h3>" + _table(rows))
        else:
            parts.append(
                _details(key, f"<pre>{_esc(json.dumps(value, indent=2))}</pre>")
            )
    command = scalars.pop("command", None)
    head = f"<pre>{_esc(command)}</pre>" if command else ""
    return head + (_kv_table(scalars) if scalars else "") + "".join(parts)


def _history_figure(history, title):
    from .plotting import plot_learning_curves

    return _figure_from_matplotlib(
        plot_learning_curves(history, title=title), "learning curves"
    )


def _confusion_figure(summary):
    from .plotting import plot_confusion_matrix_from_matrix

    fig = plot_confusion_matrix_from_matrix(
        summary["confusion_matrix"],
        display_labels=summary["labels"],
        normalize="both",
    )
    return _figure_from_matplotlib(fig, "confusion matrix")


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
        f"<h3>{_esc(Path(str(video.get('file'))).name)}</h3>"
        + _kv_table(facts)
        + _table(rows)
    )


def _timeline_figure(video):
    from .plotting import plot_emotion_timeline

    frames = video["frames"]
    fig = plot_emotion_timeline(
        [f["time"] for f in frames],
        [[f["probabilities"][c] for c in video["classes"]] for f in frames],
        video["classes"],
        tracks=[f["track"] for f in frames],
    )
    return _figure_from_matplotlib(fig, "emotions over time")


def _kind(path, data):
    if isinstance(data, dict):
        kind = data.get("kind")
        if kind in ("skfer-train", "skfer-evaluate", "skfer-video"):
            return kind
    if path.name == "history.json" and isinstance(data, list):
        return "history"
    return "generic"


def _checked(path, data, kind):
    """``kind``, once the fields the report formats have the right types.

    A result file edited by hand (``"accuracy": "0.9"``) raises a ValueError
    naming the file and the field, instead of failing somewhere in the page.
    """

    def fail(field, value, expected):
        raise ValueError(f"{path}: field {field!r} is {value!r}; expected {expected}.")

    def number(field, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            fail(field, value, "a number")

    if kind == "skfer-evaluate":
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
    elif kind == "skfer-train":
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


def _section_for_files(name, files, base):
    """HTML section from the result files of one folder (or a single file)."""
    blocks, first, last, figures, used = [], [], [], [], set()
    figure_names = {p.name for p in files if p.suffix.lower() in _FIGURE_TYPES}
    md_stems = {p.stem for p in files if p.suffix.lower() == ".md"}
    loaded = [
        (path, data, _checked(path, data, _kind(path, data)))
        for path in sorted(p for p in files if p.suffix.lower() == ".json")
        for data in [_read_json(path)]
    ]
    evaluated = any(kind == "skfer-evaluate" for _, _, kind in loaded)
    train_commands = {
        d.get("command") for _, d, kind in loaded if kind == "skfer-train"
    }
    for path in sorted(p for p in files if p.suffix.lower() == ".md"):
        first.append(_markdown(path.read_text(encoding="utf-8")))
    for path, data, kind in loaded:
        if kind == "skfer-train":
            blocks.append(
                "<h3>Training</h3>" + _train_html(data, headline=not evaluated)
            )
        elif kind == "skfer-evaluate":
            show = data.get("command") not in train_commands
            blocks.append(
                "<h3>Evaluation</h3>" + _evaluation_html(data, show_command=show)
            )
            cm_png = data.get("figure")
            figure = _figure_file(base / cm_png) if cm_png in figure_names else None
            if figure is not None:
                figures.append(figure)
                used.add(cm_png)
            elif (data.get("summary") or {}).get("confusion_matrix"):
                figures.append(_confusion_figure(data["summary"]))
        elif kind == "skfer-video":
            for video in data.get("videos", []):
                blocks.append(_video_html(video))
                timeline = Path(str(video.get("timeline"))).name
                if timeline in figure_names:
                    figures.append(_figure_file(base / timeline))
                    used.add(timeline)
                elif video.get("frames"):
                    figures.append(_timeline_figure(video))
        elif kind == "history":
            if data:
                curves = "learning_curves.png"
                figure = _figure_file(base / curves) if curves in figure_names else None
                if figure is not None:
                    figures.append(figure)
                    used.add(curves)
                else:
                    figures.append(_history_figure(data, name))
                last.append(_details(f"history ({len(data)} epochs)", _table(data)))
        elif path.stem in md_stems:
            raw = f"<pre>{_esc(json.dumps(data, indent=2))}</pre>"
            last.append(_details(f"{path.name} (raw results)", raw))
        else:
            blocks.append(
                f"<h3>{_esc(path.stem)}</h3>" + _generic_json_html(data, path.stem)
            )
    for path in sorted(p for p in files if p.suffix.lower() in _FIGURE_TYPES):
        if path.name not in used:
            figure = _figure_file(path)
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


def _result_files(folder):
    return [
        p
        for p in sorted(folder.iterdir())
        if p.is_file()
        and not p.name.startswith(".")
        and (p.suffix.lower() in _FIGURE_TYPES or p.suffix.lower() in (".json", ".md"))
    ]


def _age(folder):
    """Sort key of sub-folders: in the order they were written, then by name."""
    times = [p.stat().st_mtime for p in folder.iterdir() if p.is_file()]
    return (min(times) if times else float("inf"), folder.name)


def _collect(path, label, depth=0):
    """Sections (name, html, path) for a result folder and its sub-folders."""
    sections = []
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix not in _FIGURE_TYPES and suffix not in (".json", ".md"):
            raise ValueError(
                f"{path} is not a result file: expected a folder, a .json, .md or "
                "image file."
            )
        section = _section_for_files(label, [path], path.parent)
        return [(*section, path)] if section else []
    section = _section_for_files(label, _result_files(path), path)
    if section:
        sections.append((*section, path))
    if depth < _MAX_DEPTH:
        for sub in sorted((p for p in path.iterdir() if p.is_dir()), key=_age):
            if sub.name.startswith(".") or sub.name in _SKIPPED_DIRS:
                continue
            sections.extend(_collect(sub, f"{label}/{sub.name}", depth + 1))
    return sections


def make_report(results, output, *, title="skfer report", command=None):
    """Write one self-contained HTML page summarizing result folders and files.

    Each result becomes a section: the training card of a ``skfer train`` run
    (architecture, data, accuracy, command), the scores of a ``skfer evaluate``
    run (accuracy, per-class precision/recall/F1), learning curves drawn from
    ``history.json``, confusion matrices, video runs saved from ``skfer predict
    VIDEO --json`` (per-face summary and emotion timeline), benchmark result
    files (JSON as tables,
    Markdown summaries rendered) and every PNG/JPEG/SVG figure found. Sub-folders
    are sections of their own (``checkpoint/`` folders are skipped). Images are
    embedded as base64 data: the page needs no other file and no network.

    Parameters
    ----------
    results : str, path-like or sequence of them
        Output folders of ``skfer train``/``evaluate``/``demo``, benchmark result
        folders such as ``benchmarks/results/``, or single ``.json``/``.md``/image
        files.
    output : str or path-like
        The HTML file to write (folders are created).
    title : str, default="skfer report"
        Title of the page.
    command : str, default=None
        The command that made the report, shown in the page footer.

    Returns
    -------
    path : pathlib.Path
        The file written.

    Raises
    ------
    FileNotFoundError
        If a result path does not exist.
    ValueError
        If a result file cannot be read, or nothing reportable is found.

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> from skfer.report import make_report
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "scores.json").write_text(json.dumps({"accuracy": 0.9}))
    >>> page = make_report([folder], folder / "report.html")
    >>> "<table>" in page.read_text()
    True
    """
    if isinstance(results, (str, os.PathLike)):
        results = [results]
    paths = [Path(r) for r in results]
    if not paths:
        raise ValueError("make_report needs at least one result folder or file.")
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"result path {str(path)!r} does not exist.")
    output = Path(output)
    sections = []
    for path in paths:
        label = path.resolve().name or str(path)
        found = _collect(path, label)
        sections.extend(s for s in found if s[2].resolve() != output.resolve())
    if not sections:
        raise ValueError(
            "no results found in "
            + ", ".join(repr(str(p)) for p in paths)
            + ": expected card.json, evaluation.json, history.json, benchmark JSON, "
            "Markdown or image files."
        )
    now = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    from ._version import __version__

    nav = "".join(
        f'<a href="#s{i}">{_esc(name)}</a>' for i, (name, _, _) in enumerate(sections)
    )
    body = "".join(
        f'<section id="s{i}"><h2>{_esc(name)}</h2>'
        + (f'<p class="path">{_esc(path)}</p>' if str(path) != name else "")
        + f"{content}</section>"
        for i, (name, content, path) in enumerate(sections)
    )
    footer = f"made by skfer {__version__} on {now}"
    if command:
        footer += f" with <code>{_esc(command)}</code>"
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>{_esc(title)}</h1><p>{len(sections)} result"
        f"{'s' if len(sections) != 1 else ''}</p></header><main>"
        f"<nav>{nav}</nav>{body}<footer>{footer}</footer></main></body></html>\n"
    )
    return write_text_atomic(output, page)
