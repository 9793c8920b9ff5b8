"""Weights and checkpoint files are validated as a whole: absurd metadata, tensors
of the wrong kind and inconsistent checkpoints are refused with a clear error."""

import json

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from skfer import FERClassifier
from skfer.classifier import fit_with_checkpoints
from skfer.datasets import make_faces
from skfer.weights import read_checkpoint, read_training_state, read_weights


@pytest.fixture(scope="module")
def data():
    return make_faces(
        40, classes=("happy", "sad", "surprise"), random_state=0, return_X_y=True
    )


@pytest.fixture(scope="module")
def good(data, tmp_path_factory):
    X, y = data
    clf = FERClassifier("small", max_epochs=1, random_state=0).fit(X, y)
    return clf.save_weights(tmp_path_factory.mktemp("w") / "good.safetensors")


def _raw(path):
    with safe_open(str(path), framework="pt") as fh:
        return dict(fh.metadata()), {k: fh.get_tensor(k) for k in fh.keys()}


def _variant(good, path, state=None, **meta_changes):
    meta, tensors = _raw(good)
    meta.update(meta_changes)
    save_file(state or tensors, str(path), metadata=meta)
    return path


@pytest.mark.parametrize(
    "field, text",
    [
        ("pixel_std", "1e-300"),
        ("pixel_std", "1e300"),
        ("pixel_mean", "-1e300"),
        ("input_range", "[-1e308, 1e308]"),
        ("input_range", "[0.0, 1e-12]"),
        ("class_count", "[1e308, 1e308, 1e308]"),
        ("architecture", '"small+resnet"'),
        ("architecture", '"small+"'),
    ],
)
def test_absurd_metadata_is_refused(good, tmp_path, field, text):
    path = _variant(good, tmp_path / "bad.safetensors", **{field: text})
    with pytest.raises(ValueError, match=f"metadata field '{field}'"):
        read_weights(path)
    with pytest.raises(ValueError, match=field):
        FERClassifier.from_weights(path)


def test_a_votes_tensors_must_fit_every_member(good, tmp_path):
    # a one-network file relabelled as a vote: the members' tensors are missing
    path = _variant(good, tmp_path / "vote.safetensors", architecture='"small+small"')
    with pytest.raises(ValueError, match="missing \\['input_scale'"):
        read_weights(path)


@pytest.mark.parametrize("dtype", [torch.int8, torch.bool, torch.uint8])
def test_weights_must_be_floating_point_tensors(good, tmp_path, dtype):
    _, state = _raw(good)
    state["head.weight"] = state["head.weight"].to(dtype)
    path = _variant(good, tmp_path / "int.safetensors", state=state)
    with pytest.raises(ValueError, match="'head.weight' has dtype .*floating-point"):
        read_weights(path, tensors=False)


def test_half_precision_weights_still_load(good, tmp_path):
    _, state = _raw(good)
    state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
    path = _variant(good, tmp_path / "half.safetensors", state=state)
    assert read_weights(path)[0]["head.weight"].dtype == torch.float16


# ------------------------------------------------------------------ checkpoints
@pytest.fixture
def checkpoint(data, tmp_path):
    X, y = data
    clf = FERClassifier("small", max_epochs=2, batch_size=16, random_state=0)
    fit_with_checkpoints(clf, X, y, tmp_path)
    return tmp_path


def _edit_checkpoint(folder, edit):
    weights = folder / "model.safetensors"
    meta, tensors = _raw(weights)
    ckpt = json.loads(meta["checkpoint"])
    edit(ckpt)
    meta["checkpoint"] = json.dumps(ckpt)
    save_file(tensors, str(weights), metadata=meta)


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda c: c.update(epoch=5), "'epoch' is 5 but 'history' holds 2"),
        (lambda c: c["history"].pop(), "'epoch' is 2 but 'history' holds 1"),
        (lambda c: c["history"][1].update(epoch=7), "history row 1 has 'epoch' 7"),
        (
            lambda c: c["history"][0].update(train_loss="abc"),
            "history row 0 has 'train_loss' = 'abc'",
        ),
        (lambda c: c["history"][0].update(lr=[1]), "history row 0 has 'lr'"),
    ],
)
def test_a_checkpoint_whose_epoch_and_history_disagree_is_refused(
    checkpoint, edit, match
):
    _edit_checkpoint(checkpoint, edit)
    with pytest.raises(ValueError, match=match):
        read_checkpoint(checkpoint)


@pytest.mark.parametrize(
    "state, match",
    [
        ({"optimizer": {"state": 1, "param_groups": []}}, "optimizer state_dict"),
        ({"optimizer": {"state": {}, "param_groups": [{}]}}, "optimizer state_dict"),
        (
            {
                "optimizer": {"state": {}, "param_groups": [{"params": [0]}]},
                "schedule": {"origin": "x", "epochs": 2},
            },
            "'schedule'",
        ),
        (
            {
                "optimizer": {"state": {}, "param_groups": [{"params": [0]}]},
                "torch_rng": torch.zeros(3),
            },
            "'torch_rng'",
        ),
    ],
)
def test_a_corrupt_training_state_is_refused(tmp_path, state, match):
    torch.save(state, tmp_path / "optimizer.pt")
    with pytest.raises(ValueError, match=match):
        read_training_state(tmp_path / "optimizer.pt")


def test_an_optimizer_state_of_another_model_is_refused_on_resume(
    checkpoint, data, tmp_path
):
    X, y = data
    info = read_checkpoint(checkpoint)
    state = torch.load(info["optimizer"], weights_only=True)
    # the moments of another network: shapes that do not fit this one
    for moments in state["optimizer"]["state"].values():
        for key, value in moments.items():
            if value.dim() > 0:
                moments[key] = torch.zeros(value.numel() + 1)
    torch.save(state, info["optimizer"])
    clf = FERClassifier("small", max_epochs=3, batch_size=16, random_state=0)
    with pytest.raises(ValueError, match="training state does not fit"):
        fit_with_checkpoints(clf, X, y, checkpoint, resume=True)
