"""Which pixels drove a prediction: saliency maps (the ``sklearn.inspection`` idea).

:func:`saliency_map` computes Grad-CAM on the last convolutional block of a
:class:`~skfer.FERClassifier`, or an occlusion map, which only calls
``predict_proba`` and so works for any classifier of 48x48 faces (an
:class:`~skfer.onnx.ONNXClassifier` included).
"""

from ._saliency import last_conv_block, saliency_map

__all__ = ["last_conv_block", "saliency_map"]
