"""Figures of FER results: confusion matrices, learning curves, emotion analysis
and emotions over time.

matplotlib is imported only when a function is called, never by
``import skfer.plotting``; install it with ``pip install matplotlib``
(skfer's ``plot`` extra).
"""

from ._confusion_matrix import (
    plot_confusion_matrix,
    plot_confusion_matrix_from_estimator,
    plot_confusion_matrix_from_matrix,
)
from ._emotion_analysis import plot_emotion_analysis
from ._faces import plot_faces
from ._learning_curves import plot_learning_curves
from ._save import save_figure
from ._timeline import plot_emotion_timeline

__all__ = [
    "plot_confusion_matrix",
    "plot_confusion_matrix_from_estimator",
    "plot_confusion_matrix_from_matrix",
    "plot_emotion_analysis",
    "plot_emotion_timeline",
    "plot_faces",
    "plot_learning_curves",
    "save_figure",
]
