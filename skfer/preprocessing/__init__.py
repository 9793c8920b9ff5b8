"""Scikit-learn transformers that bring raw photos to model-ready faces.

Chain them in a :class:`~sklearn.pipeline.Pipeline`: ``FaceCropper`` (find and cut
out the face), ``Grayscale``, ``Resize`` (48x48, flattened rows) and optionally
``HistogramEqualization``; :func:`detect_faces` finds every face of one photo and
:func:`extract_faces` returns their boxes and model-ready crops. Every path frames
faces the same way (:func:`find_faces`), with any detector that follows
:class:`FaceDetector` (default: :class:`YuNetDetector`, named ``"yunet"``;
scikit-image's :class:`CascadeDetector` is ``"cascade"``).
"""

import importlib

__all__ = [
    "DEFAULT_DETECTOR",
    "DETECTORS",
    "CascadeDetector",
    "FaceCropper",
    "FaceDetector",
    "Grayscale",
    "HistogramEqualization",
    "NoFaceWarning",
    "Resize",
    "YuNetDetector",
    "check_detector",
    "detect_faces",
    "extract_faces",
    "find_faces",
]

#: Public name -> the private module defining it, imported on first use (PEP 562):
#: finding faces needs scikit-image only, the transformers need scikit-learn.
_LAZY = {
    "DEFAULT_DETECTOR": "._detectors",
    "DETECTORS": "._detectors",
    "CascadeDetector": "._detectors",
    "FaceDetector": "._detectors",
    "check_detector": "._detectors",
    "FaceCropper": "._face",
    "Grayscale": "._grayscale",
    "HistogramEqualization": "._equalize",
    "NoFaceWarning": "._face",
    "Resize": "._resize",
    "YuNetDetector": "._yunet",
    "detect_faces": "._detect",
    "extract_faces": "._find",
    "find_faces": "._find",
}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
