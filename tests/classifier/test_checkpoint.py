"""Epoch checkpoints: ``fit_with_checkpoints``, ``resume_from_checkpoint`` and the
resume policy of ``checkpoint_to_resume``."""

import numpy as np
import pytest
import torch

from skfer import FERClassifier
from skfer.classifier import (
    checkpoint_to_resume,
    fit_with_checkpoints,
    resume_from_checkpoint,
)
from skfer.datasets import make_faces
from skfer.weights import read_checkpoint


@pytest.fixture(scope="module")
def data():
    return make_faces(
        60, classes=("happy", "sad", "surprise"), random_state=0, return_X_y=True
    )


def _clf(epochs):
    return FERClassifier(
        architecture="small", max_epochs=epochs, batch_size=16, random_state=0
    )


def test_checkpoint_holds_weights_optimizer_and_history(tmp_path, data):
    X, y = data
    clf = fit_with_checkpoints(_clf(2), X, y, tmp_path)
    info = read_checkpoint(tmp_path)
    assert info["epoch"] == 2
    assert [row["epoch"] for row in info["history"]] == [1, 2]
    assert info["history"] == clf.history_
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "model.safetensors",
        "optimizer-0002.pt",
    ]
    # The weights file is a plain save_weights file: it predicts like the model.
    loaded = FERClassifier.from_weights(info["weights"])
    np.testing.assert_allclose(
        loaded.predict_proba(X[:5]), clf.predict_proba(X[:5]), atol=1e-5
    )
    # The training state loads without unpickling arbitrary objects.
    state = torch.load(info["optimizer"], weights_only=True)
    assert int(state["optimizer"]["state"][0]["step"]) == 2 * 4  # 2 epochs, 4 batches
    assert state["torch_rng"].dtype == torch.uint8
    # The fitted classifier keeps the user's parameters (no checkpoint callback).
    assert clf.callbacks is None


def test_resume_continues_history_epochs_and_optimizer_state(tmp_path, data):
    X, y = data
    fit_with_checkpoints(_clf(2), X, y, tmp_path)
    clf = fit_with_checkpoints(_clf(4), X, y, tmp_path, resume=True)
    assert [row["epoch"] for row in clf.history_] == [1, 2, 3, 4]
    first = read_checkpoint(tmp_path)["history"][:2]
    assert clf.history_[:2] == first  # the first two epochs are kept as they were
    assert clf.max_epochs == 4 and clf.warm_start is False and clf.callbacks is None
    assert clf.pretrained is None
    state = clf.net_.optimizer_.state_dict()["state"][0]
    assert int(state["step"]) == 4 * 4  # Adam's step count went on from 8
    assert read_checkpoint(tmp_path)["epoch"] == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "model.safetensors",
        "optimizer-0004.pt",
    ]


def test_resume_from_checkpoint_restores_a_fitted_classifier(tmp_path, data):
    X, y = data
    fitted = fit_with_checkpoints(_clf(1), X, y, tmp_path)
    clf = resume_from_checkpoint(tmp_path, batch_size=16)
    assert clf.history_ == fitted.history_ and len(clf.net_.history) == 1
    np.testing.assert_array_equal(clf.predict(X), fitted.predict(X))
    with pytest.raises(FileNotFoundError, match="No checkpoint"):
        resume_from_checkpoint(tmp_path / "empty")


def test_stale_temporary_files_are_removed_and_corrupt_checkpoints_refused(
    tmp_path, data
):
    X, y = data
    (tmp_path / ".tmp-abc.safetensors").write_bytes(b"half written")
    (tmp_path / "optimizer-0007.pt").write_bytes(b"old")
    fit_with_checkpoints(_clf(1), X, y, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "model.safetensors",
        "optimizer-0001.pt",
    ]
    (tmp_path / "optimizer-0001.pt").unlink()
    with pytest.raises(ValueError, match="incomplete"):
        read_checkpoint(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"\x00" * 10)
    with pytest.raises(ValueError, match="not a readable safetensors"):
        read_checkpoint(tmp_path)


def test_resume_policy_never_overwrites_and_never_shortens(tmp_path, data):
    X, y = data
    with pytest.raises(ValueError, match="no checkpoint"):
        fit_with_checkpoints(_clf(2), X, y, tmp_path, resume=True)
    fit_with_checkpoints(_clf(2), X, y, tmp_path)
    before = (tmp_path / "model.safetensors").read_bytes()
    with pytest.raises(ValueError, match="already holds a training checkpoint"):
        fit_with_checkpoints(_clf(2), X, y, tmp_path)
    with pytest.raises(ValueError, match="more than the 1 asked for"):
        fit_with_checkpoints(_clf(1), X, y, tmp_path, resume=True)
    assert (tmp_path / "model.safetensors").read_bytes() == before
    assert checkpoint_to_resume(tmp_path, resume=True, max_epochs=2)["epoch"] == 2
    (tmp_path / "model.safetensors").write_bytes(b"\x00" * 10)
    with pytest.raises(ValueError, match="cannot read the checkpoint"):
        checkpoint_to_resume(tmp_path, resume=True, max_epochs=2)
