"""Torch networks for 48x48 grayscale faces (no scikit-learn here)."""

from ._fold import fold_batchnorm
from ._order import relu_before_pooling
from ._paper import PaperModel1, PaperModel2, PaperModel3
from ._registry import (
    ARCHITECTURES,
    build_model,
    check_architecture,
    count_parameters,
    register_architecture,
)
from ._small import SmallCNN
from ._vote import SoftVote

__all__ = [
    "fold_batchnorm",
    "ARCHITECTURES",
    "PaperModel1",
    "PaperModel2",
    "PaperModel3",
    "SmallCNN",
    "SoftVote",
    "build_model",
    "check_architecture",
    "count_parameters",
    "register_architecture",
    "relu_before_pooling",
]
