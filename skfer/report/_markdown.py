"""A small Markdown renderer: the subset benchmark summaries use.

Headings, paragraphs, pipe tables, bullet and numbered lists, fenced code, and
inline code, bold, italics and http(s) links. Everything else is text: the
input is escaped first, so a result file cannot inject HTML into a report.
"""

import html
import re

__all__ = ["markdown_to_html"]

_INLINE = [
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*([^*]+)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![*\w])\*([^*\s][^*]*)\*(?!\w)"), r"<em>\1</em>"),
    (re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)"), r'<a href="\2">\1</a>'),
]


def _inline(text):
    text = html.escape(str(text), quote=True)
    for pattern, repl in _INLINE:
        text = pattern.sub(repl, text)
    return text


def markdown_to_html(text):
    r"""HTML of ``text`` written in the Markdown subset of this module.

    Examples
    --------
    >>> from skfer.report import markdown_to_html
    >>> print(markdown_to_html("# Results\n\n| a | b |\n|---|---|\n| 1 | **2** |"))
    <h3>Results</h3>
    <table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td><strong>2</strong></td></tr></tbody></table>
    """
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
            out.append(f"<pre>{html.escape(chr(10).join(block), quote=True)}</pre>")
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
