"""FER2013: the original CSV and the Kaggle image-folder layout."""

from __future__ import annotations

import csv
import os
import re
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

from ..utils import resize_image
from ._files import (
    IMAGE_SIZE,
    _check_dir,
    _entries,
    _finish,
    _Listing,
    _load_cached,
    _load_images,
    _LoadOptions,
    _pack,
    _raise_or_keep,
    _scan_class_folders,
    _stat,
)
from ._home import _dataset_dir
from ._vocabulary import FER2013_CODES

if TYPE_CHECKING:
    from sklearn.utils import Bunch


__all__ = ["load_fer2013"]

USAGES = ("Training", "PublicTest", "PrivateTest")
_CSV_NAMES = ("fer2013.csv", "icml_face_data.csv")
_SPLIT_FOLDERS = {"train": "Training", "test": "Test"}
_USAGE_PREFIX = re.compile(r"^(Training|PublicTest|PrivateTest)_")

DESCR = """\
FER2013 (Goodfellow et al., "Challenges in Representation Learning: A report on
three machine learning contests", ICML 2013 workshop): 35,887 48x48 grayscale web
faces, 7 emotions. Standard protocol: train on Training (28,709), select models
on PublicTest (3,589), report PrivateTest (3,589). No subject ids (groups=None);
the splits share some duplicate images."""


def _check_subset(subset):
    allowed = USAGES + ("Test",)
    if subset is None:
        return None
    chosen = [subset] if isinstance(subset, str) else subset
    try:
        chosen = list(chosen)
    except TypeError:
        chosen = [chosen]
    bad = [s for s in chosen if s not in allowed]
    if bad or not chosen:
        raise ValueError(
            f"load_fer2013: subset must be None, one of {allowed} or a list of them; "
            f"got {subset!r}."
        )
    return sorted(set(chosen))


def _find_csv(root):
    if root.is_file():
        return root
    for name in _CSV_NAMES:
        if (root / name).is_file():
            return root / name
    return None


def _parse_pixels(text):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        try:
            values = np.fromstring(text, dtype=np.int64, sep=" ")
        except (ValueError, DeprecationWarning) as exc:
            raise ValueError("pixels are not space-separated integers") from exc
    side = int(np.sqrt(values.size))
    if values.size == 0 or side * side != values.size:
        raise ValueError(
            f"pixels hold {values.size} values; expected a square image "
            f"(2304 = 48 * 48)"
        )
    if values.min() < 0 or values.max() > 255:
        raise ValueError(f"pixel values in [{values.min()}, {values.max()}], not 0-255")
    return values.astype(np.uint8).reshape(side, side)


def _read_csv(csv_path, subset, on_error):
    """Parse the FER2013 CSV into the stored arrays.

    A file that is not UTF-8 text or not CSV (a binary file, NUL bytes) raises a
    ValueError naming it.
    """
    try:
        return _parse_csv(csv_path, subset, on_error)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ValueError(
            f"load_fer2013: {str(csv_path)!r} is not a UTF-8 CSV file ({exc}); "
            "expected the FER2013 CSV (columns emotion, pixels, Usage)."
        ) from exc


def _parse_csv(csv_path, subset, on_error):
    name = csv_path.name
    rows, target, usage, where, problems = [], [], [], [], []
    with open(csv_path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = [h.strip().lower() for h in next(reader, [])]
        missing = {"emotion", "pixels"} - set(header)
        if missing:
            raise ValueError(
                f"load_fer2013: {str(csv_path)!r} has columns {header}; expected "
                "emotion, pixels and Usage (the FER2013 CSV)."
            )
        col = {h: i for i, h in enumerate(header)}
        has_usage = "usage" in col
        for row in reader:
            line = f"{name}:{reader.line_num}"
            if not row:
                continue
            try:
                if len(row) != len(header):
                    raise ValueError(f"{len(row)} fields, expected {len(header)}")
                code = row[col["emotion"]].strip()
                if not code.isdigit() or int(code) not in FER2013_CODES:
                    raise ValueError(f"emotion {code!r} is not a code 0-6")
                split = row[col["usage"]].strip() if has_usage else None
                if has_usage and split not in USAGES:
                    raise ValueError(f"Usage {split!r} is not one of {USAGES}")
                pixels = _parse_pixels(row[col["pixels"]])
            except ValueError as exc:
                problems.append((line, f"malformed row ({exc})"))
                continue
            if subset is not None and split not in subset:
                continue
            rows.append(resize_image(pixels, IMAGE_SIZE).ravel())
            target.append(FER2013_CODES[int(code)])
            usage.append(split)
            where.append(line)
    if subset is not None and not has_usage:
        raise ValueError(
            f"load_fer2013: subset={subset!r} needs the Usage column, which "
            f"{str(csv_path)!r} lacks."
        )
    _raise_or_keep(problems, on_error, "load_fer2013", csv_path)
    data = np.stack(rows) if rows else np.empty((0, 2304), np.uint8)
    return _pack(
        data, target, where, usage=usage if has_usage else None, problems=problems
    )


def _scan_folders(root):
    """The ``train/`` and ``test/`` class-folder trees of the Kaggle layout."""
    splits = [e for e in _entries(root) if e.is_dir() and e.name in _SPLIT_FOLDERS]
    samples, files, problems, usage = [], [], [], []
    for split in splits:
        found, seen, bad = _scan_class_folders(
            root / split.name, "load_fer2013", prefix=f"{split.name}/"
        )
        samples += found
        files += seen
        problems += bad
        for rel, _ in found:
            match = _USAGE_PREFIX.match(rel.rsplit("/", 1)[1])
            usage.append(match.group(1) if match else _SPLIT_FOLDERS[split.name])
    return samples, files, problems, usage


def load_fer2013(
    path: str | os.PathLike[str] | None = None,
    *,
    subset: str | Sequence[str] | None = None,
    return_X_y: bool = False,
    cache: bool | str | os.PathLike[str] = True,
    on_error: Literal["warn", "raise"] = "warn",
) -> Bunch | tuple[np.ndarray, np.ndarray]:
    """Load FER2013 as model-ready 48x48 grayscale rows.

    Reads either layout users download FER2013 in:

    - the original CSV ``fer2013.csv`` (columns ``emotion,pixels,Usage``, emotion
      codes 0=angry ... 6=neutral; ``icml_face_data.csv`` too);
    - the Kaggle image-folder layout ``train/<class>/Training_*.jpg`` and
      ``test/<class>/PublicTest_*.jpg`` / ``PrivateTest_*.jpg``. The split of
      each image comes from its file-name prefix; images without one get
      ``"Training"`` under ``train/`` and ``"Test"`` under ``test/``.

    Decoded data are cached (see :func:`get_cache_home`): the second load takes
    about a second.

    Parameters
    ----------
    path : str or path-like, default=None
        The dataset folder (holding ``fer2013.csv`` or ``train/`` and ``test/``)
        or the CSV file itself. ``None``: ``get_data_home() / "fer2013"``.
    subset : {"Training", "PublicTest", "PrivateTest"} or list, default=None
        Keep only these splits (``"Test"``: test images of unknown split).
        ``None`` keeps all.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    cache : bool or path-like, default=True
        Cache the decoded dataset in :func:`get_cache_home` (``True``), in the
        given folder, or not at all (``False``). Entries are keyed by the path,
        the arguments and every file's name, size and modification time.
    on_error : {"warn", "raise"}, default="warn"
        What to do with a file or CSV row that cannot be used (non-image file,
        corrupted image, malformed row): skip it and warn with a
        :class:`SkippedFileWarning` naming every one, or raise a ValueError.

    Returns
    -------
    data : Bunch
        ``data`` (n, 2304) uint8 rows; ``images`` (n, 48, 48), a view of
        ``data``; ``target`` (n,) canonical emotion names; ``target_names``;
        ``usage`` (n,) split of each image; ``filenames`` (n,) image paths (or
        ``"fer2013.csv:<line>"``); ``groups`` None (no subject ids);
        ``face_found`` None (no cropping: the images are faces); ``DESCR``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from skfer.datasets import load_fer2013
    >>> csv = pathlib.Path(tempfile.mkdtemp()) / "fer2013.csv"
    >>> pixels = " ".join(["128"] * 2304)
    >>> _ = csv.write_text(
    ...     "emotion,pixels,Usage\\n"
    ...     f"3,{pixels},Training\\n6,{pixels},PublicTest\\n0,{pixels},PrivateTest\\n"
    ... )
    >>> faces = load_fer2013(csv, cache=False)
    >>> faces.data.shape, faces.target.tolist()
    ((3, 2304), ['happy', 'neutral', 'angry'])
    >>> faces.usage.tolist()
    ['Training', 'PublicTest', 'PrivateTest']
    >>> X, y = load_fer2013(csv, subset="Training", return_X_y=True, cache=False)
    >>> X.shape, y.tolist()
    ((1, 2304), ['happy'])
    """
    loader = "load_fer2013"
    options = _LoadOptions(loader, cache, on_error, return_X_y)
    subset = _check_subset(subset)
    root = _dataset_dir(path, "fer2013", loader)
    csv_path = _find_csv(root)
    params = {"subset": subset}
    if csv_path is not None:
        files = [_stat(csv_path, csv_path.name)]
        stored = _load_cached(
            "fer2013_csv",
            csv_path,
            params,
            files,
            cache,
            lambda: _read_csv(csv_path, subset, on_error),
        )
        return _finish(stored, csv_path.parent, options, descr=DESCR)

    _check_dir(root, loader)
    if not any((root / name).is_dir() for name in _SPLIT_FOLDERS):
        raise ValueError(
            f"{loader}: {str(root)!r} is not a FER2013 folder; expected "
            f"{' or '.join(_CSV_NAMES)}, or train/<class>/ and test/<class>/ "
            "image folders."
        )
    samples, files, problems, usage = _scan_folders(root)
    usage = np.array(usage, dtype=str)
    keep = np.ones(len(samples), bool) if subset is None else np.isin(usage, subset)
    rels = [rel for (rel, _), k in zip(samples, keep) if k]
    target = [label for (_, label), k in zip(samples, keep) if k]
    usage = usage[keep]
    if not rels and not problems:
        raise ValueError(
            f"{loader}: no images found in {str(root)!r}"
            + (f" for subset={subset!r}." if subset else ".")
        )
    listing = _Listing(rels, target, files, problems, usage=usage)
    return _load_images("fer2013", root, listing, params, options, descr=DESCR)
