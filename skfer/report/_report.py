"""A self-contained HTML report of skfer runs and benchmark results.

:func:`make_report` gathers what ``skfer train``, ``skfer evaluate``, ``skfer
demo`` and the benchmark scripts write (JSON result files, Markdown summaries and
PNG figures) into one HTML page. Figures are inlined as base64 data, so the page
can be mailed or archived alone; it loads nothing from the network.
"""

from __future__ import annotations

import datetime
import os
import warnings
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from .. import __version__
from ..utils import write_text_atomic
from ._html import FIGURE_TYPES, esc
from ._sections import section_for_files

__all__ = ["make_report"]

_SKIPPED_DIRS = {"checkpoint", "__pycache__"}
_MAX_DEPTH = 3


def _css():
    return resources.files(__package__).joinpath("report.css").read_text()


def _result_files(folder, root):
    return [
        p
        for p in sorted(folder.iterdir())
        if p.is_file()
        and not p.name.startswith(".")
        and (p.suffix.lower() in FIGURE_TYPES or p.suffix.lower() in (".json", ".md"))
        and _inside(p, root)
    ]


def _inside(path, root):
    """Whether ``path`` stays within ``root`` once links are followed.

    A link out of the result folder (``leak.md -> /etc/hostname``) would put a
    file of the machine into a page meant to be shared: it is left out, with a
    warning naming it. Broken links and loops are left out the same way.
    """
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # broken link, loop
        target, inside = exc, False
    else:
        inside = target == root or root in target.parents
    if not inside:
        warnings.warn(
            f"make_report: {str(path)!r} is a link out of the result folder "
            f"{str(root)!r} (to {str(target)!r}); it is left out of the report.",
            UserWarning,
            stacklevel=4,
        )
    return inside


def _age(folder):
    """Sort key of sub-folders: in the order they were written, then by name."""
    times = [p.stat().st_mtime for p in folder.iterdir() if p.is_file()]
    return (min(times) if times else float("inf"), folder.name)


def _collect(path, label, depth=0, root=None):
    """Sections (name, html, path) for a result folder and its sub-folders.

    ``root``: the result folder given (resolved); nothing outside it is read.
    """
    sections = []
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix not in FIGURE_TYPES and suffix not in (".json", ".md"):
            raise ValueError(
                f"{path} is not a result file: expected a folder, a .json, .md or "
                "image file."
            )
        section = section_for_files(label, [path], path.parent)
        return [(*section, path)] if section else []
    if not path.is_dir():
        raise ValueError(
            f"{path} is neither a regular file nor a folder (a FIFO, device or "
            "socket): expected a result folder, a .json, .md or image file."
        )
    root = path.resolve() if root is None else root
    section = section_for_files(label, _result_files(path, root), path)
    if section:
        sections.append((*section, path))
    if depth < _MAX_DEPTH:
        for sub in sorted((p for p in path.iterdir() if p.is_dir()), key=_age):
            if sub.name.startswith(".") or sub.name in _SKIPPED_DIRS:
                continue
            if _inside(sub, root):
                sections.extend(_collect(sub, f"{label}/{sub.name}", depth + 1, root))
    return sections


def make_report(
    results: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    title: str = "skfer report",
    command: str | None = None,
) -> Path:
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
        The HTML page written.

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
    sections: list[Any] = []
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

    nav = "".join(
        f'<a href="#s{i}">{esc(name)}</a>' for i, (name, _, _) in enumerate(sections)
    )
    body = "".join(
        f'<section id="s{i}"><h2>{esc(name)}</h2>'
        + (f'<p class="path">{esc(path)}</p>' if str(path) != name else "")
        + f"{content}</section>"
        for i, (name, content, path) in enumerate(sections)
    )
    footer = f"made by skfer {__version__} on {now}"
    if command:
        footer += f" with <code>{esc(command)}</code>"
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{_css()}</style></head><body>"
        f"<header><h1>{esc(title)}</h1><p>{len(sections)} result"
        f"{'s' if len(sections) != 1 else ''}</p></header><main>"
        f"<nav>{nav}</nav>{body}<footer>{footer}</footer></main></body></html>\n"
    )
    return write_text_atomic(output, page)
