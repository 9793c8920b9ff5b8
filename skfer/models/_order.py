"""The usual layer order back: ReLU before max pooling."""

from __future__ import annotations

import copy

from torch import nn

__all__ = ["relu_before_pooling"]


def relu_before_pooling(module: nn.Module) -> nn.Module:
    """A copy of ``module`` with every ``MaxPool2d -> ReLU`` pair swapped back.

    skfer's networks apply max pooling before the ReLU that follows a convolution
    block (the same function and gradients, with the ReLU on a quarter of the
    values). Code that looks at a block's rectified output at full resolution
    (Grad-CAM in :func:`skfer.inspection.saliency_map`) runs on this copy, which
    has the usual ``ReLU -> MaxPool2d`` order and the same weights and outputs.
    Pairs are swapped inside each ``nn.Sequential``; names of parameterless
    layers change accordingly, ``state_dict`` keys do not.

    Parameters
    ----------
    module : nn.Module
        Left untouched.

    Returns
    -------
    copy : nn.Module

    Examples
    --------
    >>> import torch
    >>> from skfer.models import build_model, relu_before_pooling
    >>> model = build_model("model1").eval()
    >>> [type(m).__name__ for m in model.features][:3]
    ['Conv2d', 'MaxPool2d', 'ReLU']
    >>> usual = relu_before_pooling(model)
    >>> [type(m).__name__ for m in usual.features][:3]
    ['Conv2d', 'ReLU', 'MaxPool2d']
    >>> x = torch.rand(2, 1, 48, 48)
    >>> torch.equal(usual(x), model(x))
    True
    """
    usual = copy.deepcopy(module)
    for seq in usual.modules():
        if not isinstance(seq, nn.Sequential):
            continue
        layers = list(seq)
        for i in range(len(layers) - 1):
            if [type(m) for m in layers[i : i + 2]] == [nn.MaxPool2d, nn.ReLU]:
                layers[i], layers[i + 1] = layers[i + 1], layers[i]
        for i, layer in enumerate(layers):
            seq[i] = layer
    return usual
