"""Shipped or saved weights as a fitted FERClassifier."""

from __future__ import annotations

import os
from typing import Any

from ..weights import list_pretrained
from ._classifier import FERClassifier

__all__ = ["load_pretrained"]


def load_pretrained(name: str | os.PathLike[str], **params: Any) -> FERClassifier:
    """Load shipped (or saved) weights as a fitted :class:`skfer.FERClassifier`.

    Works offline: the weights are files inside the installed package.

    Parameters
    ----------
    name : str or path-like
        A name from :func:`list_pretrained`, or a path to weights saved with
        :meth:`~skfer.FERClassifier.save_weights`.
    **params
        Extra :class:`~skfer.FERClassifier` parameters (e.g. ``device="cuda"``).
        A registered model first gets the prediction settings its accuracy was
        measured with (its registry entry's ``predict_params``, e.g.
        ``tta="flip"``); ``params`` override them.

    Returns
    -------
    clf : FERClassifier
        Fitted: ``predict`` works at once; ``pretrained`` is set to ``name`` so
        that a clone fine-tunes from the same weights.

    Examples
    --------
    >>> import tempfile, os
    >>> from skfer import FERClassifier, load_pretrained
    >>> from skfer.datasets import make_faces
    >>> X, y = make_faces(n_samples=20, classes=["happy", "sad"], random_state=0,
    ...                   return_X_y=True)
    >>> path = os.path.join(tempfile.mkdtemp(), "w.safetensors")
    >>> _ = FERClassifier("small", max_epochs=1).fit(X, y).save_weights(path)
    >>> load_pretrained(path).classes_.tolist()
    ['happy', 'sad']
    """
    if not isinstance(name, (str, os.PathLike)):
        raise TypeError(
            f"name must be a registered name ({', '.join(_names())}) or the path "
            f"of a weights file; got {name!r} ({type(name).__name__})."
        )
    registered = {entry["name"]: entry for entry in list_pretrained()}
    if isinstance(name, str) and name in registered:
        params = {**registered[name].get("predict_params", {}), **params}
    return FERClassifier.from_weights(name, **params)


def _names() -> list[str]:
    return [entry["name"] for entry in list_pretrained()]
