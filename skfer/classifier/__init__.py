"""The FERClassifier estimator and its internals.

- :class:`FERClassifier` (``_classifier.py``): the scikit-learn estimator;
- :func:`load_pretrained` (``_pretrained.py``): shipped or saved weights as a
  fitted estimator;
- :func:`weights_meta` (``_classifier.py``): what a weights file of a fitted
  classifier stores beside its tensors;
- :class:`Scaling` (``_batching.py``): a fitted classifier's pixel scaling, the
  input its network takes (e.g. for saliency maps);
- :func:`fit_with_checkpoints`, :func:`resume_from_checkpoint`,
  :func:`checkpoint_to_resume`
  (``_checkpoint.py``): training that survives being stopped;
- internals: the skorch net and the inference-cache contract (``_net.py``,
  ``_inference.py``), batching (``_batching.py``), learning-rate schedules, the
  weight average, the saved training state, warm-start and sample-weight rules.

Depends on :mod:`skfer.models`, :mod:`skfer.weights`, :mod:`skfer.augmentation`
and :mod:`skfer.utils`; nothing below it imports it.
"""

from ._batching import Scaling
from ._checkpoint import (
    EpochCheckpoint,
    checkpoint_to_resume,
    fit_with_checkpoints,
    resume_from_checkpoint,
)
from ._classifier import FERClassifier, weights_meta
from ._pretrained import load_pretrained

__all__ = [
    "EpochCheckpoint",
    "FERClassifier",
    "Scaling",
    "checkpoint_to_resume",
    "fit_with_checkpoints",
    "load_pretrained",
    "resume_from_checkpoint",
    "weights_meta",
]
