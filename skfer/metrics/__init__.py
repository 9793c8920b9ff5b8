"""Scores and confusion matrices for facial expression recognition results."""

from ._confusion import confusion_matrices, normalize_confusion_matrix
from ._summary import classification_summary

__all__ = [
    "classification_summary",
    "confusion_matrices",
    "normalize_confusion_matrix",
]
