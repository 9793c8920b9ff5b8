"""Export to ONNX and run exported models without torch.

:func:`export_onnx` (also :meth:`skfer.FERClassifier.to_onnx` and ``skfer export``)
writes a fitted classifier's network as an ONNX file with its pixel scaling, a
softmax and skfer's metadata inside; it needs torch and ``onnx``
(skfer's ``export`` extra). :class:`ONNXClassifier` runs such a file with
onnxruntime, numpy and Pillow only: ``import skfer.onnx`` imports neither torch
nor skorch nor scikit-learn, so an inference-only install can leave them out.
"""

from ._classifier import ONNXClassifier
from ._export import export_onnx

__all__ = ["ONNXClassifier", "export_onnx"]
