"""Fast inference: a batch-norm-folded copy of the network in the compute dtype.

``FERClassifier.predict_proba`` runs the network on a copy made for inference:
evaluation mode, every ``Conv2d -> BatchNorm2d`` and ``Linear -> BatchNorm1d``
pair folded into one layer (in float32, before any rounding), weights cast once to
the compute dtype (bfloat16 on CPUs with native bfloat16 units) and laid out
channels-last. Autocast would instead re-cast every weight on every batch, which
for Model 1's 20 M parameters costs as much as the convolutions of a small batch.

The copy is cached on the skorch net and rebuilt when the weights may have changed:
after any training step (the net bumps a token), after ``load_state_dict`` or any
in-place edit (parameter version counters), or for another dtype or device.

A handful of images is computed on one thread (no OpenMP barriers for a single
image); larger inputs reuse freed heap blocks instead of page-faulting fresh ones
(see :mod:`skfer._torch_utils`). Neither changes any result beyond float rounding.
"""

import contextlib
import copy

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval, fuse_linear_bn_eval

from ._loader import BatchIterator
from ._torch_utils import intra_op_threads, reuse_large_allocations

__all__ = ["fold_batchnorm", "inference_module", "predict_proba_batches", "tta_views"]

#: Up to this many images, CPU inference runs on one thread (see
#: :func:`skfer._torch_utils.intra_op_threads`).
SINGLE_THREAD_MAX_IMAGES = 8

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


def fold_batchnorm(module):
    """Fold batch norms into the layer before them, in place; ``module`` in eval mode.

    Only adjacent pairs inside an ``nn.Sequential`` are folded (there the layer's
    output feeds nothing but the batch norm); the batch norm becomes ``Identity``.

    Returns
    -------
    module : nn.Module
        The same module, for chaining.
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


def inference_module(module, dtype=None, device="cpu"):
    """A frozen copy of ``module`` for prediction: eval, folded, cast, channels-last.

    Parameters
    ----------
    module : nn.Module
        The trained network (left untouched).
    dtype : torch.dtype or None
        Compute dtype of the copy's weights; ``None`` keeps float32.
    device : str or torch.device

    Returns
    -------
    copy : nn.Module
    """
    fast = fold_batchnorm(copy.deepcopy(module).eval())
    for param in fast.parameters():
        param.requires_grad_(False)
    fast = fast.to(device=device, dtype=dtype or torch.float32)
    return fast.to(memory_format=torch.channels_last)


#: Shift of the crops of ``tta="crops"``, in pixels.
CROP_SHIFT = 2


def tta_views(xb, tta):
    """The views of a batch ``(n, c, h, w)`` that test-time augmentation averages.

    ``None``: the batch; ``"flip"``: it and its mirror image; ``"crops"``: five
    crops of the batch padded by :data:`CROP_SHIFT` pixels (replicating the
    border), at the centre and the four corners, and their mirror images.
    """
    if tta is None:
        return [xb]
    if tta == "flip":
        return [xb, xb.flip(-1)]
    if tta == "crops":
        s = CROP_SHIFT
        h, w = xb.shape[-2:]
        padded = torch.nn.functional.pad(xb, (s, s, s, s), mode="replicate")
        crops = [
            padded[..., top : top + h, left : left + w]
            for top, left in ((s, s), (0, 0), (0, 2 * s), (2 * s, 0), (2 * s, 2 * s))
        ]
        return crops + [c.flip(-1) for c in crops]
    raise ValueError(f"Unknown tta {tta!r}; expected None, 'flip' or 'crops'.")


def _fingerprint(net, module, dtype, device):
    versions = tuple(t._version for t in module.state_dict(keep_vars=True).values())
    return (
        id(module),
        getattr(net, "_weights_token", None),
        versions,
        dtype,
        str(device),
    )


def cached_inference_module(net, module, dtype, device):
    """The inference copy of ``module`` cached on ``net``, rebuilt when stale."""
    key = _fingerprint(net, module, dtype, device)
    cached = getattr(net, "_inference_cache", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    fast = inference_module(module, dtype, device)
    try:
        net._inference_cache = (key, fast)
    except AttributeError:  # pragma: no cover - a net that refuses attributes
        pass
    return fast


@torch.inference_mode()
def predict_proba_batches(
    net, module, images, *, scaling, dtype, device, batch_size, tta=None
):
    """Softmax probabilities of ``images`` (``(n, 1, 48, 48)`` tensor), float32.

    ``module`` must be the trained network already on ``device``; the forward passes
    use its cached inference copy (see :func:`inference_module`). A handful of
    images on the CPU is computed on a single thread.
    """
    fast = cached_inference_module(net, module, dtype, device)
    compute_dtype = dtype or torch.float32
    loader = BatchIterator(images, batch_size=batch_size, scaling=scaling)
    few = torch.device(device).type == "cpu" and len(images) <= SINGLE_THREAD_MAX_IMAGES
    out = []
    heap = contextlib.nullcontext() if few else reuse_large_allocations()
    with intra_op_threads(1 if few else None), heap:
        for xb, _ in loader:
            xb = xb.to(device=device, dtype=compute_dtype, non_blocking=True)
            views = tta_views(xb, tta)
            proba = sum(torch.softmax(fast(v).float(), dim=1) for v in views)
            out.append((proba / len(views)).cpu())
    return torch.cat(out)
