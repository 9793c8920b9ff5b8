"""Scikit-learn transformers that bring raw photos to model-ready faces.

Chain them in a :class:`~sklearn.pipeline.Pipeline`: ``FaceCropper`` (find and cut
out the face), ``Grayscale``, ``Resize`` (48x48, flattened rows) and optionally
``HistogramEqualization``; :func:`detect_faces` finds every face of one photo and
:func:`extract_faces` returns their boxes and model-ready crops. Every path frames
faces the same way (:func:`find_faces`), with any detector that follows
:class:`FaceDetector` (default: :class:`CascadeDetector`, named ``"cascade"``).
"""

from ._detect import detect_faces
from ._detectors import DETECTORS, CascadeDetector, FaceDetector, check_detector
from ._equalize import HistogramEqualization
from ._face import FaceCropper, NoFaceWarning
from ._find import extract_faces, find_faces
from ._grayscale import Grayscale
from ._resize import Resize

__all__ = [
    "DETECTORS",
    "CascadeDetector",
    "FaceCropper",
    "FaceDetector",
    "Grayscale",
    "HistogramEqualization",
    "NoFaceWarning",
    "Resize",
    "check_detector",
    "detect_faces",
    "extract_faces",
    "find_faces",
]
