"""The oneDNN inference copy: a folded network assembled from the seam's layers.

:func:`onednn_module` runs where the probe of :mod:`._onednn` says yes. Its
convolutions and linear layers become the seam's oneDNN layers, holding their
weights reordered once; activations stay in oneDNN's blocked layout from the first
layer to the last, so pooling and ReLU run on it too (max pooling alone takes a
quarter of Model 2's prediction time on dense channels-last tensors). Batches of up
to :data:`FUSED_MAX_BATCH` images run through a twin on dense tensors sharing the
weights, each ReLU fused into the layer before it (:func:`_fused_dense`): a single
image spends more in separate ReLU calls and layout conversions than it gains
from the blocked layout.
"""

import copy

import torch

from ._onednn import (
    ONEDNN_ENV,
    FusedConv2d,
    FusedLinear,
    OneDNNConv2d,
    OneDNNError,
    OneDNNLinear,
)

__all__ = ["FUSED_MAX_BATCH", "ONEDNN_TOLERANCE", "OneDNNModule", "onednn_module"]


def _to_onednn(module, dtype):
    """``module`` with its convolutions and linear layers replaced, in place."""
    for name, child in module.named_children():
        if type(child) is torch.nn.Conv2d:
            setattr(module, name, OneDNNConv2d(child, dtype))
        elif type(child) is torch.nn.Linear:
            setattr(module, name, OneDNNLinear(child, dtype))
        else:
            _to_onednn(child, dtype)
    return module


class _FloatLinear(torch.nn.Module):
    """A :class:`OneDNNLinear` computed in float32 by ``addmm``, its ReLU applied
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
    return FusedLinear(linear, activation)


_FUSABLE = {OneDNNConv2d: FusedConv2d, OneDNNLinear: _fused_linear}
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


#: Largest batch :class:`OneDNNModule` computes on dense tensors with fused
#: activations; larger ones run in oneDNN's blocked layout, where pooling costs
#: less (``benchmarks/single_image.py`` measures the single image).
FUSED_MAX_BATCH = 2


class OneDNNModule(torch.nn.Module):
    """A network on oneDNN tensors, taking and giving dense tensors.

    ``fused``: the same network on dense channels-last tensors with its
    activations fused into the layers (see :func:`_fused_dense`), used for
    batches of up to :data:`FUSED_MAX_BATCH` images.
    """

    def __init__(self, module, fused):
        super().__init__()
        self.module = module
        self.fused = fused

    def forward(self, x):
        if x.shape[0] <= FUSED_MAX_BATCH:
            return self.fused(x.contiguous(memory_format=torch.channels_last))
        return self.module(x.contiguous().to_mkldnn()).to_dense()


_HINT = (
    f" (the probe chose oneDNN for this torch {torch.__version__}; {ONEDNN_ENV}=0 "
    "in the environment predicts through the portable graph instead)"
)

#: Largest relative difference (L2 norm of the logits) accepted between the oneDNN
#: copy and the graph it replaces, per compute dtype.
ONEDNN_TOLERANCE = {torch.float32: 1e-4, torch.bfloat16: 2e-2}


def onednn_module(module, dtype, reference):
    """The folded float32 ``module`` converted to run on oneDNN, checked.

    Call it only where :func:`~._onednn.onednn_supported` says yes. The copy is
    checked against ``reference`` (the graph in the same dtype) on a random batch
    and a random image (oneDNN may pick different kernels for each; the image goes
    through the dense twin).

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
    copy : OneDNNModule
        Takes and returns dense tensors of ``dtype``.

    Raises
    ------
    OneDNNError
        When a layer cannot be converted or run, or the logits differ from the
        reference's by more than :data:`ONEDNN_TOLERANCE` (relative L2 norm).
    """
    name = f"{type(module).__name__} in {dtype}"
    try:
        blocked = _to_onednn(copy.deepcopy(module), dtype).eval()
        converted = OneDNNModule(blocked, _fused_dense(blocked).eval())
    except (RuntimeError, TypeError) as exc:
        raise OneDNNError(f"oneDNN could not convert {name}: {exc}{_HINT}") from exc
    gen = torch.Generator().manual_seed(0)
    for n in (16, 1):
        x = torch.rand(n, 1, 48, 48, generator=gen).to(dtype)
        x = x.contiguous(memory_format=torch.channels_last)
        try:
            with torch.inference_mode():
                got, ref = converted(x).float(), reference(x).float()
        except (RuntimeError, TypeError) as exc:
            raise OneDNNError(f"oneDNN failed on {name}: {exc}{_HINT}") from exc
        error = float("inf")
        if got.shape == ref.shape:
            error = float(
                torch.linalg.vector_norm(got - ref) / torch.linalg.vector_norm(ref)
            )
        if not error <= ONEDNN_TOLERANCE[dtype]:
            raise OneDNNError(
                f"oneDNN's logits of {name} on {n} random image(s) differ from the "
                f"graph's by {error:.3g} (relative L2 norm; expected at most "
                f"{ONEDNN_TOLERANCE[dtype]:g}); output shapes {tuple(got.shape)} "
                f"and {tuple(ref.shape)}.{_HINT}"
            )
    return converted
