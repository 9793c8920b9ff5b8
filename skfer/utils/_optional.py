"""Importing an optional dependency, with a message that says how to install it."""

import importlib

__all__ = ["import_optional"]


def import_optional(module, reason, *, extra, package):
    """Import ``module``, or raise an ImportError that says how to install it.

    For the dependencies that only some of skfer needs (matplotlib, PyAV):
    they are imported when first used, never at ``import skfer``.

    Parameters
    ----------
    module : str
        The module to import, e.g. ``"matplotlib.pyplot"``.
    reason : str
        What needs it, the start of the error message, e.g.
        ``"skfer.plotting needs matplotlib"``.
    extra : str
        The skfer extra that installs it (``pip install skfer[extra]``).
    package : str
        The package to ``pip install`` on its own.

    Returns
    -------
    module : module
        The imported module.

    Raises
    ------
    ImportError
        When ``module`` cannot be imported; the original error is its cause.

    Examples
    --------
    >>> from skfer.utils import import_optional
    >>> import_optional("json", "json is needed", extra="x", package="json").__name__
    'json'
    >>> import_optional("no_such_module", "x needs y", extra="x", package="y")
    Traceback (most recent call last):
    ...
    ImportError: x needs y; install it with `pip install skfer[x]` or `pip install y`.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{reason}; install it with `pip install skfer[{extra}]` or "
            f"`pip install {package}`."
        ) from exc
