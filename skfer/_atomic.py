"""The one atomic text-file writer of skfer (reports, JSON results, cards).

The text goes to a temporary file in the destination folder, which is renamed
onto the destination (``os.replace``) once complete: readers see the old file or
the new one, never half of it. On any failure (a full disk, a read-only folder)
the temporary file is removed and an ``OSError`` naming the destination is
raised.
"""

import os
import tempfile
from pathlib import Path

__all__ = ["write_text_atomic"]

_TMP_PREFIX = ".tmp-"


def write_text_atomic(path, text, encoding="utf-8"):
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
    >>> from skfer._atomic import write_text_atomic
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a" / "notes.txt"
    >>> write_text_atomic(path, "hello").read_text()
    'hello'
    """
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=_TMP_PREFIX, suffix=path.suffix, dir=path.parent
        )
        with os.fdopen(fd, "w", encoding=encoding) as handle:
            handle.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 is for the temporary only
        os.replace(tmp, path)
    except OSError as exc:
        raise OSError(
            exc.errno, f"cannot write {str(path)!r} ({exc.strerror or exc})"
        ) from exc
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    return path
