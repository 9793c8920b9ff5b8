import pytest
import torch
from torch import nn

from skfer.models import (
    ARCHITECTURES,
    PaperModel3,
    SmallCNN,
    SoftVote,
    build_model,
    check_architecture,
    count_parameters,
    register_architecture,
    relu_before_pooling,
)


def test_paper_parameter_counts_are_exact():
    assert count_parameters(build_model("model1")) == 20_007_687
    assert count_parameters(build_model("model2")) == 1_485_831


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
@pytest.mark.parametrize("n_classes", [2, 7])
def test_every_architecture_maps_faces_to_logits(name, n_classes):
    model = build_model(name, n_classes=n_classes).eval()
    out = model(torch.rand(3, 1, 48, 48))
    assert out.shape == (3, n_classes)
    assert isinstance(model.head, nn.Linear)
    assert model.head.out_features == n_classes


def test_model3_has_the_papers_structure():
    model = PaperModel3()
    mods = list(model.modules())
    convs = [m for m in mods if isinstance(m, nn.Conv2d)]
    assert len(convs) == 6
    assert sum(isinstance(m, nn.BatchNorm2d) for m in mods) == 6
    assert sum(isinstance(m, nn.MaxPool2d) for m in mods) == 4
    assert sum(isinstance(m, nn.Linear) for m in mods) == 4
    # dropout after each of the 4 conv blocks and each of the 3 hidden dense layers
    assert sum(isinstance(m, nn.Dropout) for m in mods) == 7
    # every convolution is followed by batch norm and ReLU (max pooling, where
    # there is one, before the ReLU: the same function)
    feats = list(model.features)
    for i, layer in enumerate(feats):
        if isinstance(layer, nn.Conv2d):
            assert isinstance(feats[i + 1], nn.BatchNorm2d)
            pooled = isinstance(feats[i + 2], nn.MaxPool2d)
            assert isinstance(feats[i + 3 if pooled else i + 2], nn.ReLU)


def test_model3_rejects_wrong_widths():
    with pytest.raises(ValueError, match="6 convolution widths"):
        PaperModel3(widths=(8, 8))


def test_unknown_architecture_lists_the_known_ones():
    with pytest.raises(ValueError, match="Unknown architecture 'resnet'.*model1"):
        build_model("resnet")


def test_register_architecture_guards_names():
    with pytest.raises(ValueError, match="joins the members of a vote"):
        register_architecture("a+b", ARCHITECTURES["small"])
    with pytest.raises(ValueError, match="already registered"):
        register_architecture("model1", lambda n_classes: None)
    with pytest.raises(TypeError, match="callable"):
        register_architecture("not-callable", 3)
    register_architecture("tmp-test-arch", ARCHITECTURES["small"])
    try:
        assert type(build_model("tmp-test-arch")).__name__ == "SmallCNN"
    finally:
        del ARCHITECTURES["tmp-test-arch"]


@pytest.mark.parametrize("arch", ["small", "model1", "model2", "model3"])
def test_pooling_before_relu_gives_the_same_outputs_and_gradients(arch):
    torch.manual_seed(0)
    model = build_model(arch, n_classes=7)
    ref = relu_before_pooling(model)
    swapped = [
        type(a).__name__ + type(b).__name__
        for a, b in zip(ref.modules(), model.modules())
        if type(a) is not type(b)
    ]
    assert "ReLUMaxPool2d" in swapped  # the reference really differs in order
    x = torch.randn(6, 1, 48, 48)
    outputs = []
    for net in (model, ref):
        net.zero_grad()
        torch.manual_seed(1)  # the same dropout masks
        out = net.train()(x)
        out.square().sum().backward()
        outputs.append((out.detach(), [p.grad.clone() for p in net.parameters()]))
    assert torch.equal(outputs[0][0], outputs[1][0])
    for g, g_ref in zip(outputs[0][1], outputs[1][1]):
        assert torch.equal(g, g_ref)
    assert list(model.state_dict()) == list(ref.state_dict())


def test_names_joined_by_plus_build_their_soft_vote():
    vote = build_model("model3+small", n_classes=4).eval()
    assert isinstance(vote, SoftVote)
    assert [type(m).__name__ for m in vote.members] == ["PaperModel3", "SmallCNN"]
    x = torch.rand(3, 1, 48, 48)
    with torch.no_grad():
        mean = sum(m(x).softmax(1) for m in vote.members) / 2
        out = vote(x)
    assert out.shape == (3, 4)
    torch.testing.assert_close(out.exp().sum(1), torch.ones(3))  # log-probabilities
    torch.testing.assert_close(out.softmax(1), mean)
    assert check_architecture("small+small+small") == "small+small+small"
    for bad in ("model3+resnet", "model3+", "+", "", None, ["model3"]):
        with pytest.raises(ValueError, match="joined by '\\+'"):
            build_model(bad)


def test_soft_vote_weights_and_input_corrections_are_buffers():
    torch.manual_seed(0)
    a, b = SmallCNN(n_classes=3).eval(), SmallCNN(n_classes=3).eval()
    vote = SoftVote([a, b]).eval()
    assert {k for k, _ in vote.named_buffers(recurse=False)} == {
        "log_weights",
        "input_scale",
        "input_shift",
    }
    assert not any(p.requires_grad for p in vote.buffers())
    vote.log_weights.copy_(torch.log(torch.tensor([0.25, 0.75])))
    vote.input_scale[1], vote.input_shift[1] = 2.0, -0.5
    x = torch.rand(2, 1, 48, 48)
    with torch.no_grad():
        mean = 0.25 * a(x).softmax(1) + 0.75 * b(2 * x - 0.5).softmax(1)
        torch.testing.assert_close(vote(x).softmax(1), mean)
    with pytest.raises(ValueError, match="at least 2 members"):
        SoftVote([a])
