"""What a new network starts from: architecture, classes, weights, pixel units.

The pure halves of FERClassifier's initialize steps (the steps themselves set
the estimator's attributes, in ``_classifier.py``): each function takes what it
needs and returns what it found, so that each rule is read and tested in one
place.
"""

import numpy as np
import torch
from sklearn.utils.validation import column_or_1d

from ..models import check_architecture
from ..utils import infer_input_range
from ..weights import read_weights, resolve_weights

__all__ = [
    "DEFAULT_ARCHITECTURE",
    "check_subset",
    "load_matched_state",
    "pixel_stats",
    "read_pretrained",
    "resolve_architecture",
    "resolve_classes",
]

#: The architecture of ``FERClassifier()`` without ``architecture`` or ``pretrained``.
DEFAULT_ARCHITECTURE = "model2"


def read_pretrained(pretrained):
    """The tensors and metadata of ``pretrained``, or ``(None, None)``."""
    if pretrained is None:
        return None, None
    return read_weights(resolve_weights(pretrained))


def resolve_architecture(architecture, meta, pretrained):
    """The architecture to build: the weights', the parameter's or the default."""
    arch = architecture
    if meta is not None:
        if arch is not None and arch != meta["architecture"]:
            raise ValueError(
                f"architecture={arch!r} does not match the pretrained weights "
                f"{pretrained!r}, which are a {meta['architecture']!r}; "
                "leave architecture=None to use the weights' architecture."
            )
        arch = meta["architecture"]
    return check_architecture(DEFAULT_ARCHITECTURE if arch is None else arch)


def resolve_classes(y, classes):
    """The sorted class labels: ``classes`` when given (checked against ``y``)."""
    if classes is not None:
        classes = column_or_1d(np.asarray(classes))
        classes_ = np.unique(classes)
        check_subset(y, classes_, "y", "classes")
    else:
        classes_ = np.unique(y)
    if len(classes_) < 2:
        raise ValueError(
            f"FERClassifier needs samples of at least 2 classes; got one class "
            f"({classes_.tolist()!r}). Pass `classes` to declare the others."
        )
    return classes_


def check_subset(labels, classes, name, where):
    """Raise a ValueError naming ``name`` if ``labels`` are not all in ``classes``."""
    unknown = np.setdiff1d(np.unique(labels), classes)
    if unknown.size:
        raise ValueError(
            f"{name} contains labels {unknown.tolist()!r} that are not in "
            f"{where} {classes.tolist()!r}."
        )


def pixel_stats(X):
    """``(input_range, mean, std)`` of training rows ``X`` (mean, std in [0, 1])."""
    input_range = infer_input_range(X)
    lo, hi = input_range
    unit = (np.asarray(X, dtype=np.float64) - lo) / (hi - lo)
    std = float(unit.std())
    return input_range, float(unit.mean()), (std if std > 1e-6 else 1.0)


def load_matched_state(module, state, meta, classes, *, pretrained, architecture):
    """Copy pretrained weights into ``module``; output rows matched by class label.

    The body must fit exactly; each output layer (``head``, or every member's
    ``members.<i>.head`` in a vote) keeps the rows of the classes the source
    knows (``meta["classes"]``) and its fresh initialization for the others.
    ``pretrained`` and ``architecture`` only name things in the error.
    """
    src_classes = list(meta["classes"])
    heads = sorted(
        k[: -len("weight")]
        for k in state
        if k == "head.weight" or k.endswith(".head.weight")
    )

    def in_head(key):
        return any(key.startswith(head) for head in heads)

    body = {k: v for k, v in state.items() if not in_head(k)}
    missing, unexpected = module.load_state_dict(body, strict=False)
    missing = [k for k in missing if not in_head(k)]
    if missing or unexpected:
        raise ValueError(
            f"Pretrained weights {pretrained!r} do not fit architecture "
            f"{architecture!r}: missing {missing}, unexpected {unexpected}."
        )
    index = {label: i for i, label in enumerate(src_classes)}
    with torch.no_grad():
        for head in heads:
            layer = module.get_submodule(head[:-1])
            for j, label in enumerate(np.asarray(classes).tolist()):
                i = index.get(label)
                if i is None:
                    continue
                layer.weight[j] = state[head + "weight"][i]
                layer.bias[j] = state[head + "bias"][i]
