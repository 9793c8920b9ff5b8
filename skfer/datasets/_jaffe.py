"""JAFFE: the 213 original TIFFs of the Japanese Female Facial Expression set."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Literal

import numpy as np

from ._files import (
    _check_dir,
    _cropper,
    _cropper_params,
    _entries,
    _is_image,
    _Listing,
    _load_images,
    _LoadOptions,
    _stat,
)
from ._home import _dataset_dir
from ._vocabulary import canonical_emotion

if TYPE_CHECKING:
    from sklearn.utils import Bunch

    from ..preprocessing import FaceCropper

__all__ = ["load_jaffe"]

# KA.AN1.39.tiff: subject KA, emotion AN, take 1, image number 39.
_NAME = re.compile(r"^([A-Za-z]{2})\.([A-Za-z]{2})\d*\.\d+\.[A-Za-z]+$")

DESCR = """\
JAFFE (Lyons, Akamatsu, Kamachi & Gyoba, "Coding facial expressions with Gabor
wavelets", FG 1998): 213 256x256 grayscale photos of 10 Japanese women posing
the 7 basic emotions. groups = subject (first two letters of the file name);
faces detected and cropped (face_found says where), then resized to 48x48. With
10 subjects, split on groups (GroupKFold) for subject-independent results."""


def load_jaffe(
    path: str | os.PathLike[str] | None = None,
    *,
    crop_faces: bool | FaceCropper = True,
    return_X_y: bool = False,
    cache: bool | str | os.PathLike[str] = True,
    on_error: Literal["warn", "raise"] = "warn",
) -> Bunch | tuple[np.ndarray, np.ndarray]:
    """Load JAFFE as model-ready 48x48 grayscale face rows.

    Reads the image files of the folder (``KA.AN1.39.tiff``: subject ``KA``,
    emotion ``AN``; palette-mode TIFFs are converted to gray), crops the face of
    each photo (they show the whole head and background) and resizes it.
    Files that are not images (a README) are ignored; image files whose name
    does not follow the JAFFE pattern are reported.

    Parameters
    ----------
    path : str or path-like, default=None
        The folder of the 213 TIFFs. ``None``: ``get_data_home() / "jaffe"``.
    crop_faces : bool or FaceCropper, default=True
        Crop the face with a default :class:`FaceCropper` (``True``), the one
        given, or not at all (``False``: the whole photo is resized).
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
        ``target_names``, ``groups`` (subject), ``usage`` None, ``filenames``,
        ``face_found`` (whether the detector found the face; the centre crop was
        used where not), ``DESCR``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from PIL import Image
    >>> from skfer.datasets import load_jaffe
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("KA.AN1.39.tiff", "YM.HA2.53.tiff"):
    ...     Image.new("L", (256, 256)).save(root / name)
    >>> faces = load_jaffe(root, crop_faces=False, cache=False)
    >>> faces.target.tolist(), faces.groups.tolist(), faces.data.shape
    (['angry', 'happy'], ['KA', 'YM'], (2, 2304))
    """
    loader = "load_jaffe"
    options = _LoadOptions(loader, cache, on_error, return_X_y)
    cropper = _cropper(crop_faces, loader)
    root = _dataset_dir(path, "jaffe", loader)
    _check_dir(root, loader)
    rels, target, groups, files, problems = [], [], [], [], []
    for entry in _entries(root):
        if not entry.is_file() or not _is_image(entry.name):
            continue
        files.append(_stat(entry, entry.name))
        match = _NAME.match(entry.name)
        try:
            if match is None:
                raise ValueError
            label = canonical_emotion(match.group(2))
        except ValueError:
            problems.append(
                (
                    entry.name,
                    "not a JAFFE file name like KA.AN1.39.tiff "
                    "(subject.EMOTION<take>.<number>.tiff)",
                )
            )
            continue
        rels.append(entry.name)
        target.append(label)
        groups.append(match.group(1).upper())
    if not rels and not problems:
        raise ValueError(
            f"{loader}: no images found in {str(root)!r}; expected the JAFFE TIFFs "
            "(KA.AN1.39.tiff, ...)."
        )
    listing = _Listing(rels, target, files, problems, groups=groups)
    params = {"crop": _cropper_params(cropper)}
    return _load_images(
        "jaffe", root, listing, params, options, descr=DESCR, cropper=cropper
    )
