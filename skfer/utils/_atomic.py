"""Atomic file writes: the one mechanism behind every file skfer writes.

:func:`atomic_file` gives a temporary path in the destination folder, which is
renamed onto the destination (``os.replace``) once the caller has written it
completely; weights, checkpoints, ONNX files and text (reports, JSON results)
all go through it, so readers see the old file or the new one, never half of
it. On any failure (a full disk, a read-only folder) the temporary file is
removed; the writers raise an ``OSError`` naming the destination.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_file", "write_text_atomic"]

_TMP_PREFIX = ".tmp-"


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; it replaces ``path`` on success.

    The temporary file (named ``.tmp-*`` with ``path``'s suffix, in the same
    folder, so the rename is atomic) is given the permissions a plain new file
    would get, then renamed onto ``path`` when the block ends normally. If the
    block raises, the temporary file is removed and ``path`` is untouched.

    Parameters
    ----------
    path : str or path-like
        The file to write.

    Yields
    ------
    tmp : pathlib.Path
        The temporary file to write instead of ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from skfer.utils import atomic_file
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "data.bin"
    >>> with atomic_file(path) as tmp:
    ...     _ = tmp.write_bytes(b"ok")
    >>> path.read_bytes(), [p.name for p in path.parent.iterdir()]
    (b'ok', ['data.bin'])
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 is for the temporary only
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text_atomic(
    path: str | os.PathLike[str], text: str, encoding: str = "utf-8"
) -> Path:
    """Write ``text`` to ``path`` atomically; the folder is created if needed.

    Parameters
    ----------
    path : str or path-like
        The destination file.
    text : str
        The content.
    encoding : str, default="utf-8"

    Returns
    -------
    path : pathlib.Path

    Raises
    ------
    OSError
        If the file cannot be written; its message names ``path`` and no
        temporary file is left behind.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from skfer.utils import write_text_atomic
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a" / "notes.txt"
    >>> write_text_atomic(path, "hello").read_text()
    'hello'
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(path) as tmp:
            tmp.write_text(text, encoding=encoding)
    except OSError as exc:
        raise OSError(
            exc.errno, f"cannot write {str(path)!r} ({exc.strerror or exc})"
        ) from exc
    return path
