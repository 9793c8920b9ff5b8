"""FER2013 benchmark, the training runs: recipes, names, data, checkpoints, weights.

Used by ``fer2013.py``; a run's weights stay in the cache (``--output`` for a
quick run): shipping them is ``ship.py``'s job.
"""

import shutil
import sys
import time
from pathlib import Path

import numpy as np

from skfer.utils import atomic_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import data_dir, run_folder, weights_path  # noqa: E402

#: Training recipes. "paper" reproduces the paper (Adam, cross-entropy, 75 epochs,
#: its data generator). "skfer" is ours, after the reproducible FER2013 recipes
#: (long SGD training with Nesterov momentum and weight decay, warm-up + cosine
#: learning rate, rescale/shift/rotation/erasing augmentation, label smoothing) plus
#: an exponential moving average of the weights. "skfer-v1" is the first version's
#: short Adam recipe (the Model 1 and Model 2 rows measured before it).
RECIPES = {
    "paper": dict(
        max_epochs=75,
        batch_size=64,
        lr=1e-3,
        optimizer="adam",
        augment="paper",
    ),
    "skfer": dict(
        max_epochs=150,
        batch_size=128,
        lr=0.04,
        optimizer="sgd",
        weight_decay=5e-4,
        lr_schedule="warmup_cosine",
        label_smoothing=0.1,
        augment="standard",
        ema_decay=0.999,
    ),
    "skfer-v1": dict(
        max_epochs=25,
        batch_size=64,
        lr=1e-3,
        optimizer="adam",
        lr_schedule="cosine",
        augment="light",
        tta="flip",
    ),
}


def run_key(model, args):
    """The results row of a run: the model, then the recipe unless ``skfer`` and
    the seed unless 0 (``model3``, ``model3-skfer-v1``, ``model3-seed1``)."""
    key = model if args.recipe == "skfer" else f"{model}-{args.recipe}"
    if args.distil_from:
        key += "-distilled"
    return key if args.random_state == 0 else f"{key}-seed{args.random_state}"


def weights_name(model, args):
    return f"fer2013-{run_key(model, args)}"


def load(args):
    # lazy: skfer stays out of `fer2013.py --markdown-only`
    from skfer.datasets import load_fer2013

    t0 = time.perf_counter()
    fer = load_fer2013(data_dir(args.data_dir, "fer2013"))
    print(
        f"loaded FER2013: {len(fer.target)} images in {time.perf_counter() - t0:.1f} s"
    )
    split = {u: fer.usage == u for u in ("Training", "PublicTest", "PrivateTest")}
    X, y = fer.data, fer.target
    train = np.flatnonzero(split["Training"])
    if args.quick:
        rng = np.random.RandomState(0)
        train = np.sort(rng.choice(train, size=min(3000, len(train)), replace=False))
    return {
        "train": (X[train], y[train]),
        "public": (X[split["PublicTest"]], y[split["PublicTest"]]),
        "private": (X[split["PrivateTest"]], y[split["PrivateTest"]]),
    }


def teacher_spec(args, results):
    """The teacher of ``--distil-from``: ``{"members": [...], "weights": [...]}``
    from the results row it names (members of weight 0 left out), or None."""
    if not args.distil_from:
        return None
    row = results["models"].get(args.distil_from)
    if row is None or "members" not in row:
        raise SystemExit(
            f"--distil-from {args.distil_from}: no ensemble row of that name in "
            "fer2013.json; run --ensemble-only first"
        )
    weights = row["weights"] or [1.0] * len(row["members"])
    kept = [(m, w) for m, w in zip(row["members"], weights) if w > 0]
    return {"members": [m for m, _ in kept], "weights": [w for _, w in kept]}


def teacher_proba(teacher, args, results, X, folder):
    """The teacher's probabilities for ``X``, computed once and kept in ``folder``."""
    # lazy: skfer stays out of `fer2013.py --markdown-only`
    from skfer import ensemble_from_fitted

    path = Path(folder) / "teacher_proba.npy"
    if path.is_file():
        return np.load(path)
    members = [
        (name, clf)
        for name, clf in ensemble_members(args, results, {})
        if name in teacher["members"]
    ]
    if [name for name, _ in members] != teacher["members"]:
        raise SystemExit(f"--distil-from: weights missing for {teacher['members']}")
    t0 = time.perf_counter()
    proba = ensemble_from_fitted(members, weights=teacher["weights"]).predict_proba(X)
    print(f"teacher probabilities: {proba.shape} in {time.perf_counter() - t0:.0f} s")
    Path(folder).mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as tmp:  # a stopped run never leaves half a file
        np.save(tmp, proba.astype(np.float32))
    return np.load(path)


def run_dir(model, args, params, teacher=None):
    """The checkpoint folder of one training run, under ``$SKFER_CACHE/runs``.

    Named by everything that determines the result, so a stopped run is resumed
    only by the same command (and a changed recipe starts afresh).
    """
    identity = {
        "model": model,
        "params": params,
        "seed": args.random_state,
        "quick": args.quick,
        "device": args.device,
        "threads": args.threads,
        **({"teacher": teacher} if teacher else {}),
    }
    prefix = f"fer2013-{model}-{args.recipe}{'-distilled' if teacher else ''}"
    return run_folder(prefix, identity, args)


def train_one(model, args, data, results):
    """Train ``model`` with checkpoints after every epoch; resume a stopped run.

    The epoch is chosen on PublicTest: the checkpoint keeps the weights of the best
    PublicTest accuracy (``best.safetensors``), and those are returned for
    evaluation. A run stopped at any moment continues from its last complete epoch
    with the same result as an uninterrupted one (same machine and thread count).
    """
    # lazy: skfer stays out of `fer2013.py --markdown-only`
    from skfer import FERClassifier
    from skfer.classifier import fit_with_checkpoints
    from skfer.weights import BEST_FILE, read_checkpoint

    params = dict(RECIPES[args.recipe])
    if args.epochs is not None:
        params["max_epochs"] = args.epochs
    if args.quick:
        params["max_epochs"] = min(params["max_epochs"], 2)
    tta = params.pop("tta", None)  # chosen on PublicTest after training
    teacher = teacher_spec(args, results)
    if teacher:
        params["distillation_weight"] = args.distillation_weight
    folder = run_dir(model, args, params, teacher)
    if args.fresh and folder.exists():
        shutil.rmtree(folder)
    X, y = data["train"]
    soft = None if teacher is None else teacher_proba(teacher, args, results, X, folder)
    done = read_checkpoint(folder)
    resume = done is not None
    clf = FERClassifier(
        architecture=model,
        device=args.device,
        random_state=args.random_state,
        verbose=1,
        **params,
    )
    print(f"\n== {model}: {len(y)} training images, recipe {args.recipe}: {params}")
    if teacher:
        print(f"distilled from {args.distil_from}: {teacher}")
    print(
        f"checkpoints: {folder}"
        + (f" (resuming after epoch {done['epoch']})" if resume else "")
    )
    t0 = time.perf_counter()
    fitted = fit_with_checkpoints(
        clf,
        X,
        y,
        folder,
        resume=resume,
        X_val=data["public"][0],
        y_val=data["public"][1],
        keep_best="valid_acc",
        teacher_proba=soft,
    )
    wall = time.perf_counter() - t0
    if len(fitted.history_) < params["max_epochs"]:
        raise SystemExit(
            f"{model}: stopped after epoch {len(fitted.history_)} of "
            f"{params['max_epochs']}; run the same command again to resume."
        )
    best = FERClassifier.from_weights(folder / BEST_FILE, device=args.device)
    best.history_ = fitted.history_
    if tta is not None:
        params["tta"] = tta
    # Training time over all sittings: the epochs' own durations.
    train_time = sum(row.get("dur", 0.0) for row in fitted.history_)
    print(f"this sitting: {wall / 60:.1f} min; in all: {train_time / 60:.1f} min")
    if teacher:
        params["teacher"] = {"row": args.distil_from, **teacher}
    return best, params, train_time, folder


def save_weights(clf, model, args, row):
    """The run's weights, in the cache (``--output`` for a quick run): a run never
    replaces the shipped weights; ``ship.py`` does, for the row chosen on
    validation data."""
    folder = Path(args.output) / "weights" if args.quick else cache_weights_dir()
    return clf.save_weights(
        folder / f"{weights_name(model, args)}.safetensors",
        dataset="FER2013 Training",
        private_test_accuracy=row["private_test_accuracy"],
    )


def cache_weights_dir():
    # lazy: skfer stays out of `fer2013.py --markdown-only`
    from skfer.datasets import get_cache_home

    return Path(get_cache_home()) / "weights"


def find_weights(model, args):
    """The saved weights of a run: shipped (read only) or in the cache."""
    name = f"{weights_name(model, args)}.safetensors"
    folders = [Path(args.weights_dir), cache_weights_dir()]
    if args.quick:
        folders = [Path(args.output) / "weights"]
    for folder in folders:
        if (folder / name).is_file():
            return folder / name
    return None


def ensemble_members(args, results, fitted):
    """(name, fitted classifier) of every reported model whose weights exist.

    Each member predicts with the test-time augmentation chosen for it on
    PublicTest.
    """
    # lazy: skfer stays out of `fer2013.py --markdown-only`
    from skfer import FERClassifier

    members = []
    for name, row in sorted(results["models"].items()):
        if name.startswith("ensemble") or row.get("quick") != args.quick:
            continue
        clf = fitted.get(name)
        if clf is None and "weights" in row:  # quick rows: weights in --output
            path = weights_path(row["weights"])
            if path.is_file():
                clf = FERClassifier.from_weights(path, device=args.device)
        if clf is not None:
            members.append((name, clf.set_params(tta=row.get("tta"))))
    return members
