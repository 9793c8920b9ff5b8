"""The oneDNN seam: the one module of skfer that uses private torch internals.

On CPUs, prediction runs the inference copy through oneDNN's kernels directly
(:mod:`._onednn_copy` assembles the copy from the layers below): weights reordered
once into oneDNN's blocked layout, ReLUs fused into the layer before them. torch
has no public API for that, so these layers call torch internals:

- ``torch._C._nn.mkldnn_reorder_conv2d_weight`` and ``torch._C._nn.mkldnn_linear``,
  and the undocumented ``torch.mkldnn_convolution`` (as ``torch.utils.mkldnn``
  uses them);
- ``torch.ops.mkldnn._convolution_pointwise`` and ``_linear_pointwise``, the fused
  kernels that torch's own compiler emits;
- ``torch.ops.mkldnn._is_mkldnn_bf16_supported``: whether oneDNN runs bfloat16 on
  this CPU.

They are used here and nowhere else in skfer. :func:`onednn_supported` is the
capability probe that decides, once per network and dtype (when the inference
copy is made), whether prediction takes this path. It runs nothing: this torch
build must have oneDNN and every internal above, the dtype must be float32, or
bfloat16 where oneDNN runs it (never with ``SKFER_BFLOAT16=0``, which stands for a
CPU without native bfloat16 units), ``SKFER_ONEDNN`` must not be ``0``, and
``torch.fx`` must trace the network into layers of :data:`LAYERS` only.

When the probe says yes the path has to work: a copy that cannot be built, or that
disagrees with the portable graph, raises :class:`OneDNNError` rather than falling
back, so that a torch release changing these internals fails the tests
(``tests/classifier/test_onednn.py`` builds every architecture) instead of
silently making prediction slower or different. When it says no, prediction runs
the portable graph (:func:`~._inference.functional_graph`), which gives the same
probabilities to float rounding.
"""

import os

import torch
import torch.fx

from ..utils import bfloat16_override

__all__ = [
    "LAYERS",
    "ONEDNN_ENV",
    "OneDNNConv2d",
    "OneDNNError",
    "OneDNNLinear",
    "FusedConv2d",
    "FusedLinear",
    "onednn_available",
    "onednn_supported",
]

#: Environment variable: ``0`` keeps prediction off oneDNN (the portable graph).
ONEDNN_ENV = "SKFER_ONEDNN"


class OneDNNError(RuntimeError):
    """The probe chose oneDNN for a network, and oneDNN then failed on it."""


class OneDNNConv2d(torch.nn.Module):
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


class OneDNNLinear(torch.nn.Module):
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


class FusedConv2d(torch.nn.Module):
    """A :class:`OneDNNConv2d` on dense channels-last tensors, its activation
    (``"relu"`` or ``"none"``) fused in; shares the oneDNN layer's weight."""

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


class FusedLinear(torch.nn.Module):
    """A :class:`OneDNNLinear` on dense tensors, its activation fused in (shared
    weight)."""

    def __init__(self, linear, activation):
        super().__init__()
        self.register_buffer("weight", linear.weight)
        self.register_buffer("bias", linear.bias.to_dense())
        self.activation = activation

    def forward(self, x):
        return torch.ops.mkldnn._linear_pointwise(
            x, self.weight, self.bias, self.activation, [], ""
        )


def _onednn_env():
    value = os.environ.get(ONEDNN_ENV, "").strip()
    if value not in ("", "0", "1"):
        raise ValueError(
            f"{ONEDNN_ENV}={value!r} is not understood; expected 0 (predict without "
            "oneDNN's kernels), 1 or unset (use them where the probe allows)."
        )
    return value != "0"


def _has_internals():
    """Whether this torch build has oneDNN and every internal the layers call."""
    if not torch.backends.mkldnn.is_available():
        return False
    ops = torch.ops.mkldnn
    return (
        hasattr(torch._C._nn, "mkldnn_reorder_conv2d_weight")
        and hasattr(torch._C._nn, "mkldnn_linear")
        and hasattr(torch, "mkldnn_convolution")
        and hasattr(ops, "_convolution_pointwise")
        and hasattr(ops, "_linear_pointwise")
        and hasattr(ops, "_is_mkldnn_bf16_supported")
    )


def onednn_available(dtype):
    """Whether this process predicts in ``dtype`` on oneDNN, whatever the network.

    Parameters
    ----------
    dtype : torch.dtype

    Returns
    -------
    available : bool
    """
    if not _onednn_env() or not _has_internals():
        return False
    if dtype == torch.float32:
        return True
    if dtype == torch.bfloat16:
        return (
            bfloat16_override() is not False
            and torch.ops.mkldnn._is_mkldnn_bf16_supported()
        )
    return False


def _conv_ok(m):
    return m.padding_mode == "zeros" and isinstance(m.padding, tuple)


#: The layers a network may consist of to run on oneDNN, each with the condition
#: its settings must meet. Any other node of its ``torch.fx`` graph (a function or
#: method call, another layer) keeps the network on the portable graph.
LAYERS = {
    torch.nn.Conv2d: _conv_ok,
    torch.nn.Linear: lambda m: True,
    torch.nn.ReLU: lambda m: True,
    torch.nn.MaxPool2d: lambda m: not m.return_indices and m.dilation in (1, (1, 1)),
    torch.nn.AvgPool2d: lambda m: m.divisor_override is None,
    torch.nn.AdaptiveAvgPool2d: lambda m: True,
    torch.nn.Flatten: lambda m: (m.start_dim, m.end_dim) == (1, -1),
    torch.nn.Dropout: lambda m: True,
    torch.nn.Identity: lambda m: True,
}


def _layers_supported(module):
    try:
        traced = torch.fx.symbolic_trace(module)
    except Exception:  # the probe's answer: not traceable, so its ops are unknown
        return False
    for node in traced.graph.nodes:
        if node.op in ("placeholder", "output"):
            continue
        if node.op != "call_module":
            return False
        layer = traced.get_submodule(node.target)
        ok = LAYERS.get(type(layer))
        if ok is None or not ok(layer):
            return False
    return True


def onednn_supported(module, dtype):
    """The capability probe: whether ``module`` predicts on oneDNN in ``dtype``.

    Parameters
    ----------
    module : nn.Module
        The folded network (eval mode, float32, on the CPU).
    dtype : torch.dtype
        The compute dtype.

    Returns
    -------
    supported : bool
        True when :func:`onednn_available` says yes for ``dtype`` and ``torch.fx``
        traces ``module`` into :data:`LAYERS` only.
    """
    return onednn_available(dtype) and _layers_supported(module)
