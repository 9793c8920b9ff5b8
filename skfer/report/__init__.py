"""The HTML report of skfer runs and benchmark results.

- :func:`make_report` (``_report.py``): one self-contained HTML page of result
  folders; sections built in ``_sections.py`` from ``_html.py``'s pieces, the
  style sheet ``report.css``, Markdown summaries rendered by
  :func:`markdown_to_html` (``_markdown.py``);
- :mod:`skfer.report.schema`: the result files that ``skfer train``,
  ``evaluate`` and ``predict`` write and the report reads (file names, ``kind``
  fields, checks), in one place for both.
"""

from ._markdown import markdown_to_html
from ._report import make_report

__all__ = ["make_report", "markdown_to_html"]
