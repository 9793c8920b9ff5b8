"""Importing an optional dependency, with a message that says how to install it."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["import_optional", "missing_dependency_message"]

#: Top-level module -> (the package to ``pip install``, the skfer extra holding it).
_PROVIDERS = {
    "torch": ("torch", "torch"),
    "skorch": ("skorch", "torch"),
    "sklearn": ("scikit-learn", "torch"),
    "imblearn": ("imbalanced-learn", "torch"),
    "joblib": ("joblib", "torch"),
    "safetensors": ("safetensors", "torch"),
    "onnxruntime": ("onnxruntime", "onnx"),
    "onnx": ("onnx", "export"),
    "matplotlib": ("matplotlib", "plot"),
    "av": ("av", "video"),
    "dask": ("dask[distributed]", "dask"),
    "distributed": ("dask[distributed]", "dask"),
}

_TORCH_ROUTE = (
    'CPU-only torch: `pip install "torch==2.13.*" --index-url '
    "https://download.pytorch.org/whl/cpu`"
)


def _install_hint(package: str, extra: str) -> str:
    """How to install ``package``: by itself, or with skfer's ``extra``."""
    return (
        f"install it with `pip install {package}` (or skfer's `{extra}` extra: "
        f'`pip install -e ".[{extra}]"` in skfer\'s source folder)'
    )


def missing_dependency_message(exc: BaseException, what: str = "this") -> str | None:
    """Say which package and skfer extra an ImportError misses, or ``None``.

    Parameters
    ----------
    exc : BaseException
        The error; only a :class:`ModuleNotFoundError` for a module of one of
        skfer's extras gives a message.
    what : str, default="this"
        What needs the module, the start of the message.

    Returns
    -------
    message : str or None

    Examples
    --------
    >>> from skfer.utils import missing_dependency_message
    >>> error = ModuleNotFoundError("No module named 'torch'", name="torch")
    >>> print(missing_dependency_message(error, "skfer.FERClassifier"))
    skfer.FERClassifier needs skfer's `torch` extra (torch is not installed; the
    torch-free install runs exported .onnx models only): install torch, skorch,
    scikit-learn, imbalanced-learn, joblib and safetensors, e.g. `pip install -e
    ".[torch]"` in skfer's source folder (CPU-only torch: `pip install
    "torch==2.13.*" --index-url https://download.pytorch.org/whl/cpu` first).
    >>> missing_dependency_message(ModuleNotFoundError("x", name="json")) is None
    True
    """
    name = getattr(exc, "name", None)
    if not isinstance(exc, ModuleNotFoundError) or not name:
        return None
    root = name.split(".")[0]
    if root not in _PROVIDERS:
        return None
    package, extra = _PROVIDERS[root]
    if extra == "torch":
        torch_packages = [p for p, e in _PROVIDERS.values() if e == "torch"]
        return (
            f"{what} needs skfer's `torch` extra ({package} is not installed; the "
            "torch-free install runs exported .onnx models only): install "
            f"{', '.join(torch_packages[:-1])} and {torch_packages[-1]}, e.g. "
            '`pip install -e ".[torch]"` in skfer\'s source folder '
            f"({_TORCH_ROUTE} first)."
        )
    return f"{what} needs {package}, which is not installed; " + (
        _install_hint(package, extra) + "."
    )


def import_optional(
    module: str, reason: str, *, extra: str, package: str
) -> ModuleType:
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
        The skfer extra that installs it (``pip install -e ".[extra]"`` in
        skfer's source folder).
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
    ImportError: x needs y; install it with `pip install y` (or skfer's `x` extra:
    `pip install -e ".[x]"` in skfer's source folder).
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(f"{reason}; {_install_hint(package, extra)}.") from exc
