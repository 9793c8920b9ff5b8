"""Folding batch normalization into the preceding layer, for inference."""

from __future__ import annotations

from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval, fuse_linear_bn_eval

__all__ = ["fold_batchnorm"]

_FOLDABLE = (
    (nn.Conv2d, nn.BatchNorm2d, fuse_conv_bn_eval),
    (nn.Linear, nn.BatchNorm1d, fuse_linear_bn_eval),
)


def _foldable(layer, bn):
    for layer_cls, bn_cls, fuse in _FOLDABLE:
        if (
            type(layer) is layer_cls
            and type(bn) is bn_cls
            and bn.track_running_stats
            and bn.running_mean is not None
            and getattr(layer, "out_channels", getattr(layer, "out_features", -1))
            == bn.num_features
        ):
            return fuse
    return None


def fold_batchnorm(module: nn.Module) -> nn.Module:
    """Fold batch norms into the layer before them, in place; ``module`` in eval mode.

    Only adjacent pairs inside an ``nn.Sequential`` are folded (there the layer's
    output feeds nothing but the batch norm); the batch norm becomes ``Identity``.

    Returns
    -------
    module : nn.Module
        The same module, for chaining.

    Examples
    --------
    >>> import torch
    >>> from skfer.models import build_model, fold_batchnorm
    >>> net = build_model("model3").eval()
    >>> x = torch.rand(2, 1, 48, 48)
    >>> expected = net(x)
    >>> torch.allclose(fold_batchnorm(net)(x), expected, atol=1e-4)
    True
    """
    if module.training:
        raise ValueError("fold_batchnorm needs a module in eval mode (call .eval()).")
    for seq in module.modules():
        if not isinstance(seq, nn.Sequential):
            continue
        names = list(seq._modules)
        for a, b in zip(names, names[1:]):
            fuse = _foldable(seq._modules[a], seq._modules[b])
            if fuse is not None:
                seq._modules[a] = fuse(seq._modules[a], seq._modules[b])
                seq._modules[b] = nn.Identity()
    return module
