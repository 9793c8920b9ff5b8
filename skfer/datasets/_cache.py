"""``.npz`` cache of decoded datasets, keyed by source and file list.

The metadata (labels, file names, ...) are deflate-compressed; the pixel rows are
stored as they are: deflate shrinks face photos by a few percent only, and
inflating them would double the time of a cached load.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
import zipfile

import numpy as np

from ..utils import atomic_file
from ._home import get_cache_home

__all__ = ["cache_file", "clear_cache", "read_cached", "write_cached"]

# Bump when the decoding or the cached content changes: old entries are ignored.
# 2: 16-bit images scaled, not clipped; 3: faces with landmarks framed from them
_CACHE_VERSION = 3
_PREFIX = "skfer-"
_REQUIRED = ("data", "target", "filenames", "skipped")
_TEXT = ("target", "filenames", "groups", "usage")
_ROW_PIXELS = 48 * 48  # the rows every loader stores (_files.IMAGE_SIZE)


def _cache_dir(cache):
    """The cache folder for the ``cache`` argument of a loader, or None."""
    if cache is True:
        return get_cache_home()
    if cache is False or cache is None:
        return None
    try:
        return get_cache_home(cache)
    except TypeError as exc:
        raise TypeError(
            f"cache must be True, False or a folder (str or path-like); got {cache!r}."
        ) from exc


def _digest(text):
    # "surrogatepass": a file name that is not UTF-8 (kept by Python as
    # surrogates, e.g. b"caf\xe9.png" of a Latin-1 disk) still has a key; any
    # other name gives the same bytes, hence the same key, as plain UTF-8.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def cache_file(cache, loader, source, params, files):
    """Path of the cache entry, or None when caching is off.

    ``files`` is the list of ``(relative name, size, mtime_ns, ctime_ns, inode)``
    of the source files (``_files._stat``): any added, removed or rewritten file
    gives another entry, even one rewritten with the same size and modification
    time. ``params``
    are the loader's arguments that change the decoded content.
    """
    folder = _cache_dir(cache)
    if folder is None:
        return None
    ident = _digest(json.dumps([_CACHE_VERSION, loader, str(source), params]))
    listing = _digest("\n".join("\0".join(map(str, f)) for f in sorted(files)))
    return folder / f"{_PREFIX}{loader}-{ident}-{listing}.npz"


def read_cached(path, stacklevel=4):
    """The arrays stored at ``path``, or None when absent, unreadable or wrong.

    An entry that cannot be read, or whose arrays are not what a loader stores
    (a truncated or corrupt file, one edited or written by something else) is
    named in a warning and decoded again (then rewritten by :func:`write_cached`).
    ``stacklevel`` points the warning at the caller of the public loader.
    """
    if path is None or not path.is_file():
        return None
    try:
        with open(path, "rb") as handle:
            if handle.read(4) != b"PK\x03\x04":  # np.load would try a pickle
                why = "not an .npz archive"
            else:
                handle.seek(0)
                with np.load(handle, allow_pickle=False) as npz:
                    stored = {key: npz[key] for key in npz.files}
                why = _mismatch(stored)
    except Exception as exc:  # noqa: BLE001 - whatever a corrupt file raises
        why = f"{type(exc).__name__}: {exc}"
    if why is None:
        return stored
    warnings.warn(
        f"The dataset cache entry {str(path)!r} is unreadable or not what skfer "
        f"stores ({why}); the dataset is decoded again and the entry rewritten.",
        UserWarning,
        stacklevel,  # 4: read_cached <- _load_cached <- load_* <- the caller
    )
    return None


def _mismatch(stored):
    """Why ``stored`` cannot be the arrays of a loader's entry, or None.

    ``data``: uint8 rows of 48x48 pixels; ``skipped``: strings; every other
    array (labels, file names, groups, votes...): one entry per row of ``data``.
    """
    missing = [key for key in _REQUIRED if key not in stored]
    if missing:
        return f"no array {', '.join(map(repr, missing))}"
    data, skipped = stored["data"], stored["skipped"]
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != _ROW_PIXELS:
        return (
            f"'data' is {data.dtype} of shape {data.shape}; expected uint8 rows of "
            f"{_ROW_PIXELS} pixels"
        )
    if skipped.ndim != 1 or skipped.dtype.kind != "U":
        return f"'skipped' is {skipped.dtype} of shape {skipped.shape}; expected text"
    for key, value in stored.items():
        if key in ("data", "skipped"):
            continue
        if value.ndim < 1 or len(value) != len(data):
            return f"{key!r} has shape {value.shape} for {len(data)} images"
        if key in _TEXT and value.dtype.kind != "U":
            return f"{key!r} is {value.dtype}; expected text"
        if key == "face_found" and value.dtype != bool:
            return f"'face_found' is {value.dtype}; expected booleans"
    return None


def _write_npz(handle, arrays):
    """``np.savez_compressed``, except that ``data`` is stored uncompressed."""
    with zipfile.ZipFile(handle, "w", allowZip64=True) as archive:
        for key, value in arrays.items():
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = (
                zipfile.ZIP_STORED if key == "data" else zipfile.ZIP_DEFLATED
            )
            with archive.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(
                    member, np.asanyarray(value), allow_pickle=False
                )


def write_cached(path, arrays, stacklevel=4):
    """Store ``arrays`` at ``path`` (atomically) and drop stale entries.

    A failure to write (read-only or full disk) only warns: the data were
    loaded, caching them is a bonus. ``stacklevel`` points the warning at the
    caller of the public loader.
    """
    if path is None:
        return
    stem = path.name.rsplit("-", 1)[0]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(path) as tmp, open(tmp, "wb") as handle:
            _write_npz(handle, arrays)
        for stale in path.parent.glob(f"{stem}-*.npz"):
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError as exc:
        warnings.warn(
            f"Could not write the dataset cache {str(path)!r} ({exc}); the data "
            "were loaded but will be decoded again next time. Set SKFER_CACHE to "
            "a writable folder or pass cache=False.",
            UserWarning,
            stacklevel,  # 4: write_cached <- _load_cached <- load_* <- the caller
        )


def clear_cache(cache_home: str | os.PathLike[str] | None = None) -> int:
    """Delete every decoded dataset that skfer cached.

    Parameters
    ----------
    cache_home : str or path-like, default=None
        The cache folder, see :func:`get_cache_home`.

    Returns
    -------
    n_removed : int
        Number of cache files deleted (only skfer's ``skfer-*.npz`` files are
        touched).

    Examples
    --------
    >>> import tempfile
    >>> from skfer.datasets import clear_cache
    >>> clear_cache(tempfile.mkdtemp())
    0
    """
    folder = get_cache_home(cache_home)
    if not folder.is_dir():
        return 0
    removed = 0
    for entry in folder.glob(f"{_PREFIX}*.npz"):
        entry.unlink(missing_ok=True)
        removed += 1
    return removed
