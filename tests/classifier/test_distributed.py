"""Data-parallel training: two CPU processes (gloo) started by torchrun.

``ddp_worker.py`` fits FERClassifier in two processes that share every batch;
this test fits the same classifiers in one process with the same (global)
``batch_size`` and compares. Without dropout (whose draws differ per process),
the two-process fit is the one-process fit up to the order of float sums:
weights, probabilities and history within ``ATOL`` = 1e-4 after 2 epochs of Adam
(measured on a 2-core x86 CPU: weights 4.3e-6, probabilities 1e-7, history
1.3e-7). With dropout, the processes draw their own
masks, so only training itself and the agreement of the processes are checked.
"""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from skfer import FERClassifier
from skfer.classifier import fit_with_checkpoints
from skfer.models import ARCHITECTURES
from skfer.weights import read_checkpoint, read_weights

# CI runs it (the README test command runs every test); "slow" only says that it
# takes more than a few seconds: two processes start torch.
pytestmark = pytest.mark.slow

WORKER = Path(__file__).with_name("ddp_worker.py")

# 64 faces, 13 held out for validation: the training batches of 8 are 6 x 8 + 3
# (the last one split 2 + 1 between the processes), the validation batches
# 8 + 5 (4 + 4, 3 + 2).
COMMON = {
    "max_epochs": 2,
    "batch_size": 8,
    "validation_fraction": 0.2,
    "precision": "float32",
    "n_threads": 1,
    "random_state": 0,
}
RUNS = {
    # synced batch norms, an uneven last batch, augmentation of the whole batch
    "exact": {
        **COMMON,
        "architecture": "small-nodropout",
        "augment": "light",
        "ema_decay": 0.9,
    },
    # dropout; batches of 10 leave the last training batch (1 image) to the
    # first process: the second trains on an empty part
    "dropout": {**COMMON, "architecture": "small", "batch_size": 10},
}
ATOL = 1e-4


def _worker_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("ddp_worker", WORKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    """Run the worker under torchrun with 2 processes; the folder of its results."""
    out = tmp_path_factory.mktemp("ddp")
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node",
        "2",
        "--master_addr",
        "127.0.0.1",
        "--master_port",
        str(_free_port()),
        str(WORKER),
        str(out),
        json.dumps(RUNS),
    ]
    root = str(Path(__file__).resolve().parents[2])  # this checkout's skfer
    path = os.pathsep.join([root, *filter(None, [os.environ.get("PYTHONPATH")])])
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": path}
    # no timeout: the processes end when the runs do (torchrun stops both if one
    # fails)
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def worker():
    module = _worker_module()
    module.register_small_without_dropout()
    yield module
    ARCHITECTURES.pop("small-nodropout", None)


def _result(out, name, rank):
    with np.load(out / name / f"rank{rank}.npz") as data:
        tensors = {k[7:]: data[k] for k in data.files if k.startswith("tensor:")}
        return data["proba"], json.loads(str(data["history"])), tensors


def test_only_the_first_process_writes_checkpoints(two_processes, worker):
    for name in RUNS:
        first = two_processes / name / "checkpoint-rank0"
        assert read_checkpoint(first)["epoch"] == 2
        assert not (two_processes / name / "checkpoint-rank1").exists()


def test_both_processes_end_with_the_same_network_and_history(two_processes):
    for name in RUNS:
        proba0, history0, tensors0 = _result(two_processes, name, 0)
        proba1, history1, tensors1 = _result(two_processes, name, 1)
        for key, value in tensors0.items():
            np.testing.assert_array_equal(value, tensors1[key], err_msg=key)
        np.testing.assert_array_equal(proba0, proba1)
        drop = ("dur",)
        rows0 = [{k: v for k, v in r.items() if k not in drop} for r in history0]
        rows1 = [{k: v for k, v in r.items() if k not in drop} for r in history1]
        assert rows0 == rows1


def test_two_processes_train_as_one_with_the_same_global_batch(
    two_processes, worker, tmp_path
):
    X, y = worker.faces()
    clf = FERClassifier(**RUNS["exact"])
    clf = fit_with_checkpoints(clf, X, y, tmp_path / "checkpoint")
    proba, history, tensors = _result(two_processes, "exact", 0)

    assert [row["epoch"] for row in history] == [1, 2]
    for row, ref in zip(history, clf.history_):
        for key in ("train_loss", "valid_loss", "train_acc", "valid_acc"):
            assert row[key] == pytest.approx(ref[key], abs=ATOL), key
    expected = clf.net_.module_.state_dict()
    for key, value in tensors.items():
        np.testing.assert_allclose(value, expected[key].numpy(), atol=ATOL, err_msg=key)
    np.testing.assert_allclose(proba, clf.predict_proba(X), atol=ATOL)
    # the checkpoint the first process wrote holds that network
    written = read_checkpoint(two_processes / "exact" / "checkpoint-rank0")
    state, _ = read_weights(written["weights"])
    for key, value in state.items():
        np.testing.assert_allclose(value.numpy(), expected[key].numpy(), atol=ATOL)


def test_with_dropout_and_an_empty_share_it_trains(two_processes):
    _, history, tensors = _result(two_processes, "dropout", 0)
    assert [row["epoch"] for row in history] == [1, 2]
    assert all(np.isfinite(row["train_loss"]) for row in history)
    assert all(np.isfinite(v).all() for v in tensors.values())
    # the row counts of the history are the whole batches' (51 training images)
    assert history[-1]["train_acc"] * 51 == pytest.approx(
        round(history[-1]["train_acc"] * 51)
    )
