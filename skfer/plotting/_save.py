"""Write a figure to disk and release it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._base import _pyplot

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["save_figure"]


def save_figure(
    fig: Figure, path: str | os.PathLike[str], *, dpi: int = 150, **kwargs: Any
) -> Path:
    """Write ``fig`` to ``path`` (PNG by default), creating folders, then close it.

    Parameters
    ----------
    fig : matplotlib Figure
        The figure to write, e.g. the return value of any ``skfer.plotting``
        function. It is closed afterwards, so scripts writing many figures do not
        accumulate them in memory.
    path : str or path-like
        Output file. Its suffix sets the format (``.png``, ``.pdf``, ``.svg``, ...);
        without a suffix ``.png`` is added. Missing parent folders are created.
    dpi : int, default=150
        Resolution of raster formats.
    **kwargs
        Passed to :meth:`matplotlib.figure.Figure.savefig`; ``bbox_inches``
        defaults to ``"tight"``.

    Returns
    -------
    path : pathlib.Path
        The file written (``path``, with ``.png`` added when it had no suffix).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skfer.plotting import plot_confusion_matrix, save_figure
    >>> fig = plot_confusion_matrix(["happy", "sad"], ["happy", "happy"])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     out = save_figure(fig, Path(folder) / "figures" / "confusion.png")
    ...     out.name, out.read_bytes()[:4]
    ('confusion.png', b'\\x89PNG')
    """
    from matplotlib.figure import Figure  # lazy: matplotlib is the plot extra

    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure; got {type(fig).__name__}.")
    path = Path(path)
    if not path.suffix:
        path = path.with_suffix(".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    kwargs.setdefault("bbox_inches", "tight")
    try:
        fig.savefig(path, dpi=dpi, **kwargs)
    finally:
        _pyplot().close(fig)
    return path
