"""CK+: the manifest face-crop layout, CK+48 and the original distribution."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path
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
    _scan_class_folders,
    _stat,
)
from ._home import _dataset_dir
from ._vocabulary import CONTEMPT, canonical_emotion

if TYPE_CHECKING:
    from sklearn.utils import Bunch

    from ..preprocessing import FaceCropper

__all__ = ["load_ckplus"]

_CONTEMPT = ("merge", "keep", "drop")
_NEUTRAL = ("labelled", "all", "none")
_MANIFEST = "manifest.csv"
_MANIFEST_COLUMNS = ("file", "label", "subject", "seq_has_official_emotion_label")
_SEQUENCE = re.compile(r"^(S\d+)_(\d+)_")

DESCR = """\
CK+ (Lucey et al., "The Extended Cohn-Kanade Dataset (CK+)", CVPR workshops
2010; Kanade, Cohn & Tian, FG 2000): posed expression sequences of 123 subjects
from neutral to peak; 327 sequences carry an emotion label. The paper's set is
the 327 peak frames plus the 327 neutral first frames of those sequences, with
contempt merged into disgust (654 images, 118 subjects). groups = subject
(S###): split on groups (GroupKFold) for subject-independent results."""


def _check_choice(value, name, choices):
    if value not in choices:
        raise ValueError(
            f"load_ckplus: {name} must be one of {choices}; got {value!r}."
        )


def _find_original(root):
    """(cohn-kanade-images, Emotion) folders of the original distribution."""
    candidates = [root] + [e for e in _entries(root) if e.is_dir()]
    images = emotion = None
    for folder in candidates:
        for entry in _entries(folder):
            name = entry.name.lower()
            if entry.is_dir() and name == "cohn-kanade-images" and images is None:
                images = entry.path
            elif entry.is_dir() and name == "emotion" and emotion is None:
                emotion = entry.path
    if images is None or emotion is None:
        return None
    return images, emotion


def _read_manifest(root, loader):
    """Records (file, label, subject, labelled) of ``manifest.csv``."""
    records, problems = [], []
    with open(root / _MANIFEST, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in _MANIFEST_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(
                f"{loader}: {str(root / _MANIFEST)!r} lacks the column(s) {missing}; "
                f"expected {list(_MANIFEST_COLUMNS)}."
            )
        for row in reader:
            where = f"{_MANIFEST}:{reader.line_num}"
            try:
                label = canonical_emotion(row["label"] or "")
            except ValueError as exc:
                problems.append((where, f"malformed row ({exc})"))
                continue
            labelled = (row["seq_has_official_emotion_label"] or "").strip().lower()
            records.append(
                (row["file"], label, row["subject"], labelled in ("1", "true", "yes"))
            )
    return records, problems


def _scan_manifest(root, loader):
    records, problems = _read_manifest(root, loader)
    on_disk, files, bad = _scan_class_folders(root, loader, keep_unknown=True)
    files.append(_stat(root / _MANIFEST, _MANIFEST))
    listed = {rel for rel, *_ in records}
    disk = {rel for rel, _ in on_disk}
    problems += bad
    problems += [
        (r, f"not listed in {_MANIFEST}") for r, _ in on_disk if r not in listed
    ]
    missing = [r for r in records if r[0] not in disk]
    problems += [(r[0], f"listed in {_MANIFEST} but not found") for r in missing]
    records = [r for r in records if r[0] in disk]
    return records, files, problems


def _scan_folders(root, loader):
    """CK+48-like class folders, subject and sequence from the file names."""
    samples, files, problems = _scan_class_folders(root, loader)
    parsed = []
    for rel, label in samples:
        match = _SEQUENCE.match(rel.rsplit("/", 1)[1])
        if match is None:
            problems.append(
                (rel, "file name does not start with S<subject>_<sequence>_")
            )
            continue
        parsed.append((rel, label, match.group(1), match.group(0)))
    labelled = {seq for _, label, _, seq in parsed if label != "neutral"}
    records = [(rel, label, subj, seq in labelled) for rel, label, subj, seq in parsed]
    return records, files, problems


def _scan_original(root, images_dir, emotion_dir):
    """``cohn-kanade-images/S###/###/*.png`` frames + ``Emotion/`` label files."""
    images_dir, emotion_dir = Path(images_dir), Path(emotion_dir)
    records, files, problems = [], [], []
    for subject in (e for e in _entries(images_dir) if e.is_dir()):
        for sequence in (e for e in _entries(subject.path) if e.is_dir()):
            seq_dir = Path(sequence.path)
            frames = [e for e in _entries(seq_dir) if e.is_file() and _is_image(e.name)]
            rel_dir = seq_dir.relative_to(root).as_posix()
            files += [_stat(e, f"{rel_dir}/{e.name}") for e in frames]
            if not frames:
                problems.append((rel_dir + "/", "sequence folder holds no images"))
                continue
            label_dir = emotion_dir / subject.name / sequence.name
            label_files = (
                sorted(label_dir.glob("*_emotion.txt")) if label_dir.is_dir() else []
            )
            labelled = False
            for label_file in label_files:
                rel_label = label_file.relative_to(root).as_posix()
                files.append(_stat(label_file, rel_label))
                try:
                    label = canonical_emotion(
                        int(float(label_file.read_text().strip())), codes="ckplus"
                    )
                except ValueError as exc:
                    problems.append((rel_label, f"malformed emotion file ({exc})"))
                    continue
                stem = label_file.name[: -len("_emotion.txt")]
                peak = [e for e in frames if e.name.rsplit(".", 1)[0] == stem]
                if not peak:
                    problems.append(
                        (rel_label, f"its frame {stem} is not in {rel_dir}")
                    )
                    continue
                records.append((f"{rel_dir}/{peak[0].name}", label, subject.name, True))
                labelled = True
            first = f"{rel_dir}/{frames[0].name}"
            records.append((first, "neutral", subject.name, labelled))
    return records, files, problems


def load_ckplus(
    path: str | os.PathLike[str] | None = None,
    *,
    contempt: Literal["merge", "keep", "drop"] = "merge",
    neutral: Literal["labelled", "all", "none"] = "labelled",
    crop_faces: bool | FaceCropper | None = None,
    return_X_y: bool = False,
    cache: bool | str | os.PathLike[str] = True,
    on_error: Literal["warn", "raise"] = "warn",
) -> Bunch | tuple[np.ndarray, np.ndarray]:
    """Load CK+ as model-ready 48x48 grayscale rows, with subjects in ``groups``.

    The layout of ``path`` is detected:

    - **face crops with** ``manifest.csv`` (class folders ``anger/ ... neutral/``
      and a manifest with columns ``file, label, subject,
      seq_has_official_emotion_label``): one peak frame per labelled sequence and
      the neutral first frame of every sequence;
    - **CK+48** and other class-folder trees of ``S###_###_########.png`` files
      (subject and sequence from the name; a sequence is labelled when it has a
      non-neutral image);
    - **the original distribution**: ``cohn-kanade-images/S###/###/*.png`` frames
      and ``Emotion/S###/###/*_emotion.txt`` labels (codes 0-7, see
      :data:`CKPLUS_CODES`), possibly one folder down; the peak frame named by
      each label file and the first frame of each sequence are read, and faces
      are cropped from the full frames.

    With the defaults, the manifest layout gives the paper's set: 327 peak
    frames + the 327 neutral first frames of the labelled sequences, contempt
    merged into disgust (654 images, 118 subjects).

    Parameters
    ----------
    path : str or path-like, default=None
        The dataset folder. ``None``: ``get_data_home() / "ckplus"``.
    contempt : {"merge", "keep", "drop"}, default="merge"
        Contempt images become disgust (the paper's choice), stay ``"contempt"``,
        or are left out.
    neutral : {"labelled", "all", "none"}, default="labelled"
        Neutral frames kept: those of the emotion-labelled sequences (the
        paper's), all of them, or none. CK+48 has no neutral images.
    crop_faces : bool, FaceCropper or None, default=None
        Crop the faces before resizing. ``None``: only for the original
        distribution (its frames show the whole scene); the other layouts are
        already face crops.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    cache : bool or path-like, default=True
        Cache the decoded dataset, see :func:`load_fer2013`.
    on_error : {"warn", "raise"}, default="warn"
        Skip unusable files (unreadable image, file missing from or absent in
        the manifest, unexpected name) with a :class:`SkippedFileWarning` naming
        every one, or raise a ValueError.

    Returns
    -------
    data : Bunch
        ``data`` (n, 2304) uint8, ``images`` (n, 48, 48) view, ``target``,
        ``target_names``, ``groups`` (subject, ``S###``), ``usage`` None,
        ``filenames``, ``face_found`` (None without cropping), ``DESCR``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from PIL import Image
    >>> from skfer.datasets import load_ckplus
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for rel in ("happy/S010_006_00000015.png", "contempt/S011_002_00000020.png"):
    ...     (root / rel).parent.mkdir(exist_ok=True)
    ...     Image.new("L", (48, 48)).save(root / rel)
    >>> faces = load_ckplus(root, cache=False)  # a CK+48-like tree
    >>> faces.target.tolist(), faces.groups.tolist()
    (['disgust', 'happy'], ['S011', 'S010'])
    >>> load_ckplus(root, contempt="drop", cache=False).target.tolist()
    ['happy']
    """
    loader = "load_ckplus"
    options = _LoadOptions(loader, cache, on_error, return_X_y)
    _check_choice(contempt, "contempt", _CONTEMPT)
    _check_choice(neutral, "neutral", _NEUTRAL)
    root = _dataset_dir(path, "ckplus", loader)
    _check_dir(root, loader)
    original = None
    if (root / _MANIFEST).is_file():
        layout = "manifest"
        records, files, problems = _scan_manifest(root, loader)
    elif (original := _find_original(root)) is not None:
        layout = "original"
        records, files, problems = _scan_original(root, *original)
    else:
        layout = "folders"
        records, files, problems = _scan_folders(root, loader)
    if crop_faces is None:
        crop_faces = layout == "original"
    cropper = _cropper(crop_faces, loader)

    rels, target, groups = [], [], []
    for rel, label, subject, labelled in records:
        if label == "neutral" and not (
            neutral == "all" or (neutral == "labelled" and labelled)
        ):
            continue
        if label == CONTEMPT and contempt != "keep":
            if contempt == "drop":
                continue
            label = "disgust"
        rels.append(rel)
        target.append(label)
        groups.append(subject)
    if not rels and not problems:
        raise ValueError(
            f"{loader}: no images found in {str(root)!r} (layout {layout!r}, "
            f"contempt={contempt!r}, neutral={neutral!r})."
        )
    params = {
        "layout": layout,
        "contempt": contempt,
        "neutral": neutral,
        "crop": _cropper_params(cropper),
    }
    listing = _Listing(rels, target, files, problems, groups=groups)
    return _load_images(
        "ckplus", root, listing, params, options, descr=DESCR, cropper=cropper
    )
