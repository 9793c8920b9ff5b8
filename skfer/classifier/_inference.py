"""Fast inference: a batch-norm-folded copy of the network in the compute dtype.

``FERClassifier.predict_proba`` runs the network on a copy made for inference:
evaluation mode, every ``Conv2d -> BatchNorm2d`` and ``Linear -> BatchNorm1d``
pair folded into one layer (in float32, before any rounding), weights cast once to
the compute dtype (bfloat16 on CPUs with native bfloat16 units), laid out
channels-last, and, where ``torch.fx`` can trace it, its common layers turned into
direct function calls (:func:`functional_graph`; no per-module overhead): the
portable graph. On CPUs where the probe of :mod:`._onednn` says yes, the copy runs
on oneDNN's kernels instead (:func:`~._onednn_copy.onednn_module`), checked against
that graph; where it says no, the graph is what runs. Autocast would instead
re-cast every weight on every batch, which for Model 1's 20 M parameters costs as
much as the convolutions of a small batch.

The copy is cached on the skorch net (``FERNet.inference_copy``, where the cache's
contract is written down) and rebuilt when the weights may have changed.

A handful of images is computed on one thread (no OpenMP barriers for a single
image; :func:`skfer.utils.intra_op_threads` restores the thread count after, and
counts the blocks of concurrent threads). Prediction changes no other
process-wide setting.
"""

import copy

import torch
import torch.fx
from torch import nn
from torch.nn import functional as F

from ..models import SoftVote, fold_batchnorm
from ..utils import SINGLE_THREAD_MAX_IMAGES, intra_op_threads
from ._batching import BatchIterator
from ._onednn import onednn_supported
from ._onednn_copy import onednn_module

__all__ = [
    "functional_graph",
    "inference_module",
    "predict_proba_batches",
    "tta_views",
]


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
        On a CPU where :func:`~._onednn.onednn_supported` says yes, the
        :func:`~._onednn_copy.onednn_module` of the folded copy; otherwise its
        :func:`functional_graph`.

    Raises
    ------
    OneDNNError
        When the probe chose oneDNN and oneDNN then failed (never a silent
        fallback).

    Notes
    -----
    A :class:`~skfer.models.SoftVote` gets one such copy per member, voting in
    float32: each member runs on oneDNN where it alone would.
    """
    if isinstance(module, SoftVote):
        return _vote_copy(module, dtype, device)
    folded = fold_batchnorm(copy.deepcopy(module).eval())
    for param in folded.parameters():
        param.requires_grad_(False)
    dtype = dtype or torch.float32
    fast = copy.deepcopy(folded).to(device=device, dtype=dtype)
    fast = fast.to(memory_format=torch.channels_last)
    fast = functional_graph(fast, dtype=dtype, device=device)
    if torch.device(device).type != "cpu" or not onednn_supported(folded, dtype):
        return fast
    return onednn_module(folded, dtype, reference=fast)


def _vote_copy(vote, dtype, device):
    """A :class:`SoftVote` of the members' inference copies, its buffers copied."""
    fast = SoftVote([inference_module(m, dtype, device) for m in vote.members])
    with torch.no_grad():
        for name, buffer in fast.named_buffers(recurse=False):
            buffer.copy_(getattr(vote, name))
    return fast.to(device).eval()


def _as_function(graph, node, module):
    """A ``call_function`` node doing what ``module`` does in eval mode, or None.

    ``None`` for a module kept as a module call; the input node itself for one
    that does nothing in eval mode (dropout, identity).
    """
    x = node.args[0] if len(node.args) == 1 and not node.kwargs else None
    if x is None:
        return None

    def attr(name):
        return graph.get_attr(f"{node.target}.{name}")

    t = type(module)
    if t in (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Identity):
        return x
    if t is nn.Conv2d and module.padding_mode == "zeros":
        bias = attr("bias") if module.bias is not None else None
        args = (x, attr("weight"), bias, module.stride, module.padding)
        args += (module.dilation, module.groups)
        return graph.call_function(F.conv2d, args)
    if t is nn.Linear:
        bias = attr("bias") if module.bias is not None else None
        return graph.call_function(F.linear, (x, attr("weight"), bias))
    if t is nn.ReLU:
        return graph.call_function(torch.relu_ if module.inplace else torch.relu, (x,))
    if t is nn.MaxPool2d and not module.return_indices:
        args = (x, module.kernel_size, module.stride, module.padding)
        args += (module.dilation, module.ceil_mode)
        return graph.call_function(F.max_pool2d, args)
    if t is nn.AvgPool2d:
        args = (x, module.kernel_size, module.stride, module.padding)
        args += (module.ceil_mode, module.count_include_pad, module.divisor_override)
        return graph.call_function(F.avg_pool2d, args)
    if t is nn.Flatten:
        return graph.call_function(torch.flatten, (x, module.start_dim, module.end_dim))
    return None


def functional_graph(module, dtype=torch.float32, device="cpu"):
    """``module`` (in eval mode, frozen) as one generated function, when possible.

    For a single image, the ``nn.Module.__call__`` bookkeeping of a network's
    layers weighs as much as some of its convolutions (``benchmarks/speed.py``
    measures single-image latency). ``torch.fx`` traces the
    network and the common layers (convolutions, linear layers, ReLU, pooling,
    flatten, eval-mode dropout) become direct calls of the same ``torch``
    functions, with the same weights: the results are bit-identical on the CPU
    (equal to float rounding elsewhere), which is checked on a random batch. A
    network that ``torch.fx`` cannot trace symbolically (data-dependent control
    flow) is returned unchanged; one it traces must pass the check.

    Parameters
    ----------
    module : nn.Module
        The inference copy (see :func:`inference_module`).
    dtype, device
        Of the copy's weights, for the check's input.

    Returns
    -------
    module : nn.Module
        A ``torch.fx.GraphModule`` sharing ``module``'s weights, or ``module``.

    Raises
    ------
    RuntimeError
        When the rewritten graph does not give ``module``'s outputs.
    """
    try:
        graph_module = torch.fx.symbolic_trace(module)
    except Exception:  # the answer "not traceable", whatever the forward raised
        return module
    graph = graph_module.graph
    modules = dict(graph_module.named_modules())
    for node in list(graph.nodes):
        if node.op != "call_module":
            continue
        with graph.inserting_before(node):
            replacement = _as_function(graph, node, modules[node.target])
        if replacement is not None:
            node.replace_all_uses_with(replacement)
            graph.erase_node(node)
    graph.eliminate_dead_code()
    graph_module.recompile()
    graph_module.eval()
    x = torch.rand(2, 1, 48, 48, generator=torch.Generator().manual_seed(0))
    x = x.to(device=device, dtype=dtype).contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        got, expected = graph_module(x), module(x)
    if torch.device(device).type == "cpu":
        same = torch.equal(got, expected)
    else:
        same = torch.allclose(got.float(), expected.float(), rtol=1e-4, atol=1e-5)
    if not same:
        raise RuntimeError(
            f"The torch.fx graph of {type(module).__name__} in {dtype} on {device} "
            "does not give the network's outputs; expected the same functions with "
            "the same weights to agree."
        )
    return graph_module


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
    with intra_op_threads(1 if few else None):
        for xb, _ in loader:
            xb = xb.to(device=device, dtype=compute_dtype, non_blocking=True)
            views = tta_views(xb, tta)
            proba = torch.softmax(fast(views[0]), dim=1, dtype=torch.float32)
            for view in views[1:]:
                proba += torch.softmax(fast(view), dim=1, dtype=torch.float32)
            if len(views) > 1:
                proba /= len(views)
            out.append(proba.cpu())
    return out[0] if len(out) == 1 else torch.cat(out)
