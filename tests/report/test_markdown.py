"""The report's Markdown rendering (markdown-it-py), and every results page we ship."""

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from skfer.report import make_report, markdown_to_html

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"
PAGES = sorted(RESULTS.glob("*.md"))


def test_headings_start_at_h3_and_inline_marks():
    out = markdown_to_html("# Title\n\n## Sub\n\nSome **bold**, *it* and `a*b*c`.")
    assert out == (
        "<h3>Title</h3>\n<h4>Sub</h4>\n<p>Some <strong>bold</strong>, <em>it</em> "
        "and <code>a*b*c</code>.</p>"
    )
    assert markdown_to_html("###### six") == "<h6>six</h6>"  # capped at h6


def test_tables_keep_their_alignment_and_skip_the_separator_row():
    out = markdown_to_html("| a | b |\n|---|--:|\n| 1 | 2 |")
    assert out.count("<tr>") == 2 and "---" not in out
    assert '<td style="text-align:right">2</td>' in out


def test_lists_and_fenced_code():
    out = markdown_to_html("- one\n  more\n- two\n\n```\nx < 1\n```")
    assert "<ul>\n<li>one\nmore</li>\n<li>two</li>\n</ul>" in out
    assert "<pre><code>x &lt; 1\n</code></pre>" in out


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "<a href='javascript:x'>a</a>",
        "<!-- comment --><iframe src=x></iframe>",
    ],
)
def test_raw_html_is_escaped(text):
    out = markdown_to_html(text)
    assert "<script" not in out and "<img" not in out and "<iframe" not in out
    assert "<a " not in out and "&lt;" in out


@pytest.mark.parametrize(
    "link, is_link",
    [
        ("https://e.org/a?b=1&c=2", True),
        ("http://e.org", True),
        ("mailto:a@e.org", True),
        ("#anchor", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("vbscript:x", False),
        ("data:text/html;base64,PHNjcmlwdD4=", False),
        ("file:///etc/passwd", False),
        ("onnx.md", False),
        ("../../etc/passwd", False),
    ],
)
def test_only_web_links_and_anchors_are_links(link, is_link):
    out = markdown_to_html(f"see [the page]({link}) now")
    assert ("<a href=" in out) == is_link, out
    assert "the page" in out
    if is_link:
        assert f'href="{html.escape(link)}"' in out


def test_images_are_embedded_only_from_the_data_given():
    calls = []

    def images(src):
        calls.append(src)
        return "data:image/png;base64,iVBORw0KGgo=" if src == "a.png" else None

    out = markdown_to_html(
        "![chart *one*](a.png) ![gone](b.png) ![web](https://e.org/c.png) "
        '![x](x.png "t")',
        images=images,
    )
    assert calls == ["a.png", "b.png", "https://e.org/c.png", "x.png"]
    assert '<img alt="chart one" src="data:image/png;base64,iVBORw0KGgo=">' in out
    assert '<span class="missing">[gone]</span>' in out
    assert '<a href="https://e.org/c.png">web</a>' in out  # a link, never loaded
    assert out.count("<img") == 1
    # without images=, nothing is embedded, and a resolver cannot inject HTML
    assert "<img" not in markdown_to_html("![a](a.png)")
    evil = markdown_to_html("![a](a.png)", images=lambda s: '"><script>x</script>')
    assert "<script" not in evil and "<img" not in evil


# ------------------------------------------------- the results pages we ship
class _Page(HTMLParser):
    """Tables (rows of cell texts), images, links and strong texts of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables, self.images, self.links, self.strong = [], [], [], []
        self.stack, self.text = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th", "a", "strong"):
            self.stack.append((tag, attrs, len(self.text)))
        elif tag == "img":
            self.images.append((attrs["alt"], attrs["src"]))

    def handle_endtag(self, tag):
        if tag in ("td", "th", "a", "strong"):
            name, attrs, start = self.stack.pop()
            assert name == tag
            text = "".join(self.text[start:])
            if tag in ("td", "th"):
                self.tables[-1][-1].append(text.strip())
            elif tag == "a":
                self.links.append((text, attrs["href"]))
            else:
                self.strong.append(text)

    def handle_data(self, data):
        self.text.append(data)


def _plain(cell):
    """A Markdown table cell as the text its HTML shows (code, bold, escapes)."""
    cell = re.sub(r"`([^`]*)`", r"\1", cell)
    cell = re.sub(r"\*\*(.+?)\*\*", r"\1", cell)
    return cell.replace("\\|", "|").strip()


def _source_tables(text):
    tables, current = [], None
    for line in text.splitlines():
        if line.startswith("|"):
            if current is None:
                current = []
                tables.append(current)
            cells = [c for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if not all(re.fullmatch(r"\s*:?-+:?\s*", c) for c in cells):
                current.append([_plain(c) for c in cells])
        else:
            current = None
    return tables


def _outside_code(text):
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return re.sub(r"`[^`\n]*`", "", text)


def test_every_shipped_results_page_is_found():
    names = {p.name for p in PAGES}
    assert {"fer2013.md", "photos.md", "onnx.md", "transfer.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_shipped_results_page_renders_right(page):
    text = page.read_text(encoding="utf-8")

    def images(src):
        path = RESULTS / src
        return "data:image/png;base64,AAAA" if path.is_file() else None

    out = markdown_to_html(text, images=images)
    parsed = _Page()
    parsed.feed(out)
    parsed.close()
    # tables: every row and every cell, as written (the separator row dropped)
    assert parsed.tables == _source_tables(text)
    # images: each one embedded (every figure a page shows is shipped beside it)
    wanted = re.findall(r"!\[([^\]]*)\]\(([^)\s]+)\)", text)
    assert [alt for alt, _ in parsed.images] == [alt for alt, _ in wanted]
    assert all(src == "data:image/png;base64,AAAA" for _, src in parsed.images)
    assert "missing" not in out
    # links: each web link of the text, with its text
    links = re.findall(r"(?<!!)\[([^\]]+)\]\((https?://[^)\s]+)\)", text)
    assert parsed.links == links
    # emphasis: every **bold** outside code is bold, and no marker is left
    prose = _outside_code(text)
    assert parsed.strong == re.findall(r"\*\*(.+?)\*\*", prose)
    shown = re.sub(r"<code>.*?</code>", "", out, flags=re.S)
    assert "**" not in shown
    # headings start at h3; nothing of the page is raw HTML
    assert "<h1>" not in out and "<h2>" not in out
    assert out.count("<h3>") == len(re.findall(r"^# ", text, flags=re.M))
    assert "<script" not in out


def test_results_page_images_are_embedded_once_in_the_report(tmp_path):
    """photos.md shows photos.png: embedded where the page puts it, not twice."""
    folder = tmp_path / "results"
    folder.mkdir()
    for name in ("photos.md", "photos.png"):
        (folder / name).write_bytes((RESULTS / name).read_bytes())
    page = make_report([folder], tmp_path / "r.html").read_text()
    assert page.count("data:image/png;base64,") == 1
    assert '<img alt="accuracy per framing" src="data:image/png;base64,' in page
