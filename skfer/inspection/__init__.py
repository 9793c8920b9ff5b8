"""Which pixels drove a prediction: saliency maps (the ``sklearn.inspection`` idea).

:func:`saliency_map` computes Grad-CAM on a convolutional block of a
:class:`~skfer.FERClassifier` with a grid of useful resolution, or an occlusion
map, which only calls ``predict_proba`` and so works for any classifier of 48x48
faces (an :class:`~skfer.onnx.ONNXClassifier` included). :func:`saliency_sanity`
checks that the maps depend on the learnt weights (Adebayo et al.'s
randomization test).
"""

from ._saliency import last_conv_block, saliency_map
from ._sanity import saliency_sanity

__all__ = ["last_conv_block", "saliency_map", "saliency_sanity"]
