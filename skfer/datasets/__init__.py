"""Dataset loaders (FER2013, FER+, CK+, JAFFE, image folders) and synthetic faces.

Every loader returns a :class:`~sklearn.utils.Bunch` of model-ready 48x48
grayscale rows (``data``, uint8) with ``target`` in the canonical vocabulary
(:data:`EMOTIONS`), ``groups`` (subject ids where known), ``usage`` (FER2013
split), ``filenames`` and ``DESCR``; decoded datasets are cached.
"""

from ._cache import clear_cache
from ._ckplus import load_ckplus
from ._combine import combine_datasets
from ._fer2013 import load_fer2013
from ._ferplus import load_ferplus
from ._files import SkippedFileWarning
from ._home import cache_relative, get_cache_home, get_data_home
from ._image_folder import load_image_folder
from ._jaffe import load_jaffe
from ._split import split_dataset
from ._synthetic import make_faces
from ._vocabulary import (
    CKPLUS_CODES,
    EMOTION_ALIASES,
    EMOTIONS,
    FER2013_CODES,
    canonical_emotion,
)

__all__ = [
    "CKPLUS_CODES",
    "EMOTIONS",
    "EMOTION_ALIASES",
    "FER2013_CODES",
    "SkippedFileWarning",
    "cache_relative",
    "canonical_emotion",
    "clear_cache",
    "combine_datasets",
    "get_cache_home",
    "get_data_home",
    "load_ckplus",
    "load_fer2013",
    "load_ferplus",
    "load_image_folder",
    "load_jaffe",
    "make_faces",
    "split_dataset",
]
