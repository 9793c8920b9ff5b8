"""HTML building blocks of the report: escaping, tables, embedded figures."""

import base64
import html
import io
import json
import warnings

__all__ = [
    "FIGURE_TYPES",
    "data_uri",
    "details",
    "esc",
    "figure_file",
    "figure_from_matplotlib",
    "is_scalar",
    "kv_table",
    "table",
]

FIGURE_TYPES = {
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


def esc(value):
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
    return f"<{tag}{cls}>{esc(_format(value))}</{tag}>"


def table(rows, columns=None):
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


def kv_table(mapping):
    rows = "".join(f"<tr><th>{esc(k)}</th>{_cell(v)}</tr>" for k, v in mapping.items())
    return f"<table><tbody>{rows}</tbody></table>"


def is_scalar(value):
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
        f'<figure{wide}><img alt="{esc(caption)}" '
        f'src="data:{mime};base64,{encoded}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


def _is_image_data(data, mime):
    """Whether ``data`` starts as a file of type ``mime`` does (magic bytes)."""
    if mime == "image/svg+xml":
        return b"<svg" in data[:4096].lower()
    return data.startswith(_MAGIC[mime])


def _image_data(path):
    """The bytes and type of an image file, or None (with a warning) if the file
    is not the image its name says (a text file named ``.jpg``)."""
    data = path.read_bytes()
    mime = FIGURE_TYPES[path.suffix.lower()]
    if not _is_image_data(data, mime):
        warnings.warn(
            f"make_report: {str(path)!r} is not a {mime} image (its content does "
            "not start like one); it is left out of the report.",
            UserWarning,
            stacklevel=3,
        )
        return None
    return data, mime


def figure_file(path):
    """The embedded figure of an image file, or None (with a warning) if the file
    is not the image its name says (a text file named ``.jpg``)."""
    found = _image_data(path)
    return None if found is None else _figure(*found, path.name)


def data_uri(path):
    """The ``data:`` URI of an image file, or None (with a warning) as
    :func:`figure_file`."""
    found = _image_data(path)
    if found is None:
        return None
    data, mime = found
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def figure_from_matplotlib(fig, caption):
    import matplotlib.pyplot as plt  # lazy: matplotlib is the plot extra

    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    finally:
        plt.close(fig)
    return _figure(buffer.getvalue(), "image/png", caption)


def details(summary, body):
    return f"<details><summary>{esc(summary)}</summary>{body}</details>"
