"""Epoch checkpoints (``fit_with_checkpoints``) and ``skfer train --resume``.

The end-to-end test kills a real ``python -m skfer train`` process mid-run,
twice (SIGINT, then SIGKILL), checking meanwhile that the checkpoint always loads,
then resumes and checks that the history is complete and continuous.
"""

import json
import signal
import time

import numpy as np
import pytest
import torch

from skfer import FERClassifier
from skfer.classifier import fit_with_checkpoints, resume_from_checkpoint
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


def _start_training(skfer_cmd, data_dir, out, epochs):
    resume = ["--resume"] if (out / "checkpoint").exists() else []
    args = "train --dataset folder --model small --batch-size 8".split()
    args += ["--epochs", epochs, "--data-dir", data_dir, "--output", out, *resume]
    return skfer_cmd(*args, popen=True)


def _wait_for_epoch(proc, ckpt, epoch, timeout=240):
    """Poll the checkpoint until it holds ``epoch`` epochs; it must always load."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        info = read_checkpoint(ckpt)  # never half-written: loads, or is absent
        if info is not None:
            assert [r["epoch"] for r in info["history"]] == list(
                range(1, info["epoch"] + 1)
            )
            if info["epoch"] >= epoch:
                return info["epoch"]
        time.sleep(0.05)
    proc.kill()
    pytest.fail(f"no checkpoint of epoch {epoch} after {timeout} s")


@pytest.mark.slow
def test_train_killed_mid_run_resumes_to_a_complete_history(
    tmp_path, skfer_cmd, make_face_folder
):
    data_dir = make_face_folder(tmp_path / "faces", n=120, size=48)
    out, ckpt, epochs = tmp_path / "run", tmp_path / "run" / "checkpoint", 6

    # 1. Ctrl-C after the first epoch: exit 130, the checkpoint keeps the epochs.
    proc = _start_training(skfer_cmd, data_dir, out, epochs)
    _wait_for_epoch(proc, ckpt, 1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    done = read_checkpoint(ckpt)["epoch"]
    assert proc.returncode == 130, err
    assert f"interrupted after {done} complete epochs" in err and "--resume" in err
    assert 1 <= done < epochs
    assert not (out / "card.json").exists()

    # 2. --resume, then SIGKILL once one more epoch is saved (no cleanup at all).
    proc = _start_training(skfer_cmd, data_dir, out, epochs)
    killed_at = _wait_for_epoch(proc, ckpt, done + 1)
    proc.kill()
    proc.communicate(timeout=60)
    info = read_checkpoint(ckpt)
    assert killed_at <= info["epoch"] < epochs

    # 3. --resume to the end.
    proc = _start_training(skfer_cmd, data_dir, out, epochs)
    stdout, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert f"resuming {str(out)!r} after epoch {info['epoch']}" in err
    card = json.loads((out / "card.json").read_text())
    history = json.loads((out / "history.json").read_text())
    assert card["epochs"] == epochs and card["resumed_after_epoch"] == info["epoch"]
    assert [row["epoch"] for row in history] == list(range(1, epochs + 1))
    assert all("train_loss" in row and "valid_acc" in row for row in history)
    # Epochs saved before the kill were kept, not redone.
    assert history[: info["epoch"]] == info["history"]
    final = read_checkpoint(ckpt)
    assert final["epoch"] == epochs and final["history"] == history
    leftovers = [p.name for p in ckpt.iterdir() if p.name.startswith(".tmp-")]
    assert leftovers == [] and sorted(p.name for p in ckpt.iterdir()) == [
        "model.safetensors",
        f"optimizer-{epochs:04d}.pt",
    ]


def _train(out, data_dir, epochs, *extra):
    """``skfer train`` in this process (same thread count as the other runs)."""
    from skfer.cli import main

    args = "train --dataset folder --model small --batch-size 8 --augment standard"
    args = args.split() + ["--epochs", str(epochs), "--data-dir", str(data_dir)]
    return main([*args, "--output", str(out), "-q", *extra])


def _stop_after(monkeypatch, epoch):
    """Make the training stop like Ctrl-C once ``epoch`` is checkpointed."""
    from skfer.classifier import EpochCheckpoint

    save = EpochCheckpoint.on_epoch_end

    def save_then_stop(self, net, **kwargs):
        save(self, net, **kwargs)
        if len(net.history) == epoch:
            raise KeyboardInterrupt

    monkeypatch.setattr(EpochCheckpoint, "on_epoch_end", save_then_stop)


def _tensors(path):
    from safetensors.torch import load_file

    return load_file(str(path))


def _without_durations(history):
    return [{k: v for k, v in row.items() if k != "dur"} for row in history]


@pytest.mark.parametrize("stop_at", [1, 2])
def test_train_resumed_is_bit_identical_to_uninterrupted(
    tmp_path, make_face_folder, monkeypatch, stop_at
):
    data_dir = make_face_folder(tmp_path / "faces", n=48, size=48)
    full, resumed, epochs = tmp_path / "full", tmp_path / "resumed", 3
    assert _train(full, data_dir, epochs) == 0

    with monkeypatch.context() as patch:
        _stop_after(patch, stop_at)
        assert _train(resumed, data_dir, epochs) == 130
    assert read_checkpoint(resumed / "checkpoint")["epoch"] == stop_at
    assert _train(resumed, data_dir, epochs, "--resume") == 0

    a, b = _tensors(full / "model.safetensors"), _tensors(resumed / "model.safetensors")
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name
    history = [json.loads((r / "history.json").read_text()) for r in (full, resumed)]
    assert _without_durations(history[0]) == _without_durations(history[1])
