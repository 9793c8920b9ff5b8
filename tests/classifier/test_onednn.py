"""The oneDNN seam: the probe's two answers, and no silent fallback after a yes.

Tests of the oneDNN path run where this torch build and this CPU have it, and skip
with the reason elsewhere; the probe's "no" is forced (``SKFER_ONEDNN=0``,
``SKFER_BFLOAT16=0``, a network or dtype it does not take), so both branches run
on any CPU.
"""

import copy

import numpy as np
import pytest
import torch
from torch import nn

from skfer import FERClassifier
from skfer.classifier._inference import functional_graph, inference_module
from skfer.classifier._onednn import (
    FusedConv2d,
    OneDNNConv2d,
    OneDNNError,
    onednn_available,
    onednn_supported,
)
from skfer.classifier._onednn_copy import (
    OneDNNModule,
    _fused_dense,
    _to_onednn,
    onednn_module,
)
from skfer.models import build_model, fold_batchnorm

BUILD = torch.backends.mkldnn.is_available()
needs_onednn = pytest.mark.skipif(
    not onednn_available(torch.float32),
    reason="this torch build has no oneDNN (or SKFER_ONEDNN=0)",
)
needs_onednn_bfloat16 = pytest.mark.skipif(
    not onednn_available(torch.bfloat16),
    reason="oneDNN runs no bfloat16 on this CPU (or SKFER_BFLOAT16=0 says so)",
)


def randomize_batchnorm(module, seed=0):
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                n = m.num_features
                m.running_mean.copy_(torch.randn(n, generator=gen) * 0.3)
                m.running_var.copy_(torch.rand(n, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(n, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(n, generator=gen) * 0.2)
    return module


def folded(arch, n_classes=7):
    torch.manual_seed(0)
    return fold_batchnorm(build_model(arch, n_classes=n_classes).eval())


class Odd(nn.Module):  # a sort along the channels: no oneDNN kernel
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        x = self.conv(x).sort(dim=1).values
        return self.head(x.mean((2, 3)))


# ------------------------------------------------------------------ the probe
@pytest.mark.skipif(not BUILD, reason="this torch build has no oneDNN")
def test_a_torch_build_with_onednn_has_every_internal_the_seam_calls(monkeypatch):
    # Fails, instead of predicting slower, when a torch release drops one.
    monkeypatch.delenv("SKFER_ONEDNN", raising=False)
    assert onednn_available(torch.float32)


@pytest.mark.parametrize("arch", ["small", "model1", "model2", "model3"])
def test_the_probe_takes_every_architecture_where_onednn_runs(arch):
    assert onednn_supported(folded(arch), torch.float32) is onednn_available(
        torch.float32
    )


@pytest.mark.parametrize(
    "module",
    [
        Odd(),
        nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, padding_mode="reflect")),
        nn.Sequential(nn.Conv2d(1, 2, 3, padding="same")),
        nn.Sequential(nn.Conv2d(1, 2, 3), nn.AvgPool2d(2, divisor_override=3)),
        nn.Sequential(nn.Conv2d(1, 2, 3), nn.GELU()),
        nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(0)),
    ],
    ids=["sort", "reflect", "same", "divisor", "gelu", "flatten0"],
)
def test_the_probe_says_no_to_a_network_onednn_may_not_run(module):
    assert not onednn_supported(module.eval(), torch.float32)


def test_the_probe_says_no_to_float16_and_to_onednn_forced_off(monkeypatch):
    assert not onednn_available(torch.float16)
    monkeypatch.setenv("SKFER_ONEDNN", "0")
    assert not onednn_available(torch.float32)
    assert not onednn_available(torch.bfloat16)
    fast = inference_module(build_model("small").eval(), None)
    assert not isinstance(fast, OneDNNModule)
    monkeypatch.setenv("SKFER_ONEDNN", "yes")
    with pytest.raises(ValueError, match="SKFER_ONEDNN='yes'.*expected 0"):
        onednn_available(torch.float32)


def test_bfloat16_forced_off_keeps_bfloat16_off_onednn(monkeypatch):
    # What a CPU without bfloat16 in oneDNN does: the portable graph in bfloat16.
    monkeypatch.delenv("SKFER_ONEDNN", raising=False)
    monkeypatch.setenv("SKFER_BFLOAT16", "0")
    assert not onednn_available(torch.bfloat16)
    module = randomize_batchnorm(build_model("model2")).eval()
    fast = inference_module(module, torch.bfloat16)
    assert not isinstance(fast, OneDNNModule)
    assert isinstance(fast, torch.fx.GraphModule)
    x = torch.randn(8, 1, 48, 48)
    with torch.inference_mode():
        ref = torch.softmax(module(x), 1)
        got = torch.softmax(fast(x.to(torch.bfloat16)).float(), 1)
    torch.testing.assert_close(got, ref, rtol=0, atol=0.03)
    assert onednn_available(torch.float32) is BUILD  # float32 keeps oneDNN


def test_a_network_the_probe_refuses_runs_on_the_graph():
    fast = inference_module(Odd().eval(), None)
    assert not isinstance(fast, OneDNNModule)
    x = torch.randn(20, 1, 48, 48)
    with torch.inference_mode():
        assert fast(x).shape == (20, 2)


# ------------------------------------------------ after a yes, failures raise
@needs_onednn
def test_onednn_failing_after_the_probe_said_yes_is_an_error(monkeypatch):
    def broken(self, x):
        raise RuntimeError("a kernel torch no longer has")

    monkeypatch.setattr(FusedConv2d, "forward", broken)
    with pytest.raises(OneDNNError, match="a kernel torch no longer has.*SKFER_ONE"):
        inference_module(build_model("small").eval(), None)


@needs_onednn
def test_a_onednn_copy_that_disagrees_with_its_reference_is_an_error():
    module, other = folded("small", 3), folded("small", 3)
    with torch.no_grad():
        other.head.bias.add_(1.0)
    assert isinstance(onednn_module(module, torch.float32, module), OneDNNModule)
    with pytest.raises(OneDNNError, match="differ from the graph's by"):
        onednn_module(module, torch.float32, reference=other)


@needs_onednn
def test_a_predict_where_onednn_fails_raises_instead_of_falling_back(
    monkeypatch, faces3
):
    X, y = faces3
    clf = FERClassifier("small", max_epochs=1, precision="float32", random_state=0)
    clf.fit(X, y)
    monkeypatch.setattr(
        OneDNNConv2d, "forward", lambda self, x: x.to_dense().sum()[None]
    )
    with pytest.raises(OneDNNError):
        clf.predict(X)
    monkeypatch.setenv("SKFER_ONEDNN", "0")  # the way out the error names
    with torch.no_grad():  # a new copy: the weights "changed"
        clf.net_.module_.head.bias.add_(0)
    assert clf.predict(X).shape == (len(X),)


# ------------------------------------------------------------- the copies
@needs_onednn
@pytest.mark.parametrize("arch", ["small", "model1", "model2", "model3"])
@pytest.mark.parametrize(
    "dtype",
    [
        None,
        pytest.param(torch.bfloat16, marks=needs_onednn_bfloat16),
    ],
    ids=["float32", "bfloat16"],
)
def test_the_copy_runs_on_onednn_and_agrees_with_the_graph(arch, dtype):
    torch.manual_seed(0)
    module = randomize_batchnorm(build_model(arch, n_classes=7)).eval()
    fast = inference_module(module, dtype)
    assert isinstance(fast, OneDNNModule)
    dtype = dtype or torch.float32
    graph = functional_graph(
        fold_batchnorm(copy.deepcopy(module)).to(dtype), dtype=dtype
    )
    x = torch.randn(20, 1, 48, 48).to(dtype)
    x = x.contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        batched, ref = fast(x).float(), graph(x).float()
        one_by_one = torch.cat([fast(x[i : i + 1]) for i in range(len(x))]).float()
    tol = 1e-4 if dtype == torch.float32 else 0.05
    torch.testing.assert_close(batched, ref, rtol=tol, atol=tol)
    torch.testing.assert_close(one_by_one, ref, rtol=tol, atol=tol)


@needs_onednn_bfloat16
@pytest.mark.parametrize("arch", ["model1", "model2", "model3"])
def test_the_bfloat16_single_image_twin_keeps_float32_copies_of_small_layers(arch):
    fast = inference_module(build_model(arch).eval(), torch.bfloat16)
    float_copies = [m.weight_t for m in fast.fused.modules() if hasattr(m, "weight_t")]
    assert float_copies and all(t.dtype == torch.float32 for t in float_copies)
    convs = [m.weight for m in fast.fused.modules() if isinstance(m, FusedConv2d)]
    assert convs and all(t.dtype == torch.bfloat16 for t in convs)


@needs_onednn
@pytest.mark.parametrize("arch", ["model2", "model3"])
def test_the_single_image_copy_fuses_every_relu_of_the_paper_models(arch):
    torch.manual_seed(0)
    fast = inference_module(build_model(arch).eval(), torch.float32)
    kinds = [type(m).__name__ for m in fast.fused.modules()]
    assert "ReLU" not in kinds and "Dropout" not in kinds
    assert "ReLU" in [type(m).__name__ for m in fast.module.modules()]
    # small dense layers run in float32 (one weight copy each), never a large one
    assert kinds.count("_FloatLinear") == (4 if arch == "model3" else 3)


@needs_onednn
def test_the_single_image_copy_keeps_a_large_dense_layer_in_onednn():
    torch.manual_seed(0)
    fast = inference_module(build_model("model1").eval(), torch.float32)
    kinds = [type(m).__name__ for m in fast.fused.modules()]
    assert kinds.count("FusedLinear") == 1 and kinds.count("_FloatLinear") == 2


@needs_onednn
@pytest.mark.parametrize(
    "pool, fused",
    [(nn.MaxPool2d(2), True), (nn.AvgPool2d(2), False), (nn.Identity(), True)],
)
def test_relu_is_fused_across_max_pooling_only(pool, fused):
    torch.manual_seed(0)
    layers = nn.Sequential(nn.Conv2d(1, 4, 3), pool, nn.ReLU(), nn.Flatten())
    onednn = _to_onednn(copy.deepcopy(layers), torch.float32)
    assert isinstance(onednn[0], OneDNNConv2d)
    dense = _fused_dense(onednn)
    assert dense[0].activation == ("relu" if fused else "none")
    assert (nn.ReLU in map(type, dense)) is not fused
    assert dense[0].weight is onednn[0].weight  # shared, not copied
    x = torch.randn(3, 1, 12, 12)  # negative values: the ReLU's place matters
    with torch.inference_mode():
        torch.testing.assert_close(dense(x), layers(x), rtol=1e-5, atol=1e-5)


def test_both_paths_predict_the_same_classes(monkeypatch, faces):
    X, y = faces
    clf = FERClassifier("model2", max_epochs=1, batch_size=64, precision="float32")
    clf.set_params(validation_fraction=None, random_state=0).fit(X, y)
    proba = clf.predict_proba(X)
    monkeypatch.setenv("SKFER_ONEDNN", "0")
    with torch.no_grad():  # rebuild the copy under the switch
        clf.net_.module_.head.bias.add_(0)
    np.testing.assert_allclose(clf.predict_proba(X), proba, atol=1e-5)
