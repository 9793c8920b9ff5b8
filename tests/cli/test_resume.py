"""``skfer train --resume``: stopped trainings resume to the same result.

The end-to-end test kills a real ``python -m skfer train`` process mid-run,
twice (SIGINT, then SIGKILL), checking meanwhile that the checkpoint always loads,
then resumes and checks that the history is complete and continuous.
"""

import json
import signal
import time
from pathlib import Path

import pytest
import torch

from skfer.weights import read_checkpoint


def _start_training(skfer_cmd, data_dir, out, epochs, log):
    resume = ["--resume"] if (out / "checkpoint").exists() else []
    args = "train --dataset folder --model small --batch-size 8".split()
    args += ["--epochs", epochs, "--data-dir", data_dir, "--output", out, *resume]
    return skfer_cmd(*args, popen=True, log=log)


def _stderr(log):
    return Path(f"{log}.err").read_text()


def _wait_for_epoch(proc, ckpt, epoch, log):
    """Poll the checkpoint until it holds ``epoch`` epochs; it must always load.

    No deadline: on a loaded machine an epoch lasts as long as it lasts. The
    training ending before that epoch is the failure.
    """
    while True:
        if proc.poll() is not None:
            pytest.fail(
                f"the training ended (exit {proc.returncode}) before epoch {epoch} "
                f"was checkpointed:\n{_stderr(log)[-3000:]}"
            )
        info = read_checkpoint(ckpt)  # never half-written: loads, or is absent
        if info is not None:
            assert [r["epoch"] for r in info["history"]] == list(
                range(1, info["epoch"] + 1)
            )
            if info["epoch"] >= epoch:
                return info["epoch"]
        time.sleep(0.05)


@pytest.mark.slow
def test_train_killed_mid_run_resumes_to_a_complete_history(
    tmp_path, skfer_cmd, make_face_folder
):
    data_dir = make_face_folder(tmp_path / "faces", n=120, size=48)
    # Enough epochs that a signal sent once an epoch is checkpointed lands before
    # the last one. Nothing here waits on the clock: each step waits for the
    # checkpoint or for the process to end, however slow the machine is.
    out, ckpt, epochs = tmp_path / "run", tmp_path / "run" / "checkpoint", 40

    # 1. Ctrl-C after the first epoch: exit 130, the checkpoint keeps the epochs.
    log = tmp_path / "first"
    proc = _start_training(skfer_cmd, data_dir, out, epochs, log)
    _wait_for_epoch(proc, ckpt, 1, log)
    proc.send_signal(signal.SIGINT)
    proc.wait()
    err = _stderr(log)
    done = read_checkpoint(ckpt)["epoch"]
    assert proc.returncode == 130, err
    assert f"interrupted after {done} complete epochs" in err and "--resume" in err
    assert 1 <= done < epochs
    assert not (out / "card.json").exists()

    # 2. --resume, then SIGKILL once one more epoch is saved (no cleanup at all).
    log = tmp_path / "second"
    proc = _start_training(skfer_cmd, data_dir, out, epochs, log)
    killed_at = _wait_for_epoch(proc, ckpt, done + 1, log)
    proc.kill()
    proc.wait()
    info = read_checkpoint(ckpt)
    assert killed_at <= info["epoch"] < epochs

    # 3. --resume to the end.
    log = tmp_path / "third"
    proc = _start_training(skfer_cmd, data_dir, out, epochs, log)
    proc.wait()
    err = _stderr(log)
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
