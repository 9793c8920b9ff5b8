"""Several datasets at once: a network continued on FER+ or FER2013 with posed photos.

Each variant warm-starts from a row of ``results/ferplus.json`` (its weights,
``--from``: a FER+ run of ``benchmarks/ferplus.py``, or a shipped FER2013 model
that ``ferplus.py --pretrained`` evaluated) and trains a few more epochs on the
faces of FER2013 Training, labelled by ``--base``: FER+'s vote distributions
(default), FER2013's own single labels, or the mean probabilities of shipped
models (``vote``: one network distilled from their soft vote, by default
``fer2013-model3`` + ``ferplus-model3``), together with the faces of posed
photos, found in each photo as ``skfer predict`` finds them, in one label
vocabulary (:func:`skfer.datasets.combine_datasets`); the posed datasets get
``--posed-share`` of the loss. The epoch is chosen on FER+ FER2013Valid.

Variants (leave one dataset out, so each posed dataset is read by a model that
never saw anyone of it):

- ``without-jaffe``: FER+ and every CK+ subject; read on JAFFE's test subjects;
- ``without-ckplus``: FER+ and every JAFFE subject; read on CK+'s test subjects;
- ``all``: FER+ and the validation subjects (30 %) of both; read on both test
  parts (the photo benchmark's split);
- ``none``: no posed photos: a FER2013 network continued on FER+'s labels, a
  candidate default model (it never saw the photo benchmark's subjects).

Rows go to ``results/ferplus.json`` beside the FER+ runs (same protocol, same
columns).

Examples::

    python benchmarks/multidataset.py --variant without-jaffe
    python benchmarks/multidataset.py --variant without-jaffe --base fer2013 \
        --from fer2013-model3
    python benchmarks/multidataset.py --variant none --from fer2013-model3
    python benchmarks/multidataset.py --variant none --base vote \
        --from fer2013-model3   # one network from the vote of two
    python benchmarks/multidataset.py --variant all --quick --output /tmp/q
"""

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import torch
from sklearn.utils import Bunch

from skfer import FERClassifier, load_pretrained
from skfer.classifier import fit_with_checkpoints
from skfer.datasets import combine_datasets, load_fer2013
from skfer.weights import BEST_FILE, list_pretrained, read_checkpoint

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    RESULTS,
    command_line,
    data_dir,
    machine_info,
    now,
    read_json,
    run_folder,
    shown_path,
    weights_path,
    write_json,
)
from ferplus import RECIPE, evaluate, load, write_markdown  # noqa: E402

VARIANTS = {
    # posed dataset -> the subjects of it that are trained on
    "without-jaffe": {"ckplus": ("validation", "test")},
    "without-ckplus": {"jaffe": ("validation", "test")},
    "all": {"ckplus": ("validation",), "jaffe": ("validation",)},
    "none": {},
}
BASES = {
    "ferplus": "FER+ Training",
    "fer2013": "FER2013 Training",
    "vote": "FER2013 Training",
}
#: The ``mode`` column of each base's rows.
MODES = {"ferplus": "crossentropy", "fer2013": "FER2013 labels", "vote": "vote"}
#: ``--base vote``: the shipped models whose soft vote labels the faces.
VOTERS = ("fer2013-model3", "ferplus-model3")


def training_set(data, variant, posed_share):
    """The base training set and the variant's posed faces, combined and weighted."""

    parts = {"base": data["base"]}
    seen = {}
    for name, kept in VARIANTS[variant].items():
        photos = data["photos"][name]
        rows = photos["found"] & np.isin(photos["part"], kept)
        parts[name] = (photos["X"][rows], photos["y"][rows], photos["subjects"][rows])
        seen[name] = int(rows.sum())
    balance = None
    if seen:
        share = posed_share / len(seen)
        balance = {"base": 1 - posed_share, **dict.fromkeys(seen, share)}
    return combine_datasets(parts, balance=balance), seen


def base_set(args, data):
    """FER2013 Training's faces with ``args.base``'s labels: FER+'s vote
    distributions (ties, unknown and not-a-face left out), FER2013's own, or the
    soft vote of ``args.voters``."""

    if args.base in ("fer2013", "vote"):
        fer = load_fer2013(data_dir(args.data_dir, "fer2013"), subset="Training")
        X, y = fer.data, fer.target
        if args.quick:
            keep = np.random.RandomState(0).choice(len(fer.target), 3000, replace=False)
            X, y = X[np.sort(keep)], y[np.sort(keep)]
        if args.base == "fer2013":
            return X, y
        classes, dist = vote(X, args.voters)
        return Bunch(data=X, target=y, label_distribution=dist, classes=classes)
    X, y, dist = data["train"]
    return Bunch(data=X, target=y, label_distribution=dist, classes=data["classes"])


def vote(X, voters):
    """The classes and the mean ``predict_proba`` of the shipped models ``voters``
    (each with its registered prediction settings, no class prior) on ``X``."""
    probabilities, classes = [], None
    for name in voters:
        clf = load_pretrained(name)
        if classes is not None and list(clf.classes_) != classes:
            raise SystemExit(f"--voters: {name} has other classes than {voters[0]}")
        classes = list(clf.classes_)
        probabilities.append(clf.predict_proba(X))
    return classes, np.mean(probabilities, axis=0).astype(np.float32)


def key_of(args):
    """The results row: ``multi-<variant>``, then ``-<base>`` unless FER+'s."""
    return (
        f"multi-{args.variant}"
        + ("" if args.base == "ferplus" else f"-{args.base}")
        + ("-quick" if args.quick else "")
    )


def start_weights(row):
    """What ``pretrained=`` takes for a row's weights: a shipped name as it is,
    else the weights file."""
    shipped = {entry["name"] for entry in list_pretrained()}
    if row["weights"] in shipped:
        return row["weights"]
    return str(weights_path(row["weights"]))


def start_epochs(row):
    """The epochs the continued network had: its row's, or its registry recipe's."""
    if row.get("epochs"):
        return row["epochs"]
    entry = {e["name"]: e for e in list_pretrained()}.get(row["weights"], {})
    return entry.get("recipe", {}).get("max_epochs", "?")


def run_dir(args, params, source):

    identity = {
        "variant": args.variant,
        **({"base": args.base} if args.base != "ferplus" else {}),
        **({"voters": list(args.voters)} if args.base == "vote" else {}),
        "params": params,
        "from": source,
        "seed": args.random_state,
        "quick": args.quick,
        "threads": args.threads,
    }
    return run_folder(key_of(args).removesuffix("-quick"), identity, args)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data-dir", help="folder of ferplus/, fer2013/, jaffe/, ckplus/"
    )
    parser.add_argument("--variant", choices=sorted(VARIANTS), required=True)
    parser.add_argument(
        "--base",
        choices=sorted(BASES),
        default="ferplus",
        help="labels of the FER2013 Training faces: FER+'s votes, FER2013's own, "
        "or the soft vote of --voters",
    )
    parser.add_argument(
        "--voters",
        nargs="+",
        default=list(VOTERS),
        metavar="NAME",
        help="--base vote: the shipped models whose mean probabilities label the faces",
    )
    parser.add_argument(
        "--from",
        dest="source",
        default="ferplus-model3-crossentropy",
        help="the ferplus.json row whose weights are continued",
    )
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--lr", type=float, default=0.004)
    parser.add_argument(
        "--posed-share",
        type=float,
        default=0.1,
        help="share of the loss given to the posed photos",
    )
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument(
        "--quick", action="store_true", help="3,000 FER+ images, 2 epochs"
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    args.mode = "crossentropy"  # the FER+ training set of ferplus.load
    return args


def train(args, data, combined, row):
    """The continued network, its epoch chosen on FER+ FER2013Valid; resumable."""

    params = dict(RECIPE, lr=args.lr, max_epochs=2 if args.quick else args.epochs)
    folder = run_dir(args, params, args.source)
    done = read_checkpoint(folder)
    print(f"== {args.variant}: {len(combined.target)} images; checkpoints: {folder}")
    clf = FERClassifier(
        pretrained=start_weights(row),
        random_state=args.random_state,
        verbose=1,
        **params,
    )
    fitted = fit_with_checkpoints(
        clf,
        combined.data,
        combined.target,
        folder,
        resume=done is not None,
        X_val=data["public"][0],
        y_val=data["public"][1],
        keep_best="valid_acc",
        label_distribution=combined.label_distribution,
        sample_weight=combined.sample_weight,
    )
    if len(fitted.history_) < params["max_epochs"]:
        raise SystemExit("stopped early; run the same command again to resume.")
    best = FERClassifier.from_weights(folder / BEST_FILE)
    best.history_ = fitted.history_
    return best, params, folder / BEST_FILE


def trained_on(args, row, posed):
    """What the row was trained on; a FER2013 network continued on FER+ says both."""
    base = BASES[args.base]
    if args.base == "vote":
        base += f" (soft labels: the vote of {' + '.join(args.voters)})"
    text = " + ".join([base, *posed])
    before = row.get("trained_on", "")
    if args.base == "ferplus" and not before.startswith("FER+"):
        text = f"{before}, then {text}"
    return text


def result_row(args, best, data, row, seen, params, weights):
    names = {"ckplus": "CK+", "jaffe": "JAFFE"}
    return {
        **evaluate(best, data),
        "trained_on": trained_on(args, row, [names[n] for n in seen]),
        "photo_parts_trained_on": {n: list(VARIANTS[args.variant][n]) for n in seen},
        "posed_images": seen,
        "mode": MODES[args.base],
        "epochs": f"{start_epochs(row)} + {len(best.history_)}",
        "continued_from": args.source,
        "params": {**params, "posed_share": args.posed_share},
        "weights": shown_path(weights),
        "command": command_line(),
        "date": now(),
        "hardware": machine_info(),
        "training_time_s": round(sum(h.get("dur", 0.0) for h in best.history_), 1),
    }


def main(argv=None):
    args = parse_args(argv)

    torch.set_num_threads(args.threads)
    json_path = args.output / "ferplus.json"
    results = read_json(json_path)
    row = results.get("models", {}).get(args.source)
    if row is None:
        raise SystemExit(f"--from: no row {args.source!r} in {json_path}")
    data = load(args)
    data["base"] = base_set(args, data)
    combined, seen = training_set(data, args.variant, args.posed_share)
    best, params, weights = train(args, data, combined, row)
    key = key_of(args)
    results["models"][key] = result_row(args, best, data, row, seen, params, weights)
    write_json(json_path, results)
    write_markdown(results, args.output / "ferplus.md")
    print(f"{key}: {results['models'][key]['photos_accuracy']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
