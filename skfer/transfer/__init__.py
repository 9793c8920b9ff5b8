"""Cross-dataset transfer: protocols, the zero-shot baseline and the benchmark.

- ``_protocols.py``: the paper's random splits and subject-independent folds;
- ``_zero_shot.py``: :class:`PretrainedClassifier`, FER2013 weights used as is;
- ``_benchmark.py``: :func:`transfer_benchmark`, the estimators and the scores,
  :func:`training_length` (the epochs of a fit on a small dataset);
- ``_run.py``: :func:`run_transfer`, the benchmark end to end;
- ``_results.py``: ``transfer.json`` written row by row, resumed, merged;
- ``_tables.py``: ``transfer.md`` (:func:`results_markdown`) and the figures.
"""

from ._benchmark import (
    METHODS,
    PAPER_TABLES,
    TARGETS,
    make_transfer_estimator,
    training_length,
    transfer_benchmark,
)
from ._protocols import PAPER_RATIOS, make_protocol
from ._results import ResultsLog, merge_results, write_results
from ._run import run_transfer, source_weights
from ._tables import results_markdown
from ._zero_shot import PretrainedClassifier

__all__ = [
    "METHODS",
    "PAPER_RATIOS",
    "PAPER_TABLES",
    "PretrainedClassifier",
    "ResultsLog",
    "TARGETS",
    "make_protocol",
    "make_transfer_estimator",
    "merge_results",
    "results_markdown",
    "run_transfer",
    "source_weights",
    "training_length",
    "transfer_benchmark",
    "write_results",
]
