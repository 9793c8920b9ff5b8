"""Speed benchmark, the figures beside speed: peak memory of a FER2013-sized fit
and the accuracy of float32 against bfloat16 training.

Used by ``speed.py``; the memory fit runs in a child process (``speed.py
--_memory-child``), so that its peak is its own.
"""

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from skfer import FERClassifier
from skfer.datasets import load_fer2013

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _common import synthetic_images  # noqa: E402


def memory_child(arch, n, data_dir):
    """Run in a child process: one FER2013-sized fit, print peak RSS as JSON."""
    source = "synthetic"
    X = y = None
    if data_dir is not None and (Path(data_dir) / "fer2013").is_dir():
        X, y = load_fer2013(
            Path(data_dir) / "fer2013", subset="Training", return_X_y=True
        )
        X, y, source = X[:n], y[:n], "FER2013 Training"
    if X is None:
        X, y = synthetic_images(n)

    start = time.perf_counter()
    FERClassifier(arch, max_epochs=1, random_state=0).fit(X, y)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        json.dumps(
            {
                "architecture": arch,
                "n_images": len(X),
                "data": source,
                "epochs": 1,
                "peak_rss_mb": peak_kib / 1024,
                "fit_s": time.perf_counter() - start,
            }
        )
    )


def memory_figures(arch, n, data_dir):
    cmd = [
        sys.executable,
        str(HERE / "speed.py"),
        "--_memory-child",
        arch,
        "--memory-n",
        str(n),
    ]
    if data_dir is not None:
        cmd += ["--data-dir", str(data_dir)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------- accuracy
def accuracy_figures(data_dir, args):
    """Model 2 trained in float32 and in bfloat16 (same seeds), FER2013 PrivateTest."""
    root = Path(data_dir) / "fer2013"
    X, y = load_fer2013(root, subset="Training", return_X_y=True)
    Xt, yt = load_fer2013(root, subset="PrivateTest", return_X_y=True)
    n = min(args.accuracy_n, len(X))
    # The image folders are sorted by class: take a random subset.
    keep = np.random.default_rng(0).permutation(len(X))[:n]
    X, y = X[keep], y[keep]
    rows = []
    for seed in range(args.accuracy_seeds):
        for precision in ("float32", "bfloat16"):
            clf = FERClassifier(
                "model2",
                max_epochs=args.accuracy_epochs,
                precision=precision,
                validation_fraction=None,
                random_state=seed,
            )
            start = time.perf_counter()
            clf.fit(X, y)
            rows.append(
                {
                    "seed": seed,
                    "precision": precision,
                    "private_test_accuracy": float(clf.score(Xt, yt)),
                    "fit_s": time.perf_counter() - start,
                }
            )
            print(f"  accuracy {rows[-1]}", file=sys.stderr)
    mean = {
        p: float(
            np.mean([r["private_test_accuracy"] for r in rows if r["precision"] == p])
        )
        for p in ("float32", "bfloat16")
    }
    return {
        "architecture": "model2",
        "n_train": n,
        "epochs": args.accuracy_epochs,
        "seeds": args.accuracy_seeds,
        "n_test": len(yt),
        "runs": rows,
        "mean_accuracy": mean,
        "bfloat16_minus_float32_points": 100 * (mean["bfloat16"] - mean["float32"]),
    }
