"""The report's small Markdown renderer, on its own."""

from skfer.report import markdown_to_html


def test_headings_paragraphs_and_inline_marks():
    html = markdown_to_html("# Title\n\nSome **bold**, *it* and `code`.\nSame para.")
    assert html == (
        "<h3>Title</h3>\n<p>Some <strong>bold</strong>, <em>it</em> and "
        "<code>code</code>. Same para.</p>"
    )


def test_tables_skip_the_separator_row():
    html = markdown_to_html("| a | b |\n|---|--:|\n| 1 | 2 |")
    assert html == (
        "<table><thead><tr><th>a</th><th>b</th></tr></thead>"
        "<tbody><tr><td>1</td><td>2</td></tr></tbody></table>"
    )


def test_lists_with_continuation_lines_and_fenced_code():
    html = markdown_to_html("- one\n  more\n- two\n\n```\nx < 1\n```")
    assert html == "<ul><li>one more</li><li>two</li></ul>\n<pre>x &lt; 1</pre>"


def test_html_in_the_text_is_escaped_and_only_http_links_become_links():
    html = markdown_to_html(
        "<script>alert(1)</script> [a](javascript:x) [b](https://e.org)"
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert '<a href="https://e.org">b</a>' in html
