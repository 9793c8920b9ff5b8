"""Registry of the pretrained weights shipped inside the package.

Loading them as a fitted estimator is :func:`skfer.load_pretrained`, one layer up
(in :mod:`skfer.classifier`): this package knows files, not estimators.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

from ..utils import sha256_file

__all__ = ["default_pretrained", "list_pretrained", "resolve_weights"]

_REGISTRY_FILE = "registry.json"


def _registry_file():
    text = resources.files(__package__).joinpath(_REGISTRY_FILE).read_text()
    return json.loads(text)


def _registry():
    return _registry_file()["weights"]


def default_pretrained() -> str | None:
    """Name of the shipped model used when none is named, or None.

    The registry's ``default`` entry: the model chosen on validation data of
    real photos (the photo benchmark's validation subjects, never a test split),
    used by ``skfer predict``, ``skfer demo`` and :func:`skfer.analyze`. Without
    one, the shipped model with the best FER2013 PublicTest accuracy.

    Returns
    -------
    name : str or None
        A name of :func:`list_pretrained`, or None when none is shipped.

    Examples
    --------
    >>> from skfer.weights import default_pretrained, list_pretrained
    >>> default_pretrained() in {entry["name"] for entry in list_pretrained()}
    True
    """
    registry = _registry_file()
    weights = registry["weights"]
    chosen = registry.get("default", {}).get("name")
    if chosen in weights:
        return chosen
    if not weights:
        return None

    def score(name):
        value = weights[name].get("public_test_accuracy")
        return float(value) if isinstance(value, (int, float)) else -1.0

    return max(weights, key=score)


def list_pretrained() -> list[dict[str, Any]]:
    """Describe the pretrained weights shipped with skfer.

    Returns
    -------
    entries : list of dict
        One dict per registered model: ``name``, ``file``, ``sha256``,
        ``architecture``, ``classes``, ``command`` (how it was trained) and the
        accuracies it reached, e.g. ``private_test_accuracy``.

    Examples
    --------
    >>> from skfer import list_pretrained
    >>> isinstance(list_pretrained(), list)
    True
    """
    return [dict(entry, name=name) for name, entry in _registry().items()]


def resolve_weights(weights: str | os.PathLike[str]) -> Path:
    """Path of a weights file given a registered name or a path; checksum verified.

    Parameters
    ----------
    weights : str or path-like
        A name from :func:`list_pretrained` or the path of a ``.safetensors`` file
        written by :meth:`skfer.FERClassifier.save_weights`.

    Returns
    -------
    path : pathlib.Path

    Raises
    ------
    ValueError
        If ``weights`` is neither a registered name nor an existing file, or if a
        registered file's SHA-256 does not match the registry.

    Examples
    --------
    >>> from skfer.weights import resolve_weights
    >>> resolve_weights("fer2013-model2").name  # the file inside the package
    'fer2013-model2.safetensors'
    """
    registry = _registry()
    if isinstance(weights, str) and weights in registry:
        entry = registry[weights]
        path = Path(str(resources.files(__package__).joinpath(entry["file"])))
        if not path.is_file():
            raise ValueError(
                f"Pretrained weights {weights!r} are registered but the file "
                f"{entry['file']} is missing from the installed package."
            )
        digest = sha256_file(path)
        if digest != entry["sha256"]:
            raise ValueError(
                f"Checksum mismatch for pretrained weights {weights!r}: file {path} "
                f"has sha256 {digest}, the registry expects {entry['sha256']}. The "
                "file is corrupted or was replaced; reinstall skfer."
            )
        return path
    file = Path(weights) if isinstance(weights, (str, Path)) else None
    if file is not None and file.is_file():
        return file
    if file is not None and file.is_dir():
        raise ValueError(
            f"pretrained={str(weights)!r}: {file} is a folder, not a weights file."
        )
    raise ValueError(
        f"pretrained={weights!r} is neither a registered name "
        f"({sorted(registry) or 'none shipped'}) nor an existing weights file."
    )
