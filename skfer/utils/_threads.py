"""Torch's intra-op threads scoped to one estimator's call."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from numbers import Integral

import torch

__all__ = ["torch_threads"]


@contextlib.contextmanager
def torch_threads(n_threads: int | None) -> Iterator[None]:
    """Run a block with ``n_threads`` torch intra-op threads, then restore them.

    What an estimator's ``n_threads`` parameter does: each ``fit`` or
    ``predict`` uses its own thread count and leaves torch's setting as it found
    it, so that models fitted side by side (``GridSearchCV(n_jobs=2)``) can
    share the cores instead of each taking all of them. torch's setting is
    process-wide: blocks running at once in threads of one process should ask
    for the same count.

    Parameters
    ----------
    n_threads : int or None
        Intra-op threads inside the block; ``None`` leaves torch's setting.

    Yields
    ------
    None

    Examples
    --------
    >>> import torch
    >>> from skfer.utils import torch_threads
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    if n_threads is None:
        yield
        return
    if not isinstance(n_threads, Integral) or isinstance(n_threads, bool):
        raise ValueError(
            f"n_threads must be a positive int or None; got {n_threads!r}."
        )
    if n_threads < 1:
        raise ValueError(
            f"n_threads must be a positive int or None; got {n_threads!r}."
        )
    previous = torch.get_num_threads()
    if n_threads == previous:
        yield
        return
    torch.set_num_threads(int(n_threads))
    try:
        yield
    finally:
        torch.set_num_threads(previous)
