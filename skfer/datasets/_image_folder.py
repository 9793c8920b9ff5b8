"""Any ``<class>/<image>`` tree."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

import numpy as np

from ._files import (
    _check_bool,
    _check_dir,
    _cropper,
    _cropper_params,
    _Listing,
    _load_images,
    _LoadOptions,
    _scan_class_folders,
)
from ._home import _dataset_dir

if TYPE_CHECKING:
    from sklearn.utils import Bunch

    from ..preprocessing import FaceCropper

__all__ = ["load_image_folder"]


def _check_aliases(aliases):
    if aliases is None:
        return None
    if not hasattr(aliases, "items") or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in aliases.items()
    ):
        raise TypeError(
            "load_image_folder: aliases must be a dict mapping folder names (str) "
            f"to emotion names (str); got {aliases!r}."
        )
    return dict(aliases)


def _groups_from_names(rels, group_pattern, problems):
    """Subject of each file from ``group_pattern``'s first group (None: no match)."""
    try:
        pattern = re.compile(group_pattern)
    except (re.error, TypeError) as exc:
        raise ValueError(
            f"group_pattern must be a regular expression; got {group_pattern!r} "
            f"({exc})."
        ) from exc
    groups = []
    for rel in rels:
        match = pattern.search(rel.rsplit("/", 1)[-1])
        if match is None:
            problems.append(
                (rel, f"file name does not match group_pattern {group_pattern!r}")
            )
            groups.append(None)
        else:
            groups.append(match.group(1) if pattern.groups else match.group(0))
    return groups


def load_image_folder(
    path: str | os.PathLike[str],
    *,
    aliases: Mapping[str, str] | None = None,
    keep_unknown: bool = False,
    group_pattern: str | None = None,
    crop_faces: bool | FaceCropper = False,
    return_X_y: bool = False,
    cache: bool | str | os.PathLike[str] = True,
    on_error: Literal["warn", "raise"] = "warn",
) -> Bunch | tuple[np.ndarray, np.ndarray]:
    """Load any ``<class>/<image>`` tree as model-ready 48x48 grayscale rows.

    Every sub-folder of ``path`` is a class; its name is mapped to the canonical
    vocabulary (``anger`` -> ``angry``, ``Happiness`` -> ``happy``, ``SU`` ->
    ``surprise``, ``0``-``6`` as FER2013 codes, see :func:`canonical_emotion`).
    Images of any size and colour are converted to gray, optionally
    face-cropped, and resized to 48x48.

    Parameters
    ----------
    path : str or path-like
        The folder holding one sub-folder per class.
    aliases : dict of str to str, default=None
        Extra folder-name spellings, e.g. ``{"joy": "happy"}``.
    keep_unknown : bool, default=False
        Keep class folders that are not emotions under their own name; by
        default an unknown class folder raises a ValueError naming it.
    group_pattern : str, default=None
        Regular expression searched in each file name; its first group (or the
        whole match) is the file's subject in ``groups``, e.g. ``r"^(S\\d+)_"``
        for CK+ names. Files that do not match are skipped (and reported).
    crop_faces : bool or FaceCropper, default=False
        Crop the face of each image with a default :class:`FaceCropper`
        (``True``) or the one given, before resizing.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    cache : bool or path-like, default=True
        Cache the decoded dataset, see :func:`load_fer2013`.
    on_error : {"warn", "raise"}, default="warn"
        Skip unusable files with a :class:`SkippedFileWarning` naming every one,
        or raise a ValueError.

    Returns
    -------
    data : Bunch
        ``data`` (n, 2304) uint8, ``images`` (n, 48, 48) view, ``target``,
        ``target_names``, ``groups`` (None without ``group_pattern``), ``usage``
        None, ``filenames``, ``face_found`` (None without cropping), ``DESCR``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from PIL import Image
    >>> from skfer.datasets import load_image_folder
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for folder in ("Happiness", "anger", "joy"):
    ...     (root / folder).mkdir()
    ...     Image.new("L", (64, 64)).save(root / folder / "a.png")
    >>> faces = load_image_folder(root, aliases={"joy": "happy"}, cache=False)
    >>> faces.data.shape, faces.target.tolist(), faces.target_names.tolist()
    ((3, 2304), ['happy', 'angry', 'happy'], ['angry', 'happy'])
    """
    loader = "load_image_folder"
    options = _LoadOptions(loader, cache, on_error, return_X_y)
    _check_bool(keep_unknown, "keep_unknown", loader)
    aliases = _check_aliases(aliases)
    cropper = _cropper(crop_faces, loader)
    root = _dataset_dir(path, "", loader)
    _check_dir(root, loader)
    samples, files, problems = _scan_class_folders(
        root, loader, aliases=aliases, keep_unknown=keep_unknown
    )
    rels = [rel for rel, _ in samples]
    target = [label for _, label in samples]
    groups = None
    if group_pattern is not None:
        groups = _groups_from_names(rels, group_pattern, problems)
        matched = [g is not None for g in groups]
        rels, target, groups = (
            [v for v, m in zip(values, matched) if m]
            for values in (rels, target, groups)
        )
    if not rels and not problems:
        raise ValueError(f"{loader}: no images found in {str(root)!r}.")
    params = {
        "aliases": sorted((aliases or {}).items()),
        "keep_unknown": keep_unknown,
        "group_pattern": group_pattern,
        "crop": _cropper_params(cropper),
    }
    listing = _Listing(rels, target, files, problems, groups=groups)
    descr = f"Images of the class folders of {str(root)!r}, loaded by skfer."
    return _load_images(
        "image_folder", root, listing, params, options, descr=descr, cropper=cropper
    )
