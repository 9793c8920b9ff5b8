"""skfer: facial expression recognition with scikit-learn estimators.

The CNNs of Borgalli & Surve (2022) as scikit-learn classifiers built on skorch,
cross-dataset fine-tuning, augmentation-based oversampling for imbalanced-learn
pipelines, dataset loaders and benchmarks.
"""

from ._units import InputUnitsWarning
from ._validation import NonSquareImageWarning
from ._version import __version__
from .classifier import FERClassifier
from .ensemble import ensemble_from_fitted, make_ensemble
from .weights import list_pretrained, load_pretrained

__all__ = [
    "FERClassifier",
    "InputUnitsWarning",
    "NonSquareImageWarning",
    "__version__",
    "ensemble_from_fitted",
    "list_pretrained",
    "load_pretrained",
    "make_ensemble",
]
