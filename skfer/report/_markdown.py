"""Markdown summaries as HTML, rendered by markdown-it-py (CommonMark and tables).

A maintained parser rather than a hand-written subset: benchmark summaries get
every CommonMark construct right (nested emphasis, code spans holding ``*``,
escapes, lists, pipe tables with their alignment). What a result file could use
to reach beyond its page is switched off:

- raw HTML in the text is escaped, never passed through;
- links go to ``http``, ``https`` and ``mailto`` addresses and ``#`` anchors
  only; any other link (``javascript:``, a relative file) stays plain text;
- images are embedded only from the data the caller gives (``images``): an
  image is never loaded from a path or the network, so the page stays
  self-contained.

Headings start at ``<h3>``: the report's title is ``<h1>`` and each section's
``<h2>``.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable

__all__ = ["markdown_to_html"]

_LINK_PREFIXES = ("http://", "https://", "mailto:", "#")
_HEADING_SHIFT = 2  # "#" is <h3>


@functools.cache
def _parser():
    """The markdown-it parser of the report (built once: it is stateless)."""
    # lazy: markdown-it (~90 modules) stays out of `skfer --help` start-up
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.core.ruler.push("skfer_safe_links", _unlink_unsafe)
    md.add_render_rule("heading_open", _heading)
    md.add_render_rule("heading_close", _heading)
    md.add_render_rule("image", _image)
    return md


def _unlink_unsafe(state):
    """Drop the link marks of links that are not to a web address: text stays."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        kept, dropping = [], False
        for token in block.children:
            if token.type == "link_open":
                href = token.attrGet("href") or ""
                dropping = not href.lower().startswith(_LINK_PREFIXES)
                if dropping:
                    continue
            elif token.type == "link_close" and dropping:
                dropping = False
                continue
            kept.append(token)
        block.children = kept


def _heading(renderer, tokens, idx, options, env):
    token = tokens[idx]
    level = min(int(token.tag[1:]) + _HEADING_SHIFT, 6)
    return f"</h{level}>\n" if token.nesting == -1 else f"<h{level}>"


def _image(renderer, tokens, idx, options, env):
    """An image from ``env["images"]`` (a data: URI), else its alt text."""
    token = tokens[idx]
    src = token.attrGet("src") or ""
    alt = renderer.renderInlineAsText(token.children or [], options, env)
    resolve = env.get("images")
    data = resolve(src) if resolve is not None else None
    if data is not None and data.startswith("data:image/"):
        return f'<img alt="{html.escape(alt)}" src="{html.escape(data)}">'
    if src.lower().startswith(("http://", "https://")):  # not loaded: a link
        return f'<a href="{html.escape(src)}">{html.escape(alt or src)}</a>'
    return f'<span class="missing">[{html.escape(alt or src)}]</span>'


def markdown_to_html(
    text: str, *, images: Callable[[str], str | None] | None = None
) -> str:
    r"""HTML of Markdown ``text`` (CommonMark and pipe tables), safe to embed.

    Parameters
    ----------
    text : str
        The Markdown, e.g. a results page of ``benchmarks/results/``.
    images : callable, default=None
        Called with the address of each image (``![alt](photos.png)`` gives
        ``"photos.png"``); returns its ``data:image/...`` URI to embed, or None.
        Images it does not give are written as their alt text (``http(s)``
        images as a link): nothing is loaded from elsewhere.

    Returns
    -------
    html : str
        Raw HTML of the text is escaped, and only ``http(s)``, ``mailto`` and
        ``#`` links are links; headings start at ``<h3>``.

    Examples
    --------
    >>> from skfer.report import markdown_to_html
    >>> print(markdown_to_html("# Results\n\n| a | b |\n|---|--:|\n| 1 | **2** |"))
    <h3>Results</h3>
    <table>
    <thead>
    <tr>
    <th>a</th>
    <th style="text-align:right">b</th>
    </tr>
    </thead>
    <tbody>
    <tr>
    <td>1</td>
    <td style="text-align:right"><strong>2</strong></td>
    </tr>
    </tbody>
    </table>
    >>> print(markdown_to_html("<b>hi</b> [x](javascript:alert(1)) [y](y.md)"))
    <p>&lt;b&gt;hi&lt;/b&gt; [x](javascript:alert(1)) y</p>
    """
    return _parser().render(str(text), {"images": images}).rstrip("\n")
