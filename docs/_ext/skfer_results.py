"""Tables of the paper's figures beside skfer's, read from ``benchmarks/results``.

``.. skfer-paper-table:: fer2013`` and ``.. skfer-paper-table:: transfer`` (options
``:target: jaffe|ckplus`` and ``:protocol: paper|subject``) write the paper's
accuracies beside the ones in ``benchmarks/results/fer2013.json`` and
``transfer.json``. A figure that is not in a results file (the benchmark has not
been run and committed yet) is shown as *pending*: the docs never carry a number
that no results file holds.
"""

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"
MODELS = ("model1", "model2", "model3")
MODEL_NAMES = {
    "model1": "Model 1",
    "model2": "Model 2",
    "model3": "Model 3",
    "ensemble": "Ensemble of the three",
}
PENDING = "*pending*"

#: Borgalli & Surve (2022), Table 5: FER2013 test accuracy (%).
PAPER_FER2013 = {"model1": 61.19, "model2": 61.58, "model3": 61.62}

#: Borgalli & Surve (2022), Tables 6 and 7: accuracy (%) on the target dataset,
#: trained from scratch or fine-tuned from FER2013 (random image-level splits).
PAPER_TRANSFER = {
    "jaffe": {
        "scratch": {"model1": 74.02, "model2": 74.42, "model3": 60.47},
        "fine-tuned": {"model1": 76.74, "model2": 79.07, "model3": 65.12},
    },
    "ckplus": {
        "scratch": {"model1": 46.89, "model2": 50.73, "model3": 60.90},
        "fine-tuned": {"model1": 50.96, "model2": 68.81, "model3": 61.45},
    },
}


def read_results(name, results_dir=RESULTS):
    """The parsed ``<name>.json`` of the results folder, or None."""
    path = Path(results_dir) / f"{name}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _percent(value, std=None):
    if not isinstance(value, (int, float)):
        return PENDING
    text = f"{100 * value:.2f}"
    if isinstance(std, (int, float)):
        text += f" ± {100 * std:.2f}"
    return text


def fer2013_rows(results):
    """Rows ``(model, paper %, skfer PrivateTest %)``."""
    models = (results or {}).get("models", {}) if isinstance(results, dict) else {}
    rows = []
    for key in (*MODELS, "ensemble"):
        entry = models.get(key) if isinstance(models, dict) else None
        ours = entry.get("private_test_accuracy") if isinstance(entry, dict) else None
        paper = PAPER_FER2013.get(key)
        rows.append(
            (
                MODEL_NAMES[key],
                "--" if paper is None else f"{paper:.2f}",
                _percent(ours),
            )
        )
    return rows


def transfer_rows(results, target, protocol):
    """Rows ``(model, paper scratch, paper fine-tuned, skfer scratch, skfer ft)``."""
    found = {}
    rows_in = (results or {}).get("rows", []) if isinstance(results, dict) else []
    for row in rows_in if isinstance(rows_in, list) else []:
        if not isinstance(row, dict):
            continue
        if row.get("target") == target and row.get("protocol") == protocol:
            found[(row.get("model"), row.get("method"))] = row
    rows = []
    for model in MODELS:
        cells = [MODEL_NAMES[model]]
        for method in ("scratch", "fine-tuned"):
            cells.append(f"{PAPER_TRANSFER[target][method][model]:.2f}")
        for method in ("scratch", "fine-tuned"):
            row = found.get((model, method), {})
            cells.append(_percent(row.get("mean"), row.get("std")))
        rows.append(tuple(cells))
    return rows


def _list_table(header, rows):
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for cells in (header, *rows):
        lines.append(f"   * - {cells[0]}")
        lines += [f"     - {cell}" for cell in cells[1:]]
    return lines


def table_lines(kind, target="jaffe", protocol="paper", results_dir=RESULTS):
    """rst lines of one table."""
    if kind == "fer2013":
        header = ("Model", "Paper (Table 5)", "skfer (PrivateTest)")
        return _list_table(header, fer2013_rows(read_results("fer2013", results_dir)))
    if kind == "transfer":
        header = (
            "Model",
            "Paper: scratch",
            "Paper: fine-tuned",
            f"skfer: scratch ({protocol} protocol)",
            f"skfer: fine-tuned ({protocol} protocol)",
        )
        rows = transfer_rows(read_results("transfer", results_dir), target, protocol)
        return _list_table(header, rows)
    raise ValueError(f"unknown table {kind!r}; expected 'fer2013' or 'transfer'")


def pretrained_lines():
    """rst lines of a table of the weights shipped with the installed skfer."""
    import skfer

    entries = skfer.list_pretrained()
    if not entries:
        return ["No pretrained weights are shipped in this version of skfer."]
    rows = []
    for entry in entries:
        classes = entry.get("classes") or []
        rows.append(
            (
                f"``{entry.get('name')}``",
                f"``{entry.get('architecture', '?')}``",
                str(len(classes)) if classes else "?",
                _percent(entry.get("private_test_accuracy")),
            )
        )
    header = ("Name", "Architecture", "Classes", "FER2013 PrivateTest (%)")
    return _list_table(header, rows)


def setup(app):
    from docutils import nodes
    from docutils.parsers.rst import directives
    from docutils.statemachine import StringList
    from sphinx.util.docutils import SphinxDirective

    class PaperTable(SphinxDirective):
        required_arguments = 1
        option_spec = {
            "target": lambda arg: directives.choice(arg, ("jaffe", "ckplus")),
            "protocol": lambda arg: directives.choice(arg, ("paper", "subject")),
        }

        def run(self):
            kind = self.arguments[0]
            for name in ("fer2013", "transfer"):
                self.env.note_dependency(str(RESULTS / f"{name}.json"))
            try:
                lines = table_lines(
                    kind,
                    target=self.options.get("target", "jaffe"),
                    protocol=self.options.get("protocol", "paper"),
                )
            except ValueError as exc:
                raise self.error(str(exc)) from exc
            container = nodes.container()
            self.state.nested_parse(StringList(lines), self.content_offset, container)
            return container.children

    class Pretrained(SphinxDirective):
        """``.. skfer-pretrained::``: the table of :func:`skfer.list_pretrained`."""

        def run(self):
            container = nodes.container()
            self.state.nested_parse(
                StringList(pretrained_lines()), self.content_offset, container
            )
            return container.children

    app.add_directive("skfer-paper-table", PaperTable)
    app.add_directive("skfer-pretrained", Pretrained)
