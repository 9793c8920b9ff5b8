"""``skfer demo``: train, fine-tune, compare and report, on synthetic or real data."""

import os
import time
from pathlib import Path

import numpy as np

from ..report import make_report, schema
from ._common import (
    UsageError,
    best_pretrained,
    check_output_folder,
    load_model,
    note,
    now,
    positive_int,
    write_json,
)

NAME = "demo"
HELP = "train, fine-tune, compare and report (synthetic faces, or real data)"

DESCRIPTION = """\
The main job end to end. First the shipped default model finds and reads the
face in a real photo that ships with scikit-image (data.astronaut(), NASA's
public-domain portrait of Eileen Collins; its emotion analysis opens the
report). Then: train a network on a source dataset, fine-tune it on a
small target dataset, compare it with the same network trained from scratch on
the target, and write an HTML report (OUTPUT/report.html) with the learning
curves, confusion matrices and an emotion analysis. Everything is written to
--output (default: demo/ in skfer's cache folder, $SKFER_CACHE or
~/.cache/skfer), never to the working directory unless asked.

Without data (the default) everything runs on synthetic cartoon faces made on
the spot: about two minutes on a 2-core CPU. With --data-dir DIR (or SKFER_DATA
set) holding fer2013/ and jaffe/ (or ckplus/), the source is a random subset of
FER2013's Training split (--n-source, default 5000 images, 5 epochs of the small
network) and the target JAFFE (or CK+) split by subject (half of the people for
fine-tuning, the others for testing): about 2-4 minutes on a 2-core CPU, bounded
by --n-source, --epochs and --target-epochs."""

SYNTHETIC = {"n_source": 700, "epochs": 8, "target_epochs": 15, "n_target": 80}
REAL = {"n_source": 5000, "epochs": 5, "target_epochs": 30}


def add_arguments(p):
    """The options of ``skfer demo``."""
    p.add_argument("--model", default="small", help="architecture (default: small)")
    p.add_argument(
        "--epochs",
        type=positive_int,
        help=f"source epochs (default: {SYNTHETIC['epochs']} synthetic, "
        f"{REAL['epochs']} real)",
    )
    p.add_argument(
        "--target-epochs",
        type=positive_int,
        help=f"target epochs (default: {SYNTHETIC['target_epochs']} synthetic, "
        f"{REAL['target_epochs']} real)",
    )
    p.add_argument(
        "--n-source",
        type=positive_int,
        help=f"source images (default: {SYNTHETIC['n_source']} synthetic, "
        f"{REAL['n_source']} real)",
    )
    p.add_argument(
        "--n-target",
        type=positive_int,
        default=SYNTHETIC["n_target"],
        help="synthetic target images (default: 80)",
    )
    data = p.add_mutually_exclusive_group()
    data.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="folder holding fer2013/ and jaffe/ or ckplus/ (default: $SKFER_DATA)",
    )
    data.add_argument(
        "--synthetic",
        action="store_true",
        help="use synthetic faces even when SKFER_DATA is set",
    )
    p.add_argument(
        "--target",
        choices=("jaffe", "ckplus"),
        help="real target dataset (default: jaffe if present, else ckplus)",
    )
    p.add_argument(
        "--output",
        type=Path,
        metavar="DIR",
        help="folder for the report, weights and figures (default: demo/ in skfer's "
        "cache folder, $SKFER_CACHE or ~/.cache/skfer)",
    )
    p.add_argument(
        "--random-state",
        type=int,
        default=0,
        metavar="SEED",
        help="seed of the synthetic faces, the splits and the networks (default: 0)",
    )
    p.add_argument(
        "--verbose",
        type=int,
        choices=(0, 1, 2),
        default=0,
        help="1: epoch table, 2: also progress bars",
    )


def output_folder(args):
    """``--output``, else ``demo/`` in skfer's cache: never the working directory
    unasked (a checkout would get an untracked folder)."""
    if args.output is not None:
        return args.output
    # lazy: scikit-learn stays out of `skfer --help` start-up
    from ..datasets import get_cache_home

    return get_cache_home() / "demo"


# ---------------------------------------------------------------------- data
def _synthetic_data(args):
    # lazy: scikit-learn stays out of `skfer --help` start-up
    from ..datasets import make_faces, split_dataset

    source = make_faces(args.n_source, random_state=args.random_state)
    target = make_faces(
        args.n_target,
        classes=("happy", "sad", "surprise", "neutral"),
        noise=0.1,
        random_state=args.random_state + 1,
    )
    (Xt_tr, yt_tr), _, (Xt_te, yt_te), _ = split_dataset(
        target, test_fraction=0.5, random_state=args.random_state
    )
    return {
        "source": (source.data, source.target, None, None),
        "source_name": "synthetic faces (7 emotions)",
        "target": (Xt_tr, yt_tr, Xt_te, yt_te),
        "target_name": "synthetic faces (4 emotions, noisier)",
        "split": "stratified 50/50 split of the target images",
    }


def _real_root(args):
    if args.synthetic:
        return None
    if args.data_dir is not None:
        if not args.data_dir.is_dir():
            raise UsageError(f"--data-dir {str(args.data_dir)!r} is not a folder.")
        return args.data_dir
    value = os.environ.get("SKFER_DATA")
    if value and Path(value).expanduser().is_dir():
        return Path(value).expanduser()
    return None


def _real_data(args, root):
    # lazy: scikit-learn stays out of `skfer --help` start-up
    from ..datasets import load_ckplus, load_fer2013, load_jaffe, split_dataset

    if not (root / "fer2013").is_dir():
        raise UsageError(f"{str(root)!r} has no fer2013/ folder for the source data.")
    target = args.target or ("jaffe" if (root / "jaffe").is_dir() else "ckplus")
    if not (root / target).is_dir():
        raise UsageError(f"{str(root)!r} has no {target}/ folder for the target data.")
    note(f"loading FER2013 from {root / 'fer2013'} ...")
    fer = load_fer2013(root / "fer2013", subset=["Training", "PublicTest"])
    rng = np.random.RandomState(args.random_state)
    usage = np.asarray(fer.usage)
    train = rng.permutation(np.flatnonzero(usage == "Training"))[: args.n_source]
    valid = rng.permutation(np.flatnonzero(usage == "PublicTest"))[
        : max(500, args.n_source // 5)
    ]
    note(f"loading {target} from {root / target} ...")
    loader = load_jaffe if target == "jaffe" else load_ckplus
    (Xt_tr, yt_tr), _, (Xt_te, yt_te), split = split_dataset(
        loader(root / target),
        test_fraction=0.5,
        by_subject=True,
        random_state=args.random_state,
    )
    return {
        "source": (
            fer.data[train],
            fer.target[train],
            fer.data[valid],
            fer.target[valid],
        ),
        "source_name": f"FER2013: {len(train)} Training images "
        f"(validation: {len(valid)} PublicTest images)",
        "target": (Xt_tr, yt_tr, Xt_te, yt_te),
        "target_name": f"{target.upper() if target == 'jaffe' else 'CK+'}",
        "split": split,
    }


# ----------------------------------------------------------------------- run
def run(args):
    # lazy: torch stays out of `skfer --help` start-up
    from ..models import ARCHITECTURES

    if args.model not in ARCHITECTURES:
        raise UsageError(
            f"--model {args.model!r} is not an architecture; expected one of "
            f"{sorted(ARCHITECTURES)}."
        )
    root = _real_root(args)
    defaults = SYNTHETIC if root is None else REAL
    for key in ("n_source", "epochs", "target_epochs"):
        if getattr(args, key) is None:
            setattr(args, key, defaults[key])
    args.output = check_output_folder(output_folder(args), "--output")
    t0 = time.perf_counter()
    if root is None:
        print("skfer demo: synthetic faces (no dataset given)")
        data = _synthetic_data(args)
    else:
        print(f"skfer demo: real datasets in {root}")
        data = _real_data(args, root)
    out = args.output
    out.mkdir(parents=True, exist_ok=True)
    real_photo(out / "photo")
    params = dict(
        architecture=args.model,
        batch_size=32 if root is None else 64,
        lr=3e-3 if root is None else 2e-3,
        random_state=args.random_state,
        verbose=args.verbose,
    )

    weights = _train_source(args, data, params, out)
    rows, fitted = _train_targets(args, data, params, weights, out)
    _write_comparison(args, data, rows, out)
    _, _, Xt_te, yt_te = data["target"]
    _emotion_analysis(out, fitted["fine-tuned"], Xt_te, yt_te, args.random_state)
    page = make_report(
        [out], out / "report.html", title="skfer demo", command=args.command
    )
    print(f"4. report: {page}")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0 if all(np.isfinite(r["test accuracy"]) for r in rows) else 1


def _train_source(args, data, params, out):
    """Step 1: the source model, saved under ``out/source``; its weights file."""
    # lazy: torch stays out of `skfer --help` start-up
    from .. import FERClassifier
    from ._runs import write_training

    Xs, ys, Xs_val, ys_val = data["source"]
    print(f"1. train {args.model} on {data['source_name']}, {args.epochs} epochs")
    source = FERClassifier(max_epochs=args.epochs, **params)
    source.fit(Xs, ys, X_val=Xs_val, y_val=ys_val)
    card = write_training(
        out / "source",
        source,
        {
            "name": "source",
            "data": {"source": data["source_name"]},
            "command": args.command,
        },
    )
    weights = out / "source" / schema.WEIGHTS_FILE
    valid = card["accuracy"].get("valid", float("nan"))
    print(f"   source validation accuracy {valid:.3f}")
    print(f"   weights saved to {weights}")
    return weights


def _train_targets(args, data, params, weights, out):
    """Step 2: scratch and fine-tuned models on the target, each evaluated."""
    # lazy: torch stays out of `skfer --help` start-up
    from .. import FERClassifier
    from ._runs import evaluate_into, write_training

    Xt, yt, Xt_te, yt_te = data["target"]
    n_classes = len(np.unique(yt))
    print(
        f"2. target {data['target_name']}: {len(yt)} training / {len(yt_te)} test "
        f"faces, {n_classes} emotions ({data['split']})"
    )
    rows, fitted = [], {}
    for name, extra in [("scratch", {}), ("fine-tuned", {"pretrained": weights})]:
        clf = FERClassifier(
            max_epochs=args.target_epochs,
            validation_fraction=None,
            **{**params, "architecture": None if extra else args.model},
            **extra,
        ).fit(Xt, yt)
        info = {
            "model": name,
            "dataset": data["target_name"],
            "subset": "test",
            "command": args.command,
        }
        summary = evaluate_into(out / name, clf, Xt_te, yt_te, info)
        write_training(
            out / name,
            clf,
            {
                "name": name,
                "data": {"target": data["target_name"], "split": data["split"]},
                "pretrained": str(weights) if extra else None,
                "accuracy": {"test": summary["accuracy"]},
                "command": args.command,
            },
        )
        rows.append(
            {
                "model": name,
                "test accuracy": summary["accuracy"],
                "macro F1": summary["macro_f1"],
                "test images": summary["n_samples"],
            }
        )
        fitted[name] = clf
    return rows, fitted


def _write_comparison(args, data, rows, out):
    """Step 3: print the test accuracies and write ``comparison.json``."""
    print("3. target test accuracy")
    for row in rows:
        print(f"   {row['model']:<11} {row['test accuracy']:.3f}")
    write_json(
        out / "comparison.json",
        {
            "command": args.command,
            "date": now(),
            "source": data["source_name"],
            "target": data["target_name"],
            "split": data["split"],
            "comparison": rows,
        },
    )


def real_photo(folder):
    """Step 0: the shipped default model on scikit-image's astronaut photo.

    Writes ``emotion_analysis.png`` and ``photo.md`` to ``folder``; prints the
    face found and its emotion. Returns the predict records, or None when no model
    is shipped (the step is then skipped with a note).
    """
    # lazy: scikit-image's data and face finding stay out of `skfer --help`
    from skimage import data

    from ..preprocessing import extract_faces

    name = best_pretrained()
    if name is None:
        note("skfer: note: no shipped model: the real-photo step is skipped.")
        return None
    clf, _ = load_model(name)
    photo = data.astronaut()
    boxes, rows, sources = extract_faces(photo, return_sources=True)
    proba = clf.predict_proba(rows)
    classes = [str(c) for c in clf.classes_]
    faces = []
    for box, source, p in zip(boxes, sources, proba):
        emotion = classes[int(np.argmax(p))]
        faces.append(
            {
                "box": list(box),
                "found": source,
                "emotion": emotion,
                "probability": round(float(np.max(p)), 3),
            }
        )
    print(
        f"0. the shipped model {name} on a real photo (scikit-image's "
        f"data.astronaut(), {photo.shape[1]}x{photo.shape[0]})"
    )
    for face in faces:
        print(
            f"   face at {tuple(face['box'])} ({face['found']}): {face['emotion']} "
            f"{face['probability']:.2f}"
        )
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        "# A real photo",
        "",
        f"The shipped model `{name}` (with its registered prediction settings) on "
        "scikit-image's `data.astronaut()` (NASA, public domain): the same as "
        "`skfer predict astronaut.png`.",
        "",
        "| face | box (row, col, height, width) | found | emotion | probability |",
        "|---|---|---|---|---:|",
    ]
    lines += [
        f"| {k} | {tuple(f['box'])} | {f['found']} | {f['emotion']} | "
        f"{f['probability']:.3f} |"
        for k, f in enumerate(faces, 1)
    ]
    (folder / "photo.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        # lazy: skfer.plotting loads scikit-learn (not at `skfer --help`)
        from ..plotting import plot_emotion_analysis, save_figure

        fig = plot_emotion_analysis(
            rows,
            proba,
            classes,
            titles=[f"astronaut #{k}" for k in range(1, len(rows) + 1)],
        )
        save_figure(fig, folder / "emotion_analysis.png")
    except ImportError as exc:  # pragma: no cover - matplotlib missing
        note(f"skfer: note: no emotion analysis figure: {exc}")
    return faces


def _emotion_analysis(out, clf, X, y, random_state, n=4):
    try:
        # lazy: skfer.plotting loads scikit-learn (not at `skfer --help`)
        from ..plotting import plot_emotion_analysis, save_figure
    except ImportError:  # pragma: no cover - matplotlib missing
        return None
    rng = np.random.RandomState(random_state)
    pick = rng.choice(len(y), size=min(n, len(y)), replace=False)
    try:
        fig = plot_emotion_analysis(
            X[pick],
            clf.predict_proba(X[pick]),
            clf.classes_,
            true_labels=y[pick],
            ncols=2,
        )
    except ImportError as exc:  # pragma: no cover - matplotlib missing
        note(f"skfer: note: no emotion analysis figure: {exc}")
        return None
    return save_figure(fig, out / "emotion_analysis.png")
