"""skfer: facial expression recognition with scikit-learn estimators.

The CNNs of Borgalli & Surve (2022) as scikit-learn classifiers built on skorch,
cross-dataset fine-tuning, augmentation-based oversampling for imbalanced-learn
pipelines, dataset loaders and benchmarks.

The public names are loaded on first use (a module ``__getattr__``, PEP 562), so
that ``import skfer.onnx`` runs an exported model without importing torch, and
the torch-free install (``skfer[onnx]``, without the ``torch`` extra) says what
to install when a name needs torch.
"""

import importlib
from typing import Any

__version__ = "0.1.0.dev0"

__all__ = [
    "FERClassifier",
    "InputUnitsWarning",
    "NonSquareImageWarning",
    "__version__",
    "analyze",
    "ensemble_from_fitted",
    "fit_voting_weights",
    "list_pretrained",
    "load_pretrained",
    "make_ensemble",
    "save_vote",
]

#: Public name -> the module defining it (imported when the name is first used).
_LAZY = {
    "FERClassifier": ".classifier",
    "InputUnitsWarning": ".utils",
    "NonSquareImageWarning": ".utils",
    "analyze": ".photos",
    "ensemble_from_fitted": ".ensemble",
    "fit_voting_weights": ".ensemble",
    "make_ensemble": ".ensemble",
    "list_pretrained": ".weights",
    "load_pretrained": ".classifier",
    "save_vote": ".ensemble",
}

#: Subpackages reachable as attributes after a bare ``import skfer``.
_SUBMODULES = {
    "utils",
    "augmentation",
    "classifier",
    "cli",
    "datasets",
    "ensemble",
    "inspection",
    "metrics",
    "models",
    "onnx",
    "over_sampling",
    "photos",
    "plotting",
    "preprocessing",
    "report",
    "transfer",
    "weights",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY and name not in _SUBMODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        if name in _LAZY:
            value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        else:
            value = importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as exc:  # e.g. torch, in the torch-free install
        # lazy: import skfer loads no submodule until a name is used (PEP 562)
        from .utils import missing_dependency_message

        message = missing_dependency_message(exc, f"skfer.{name}")
        if message is None:
            raise
        raise ModuleNotFoundError(message, name=exc.name) from exc
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | _SUBMODULES)
