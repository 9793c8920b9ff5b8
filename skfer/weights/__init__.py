"""The weights of skfer's networks: one file format, the registry, checkpoints.

- :func:`read_weights`, :func:`read_weights_meta`, :func:`write_weights`,
  :func:`tensor_dict`: the safetensors format with its checks (the one reader
  and writer of weights files);
- :func:`list_pretrained`, :func:`resolve_weights`: the weights shipped inside
  the package, checksums verified;
- :func:`write_checkpoint`, :func:`read_checkpoint`, :func:`read_training_state`,
  :func:`history_rows`: the files of per-epoch checkpoints.

This package depends only on :mod:`skfer.models` and :mod:`skfer.utils`; the
estimator side (:func:`skfer.load_pretrained`,
:func:`skfer.classifier.fit_with_checkpoints`) lives in :mod:`skfer.classifier`.
"""

from ._checkpoint import (
    BEST_FILE,
    WEIGHTS_FILE,
    history_rows,
    read_checkpoint,
    read_training_state,
    write_checkpoint,
)
from ._format import read_weights, read_weights_meta, tensor_dict, write_weights
from ._registry import default_pretrained, list_pretrained, resolve_weights

__all__ = [
    "BEST_FILE",
    "WEIGHTS_FILE",
    "default_pretrained",
    "history_rows",
    "list_pretrained",
    "read_checkpoint",
    "read_training_state",
    "read_weights",
    "read_weights_meta",
    "resolve_weights",
    "tensor_dict",
    "write_checkpoint",
    "write_weights",
]
