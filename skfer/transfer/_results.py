"""The transfer results file: written after every row, resumed, merged.

``transfer.json`` holds the settings, the runs that made it (command, machine,
the FER2013 weights and their checksums) and the rows, one per (target,
protocol, model, method). :class:`ResultsLog` rewrites it after every finished
row, so that an interrupted run loses at most the row in progress;
:func:`merge_results` joins the files of several runs and :func:`write_results`
writes the final file, ``transfer.md`` and the figures.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..utils import write_text_atomic
from ._benchmark import METHODS, PAPER_TABLES, TARGETS
from ._tables import results_markdown, write_figures

__all__ = ["ResultsLog", "merge_results", "write_results"]

SETTINGS = ("quick", "n_repeats", "random_state")


class ResultsLog:
    """The rows of a transfer run so far, saved to ``path`` after each new one.

    Parameters
    ----------
    path : pathlib.Path
        The ``transfer.json`` to write.
    settings : dict
        ``quick``, ``n_repeats`` and ``random_state`` of the run.
    run : dict
        This run's record (command, date, machine, models, weights and their
        ``weights_sha256``); its ``wall_time_s`` is kept up to date.
    resume : bool
        Start from the rows of an earlier ``path`` made with the same settings.
        Rows made from other FER2013 weights than this run's (another checksum)
        are dropped, except the ``scratch`` rows, which use no weights.
    log : callable
        Progress messages.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        settings: Mapping[str, Any],
        run: dict[str, Any],
        *,
        resume: bool = True,
        log: Callable[[str], object] = print,
    ) -> None:
        self.path = Path(path)
        self.settings = dict(settings)
        self.run = run
        self.rows, self.runs = [], []
        earlier = _earlier_results(self.path, self.settings) if resume else None
        if earlier:
            old = {}
            for r in earlier.get("runs", []):
                old.update(r.get("weights_sha256", {}))
            new = run.get("weights_sha256", {})
            stale = {m for m in new if m in old and old[m] != new[m]}
            self.rows = [
                r
                for r in earlier["rows"]
                if r["model"] not in stale or r["method"] == "scratch"
            ]
            self.runs = list(earlier.get("runs", []))
            log(
                f"resuming: {len(self.rows)} rows kept from {self.path}"
                + (f"; rows of {sorted(stale)} dropped (new weights)" if stale else "")
            )
        self.runs.append(run)
        self._start = time.perf_counter()

    def done(self) -> set[tuple[str, str, str, str]]:
        """Keys of the rows already there (the benchmark skips them)."""
        return {_key(r) for r in self.rows}

    def add(self, row: dict[str, Any]) -> None:
        """Keep ``row`` (replacing one with the same key) and rewrite the file."""
        self.rows = [r for r in self.rows if _key(r) != _key(row)] + [row]
        write_text_atomic(self.path, json.dumps(self.results(False), indent=2) + "\n")

    def results(self, complete: bool) -> dict[str, Any]:
        """What ``transfer.json`` holds now."""
        run = self.run
        run["wall_time_s"] = round(time.perf_counter() - self._start, 1)
        weights_used = {}
        for r in self.runs:
            weights_used.update(r.get("weights", {}))
        return {
            **self.settings,
            "complete": complete,
            "command": run["command"],
            "date": run["date"],
            "machine": run["machine"],
            "wall_time_s": round(sum(r.get("wall_time_s", 0) for r in self.runs), 1),
            "runs": self.runs,
            "weights": weights_used,
            "paper_tables": PAPER_TABLES,
            "rows": sorted(self.rows, key=_row_order),
        }


def merge_results(paths: Sequence[str | os.PathLike[str]]) -> dict[str, Any]:
    """Merge ``transfer.json`` files of several runs into one results dict.

    Rows of later files win; the runs are concatenated and their wall times
    summed. Files made with other ``quick``, ``n_repeats`` or ``random_state``
    settings than the first are refused. A merge of several files is complete
    when no row is missing (:func:`write_results` checks), whatever the runs
    stopped before their last row said; a single file keeps its own flag.
    """
    merged, rows = None, {}
    for path in paths:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if merged is None:
            merged = {**data, "runs": []}
        elif any(data.get(k) != merged.get(k) for k in SETTINGS):
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


def write_results(
    results: dict[str, Any], output: str | os.PathLike[str]
) -> dict[str, Any]:
    """Write ``transfer.json``, ``transfer.md`` and the figures of ``results``.

    Also used on merged or partial results (``benchmarks/transfer.py
    --report-only``): rows missing for the models of its runs are listed, and
    ``complete`` is false when there are any.
    """
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    present = {_key(r) for r in results["rows"]}
    targets = sorted({r["target"] for r in results["rows"]}, key=TARGETS.index)
    methods = [m for m in METHODS if any(r["method"] == m for r in results["rows"])]
    expected: set[tuple[str, str, str, str]] = set()
    for run in results.get("runs", []):
        # A run expects only the rows it was asked for: its targets and protocols
        # (files written before they were recorded: the targets of the rows and
        # both protocols) and its models.
        expected.update(
            (t, p, m, meth)
            for t in run.get("targets", targets)
            for p in run.get("protocols", ("paper", "subject"))
            for m in run.get("models", [])
            for meth in run.get("methods", methods)
        )
    missing = sorted(expected - present, key=_row_order_key)
    results = {**results, "complete": results.get("complete", True) and not missing}
    results["missing_rows"] = [list(k) for k in missing]
    results["rows"] = sorted(results["rows"], key=_row_order)
    results["figures"] = write_figures(results["rows"], output)
    write_text_atomic(output / "transfer.json", json.dumps(results, indent=2) + "\n")
    write_text_atomic(output / "transfer.md", results_markdown(results))
    return results


def _key(row):
    return (row["target"], row["protocol"], row["model"], row["method"])


def _row_order_key(key):
    target, protocol, model, method = key
    return _row_order(
        {"target": target, "protocol": protocol, "model": model, "method": method}
    )


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
