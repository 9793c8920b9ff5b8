"""Writing a fitted FERClassifier as an ONNX file (needs torch and ``onnx``).

The graph is the network in float32 (batch norms folded, as
``skfer.classifier._inference.inference_module``) between the estimator's
pixel scaling and a softmax: it maps images ``(n, 48, 48)`` in the units the
estimator was trained on (0-255 for uint8 training images) to class
probabilities ``(n, k)``.
Test-time augmentation stays outside the graph (:class:`~skfer.onnx.ONNXClassifier`
applies it). The model's ``metadata_props`` hold what a runtime needs to use it:
class names, input units and skfer's version, each value a JSON text.
"""

from __future__ import annotations

import copy
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..utils import atomic_file
from ._format import FORMAT_VERSION, INPUT_NAME, OUTPUT_NAME, encode

if TYPE_CHECKING:
    from sklearn.base import BaseEstimator

__all__ = ["export_onnx"]

#: ONNX operator set of the exported graph (onnxruntime 1.16+ runs it).
OPSET = 17

INPUT_DOC = (
    "float32 images of shape (n, 48, 48), in the units of the training images "
    "(input_range: 0-255 for uint8 images); n is dynamic"
)
TTA_DOC = (
    "test-time augmentation is not in the graph: average the probabilities of "
    "the views yourself, or use skfer.onnx.ONNXClassifier(path, tta='flip'|'crops')"
)


def _graph_module(estimator):
    """The torch module exported: scaling, the folded network, softmax."""
    # lazy: torch is the export extra; skfer.onnx runs without it
    import torch
    from torch import nn

    from ..models import fold_batchnorm

    network = copy.deepcopy(estimator.net_.module_).cpu().float().eval()
    network = fold_batchnorm(network).to(memory_format=torch.contiguous_format)
    lo, hi = (float(v) for v in estimator.input_range_)
    mean, std = float(estimator.pixel_mean_), float(estimator.pixel_std_)

    class Exported(nn.Module):
        def __init__(self):
            super().__init__()
            self.network = network

        def forward(self, images):
            # skfer.classifier._batching.Scaling, operation for operation.
            x = (images.unsqueeze(1) - lo) * (1.0 / (hi - lo))
            x = (x - mean) * (1.0 / std)
            return torch.softmax(self.network(x), dim=1)

    return Exported().eval()


def _metadata(estimator):
    prior = estimator.class_prior
    if prior is not None and not isinstance(prior, str):
        prior = [float(v) for v in prior]  # an array: JSON as a list
    counts = getattr(estimator, "class_count_", None)
    return {
        "skfer_format": FORMAT_VERSION,
        "architecture": estimator.architecture_,
        "classes": estimator.classes_.tolist(),
        "input": INPUT_DOC,
        "input_range": [float(v) for v in estimator.input_range_],
        "pixel_mean": float(estimator.pixel_mean_),
        "pixel_std": float(estimator.pixel_std_),
        "n_features_in": int(estimator.n_features_in_),
        "predict_params": {
            "tta": estimator.tta,
            **({"class_prior": prior} if prior is not None else {}),
        },
        **({"class_count": counts.tolist()} if counts is not None else {}),
        "tta": TTA_DOC,
        "skfer_version": __version__,
    }


def export_onnx(estimator: BaseEstimator, path: str | os.PathLike[str]) -> Path:
    """Write a fitted :class:`~skfer.FERClassifier` as an ONNX model.

    The graph takes one input, ``images``: float32 of shape ``(n, 48, 48)`` (``n``
    dynamic) in the units of the training images (0-255 when the model was trained
    on uint8 images; ``metadata["input_range"]``), and returns ``probabilities``,
    float32 ``(n, n_classes)`` in the order of ``classes_``. The estimator's pixel
    scaling and a softmax are inside; test-time augmentation is not (see
    :class:`~skfer.onnx.ONNXClassifier`). The model's ``metadata_props`` hold, as
    JSON texts: ``architecture``, ``classes``, ``input_range``, ``pixel_mean``,
    ``pixel_std``, ``n_features_in``, ``predict_params`` (the estimator's
    ``tta`` and ``class_prior``), ``class_count`` (the training labels' counts,
    which :class:`~skfer.onnx.ONNXClassifier`'s ``class_prior`` re-weights),
    ``skfer_version`` and notes on the input and TTA. Probabilities
    match ``predict_proba`` with ``precision="float32"`` within 1e-5.

    Parameters
    ----------
    estimator : FERClassifier
        A fitted classifier (its network is copied; the estimator is unchanged).
    path : str or path-like
        Destination file (conventionally ``*.onnx``); written atomically.

    Returns
    -------
    path : pathlib.Path
        The ONNX file written.

    Examples
    --------
    >>> import os, tempfile
    >>> from skfer import FERClassifier
    >>> from skfer.datasets import make_faces
    >>> from skfer.onnx import ONNXClassifier, export_onnx
    >>> X, y = make_faces(n_samples=40, random_state=0, return_X_y=True)
    >>> clf = FERClassifier("small", max_epochs=1, random_state=0).fit(X, y)
    >>> path = export_onnx(clf, os.path.join(tempfile.mkdtemp(), "model.onnx"))
    >>> ONNXClassifier(path).predict(X[:3]).shape
    (3,)
    """
    # lazy: scikit-learn is the torch extra; skfer.onnx runs without it
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    try:
        # lazy: onnx and torch are the export extra; skfer.onnx runs without them
        import onnx
        import torch
    except ImportError as exc:
        raise ImportError(
            "export_onnx needs torch and the onnx package; install them with "
            "`pip install onnx` beside skfer's `torch` extra (or the `export` "
            'extra: `pip install -e ".[export]"` in skfer\'s source folder).'
        ) from exc

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    module = _graph_module(estimator)
    example = torch.zeros(2, 48, 48)
    with atomic_file(path) as tmp:
        with warnings.catch_warnings():
            # The TorchScript exporter (dynamo=False) is deprecated in favour of
            # torch.export, which needs onnxscript; it still handles these plain
            # CNNs exactly, with a dynamic batch, and needs nothing more.
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module,
                (example,),
                str(tmp),
                dynamo=False,
                input_names=[INPUT_NAME],
                output_names=[OUTPUT_NAME],
                dynamic_axes={INPUT_NAME: {0: "n"}, OUTPUT_NAME: {0: "n"}},
                opset_version=OPSET,
            )
        model = onnx.load(str(tmp))
        for key, value in encode(_metadata(estimator)).items():
            entry = model.metadata_props.add()
            entry.key, entry.value = key, value
        model.producer_name = "skfer"
        model.doc_string = f"skfer FERClassifier ({estimator.architecture_}): {TTA_DOC}"
        onnx.checker.check_model(model)
        onnx.save(model, str(tmp))
    return path
