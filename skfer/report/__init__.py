"""The HTML report of skfer runs and benchmark results, and the result files.

- :func:`make_report` (``_report.py``): one self-contained HTML page of result
  folders; sections built in ``_sections.py`` from ``_html.py``'s pieces, the
  style sheet ``report.css``, Markdown summaries rendered by
  :func:`markdown_to_html` (``_markdown.py``);
- the schema of result files (``_schema.py``): the file names and ``kind``
  fields that ``skfer train``/``evaluate``/``predict`` write and the report
  reads, and their checks.
"""

from ._markdown import markdown_to_html
from ._report import make_report
from ._schema import (
    CARD_JSON,
    CONFUSION_PNG,
    CURVES_PNG,
    EVALUATION_JSON,
    HISTORY_JSON,
    KIND_EVALUATE,
    KIND_TRAIN,
    KIND_VIDEO,
    KINDS,
    WEIGHTS_FILE,
    check_result,
    read_result,
    result_kind,
)

__all__ = [
    "CARD_JSON",
    "CONFUSION_PNG",
    "CURVES_PNG",
    "EVALUATION_JSON",
    "HISTORY_JSON",
    "KINDS",
    "KIND_EVALUATE",
    "KIND_TRAIN",
    "KIND_VIDEO",
    "WEIGHTS_FILE",
    "check_result",
    "make_report",
    "markdown_to_html",
    "read_result",
    "result_kind",
]
