"""The canonical emotion vocabulary shared by every loader, and its aliases."""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Integral
from types import MappingProxyType
from typing import Literal

import numpy as np

__all__ = [
    "CKPLUS_CODES",
    "EMOTIONS",
    "EMOTION_ALIASES",
    "FER2013_CODES",
    "canonical_emotion",
]

#: The seven basic emotions, in FER2013's label order (0=angry ... 6=neutral).
EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")

#: The eighth CK+ emotion, kept only on request (the paper merges it into disgust).
CONTEMPT = "contempt"

#: Integer labels of the FER2013 CSV (``emotion`` column) -> canonical name.
FER2013_CODES = MappingProxyType(dict(enumerate(EMOTIONS)))

#: Codes of the CK+ ``Emotion/*_emotion.txt`` files -> canonical name.
CKPLUS_CODES = MappingProxyType(
    {
        0: "neutral",
        1: "angry",
        2: "contempt",
        3: "disgust",
        4: "fear",
        5: "happy",
        6: "sad",
        7: "surprise",
    }
)

_SPELLINGS = {
    "angry": ("angry", "anger", "an"),
    "disgust": ("disgust", "disgusted", "di"),
    "fear": ("fear", "fearful", "fe"),
    "happy": ("happy", "happiness", "ha"),
    "sad": ("sad", "sadness", "sa"),
    "surprise": ("surprise", "surprised", "su"),
    "neutral": ("neutral", "ne"),
    CONTEMPT: ("contempt", "co"),
}

#: Lower-case spelling used by a dataset -> canonical name (JAFFE's ``AN``, CK+'s
#: ``happiness``, ...). Matching is case-insensitive.
EMOTION_ALIASES = MappingProxyType(
    {alias: name for name, aliases in _SPELLINGS.items() for alias in aliases}
)

_CODES = {"fer2013": FER2013_CODES, "ckplus": CKPLUS_CODES}


def canonical_emotion(
    label: str | int,
    *,
    codes: Literal["fer2013", "ckplus"] = "fer2013",
    aliases: Mapping[str, str] | None = None,
) -> str:
    """Return the canonical name of an emotion label.

    Parameters
    ----------
    label : str or int
        An emotion name in any of the spellings of :data:`EMOTION_ALIASES`
        (case-insensitive: ``"Happiness"``, ``"HA"``, ``"surprised"``), or an
        integer code (also as a string of digits, as in class folders named
        ``0`` ... ``6``) read with ``codes``.
    codes : {"fer2013", "ckplus"}, default="fer2013"
        How integer labels are read: FER2013's ``0=angry ... 6=neutral``
        (:data:`FER2013_CODES`) or CK+'s ``0=neutral, 1=anger, 2=contempt, ...,
        7=surprise`` (:data:`CKPLUS_CODES`).
    aliases : dict of str to str, default=None
        Extra spellings tried first, e.g. ``{"joy": "happy"}`` (keys matched
        case-insensitively, values must be canonical names or known aliases).

    Returns
    -------
    name : str
        One of :data:`EMOTIONS`, or ``"contempt"``.

    Raises
    ------
    ValueError
        If the label is none of the known spellings or codes.

    Examples
    --------
    >>> from skfer.datasets import canonical_emotion
    >>> canonical_emotion("Happiness"), canonical_emotion("SU"), canonical_emotion(0)
    ('happy', 'surprise', 'angry')
    >>> canonical_emotion(7, codes="ckplus")
    'surprise'
    >>> canonical_emotion("joy", aliases={"joy": "happiness"})
    'happy'
    """
    if codes not in _CODES:
        raise ValueError(f"codes must be one of {sorted(_CODES)}; got {codes!r}.")
    if isinstance(label, (Integral, np.integer)) and not isinstance(label, bool):
        table = _CODES[codes]
        if int(label) in table:
            return table[int(label)]
        raise ValueError(
            f"Unknown {codes} emotion code {label!r}; expected one of {dict(table)}."
        )
    if not isinstance(label, str):
        raise TypeError(
            f"label must be a str or an int; got {label!r} of type "
            f"{type(label).__name__}."
        )
    key = label.strip().lower()
    if aliases:
        extra = {str(k).strip().lower(): v for k, v in aliases.items()}
        if key in extra:
            return canonical_emotion(extra[key], codes=codes)
    if key in EMOTION_ALIASES:
        return EMOTION_ALIASES[key]
    if key.isdigit():
        return canonical_emotion(int(key), codes=codes)
    raise ValueError(
        f"Unknown emotion label {label!r}; expected one of {EMOTIONS + (CONTEMPT,)} "
        f"or an alias ({', '.join(sorted(EMOTION_ALIASES))}), or pass aliases="
        "{...} to map it."
    )


def _sort_names(names):
    """Canonical emotions in :data:`EMOTIONS` order, contempt, then others sorted."""
    order = {name: i for i, name in enumerate(EMOTIONS + (CONTEMPT,))}
    return sorted(set(names), key=lambda n: (order.get(n, len(order)), n))
