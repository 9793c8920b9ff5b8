"""Fast inference: a batch-norm-folded copy of the network in the compute dtype.

``FERClassifier.predict_proba`` runs the network on a copy made for inference:
evaluation mode, every ``Conv2d -> BatchNorm2d`` and ``Linear -> BatchNorm1d``
pair folded into one layer (in float32, before any rounding), weights cast once to
the compute dtype (bfloat16 on CPUs with native bfloat16 units) and laid out
channels-last. Autocast would instead re-cast every weight on every batch, which
for Model 1's 20 M parameters costs as much as the convolutions of a small batch.

The copy is cached on the skorch net (``FERNet.inference_copy``, where the cache's
contract is written down) and rebuilt when the weights may have changed.

A handful of images is computed on one thread (no OpenMP barriers for a single
image); larger inputs reuse freed heap blocks instead of page-faulting fresh ones
(see :func:`skfer.utils.reuse_large_allocations`). Neither changes any result
beyond float rounding.
"""

import contextlib
import copy

import torch

from ..models import fold_batchnorm
from ..utils import (
    SINGLE_THREAD_MAX_IMAGES,
    intra_op_threads,
    reuse_large_allocations,
)
from ._batching import BatchIterator

__all__ = ["inference_module", "predict_proba_batches", "tta_views"]


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


@torch.inference_mode()
def predict_proba_batches(
    fast, images, *, scaling, dtype, device, batch_size, tta=None
):
    """Softmax probabilities of ``images`` (``(n, 1, 48, 48)`` tensor), float32.

    ``fast`` is the inference copy of the trained network, on ``device`` (see
    :func:`inference_module` and ``FERNet.inference_copy``, which caches it). A
    handful of images on the CPU is computed on a single thread.
    """
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
