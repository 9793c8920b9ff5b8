"""One process of the data-parallel runs of ``test_distributed.py``.

Started by ``torchrun --nproc_per_node 2``: joins the gloo group torchrun
describes, then for each parameter set fits ``FERClassifier`` on the same
synthetic faces with checkpoints in ``OUT/<name>/checkpoint-rank<rank>`` (only
the first process should write there), and saves what the test compares in
``OUT/<name>/rank<rank>.npz`` (the network's tensors, the probabilities of the
training images, the history as JSON).

Usage: ``python ddp_worker.py OUT RUNS_JSON`` with RUNS_JSON a JSON object
``{name: FERClassifier parameters}``.
"""

import json
import sys
from functools import partial
from pathlib import Path

N_SAMPLES = 64


def faces():
    from skfer.datasets import make_faces

    return make_faces(n_samples=N_SAMPLES, random_state=0, return_X_y=True)


def register_small_without_dropout():
    """``"small-nodropout"``: SmallCNN without dropout (drawn apart per process)."""
    from skfer.models import SmallCNN, register_architecture

    register_architecture(
        "small-nodropout", partial(SmallCNN, dropout=0.0), overwrite=True
    )


def run(out, runs):
    import numpy as np
    import torch
    import torch.distributed as dist

    from skfer import FERClassifier
    from skfer.classifier import fit_with_checkpoints

    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    register_small_without_dropout()
    X, y = faces()
    for name, params in runs.items():
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        clf = FERClassifier(**params)
        clf = fit_with_checkpoints(clf, X, y, folder / f"checkpoint-rank{rank}")
        tensors = {k: v.numpy() for k, v in clf.net_.module_.state_dict().items()}
        np.savez(
            folder / f"rank{rank}.npz",
            proba=clf.predict_proba(X),
            history=np.array(json.dumps(clf.history_)),
            **{f"tensor:{k}": v for k, v in tensors.items()},
        )
    dist.destroy_process_group()


if __name__ == "__main__":
    run(Path(sys.argv[1]), json.loads(sys.argv[2]))
