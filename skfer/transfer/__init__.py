"""Cross-dataset transfer: protocols, the zero-shot baseline and the benchmark."""

from ._benchmark import (
    METHODS,
    PAPER_TABLES,
    make_transfer_estimator,
    transfer_benchmark,
)
from ._protocols import PAPER_RATIOS, make_protocol
from ._run import run_transfer, source_weights
from ._zero_shot import PretrainedClassifier

__all__ = [
    "METHODS",
    "PAPER_RATIOS",
    "PAPER_TABLES",
    "PretrainedClassifier",
    "make_protocol",
    "make_transfer_estimator",
    "run_transfer",
    "source_weights",
    "transfer_benchmark",
]
