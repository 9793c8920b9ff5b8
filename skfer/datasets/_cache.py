"""``.npz`` cache of decoded datasets, keyed by source and file list.

The metadata (labels, file names, ...) are deflate-compressed; the pixel rows are
stored as they are: deflate shrinks face photos by a few percent only, and
inflating them would double the time of a cached load.
"""

import hashlib
import json
import warnings
import zipfile

import numpy as np

from ..utils import atomic_file
from ._home import get_cache_home

__all__ = ["clear_cache"]

# Bump when the decoding or the cached content changes: old entries are ignored.
_CACHE_VERSION = 2  # 2: 16-bit images scaled, not clipped
_PREFIX = "skfer-"


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
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _cache_file(cache, loader, source, params, files):
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


def _load(path):
    """The arrays stored at ``path``, or None when absent or unreadable."""
    if path is None or not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            return {key: stored[key] for key in stored.files}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
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


def _save(path, arrays, stacklevel=4):
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
            stacklevel,  # 4: _save <- _load_cached <- load_* <- the caller
        )


def clear_cache(cache_home=None):
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
