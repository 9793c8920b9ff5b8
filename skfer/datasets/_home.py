"""Where the datasets are read from and where their decoded copies are cached."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_relative", "get_cache_home", "get_data_home"]


def _folder(path, env, default):
    """``path``, else the environment variable ``env`` if set, else ``default``;
    with ``~`` expanded."""
    if path is None:
        path = os.environ.get(env) or default
    return Path(os.fspath(path)).expanduser()


def get_data_home(data_home: str | os.PathLike[str] | None = None) -> Path:
    """Return the folder holding the datasets (``fer2013/``, ``ckplus/``, ...).

    skfer never downloads datasets (their licences forbid redistribution): you
    get them yourself and point skfer at them. Loaders called without a path look
    for their dataset in this folder.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder. ``None``: the ``SKFER_DATA`` environment variable if set, else
        ``~/skfer_data``. ``~`` is expanded; the folder is not created.

    Returns
    -------
    data_home : pathlib.Path
        ``data_home``, ``$SKFER_DATA`` or ``~/skfer_data``, with ``~`` expanded.

    Examples
    --------
    >>> from skfer.datasets import get_data_home
    >>> get_data_home("/data/faces").as_posix()
    '/data/faces'
    """
    return _folder(data_home, "SKFER_DATA", "~/skfer_data")


def get_cache_home(cache_home: str | os.PathLike[str] | None = None) -> Path:
    """Return the folder where decoded datasets are cached.

    Decoded datasets are cached as compressed ``.npz`` files here, never beside
    the data (dataset folders may be read-only).

    Parameters
    ----------
    cache_home : str or path-like, default=None
        The folder. ``None``: the ``SKFER_CACHE`` environment variable if set,
        else ``~/.cache/skfer``. ``~`` is expanded; the folder is created on the
        first write.

    Returns
    -------
    cache_home : pathlib.Path
        ``cache_home``, ``$SKFER_CACHE`` or ``~/.cache/skfer``, with ``~`` expanded.

    Examples
    --------
    >>> from pathlib import Path
    >>> from skfer.datasets import get_cache_home
    >>> get_cache_home("~/skfer-cache") == Path.home() / "skfer-cache"
    True
    """
    return _folder(cache_home, "SKFER_CACHE", "~/.cache/skfer")


def cache_relative(path: str | os.PathLike[str]) -> str | None:
    """``path`` as ``$SKFER_CACHE/...`` when it lies in the cache, else None.

    Results files name no folder of the machine that made them.

    Examples
    --------
    >>> from skfer.datasets import cache_relative, get_cache_home
    >>> cache_relative(get_cache_home() / "runs" / "a")
    '$SKFER_CACHE/runs/a'
    >>> cache_relative("/") is None
    True
    """
    try:
        rel = Path(path).resolve().relative_to(get_cache_home().resolve())
    except ValueError:
        return None
    return "$SKFER_CACHE/" + rel.as_posix()


def _dataset_dir(path, default_name, loader):
    """The dataset folder given to a loader, checked to exist."""
    if path is None:
        path = get_data_home() / default_name
        hint = (
            f" (path=None: looked in get_data_home() / {default_name!r}; pass the "
            "dataset folder or set SKFER_DATA to the folder holding it)"
        )
    else:
        hint = ""
    try:
        path = Path(os.fspath(path)).expanduser()
    except TypeError as exc:
        raise TypeError(
            f"{loader}: path must be a str or path-like; got {path!r}."
        ) from exc
    if not path.exists():
        raise FileNotFoundError(f"{loader}: path {str(path)!r} does not exist{hint}.")
    return path.resolve()
