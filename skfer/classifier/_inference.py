"""Fast inference: a batch-norm-folded copy of the network in the compute dtype.

``FERClassifier.predict_proba`` runs the network on a copy made for inference:
evaluation mode, every ``Conv2d -> BatchNorm2d`` and ``Linear -> BatchNorm1d``
pair folded into one layer (in float32, before any rounding), weights cast once to
the compute dtype (bfloat16 on CPUs with native bfloat16 units), laid out
channels-last, and, where ``torch.fx`` can trace it, its common layers turned into
direct function calls (:func:`functional_graph`; no per-module overhead).
On CPUs the copy then runs in oneDNN's own blocked layout (:func:`onednn_module`),
where pooling and the convolutions' weight layouts cost less; one or two images
run instead on dense tensors (each convolution and its ReLU in one oneDNN call,
sharing the same weights; small dense layers in float32, see :class:`_FloatLinear`).
Results agree with the graph to float rounding, and the graph stays the fallback.
Autocast would instead re-cast every weight on every batch, which
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

__all__ = [
    "functional_graph",
    "inference_module",
    "onednn_module",
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
        On a CPU with oneDNN, the :func:`onednn_module` of the folded copy;
        otherwise (or where oneDNN cannot run it) its :func:`functional_graph`.
    """
    folded = fold_batchnorm(copy.deepcopy(module).eval())
    for param in folded.parameters():
        param.requires_grad_(False)
    dtype = dtype or torch.float32
    fast = copy.deepcopy(folded).to(device=device, dtype=dtype)
    fast = fast.to(memory_format=torch.channels_last)
    fast = functional_graph(fast, dtype=dtype, device=device)
    if torch.device(device).type != "cpu":
        return fast
    onednn = onednn_module(folded, dtype, reference=fast)
    return fast if onednn is None else onednn


class _OneDNNConv2d(torch.nn.Module):
    """A ``Conv2d`` with its weight reordered once for oneDNN (oneDNN tensors)."""

    def __init__(self, conv, dtype):
        super().__init__()
        # the arguments oneDNN's convolutions take after input, weight and bias
        self.geometry = (conv.padding, conv.stride, conv.dilation, conv.groups)
        weight = conv.weight.detach().to_mkldnn(dtype)
        weight = torch._C._nn.mkldnn_reorder_conv2d_weight(weight, *self.geometry)
        self.register_buffer("weight", weight)
        bias = conv.bias
        if bias is None:
            bias = torch.zeros(conv.out_channels)
        # a float32 bias, as oneDNN advises for its bfloat16 kernels
        self.register_buffer("bias", bias.detach().float().to_mkldnn())

    def forward(self, x):
        return torch.mkldnn_convolution(x, self.weight, self.bias, *self.geometry)


class _OneDNNLinear(torch.nn.Module):
    """A ``Linear`` layer with its weight in oneDNN's layout (oneDNN tensors)."""

    def __init__(self, linear, dtype):
        super().__init__()
        self.register_buffer("weight", linear.weight.detach().to_mkldnn(dtype))
        bias = linear.bias
        if bias is None:
            bias = torch.zeros(linear.out_features)
        self.register_buffer("bias", bias.detach().float().to_mkldnn())

    def forward(self, x):
        return torch._C._nn.mkldnn_linear(x, self.weight, self.bias)


def _to_onednn(module, dtype):
    """``module`` with its convolutions and linear layers replaced, in place."""
    for name, child in module.named_children():
        if type(child) is torch.nn.Conv2d and child.padding_mode == "zeros":
            setattr(module, name, _OneDNNConv2d(child, dtype))
        elif type(child) is torch.nn.Linear:
            setattr(module, name, _OneDNNLinear(child, dtype))
        else:
            _to_onednn(child, dtype)
    return module


class _FusedConv2d(torch.nn.Module):
    """A :class:`_OneDNNConv2d` on dense channels-last tensors, its ReLU fused in.

    Shares the oneDNN layer's reordered weight.
    """

    def __init__(self, conv, activation):
        super().__init__()
        self.geometry = conv.geometry
        self.register_buffer("weight", conv.weight)
        self.register_buffer("bias", conv.bias.to_dense())
        self.activation = activation

    def forward(self, x):
        return torch.ops.mkldnn._convolution_pointwise(
            x, self.weight, self.bias, *self.geometry, self.activation, [], ""
        )


class _FusedLinear(torch.nn.Module):
    """A :class:`_OneDNNLinear` on dense tensors, its ReLU fused in (shared weight)."""

    def __init__(self, linear, activation):
        super().__init__()
        self.register_buffer("weight", linear.weight)
        self.register_buffer("bias", linear.bias.to_dense())
        self.activation = activation

    def forward(self, x):
        return torch.ops.mkldnn._linear_pointwise(
            x, self.weight, self.bias, self.activation, [], ""
        )


class _FloatLinear(torch.nn.Module):
    """A :class:`_OneDNNLinear` computed in float32 by ``addmm``, its ReLU applied
    in place: for one or two rows, MKL's matrix-vector product of the weights
    transposed once beats oneDNN's bfloat16 kernel (measured in
    ``docs/user_guide/speed.rst``). The weights are the layer's own, already
    rounded, and the output is rounded to the layer's dtype as oneDNN rounds it,
    so one image gets the probabilities it gets in a batch up to the order of the
    additions. The float32 copy of the weights limits it to layers of up to
    :data:`FLOAT_LINEAR_MAX_WEIGHTS` weights.
    """

    def __init__(self, linear, activation):
        super().__init__()
        self.dtype = linear.weight.dtype
        self.register_buffer(
            "weight_t", linear.weight.to_dense().float().t().contiguous()
        )
        self.register_buffer("bias", linear.bias.to_dense().float())
        self.activation = activation

    def forward(self, x):
        y = torch.addmm(self.bias, x.float(), self.weight_t)
        if self.activation == "relu":
            y = y.relu_()
        return y.to(self.dtype)


#: Largest linear layer (in weights) the single-image twin copies to float32: Model
#: 2's and 3's dense layers, not Model 1's first one (19 M weights).
FLOAT_LINEAR_MAX_WEIGHTS = 1 << 21


def _fused_linear(linear, activation):
    if linear.weight.numel() <= FLOAT_LINEAR_MAX_WEIGHTS:
        return _FloatLinear(linear, activation)
    return _FusedLinear(linear, activation)


_FUSABLE = {_OneDNNConv2d: _FusedConv2d, _OneDNNLinear: _fused_linear}
_NO_OPS = (torch.nn.Identity, torch.nn.Dropout)


def _fused_sequential(layers):
    """The layers of a ``Sequential`` with each ReLU fused into the oneDNN layer
    before it and eval-mode no-ops left out.

    A max pooling may stand between the two: ReLU and max commute, so the
    activation moves before the pooling with the same result.
    """
    kept = [layer for layer in layers if not isinstance(layer, _NO_OPS)]
    out = []
    i = 0
    while i < len(kept):
        layer = kept[i]
        fused = _FUSABLE.get(type(layer))
        if fused is None:
            out.append(_fused_dense(layer))
            i += 1
            continue
        after = kept[i + 1 : i + 3]
        pool = 1 if after and isinstance(after[0], torch.nn.MaxPool2d) else 0
        relu = len(after) > pool and type(after[pool]) is torch.nn.ReLU
        out.append(fused(layer, "relu" if relu else "none"))
        out += after[:pool]
        i += 1 + pool + relu
    return torch.nn.Sequential(*out)


def _fused_dense(module):
    """A copy of the oneDNN ``module`` for dense channels-last tensors, sharing
    its weights, with ReLUs fused into the convolutions and linear layers."""
    fused = _FUSABLE.get(type(module))
    if fused is not None:
        return fused(module, "none")
    if type(module) is torch.nn.Sequential:
        return _fused_sequential(module)
    memo = {id(t): t for t in module.buffers()}
    module = copy.deepcopy(module, memo)
    for name, child in module.named_children():
        setattr(module, name, _fused_dense(child))
    return module


#: Largest batch :class:`_OneDNN` computes on dense tensors with fused
#: activations; larger ones run in oneDNN's blocked layout, where pooling costs
#: less (``benchmarks/single_image.py`` measures the single image).
FUSED_MAX_BATCH = 2


class _OneDNN(torch.nn.Module):
    """A network on oneDNN tensors, taking and giving dense tensors.

    ``fused`` (optional): the same network on dense channels-last tensors with its
    activations fused into the layers (see :func:`_fused_dense`), used for
    batches of up to :data:`FUSED_MAX_BATCH` images: a single image spends more
    in the separate ReLU calls and layout conversions than it gains from the
    blocked layout.
    """

    def __init__(self, module, fused=None):
        super().__init__()
        self.module = module
        self.fused = fused

    def forward(self, x):
        if self.fused is not None and x.shape[0] <= FUSED_MAX_BATCH:
            return self.fused(x.contiguous(memory_format=torch.channels_last))
        return self.module(x.contiguous().to_mkldnn()).to_dense()


#: Largest relative difference (L2 norm of the logits) accepted between the oneDNN
#: copy and the graph it replaces, per compute dtype.
ONEDNN_TOLERANCE = {torch.float32: 1e-4, torch.bfloat16: 2e-2}


def onednn_module(module, dtype, reference):
    """The folded float32 ``module`` converted to oneDNN's blocked layout, or None.

    Convolutions and linear layers become direct calls of oneDNN's kernels
    (``torch.mkldnn_convolution``, ``mkldnn_linear``, as ``torch.utils.mkldnn``
    does, without its deprecated TorchScript) holding their weights reordered once,
    in ``dtype``; activations stay in oneDNN's layout from the first layer to the
    last, so pooling and ReLU run on it too (max pooling alone takes a quarter of
    Model 2's prediction time on dense channels-last tensors; a single image gains
    too, layout conversions included). Batches of up to :data:`FUSED_MAX_BATCH`
    images run through a twin on dense tensors, sharing the weights, each ReLU
    fused into the layer before it (:func:`_fused_dense`). The copy is checked
    against ``reference`` (the graph in the same dtype) on a random batch and a
    random image: a relative difference of the logits above
    :data:`ONEDNN_TOLERANCE`, a layer oneDNN cannot run, or a build without oneDNN
    gives ``None`` (a fused copy that fails the check is dropped alone).

    Parameters
    ----------
    module : nn.Module
        Folded, eval mode, float32, on the CPU (left untouched).
    dtype : torch.dtype
        float32 or bfloat16.
    reference : nn.Module
        The copy it must agree with, taking ``dtype`` channels-last input.

    Returns
    -------
    copy : nn.Module or None
        Takes and returns dense tensors of ``dtype``.
    """
    if dtype not in ONEDNN_TOLERANCE or not torch.backends.mkldnn.is_available():
        return None
    # a batch and a single image: oneDNN may pick different kernels for each
    gen = torch.Generator().manual_seed(0)
    batches = [torch.rand(n, 1, 48, 48, generator=gen) for n in (16, 1)]
    batches = [
        x.to(dtype).contiguous(memory_format=torch.channels_last) for x in batches
    ]
    try:
        converted = _OneDNN(_to_onednn(copy.deepcopy(module), dtype)).eval()
        if not _agrees(converted, reference, batches, dtype):
            return None
    except Exception:  # a layer oneDNN cannot take, or an unsupported dtype
        return None
    try:
        converted.fused = _fused_dense(converted.module).eval()
        if not _agrees(converted, reference, batches, dtype):
            converted.fused = None
    except Exception:  # a build without the fused kernels: the blocked layout only
        converted.fused = None
    return converted


def _agrees(converted, reference, batches, dtype):
    """Whether ``converted`` gives ``reference``'s logits on every batch."""
    for x in batches:
        with torch.inference_mode():
            got, ref = converted(x).float(), reference(x).float()
        if got.shape != ref.shape or not _agree(got, ref, dtype):
            return False
    return True


def _agree(got, ref, dtype):
    """Whether logits ``got`` are within :data:`ONEDNN_TOLERANCE` of ``ref``."""
    error = torch.linalg.vector_norm(got - ref) / torch.linalg.vector_norm(ref)
    return bool(error <= ONEDNN_TOLERANCE[dtype])


def _as_function(graph, node, module):
    """A ``call_function`` node doing what ``module`` does in eval mode, or None.

    ``None`` for a module kept as a module call; the input node itself for one
    that does nothing in eval mode (dropout, identity).
    """
    from torch import nn
    from torch.nn import functional as F

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
    functions, with the same weights: the results are bit-identical, which is
    checked on a random batch before the graph is used. Networks that cannot be
    traced symbolically (data-dependent control flow) or whose check fails are
    returned unchanged.

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
    """
    import torch.fx

    try:
        graph_module = torch.fx.symbolic_trace(module)
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
        x = x.to(device=device, dtype=dtype).contiguous(
            memory_format=torch.channels_last
        )
        with torch.inference_mode():
            same = torch.equal(graph_module(x), module(x))
    except Exception:  # any tracing problem: keep the module as it is
        return module
    return graph_module if same else module


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
            proba = torch.softmax(fast(views[0]), dim=1, dtype=torch.float32)
            for view in views[1:]:
                proba += torch.softmax(fast(view), dim=1, dtype=torch.float32)
            if len(views) > 1:
                proba /= len(views)
            out.append(proba.cpu())
    return out[0] if len(out) == 1 else torch.cat(out)
