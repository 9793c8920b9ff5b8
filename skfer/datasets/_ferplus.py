"""FER+: FER2013's faces with ten crowd-sourced votes each (official layout)."""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

from ._files import (
    _check_dir,
    _decode_files,
    _finish,
    _load_cached,
    _LoadOptions,
    _pack,
    _raise_or_keep,
    _stat,
)
from ._home import _dataset_dir
from ._vocabulary import CONTEMPT

if TYPE_CHECKING:
    from sklearn.utils import Bunch


__all__ = ["load_ferplus"]

#: The vote columns of ``label.csv``, in file order (after the name and the box).
VOTE_COLUMNS = (
    "neutral",
    "happy",
    "surprise",
    "sad",
    "angry",
    "disgust",
    "fear",
    CONTEMPT,
    "unknown",
    "not_a_face",
)
#: Official folder -> FER2013 split (``usage``).
SPLIT_FOLDERS = {
    "FER2013Train": "Training",
    "FER2013Valid": "PublicTest",
    "FER2013Test": "PrivateTest",
}
_USAGES = tuple(SPLIT_FOLDERS.values())
_CONTEMPT = ("merge", "keep", "drop")
_LABEL_RULES = ("majority", "plurality")

DESCR = """\
FER+ (Barsoum et al., "Training Deep Networks for Facial Expression Recognition
with Crowd-Sourced Label Distribution", ICMI 2016): the FER2013 faces relabelled
by 10 crowd workers each (neutral, happiness, surprise, sadness, anger, disgust,
fear, contempt, unknown, not a face). Protocol: train on FER2013Train (Training),
select on FER2013Valid (PublicTest), report FER2013Test (PrivateTest) accuracy
against the majority label. Labels: github.com/microsoft/FERPlus (MIT licence)."""


def _check_choice(value, name, choices):
    if value not in choices:
        raise ValueError(
            f"load_ferplus: {name} must be one of {choices}; got {value!r}."
        )


def _check_subset(subset):
    if subset is None:
        return list(_USAGES)
    chosen = [subset] if isinstance(subset, str) else subset
    try:
        chosen = list(chosen)
    except TypeError:
        chosen = [chosen]
    bad = [s for s in chosen if s not in _USAGES]
    if bad or not chosen:
        raise ValueError(
            f"load_ferplus: subset must be None, one of {_USAGES} or a list of "
            f"them; got {subset!r}."
        )
    return [u for u in _USAGES if u in chosen]


def _read_labels(root, folder, loader):
    """``(rels, votes, problems)`` of one split's ``label.csv``."""
    path = root / folder / "label.csv"
    if not path.is_file():
        raise ValueError(
            f"{loader}: {str(root)!r} is not a FER+ folder: {folder}/label.csv is "
            f"missing; expected {', '.join(SPLIT_FOLDERS)} each holding PNGs and "
            "label.csv (the layout of github.com/microsoft/FERPlus)."
        )
    rels, votes, problems = [], [], []
    with open(path, newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.reader(handle), start=1):
            where = f"{folder}/label.csv:{line}"
            if len(row) != 2 + len(VOTE_COLUMNS):
                problems.append(
                    (where, f"has {len(row)} columns, expected {2 + len(VOTE_COLUMNS)}")
                )
                continue
            try:
                counts = [int(v) for v in row[2:]]
            except ValueError:
                problems.append((where, "votes are not integers"))
                continue
            if min(counts) < 0 or sum(counts) == 0:
                problems.append((where, "votes must be non-negative, not all zero"))
                continue
            rels.append(f"{folder}/{row[0]}")
            votes.append(counts)
    return rels, votes, problems


def _build(root, usages, on_error, loader):
    """Decode every labelled image of the chosen splits, with its votes."""
    rels, votes, usage, problems, files = [], [], [], [], []
    by_usage = {u: f for f, u in SPLIT_FOLDERS.items()}
    for name in usages:
        folder = by_usage[name]
        r, v, p = _read_labels(root, folder, loader)
        files.append(_stat(root / folder / "label.csv", f"{folder}/label.csv"))
        rels += r
        votes += v
        usage += [name] * len(r)
        problems += p
    return rels, np.array(votes, dtype=np.int16).reshape(-1, 10), usage, problems, files


def _labels(votes, contempt, label_rule):
    """The label of each row (or "" when left out), why rows were left out, and
    the vote distribution over the kept classes.

    ``votes`` are in :data:`VOTE_COLUMNS` order. Returns ``(labels, reasons,
    distribution, names)`` with ``names`` the classes in alphabetical order (the
    columns of ``distribution``).
    """
    votes = votes.astype(np.float64)
    emotions = list(VOTE_COLUMNS[:8])
    if contempt == "merge":
        votes[:, emotions.index("disgust")] += votes[:, 7]
        votes[:, 7] = 0
    # FER+'s outlier removal: an emotion with a single vote is noise.
    votes[votes <= 1] = 0
    total = votes.sum(1)
    top = votes.max(1)
    winner = votes.argmax(1)
    tied = (votes == top[:, None]).sum(1) > 1
    reasons = np.full(len(votes), "", dtype=object)
    reasons[total == 0] = "no emotion with more than one vote"
    if label_rule == "majority":
        reasons[(reasons == "") & (top <= 0.5 * total)] = "no majority"
    reasons[(reasons == "") & tied] = "tied top votes"
    reasons[(reasons == "") & (winner == 8)] = "unknown"
    reasons[(reasons == "") & (winner == 9)] = "not a face"
    if contempt == "drop":
        reasons[(reasons == "") & (winner == 7)] = "contempt"
    column = np.array(VOTE_COLUMNS)
    labels = np.where(reasons == "", column[winner], "")
    names = sorted(e for e in emotions if e != CONTEMPT or contempt == "keep")
    kept = votes[:, [emotions.index(n) for n in names]]
    sums = kept.sum(1, keepdims=True)
    distribution = np.divide(kept, sums, out=np.zeros_like(kept), where=sums > 0)
    return labels, reasons, distribution.astype(np.float32), names


def load_ferplus(
    path: str | os.PathLike[str] | None = None,
    *,
    subset: str | Sequence[str] | None = None,
    contempt: Literal["merge", "keep", "drop"] = "merge",
    label_rule: Literal["majority", "plurality"] = "majority",
    return_X_y: bool = False,
    cache: bool | str | os.PathLike[str] = True,
    on_error: Literal["warn", "raise"] = "warn",
) -> Bunch | tuple[np.ndarray, np.ndarray]:
    """Load FER+ (FER2013's faces with 10 crowd votes each) from its official layout.

    The folder holds ``FER2013Train/``, ``FER2013Valid/`` and ``FER2013Test/``,
    each with 48x48 PNGs and a ``label.csv`` (file name, face box, then the votes
    for neutral, happiness, surprise, sadness, anger, disgust, fear, contempt,
    unknown and not-a-face), as written by github.com/microsoft/FERPlus.

    Labels follow the FER+ reference code: an emotion with a single vote is an
    outlier and is discarded; the label is the emotion with the most remaining
    votes. Images are left out (and counted in ``left_out``) when that emotion
    has no strict majority (``label_rule="majority"``), when two classes tie for
    the most votes, or when the top vote is *unknown* or *not a face*.

    Parameters
    ----------
    path : str or path-like, default=None
        The FER+ folder. ``None``: ``get_data_home() / "ferplus"``.
    subset : {"Training", "PublicTest", "PrivateTest"} or list, default=None
        The splits to load, named as FER2013's (``FER2013Train``,
        ``FER2013Valid``, ``FER2013Test``). ``None`` loads all three.
    contempt : {"merge", "keep", "drop"}, default="merge"
        Contempt votes count as disgust (the seven emotions of FER2013 and of
        the paper's CK+), form an eighth class, or images labelled contempt are
        left out (their votes then stay out of the distribution too).
    label_rule : {"majority", "plurality"}, default="majority"
        ``"majority"``: the top emotion needs more than half of the votes left
        after outlier removal (FER+'s majority protocol). ``"plurality"``: the
        top emotion is enough (ties are still left out).
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    cache : bool or path-like, default=True
        Cache the decoded images, as the other loaders do.
    on_error : {"warn", "raise"}, default="warn"
        What to do with an unreadable image or a malformed ``label.csv`` row.

    Returns
    -------
    data : Bunch
        ``data`` (n, 2304) uint8; ``images`` (n, 48, 48); ``target`` (n,) the
        label of each kept image; ``label_distribution`` (n, n_classes) float32,
        the votes over the classes in alphabetical order (``classes``, the order
        of ``FERClassifier.classes_``), to
        pass to :meth:`FERClassifier.fit` as ``label_distribution``; ``votes``
        (n, 10) the raw votes (columns ``vote_names``); ``usage`` (n,) the
        split; ``filenames``; ``left_out`` a dict: reason -> number of images;
        ``groups`` None; ``DESCR``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from PIL import Image
    >>> from skfer.datasets import load_ferplus
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> rows = {"FER2013Train": ["6,3,1,0,0,0,0,0,0,0", "0,0,0,0,2,0,0,7,1,0"],
    ...         "FER2013Valid": ["0,0,0,0,0,0,0,0,9,1"],
    ...         "FER2013Test": ["0,9,1,0,0,0,0,0,0,0"]}
    >>> for folder, votes in rows.items():
    ...     (root / folder).mkdir()
    ...     lines = []
    ...     for i, v in enumerate(votes):
    ...         Image.fromarray(np.zeros((48, 48), np.uint8)).save(
    ...             root / folder / f"fer{i}.png")
    ...         lines.append(f'fer{i}.png,"(0, 0, 48, 48)",{v}')
    ...     _ = (root / folder / "label.csv").write_text("\\n".join(lines) + "\\n")
    >>> faces = load_ferplus(root, cache=False)
    >>> faces.target.tolist(), faces.usage.tolist()
    (['neutral', 'disgust', 'happy'], ['Training', 'Training', 'PrivateTest'])
    >>> faces.classes
    ['angry', 'disgust', 'fear', 'happy', 'neutral', 'sad', 'surprise']
    >>> faces.label_distribution[0].round(3).tolist()
    [0.0, 0.0, 0.0, 0.333, 0.667, 0.0, 0.0]
    >>> faces.left_out
    {'unknown': 1}
    """
    loader = "load_ferplus"
    options = _LoadOptions(loader, cache, on_error, False)  # checks the options
    usages = _check_subset(subset)
    _check_choice(contempt, "contempt", _CONTEMPT)
    _check_choice(label_rule, "label_rule", _LABEL_RULES)
    root = _dataset_dir(path, "ferplus", loader)
    _check_dir(root, loader)
    rels, votes, usage, problems, files = _build(root, usages, on_error, loader)
    _raise_or_keep(problems, on_error, loader, root)

    def build():
        data, _, ok, bad = _decode_files(root, rels, None)
        _raise_or_keep(bad, on_error, loader, root)
        stored = _pack(
            data,
            np.zeros(int(ok.sum()), dtype=str),
            np.array(rels, dtype=str)[ok],
            usage=np.array(usage, dtype=str)[ok],
            problems=problems + bad,
        )
        stored["votes"] = votes[ok]
        return stored

    stored = _load_cached(
        "ferplus", root, {"subset": usages}, files, cache, build, stacklevel=4
    )
    labels, reasons, distribution, names = _labels(
        stored["votes"], contempt, label_rule
    )
    keep = labels != ""
    stored = {
        **stored,
        "data": stored["data"][keep],
        "target": labels[keep].astype(str),
        "filenames": stored["filenames"][keep],
        "usage": stored["usage"][keep],
    }
    if not isinstance(return_X_y, bool):
        _LoadOptions(loader, cache, on_error, return_X_y)  # its error message
    faces = _finish(stored, root, options, descr=DESCR)
    if return_X_y:
        return faces.data, faces.target
    why, count = np.unique(reasons[~keep].astype(str), return_counts=True)
    faces.update(
        label_distribution=distribution[keep],
        classes=names,
        votes=stored["votes"][keep],
        vote_names=list(VOTE_COLUMNS),
        left_out=dict(zip(why.tolist(), count.tolist())),
    )
    return faces
