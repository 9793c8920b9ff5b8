"""The speed machinery gives the same answers as the plain path (no timings here)."""

import copy
import pickle
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from torch import nn

from skfer import FERClassifier
from skfer.classifier._inference import inference_module
from skfer.models import build_model, fold_batchnorm
from skfer.utils import (
    autocast,
    fused_optimizer_kwargs,
    intra_op_threads,
    reuse_large_allocations,
    rows_to_images,
)

FUSED_CPU = tuple(int(v) for v in torch.__version__.split(".")[:2]) >= (2, 4)


def randomize_batchnorm(module, seed=0):
    """Give every batch norm non-trivial statistics and affine parameters."""
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


def plain_proba(clf, X, dtype):
    """predict_proba the way it was written before the fast path: autocast, eager."""
    images = rows_to_images(np.asarray(X), clf.input_range_)
    x = clf._scaling()(images).contiguous(memory_format=torch.channels_last)
    module = clf.net_.module_.eval()
    with torch.inference_mode(), autocast("cpu", dtype):
        return torch.softmax(module(x).float(), dim=1).numpy()


# ------------------------------------------------------------- fused optimizer
@pytest.mark.skipif(not FUSED_CPU, reason="fused CPU optimizers need torch >= 2.4")
@pytest.mark.parametrize("cls", [torch.optim.Adam, torch.optim.AdamW, torch.optim.SGD])
def test_torch_optimizers_get_the_fused_kernel_on_cpu(cls):
    assert fused_optimizer_kwargs(cls, "cpu") == {"fused": True}


def test_other_optimizers_and_devices_get_no_fused_flag():
    assert fused_optimizer_kwargs(torch.optim.RMSprop, "cpu") == {}
    assert fused_optimizer_kwargs(torch.optim.Adam, "meta") == {}


@pytest.mark.parametrize("optimizer", ["adam", "adamw", "sgd"])
def test_named_optimizers_train_fused_and_learn(small, faces3, optimizer):
    X, y = faces3
    lr = 3e-2 if optimizer == "sgd" else 3e-3
    clf = small(optimizer=optimizer, lr=lr, max_epochs=8).fit(X, y)
    assert clf.net_.optimizer_.param_groups[0].get("fused") is (
        True if FUSED_CPU else None
    )
    assert clf.score(X, y) > 0.5


@pytest.mark.parametrize(
    "cls, kwargs",
    [
        (torch.optim.Adam, {"weight_decay": 1e-3}),
        (torch.optim.AdamW, {"weight_decay": 1e-2}),
        (torch.optim.SGD, {"momentum": 0.9, "nesterov": True}),
    ],
)
def test_a_fused_step_matches_the_for_loop_step(cls, kwargs):
    torch.manual_seed(0)
    a = build_model("small", n_classes=3)
    b = copy.deepcopy(a)
    x, t = torch.randn(8, 1, 48, 48), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    for module, fused in ((a, {}), (b, fused_optimizer_kwargs(cls, "cpu"))):
        torch.manual_seed(1)  # the same dropout masks
        opt = cls(module.parameters(), lr=1e-2, **kwargs, **fused)
        for _ in range(3):
            opt.zero_grad()
            nn.functional.cross_entropy(module(x), t).backward()
            opt.step()
    for pa, pb in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(pa, pb, rtol=1e-4, atol=1e-5)


def test_a_user_optimizer_class_is_left_alone(small, faces3):
    X, y = faces3
    clf = small(optimizer=torch.optim.Adam, max_epochs=1).fit(X, y)
    assert clf.net_.optimizer_.param_groups[0].get("fused") is None


# --------------------------------------------------------------- folded copies
@pytest.mark.parametrize("arch", ["small", "model3"])
def test_folding_batchnorm_keeps_the_outputs(arch):
    torch.manual_seed(0)
    module = randomize_batchnorm(build_model(arch, n_classes=5)).eval()
    folded = fold_batchnorm(copy.deepcopy(module))
    remaining = [m for m in folded.modules() if isinstance(m, nn.BatchNorm2d)]
    assert remaining == [] and any(isinstance(m, nn.Identity) for m in folded.modules())
    x = torch.randn(6, 1, 48, 48)
    with torch.no_grad():
        torch.testing.assert_close(folded(x), module(x), rtol=1e-4, atol=1e-4)


def test_folding_needs_eval_mode():
    with pytest.raises(ValueError, match="eval mode"):
        fold_batchnorm(build_model("small").train())


@pytest.mark.parametrize("arch", ["model1", "model2", "model3", "model3+model2"])
def test_bfloat16_inference_copy_matches_float32(arch):
    # Whichever path the probe picks on this CPU (tests/classifier/test_onednn.py
    # checks each path's own layers).
    torch.manual_seed(0)
    module = randomize_batchnorm(build_model(arch, n_classes=7)).eval()
    x = torch.randn(32, 1, 48, 48)
    with torch.no_grad():
        ref = torch.softmax(module(x), 1)
    fast = inference_module(module, torch.bfloat16)
    tensors = [*fast.parameters(), *fast.buffers()]
    float_copies = {  # the oneDNN single-image twin's small dense layers, if any
        id(m.weight_t) for m in fast.modules() if hasattr(m, "weight_t")
    }
    weights = [t for t in tensors if t.dim() > 1 and id(t) not in float_copies]
    assert weights and all(t.dtype == torch.bfloat16 for t in weights)
    assert not any(t.requires_grad for t in tensors)
    assert module.training is False and next(module.parameters()).dtype == torch.float32
    with torch.inference_mode():
        got = torch.softmax(fast(x.to(torch.bfloat16)).float(), 1)
        one = torch.softmax(fast(x[:1].to(torch.bfloat16)).float(), 1)
    torch.testing.assert_close(got, ref, rtol=0, atol=0.03)
    torch.testing.assert_close(one, ref[:1], rtol=0, atol=0.03)


# ------------------------------------------------- predict_proba vs plain path
@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_predict_proba_matches_the_plain_autocast_path(small, faces, precision):
    X, y = faces
    clf = small(max_epochs=4, precision=precision).fit(X, y)
    randomize_batchnorm(clf.net_.module_)  # make the folding matter
    dtype = torch.bfloat16 if precision == "bfloat16" else None
    atol = 1e-5 if dtype is None else 0.03
    np.testing.assert_allclose(
        clf.predict_proba(X), plain_proba(clf, X, dtype), atol=atol
    )


@pytest.mark.parametrize("arch", ["model2", "model3"])
def test_paper_models_predict_the_same_in_bfloat16_and_float32(faces, arch):
    X, y = faces
    clf = FERClassifier(
        arch,
        max_epochs=1,
        batch_size=64,
        validation_fraction=None,
        precision="float32",
        random_state=0,
    ).fit(X, y)
    p32 = clf.predict_proba(X)
    p16 = clf.set_params(precision="bfloat16").predict_proba(X)
    np.testing.assert_allclose(p16, p32, atol=0.03)
    assert np.mean(p16.argmax(1) == p32.argmax(1)) >= 0.9


def test_the_inference_copy_is_cached_and_rebuilt_when_weights_change(small, faces):
    X, y = faces
    clf = small(precision="bfloat16").fit(X, y)
    first = clf.predict_proba(X[:5])
    cached = clf.net_._inference_cache[1]
    clf.predict(X[:1])
    assert clf.net_._inference_cache[1] is cached

    # Training steps (fused optimizers do not bump tensor versions).
    clf.partial_fit(X, y)
    after = clf.predict_proba(X[:5])
    assert clf.net_._inference_cache[1] is not cached
    assert not np.allclose(after, first)
    np.testing.assert_allclose(
        after, plain_proba(clf, X[:5], torch.bfloat16), atol=0.03
    )

    # In-place edits of the weights.
    with torch.no_grad():
        clf.net_.module_.head.bias.add_(torch.tensor([5.0] + [0.0] * 6))
    shifted = clf.predict_proba(X[:5])
    assert np.all(shifted[:, 0] > after[:, 0])

    # Another precision.
    clf.set_params(precision="float32")
    np.testing.assert_allclose(
        clf.predict_proba(X[:5]), plain_proba(clf, X[:5], None), atol=1e-5
    )


def test_the_inference_copy_is_not_pickled(small, faces):
    X, y = faces
    clf = small().fit(X, y)
    before = len(pickle.dumps(clf))
    proba = clf.predict_proba(X)
    assert hasattr(clf.net_, "_inference_cache")
    data = pickle.dumps(clf)
    assert len(data) <= before + 1024
    loaded = pickle.loads(data)
    assert not hasattr(loaded.net_, "_inference_cache")
    np.testing.assert_allclose(loaded.predict_proba(X), proba, atol=1e-6)


def test_weights_token_changes_with_training(small, faces3):
    X, y = faces3
    clf = small(max_epochs=1).fit(X, y)
    token = clf.net_._weights_token
    clf.partial_fit(X, y)
    assert clf.net_._weights_token != token


def test_a_few_images_are_predicted_on_one_thread_and_threads_are_restored(
    small, faces, monkeypatch
):
    X, y = faces
    clf = small(max_epochs=1, precision="float32").fit(X, y)
    seen = []
    clf.predict_proba(X[:1])
    fast = clf.net_._inference_cache[1]
    monkeypatch.setattr(
        type(fast),
        "__call__",
        lambda self, *a, **k: (
            seen.append(torch.get_num_threads()) or nn.Module.__call__(self, *a, **k)
        ),
    )
    before = torch.get_num_threads()
    single = clf.predict_proba(X[:1])
    many = clf.predict_proba(X[:40])
    assert torch.get_num_threads() == before
    assert seen[0] == 1 and seen[-1] == before
    np.testing.assert_allclose(single, many[:1], atol=1e-5)


def test_intra_op_threads_restores_on_error():
    before = torch.get_num_threads()
    with pytest.raises(RuntimeError):
        with intra_op_threads(1):
            assert torch.get_num_threads() == 1
            raise RuntimeError("boom")
    assert torch.get_num_threads() == before


def test_a_loaded_or_copied_net_draws_a_new_weights_token(small, faces3):
    X, y = faces3
    clf = small(max_epochs=1).fit(X, y)
    clf.predict(X[:2])
    for other in (pickle.loads(pickle.dumps(clf)), copy.deepcopy(clf)):
        assert other.net_._weights_token != clf.net_._weights_token
        assert not hasattr(other.net_, "_inference_cache")
        np.testing.assert_array_equal(other.predict(X), clf.predict(X))


def test_reusing_large_allocations_nests_and_gives_the_same_results():
    from skfer.utils import _torch as _torch_utils

    x = torch.randn(64, 1024)
    with reuse_large_allocations():
        with reuse_large_allocations():
            inner = (x @ x.T).sum()
        assert _torch_utils._heap_users in (0, 1)  # 0 where it is a no-op
    assert _torch_utils._heap_users == 0
    torch.testing.assert_close(inner, (x @ x.T).sum())
    with pytest.raises(RuntimeError):
        with reuse_large_allocations():
            raise RuntimeError("boom")
    assert _torch_utils._heap_users == 0


def test_the_inference_copy_is_rebuilt_after_load_state_dict(small, faces3):
    X, y = faces3
    clf = small(max_epochs=1, random_state=0).fit(X, y)
    other = small(max_epochs=2, random_state=1).fit(X, y)
    clf.predict_proba(X[:4])
    cached = clf.net_._inference_cache[1]
    clf.net_.module_.load_state_dict(other.net_.module_.state_dict())
    np.testing.assert_allclose(clf.predict_proba(X), other.predict_proba(X), atol=1e-6)
    assert clf.net_._inference_cache[1] is not cached


def test_predict_is_the_same_whatever_mode_the_module_was_left_in(small, faces3):
    X, y = faces3
    clf = small(max_epochs=1).fit(X, y)
    proba = clf.predict_proba(X)
    clf.net_.module_.train()
    np.testing.assert_array_equal(clf.predict_proba(X), proba)
    assert not clf.net_.module_.training


def test_four_threads_predicting_on_one_model_give_one_threads_answers(small, faces):
    X, y = faces
    clf = small(max_epochs=1, precision="float32").fit(X, y)
    inputs = [X[i : i + 1] for i in range(6)] + [X[:40], X]
    threads_before = torch.get_num_threads()
    torch.set_num_threads(2)  # the suite may run with one: make the switch matter
    try:
        reference = copy.deepcopy(clf)  # its own inference copy, built here alone
        expected = [reference.predict_proba(x) for x in inputs]
        start = threading.Barrier(4)

        def work(k):
            start.wait()  # every thread builds and uses the cold cache at once
            order = [*range(k, len(inputs)), *range(k)]  # each its own order
            return {i: clf.predict_proba(inputs[i]) for i in order for _ in range(3)}

        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(work, range(4)))
        assert torch.get_num_threads() == 2
        with ThreadPoolExecutor(1) as pool:  # a thread started afterwards
            assert pool.submit(torch.get_num_threads).result() == 2
    finally:
        torch.set_num_threads(threads_before)
    for got in results:
        for i, e in enumerate(expected):
            np.testing.assert_allclose(got[i], e, rtol=0, atol=1e-6)
            np.testing.assert_array_equal(got[i].argmax(1), e.argmax(1))


def test_predict_sets_no_allocator_option(small, faces, monkeypatch):
    from skfer.utils import _torch as torch_utils

    X, y = faces
    clf = small(max_epochs=1).fit(X, y)
    calls = []

    class Libc:
        def mallopt(self, *args):
            calls.append(args)

        def malloc_trim(self, *args):
            calls.append(args)

    monkeypatch.setattr(torch_utils, "_glibc", Libc)
    clf.predict_proba(np.concatenate([X] * 3))  # several batches of 256
    clf.predict(X[:1])
    assert calls == []
