"""FER+ benchmark: networks trained on FER+'s crowd labels, and today's FER2013 models.

Protocol (Barsoum et al. 2016): train on FER2013Train, choose the epoch and the
test-time augmentation on FER2013Valid (PublicTest), report FER2013Test
(PrivateTest) accuracy against the majority label: single-vote outliers removed,
the top emotion holding more than half of the remaining votes, contempt merged
into disgust (7 classes, FER2013's); images whose top vote is unknown or
not-a-face, or without a majority, are left out (their counts are recorded).
``--vote`` evaluates the soft vote of shipped or saved networks as one network
(:func:`skfer.save_vote`; its weights file goes to ``$SKFER_CACHE/weights``). Each
model is also read on FER2013's own PrivateTest labels, and on the JAFFE and CK+
photos of the photo benchmark (faces found as ``skfer predict`` finds them, the
largest face of each photo; a photo without a face counts as wrong), per part:
validation (30 % of the subjects) and test (the others).

Training modes (``--mode``): ``majority`` (one-hot majority labels, the images
with a majority), ``crossentropy`` (towards the vote distribution) and
``probability`` (a label drawn from the distribution at every epoch); the two
distribution modes train on every image whose top vote is an emotion (ties left
out). A run checkpoints every epoch under ``$SKFER_CACHE/runs`` and resumes when
the same command is run again.

Examples::

    python benchmarks/ferplus.py --models model3 --mode crossentropy --epochs 80
    python benchmarks/ferplus.py --pretrained fer2013-model2 fer2013-model3
    python benchmarks/ferplus.py --vote fer2013-model3 ferplus-model3
    python benchmarks/ferplus.py --quick --output /tmp/q   # 3,000 images, 2 epochs
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from skfer.datasets import load_fer2013, load_ferplus
from skfer.metrics import classification_summary
from skfer.preprocessing import DEFAULT_DETECTOR, extract_faces

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    RESULTS,
    add_markdown_only,
    command_line,
    data_dir,
    load_ckplus_photos,
    load_jaffe_photos,
    machine_info,
    now,
    read_json,
    run_folder,
    shown_path,
    split_subjects,
    write_json,
)
from _fer2013_runs import RECIPES  # noqa: E402

#: FER2013's "skfer" recipe (benchmarks/_fer2013_runs.py: SGD with Nesterov
#: momentum, warm-up + cosine schedule, label smoothing, augmentation, weight
#: average); the number of epochs is ``--epochs``.
RECIPE = {k: v for k, v in RECIPES["skfer"].items() if k != "max_epochs"}
MODES = ("majority", "crossentropy", "probability")
TTA_CHOICES = ("flip", "crops")


def load(args):
    """FER+ training data for ``args.mode``, validation and test (majority labels),
    and FER2013's PrivateTest with its own labels."""

    root = data_dir(args.data_dir, "ferplus")
    rule = "majority" if args.mode == "majority" else "plurality"
    train = load_ferplus(root, subset="Training", label_rule=rule)
    evaluation = load_ferplus(root, subset=["PublicTest", "PrivateTest"])
    fer = load_fer2013(data_dir(args.data_dir, "fer2013"), subset="PrivateTest")
    idx = np.arange(len(train.target))
    if args.quick:
        idx = np.sort(np.random.RandomState(0).choice(idx, 3000, replace=False))
    public = evaluation.usage == "PublicTest"
    return {
        "photos": photo_faces(args.data_dir),
        "train": (train.data[idx], train.target[idx], train.label_distribution[idx]),
        "classes": train.classes,
        "public": (evaluation.data[public], evaluation.target[public]),
        "private": (evaluation.data[~public], evaluation.target[~public]),
        "fer2013_private": (fer.data, fer.target),
        "left_out": {"training": train.left_out, "evaluation": evaluation.left_out},
    }


def photo_faces(data_home):
    """JAFFE and CK+ photos as ``skfer predict`` sees them: the largest face found
    in each photo (zeros where none), with labels, found flags and subject parts."""

    out = {}
    for name, loader in (("jaffe", load_jaffe_photos), ("ckplus", load_ckplus_photos)):
        images, labels, subjects = loader(data_dir(data_home, name))
        rows, found = [], []
        for image in images:
            boxes, faces = extract_faces(image)
            found.append(len(boxes) > 0)
            largest = max(
                range(len(boxes)), key=lambda i: boxes[i][2] * boxes[i][3], default=None
            )
            rows.append(np.zeros(2304, np.uint8) if largest is None else faces[largest])
        out[name] = {
            "X": np.stack(rows),
            "y": np.array(labels),
            "found": np.array(found),
            "part": np.array(split_subjects(subjects)),
            "subjects": np.array(subjects),
        }
    return out


def photo_accuracy(clf, photos):
    """``{dataset_part: accuracy}`` of ``clf`` on the photos (missed faces wrong)."""
    scores = {}
    for name, d in photos.items():
        right = (clf.predict(d["X"]) == d["y"]) & d["found"]
        for part in ("validation", "test"):
            scores[f"{name}_{part}"] = float(right[d["part"] == part].mean())
    return scores


def run_dir(model, args, params):
    """The checkpoint folder of a run, named by everything that sets its result."""

    identity = {
        "model": model,
        "mode": args.mode,
        "params": params,
        "seed": args.random_state,
        "quick": args.quick,
        "threads": args.threads,
    }
    return run_folder(f"ferplus-{model}-{args.mode}", identity, args)


def train(model, args, data):
    """Train with a checkpoint per epoch; the epoch best on PublicTest is kept."""
    # lazy: torch: --markdown-only writes the page without it
    from skfer import FERClassifier
    from skfer.classifier import fit_with_checkpoints
    from skfer.weights import BEST_FILE, read_checkpoint

    params = dict(RECIPE, max_epochs=2 if args.quick else args.epochs)
    if args.mode == "probability":
        params["label_distribution_mode"] = "probability"
    folder = run_dir(model, args, params)
    X, y, dist = data["train"]
    done = read_checkpoint(folder)
    print(f"== {model} ({args.mode}): {len(y)} training images, {params}")
    print(
        f"checkpoints: {folder}"
        + (f" (resuming after epoch {done['epoch']})" if done else "")
    )
    clf = FERClassifier(
        architecture=model, random_state=args.random_state, verbose=1, **params
    )
    fitted = fit_with_checkpoints(
        clf,
        X,
        y,
        folder,
        resume=done is not None,
        X_val=data["public"][0],
        y_val=data["public"][1],
        keep_best="valid_acc",
        label_distribution=None if args.mode == "majority" else dist,
    )
    if len(fitted.history_) < params["max_epochs"]:
        raise SystemExit(
            f"{model}: stopped after epoch {len(fitted.history_)}; run the same "
            "command again to resume."
        )
    best = FERClassifier.from_weights(folder / BEST_FILE)
    best.history_ = fitted.history_
    return best, params, folder


def evaluate(clf, data):
    """Accuracies: TTA chosen on PublicTest, then each test set read once (with
    the classifier's ``class_prior``)."""

    X, y = data["public"]
    by_tta = {t: clf.set_params(tta=t).score(X, y) for t in TTA_CHOICES}
    tta = max(TTA_CHOICES, key=by_tta.get)
    clf.set_params(tta=tta)
    X, y = data["private"]
    summary = classification_summary(y, clf.predict(X), labels=clf.classes_)
    X2, y2 = data["fer2013_private"]
    return {
        **(
            {}
            if "photos" not in data
            else {
                "photos_accuracy": photo_accuracy(clf, data["photos"]),
                "photos_detector": DEFAULT_DETECTOR,
            }
        ),
        "ferplus_test_accuracy": summary["accuracy"],
        "ferplus_test_macro_f1": summary["macro_f1"],
        "ferplus_test_per_class_recall": summary["per_class_recall"],
        "ferplus_valid_accuracy": by_tta[tta],
        "ferplus_valid_accuracy_by_tta": by_tta,
        "fer2013_private_test_accuracy": float(clf.score(X2, y2)),
        "tta": tta,
        **({"class_prior": clf.class_prior} if clf.class_prior is not None else {}),
    }


def vote_row(names, args, data):
    """The results row of the soft vote of the registered or saved weights
    ``names``, written as one weights file to ``$SKFER_CACHE/weights``."""
    # lazy: torch: --markdown-only writes the page without it
    from skfer import FERClassifier, load_pretrained, save_vote
    from skfer.datasets import get_cache_home

    stems = [Path(name).stem for name in names]
    path = Path(get_cache_home()) / "weights" / f"vote-{'-'.join(stems)}.safetensors"
    path.parent.mkdir(parents=True, exist_ok=True)
    save_vote([load_pretrained(name) for name in names], path)
    clf = FERClassifier.from_weights(path, class_prior=args.class_prior)
    return {
        **evaluate(clf, data),
        "trained_on": f"the soft vote of {', '.join(stems)}",
        "members": stems,
        "weights": shown_path(path),
    }


def _photo(row, name):
    """A photo accuracy for the table: ``trained on`` where the model saw the test
    subjects, ``(seen)`` where it trained on the validation subjects only."""
    value = row.get("photos_accuracy", {}).get(f"{name}_test")
    parts = row.get("photo_parts_trained_on", {}).get(name, ())
    if value is None or "test" in parts:
        return "trained on" if parts else "-"
    # rows written before YuNet became the default read the photos with the cascade
    cascade = " †" if row.get("photos_detector", "cascade") == "cascade" else ""
    return f"{value:.2%}" + (" (seen)" if parts else "") + cascade


def write_markdown(results, path):
    """The results page: the table first, then protocol, commands and hardware."""
    rows = results.get("models", {})
    lines = [
        "# FER+ benchmark",
        "",
        "| model | trained on | mode | epochs | FER+ test | FER+ valid "
        "| FER2013 PrivateTest | JAFFE test | CK+ test | TTA |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key, row in sorted(
        rows.items(), key=lambda kv: -kv[1]["ferplus_test_accuracy"]
    ):
        lines.append(
            f"| {key} | {row['trained_on']} | {row.get('mode', '-')} "
            f"| {row.get('epochs', '-')} | {row['ferplus_test_accuracy']:.2%} "
            f"| {row['ferplus_valid_accuracy']:.2%} "
            f"| {row['fer2013_private_test_accuracy']:.2%} "
            f"| {_photo(row, 'jaffe')} | {_photo(row, 'ckplus')} | {row['tta']}"
            + (f", {row['class_prior']} prior" if row.get("class_prior") else "")
            + " |"
        )
    left = results.get("left_out", {})
    lines += [
        "",
        f"- **Protocol**: {results.get('protocol', '')}",
        f"- **Left out** (FER+ valid and test): {left.get('evaluation', {})}; "
        f"training (distribution modes keep images without a majority): "
        f"{left.get('training', {})}",
        "- **Photos**: JAFFE originals and CK+ face crops read as `skfer predict` "
        "reads them (largest face found; no face counts as wrong), test part: "
        "70 % of each dataset's subjects (`benchmarks/photos.py`'s split). "
        "*(seen)*: the model trained on the other 30 % of that dataset's subjects. "
        "Faces found by YuNet (skfer's default detector), or, marked †, by the LBP "
        "cascade (rows evaluated before YuNet became the default).",
        "- **Reference**: FER+ paper (VGG13, 64x64, from scratch): 83.9-85.0 %.",
        "- **Commands and hardware**: per row in `ferplus.json`.",
    ]
    Path(path).write_text("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", help="folder of ferplus/ and fer2013/")
    parser.add_argument("--models", nargs="*", default=[], help="architectures")
    parser.add_argument("--mode", choices=MODES, default="crossentropy")
    parser.add_argument("--epochs", type=int, default=80)
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument(
        "--pretrained",
        nargs="*",
        default=[],
        metavar="NAME",
        help="also evaluate these registered or saved weights (no training)",
    )
    parser.add_argument(
        "--vote",
        nargs="*",
        default=[],
        metavar="NAME",
        help="also evaluate the soft vote of these registered or saved weights, as "
        "one network (no training)",
    )
    parser.add_argument(
        "--class-prior",
        choices=("uniform",),
        help="evaluate the --pretrained and --vote models under this class prior "
        "(default: their training labels')",
    )
    parser.add_argument("--quick", action="store_true", help="3,000 images, 2 epochs")
    parser.add_argument("--output", type=Path, default=RESULTS)
    add_markdown_only(parser, "ferplus.json")
    args = parser.parse_args(argv)
    if args.quick and args.output.resolve() == RESULTS.resolve():
        parser.error("--quick needs --output: a folder outside benchmarks/results")
    if args.markdown_only:
        write_markdown(
            read_json(args.output / "ferplus.json"), args.output / "ferplus.md"
        )
        return 0
    # lazy: torch: --markdown-only (above) writes the page without it
    import torch

    from skfer import load_pretrained

    torch.set_num_threads(args.threads)
    args.output.mkdir(parents=True, exist_ok=True)
    json_path = args.output / "ferplus.json"
    results = read_json(json_path)
    results["protocol"] = (
        "FER+ majority labels (single votes removed, > 50 % of the rest), contempt "
        "merged into disgust; epoch and TTA chosen on FER2013Valid, FER2013Test "
        "reported"
    )
    data = load(args)
    results["left_out"] = data["left_out"]
    rows = results.setdefault("models", {})
    prior = f"-{args.class_prior}-prior" if args.class_prior else ""
    for name in args.pretrained:
        clf = load_pretrained(name, class_prior=args.class_prior)
        rows[Path(name).stem + prior] = {
            **evaluate(clf, data),
            "trained_on": "FER2013 (single labels)",
            "weights": name,
            "command": command_line(),
            "date": now(),
            "hardware": machine_info(),
        }
        write_json(json_path, results)
    if args.vote:
        key = "vote-" + "-".join(Path(name).stem for name in args.vote) + prior
        rows[key] = {
            **vote_row(args.vote, args, data),
            "command": command_line(),
            "date": now(),
            "hardware": machine_info(),
        }
        print(f"{key}: FER+ test {rows[key]['ferplus_test_accuracy']:.4f}")
        write_json(json_path, results)
    for model in args.models:
        t0 = time.perf_counter()
        clf, params, folder = train(model, args, data)
        key = f"ferplus-{model}-{args.mode}" + ("-quick" if args.quick else "")
        if args.random_state:
            key += f"-seed{args.random_state}"
        history = clf.history_
        rows[key] = {
            **evaluate(clf, data),
            "trained_on": "FER+ Training",
            "mode": args.mode,
            "epochs": len(history),
            "best_epoch": int(np.argmax([h["valid_acc"] for h in history])) + 1,
            "training_time_s": round(sum(h.get("dur", 0.0) for h in history), 1),
            "params": params,
            "weights": shown_path(folder / "best.safetensors"),
            "command": command_line(),
            "date": now(),
            "hardware": machine_info(),
            "this_sitting_s": round(time.perf_counter() - t0, 1),
        }
        print(f"{key}: FER+ test {rows[key]['ferplus_test_accuracy']:.4f}")
        write_json(json_path, results)
    write_json(json_path, results)
    write_markdown(results, args.output / "ferplus.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
