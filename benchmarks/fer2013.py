"""FER2013 benchmark: the paper's three CNNs trained through FERClassifier.

Protocol (the standard one): train on the Training split (28,709 images), select the
epoch on PublicTest (3,589) only, report PrivateTest (3,589). The soft-voting ensemble
of the models whose weights are available is evaluated the same way.

Each model can be trained in its own run (``--models model2``); results accumulate
in ``benchmarks/results/fer2013.json``, weights in ``$SKFER_CACHE/weights``, and
the ensemble is recomputed from whatever weights exist. A run never ships its
weights: ``benchmarks/ship.py ROW --from fer2013`` does, for the row chosen on
validation data.

Examples::

    python benchmarks/fer2013.py --data-dir ../shared/datasets --models model2
    python benchmarks/fer2013.py --data-dir ../shared/datasets --quick --output /tmp/q
    python benchmarks/fer2013.py --recipe paper --models model1   # Adam, 75 epochs
    python benchmarks/fer2013.py --evaluate-only --models model2  # saved weights
    python benchmarks/fer2013.py --ensemble-only
    python benchmarks/fer2013.py --add-rows ../wt/benchmarks/results/fer2013.json
    python benchmarks/fer2013.py --models model3 --distil-from ensemble
    python benchmarks/fer2013.py --markdown-only  # the page again, from the JSON

A run made in a git worktree (pinned at a commit, so that edits never reach it)
writes its results there; ``--add-rows`` brings its newer single-model rows and
their figures back, writes FER2013 Training's class counts into the weights of
runs saved before ``fit`` recorded them (``class_prior`` needs them), and
evaluates the ensemble again.

``--distil-from ensemble`` trains a student on the labels and on the probabilities
of the PublicTest-weighted ensemble (its members and weights as recorded in the
results), computed once on the training images (each member with its TTA); the
row is named ``<model>-distilled``.

Test-time augmentation (mirror image, or five shifted crops and their mirror images)
is chosen per model on PublicTest; PrivateTest is evaluated once, with that choice.

The work is split by job: ``_fer2013_runs.py`` (recipes, data, training runs and
their weights), ``_fer2013_evaluation.py`` (evaluation, figures, ensembles, rows
of other results files) and ``_fer2013_tables.py`` (the results page).
"""

import argparse
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    RESULTS,
    add_markdown_only,
    command_line,
    machine_info,
    now,
    read_json,
    shown_path,
    weights_path,
    write_json,
)
from _fer2013_evaluation import (  # noqa: E402
    add_rows,
    ensemble,
    evaluate,
    figures,
    record_class_count,
    reevaluate,
    result_row,
)
from _fer2013_runs import (  # noqa: E402
    RECIPES,
    cache_weights_dir,
    load,
    run_key,
    save_weights,
    train_one,
)
from _fer2013_tables import PAPER_TABLE5, write_markdown  # noqa: E402


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", help="folder of fer2013/ (default: SKFER_DATA)")
    parser.add_argument("--models", nargs="+", default=["model1", "model2", "model3"])
    parser.add_argument("--recipe", choices=sorted(RECIPES), default="skfer")
    parser.add_argument("--epochs", type=int, default=None, help="override the recipe")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="3,000 training images, 2 epochs, results and weights in --output",
    )
    parser.add_argument(
        "--ensemble-only",
        action="store_true",
        help="train nothing: evaluate the soft-voting ensemble of the saved weights",
    )
    parser.add_argument(
        "--evaluate-only",
        action="store_true",
        help="train nothing: evaluate the saved weights of --models again (test-time "
        "augmentation chosen on PublicTest) and update their rows",
    )
    parser.add_argument(
        "--add-rows",
        nargs="+",
        type=Path,
        metavar="JSON",
        help="train nothing: copy the newer single-model rows of these fer2013.json "
        "files (e.g. of a run in a worktree) and their figures, write the training "
        "labels' class counts into runs' weights saved without them, then evaluate "
        "the ensemble again",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=os.cpu_count(),
        help="torch threads (default: all cores); part of the run's identity",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="start the training afresh even if a checkpoint of the same run exists",
    )
    parser.add_argument(
        "--distil-from",
        metavar="ROW",
        help="train students on the labels and the probabilities of this ensemble "
        "row of fer2013.json (e.g. 'ensemble'); rows are named <model>-distilled",
    )
    parser.add_argument(
        "--distillation-weight",
        type=float,
        default=0.5,
        help="with --distil-from: the teacher's share of the training targets",
    )
    parser.add_argument(
        "--ship",
        metavar="ROW",
        help="moved: python benchmarks/ship.py ROW --from fer2013 [--chosen-on TEXT]",
    )
    parser.add_argument("--chosen-on", metavar="TEXT", help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--weights-dir",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "skfer" / "weights",
        help="the shipped weights, read by --evaluate-only (never written)",
    )
    add_markdown_only(parser, "fer2013.json")
    args = parser.parse_args(argv)
    if args.quick and args.output.resolve() == RESULTS.resolve():
        parser.error("--quick needs --output: a folder outside benchmarks/results")
    return args


def save(results, args):
    """The results file and its page."""
    write_json(args.output / "fer2013.json", results)
    write_markdown(results, args.output / "fer2013.md")


def bring_rows(results, args, data):
    """``--add-rows``: rows of other results files; class counts into weights."""
    added = add_rows(results, args.add_rows, args.output)
    print(f"rows added: {added}")
    # every run's weights, not only the new ones: older runs predate the counts
    for key, row in results["models"].items():
        if not isinstance(row.get("weights"), str):  # an ensemble's votes
            continue
        weights = weights_path(row["weights"])
        if bool(row.get("quick")) == bool(args.quick) and weights.is_file():
            if record_class_count(weights, data["train"][1]):
                print(f"{key}: training class counts written into {weights.name}")


def evaluate_again(results, args, data, fitted):
    """``--evaluate-only``: the saved weights of ``--models`` evaluated again."""
    for model in args.models:
        fitted[run_key(model, args)], row = reevaluate(model, args, data, results)
        print(
            f"{model}: PrivateTest {row['private_test_accuracy']:.4f} "
            f"(tta {row['tta']})"
        )
        save(results, args)


def train(model, results, args, data, fitted):
    """One training run of ``model``, evaluated; its row in ``results``."""
    clf, params, wall, folder = train_one(model, args, data, results)
    key = run_key(model, args)
    fitted[key] = clf
    # a safety copy before anything else can go wrong
    if not args.quick:
        clf.save_weights(cache_weights_dir() / f"{key}-last.safetensors")
    ev = evaluate(clf, data)
    epochs = [h["valid_acc"] for h in clf.history_]
    row = {
        "epochs_run": len(clf.history_),
        "best_epoch": int(np.argmax(epochs)) + 1,
        "wall_time_s": round(wall, 1),
        "recipe": args.recipe,
        "params": params,
        "checkpoints": shown_path(folder),
        "quick": args.quick,
        "command": command_line(),
        "date": now(),
        "hardware": machine_info(args.device),
    }
    row = result_row(clf, ev, args, row)
    pred = clf.classes_[ev["private"][0].argmax(1)]
    row["figures"] = figures(key, clf, data["private"][1], pred, args.output)
    row["weights"] = shown_path(save_weights(clf, model, args, row))
    results["models"][key] = row
    save(results, args)
    print(
        f"{model}: PrivateTest {row['private_test_accuracy']:.4f} "
        f"(PublicTest {row['public_test_accuracy']:.4f}) in {wall / 60:.1f} min"
    )


def main(argv=None):
    args = parse_args(argv)
    if args.ship:
        chosen = f" --chosen-on {args.chosen_on!r}" if args.chosen_on else ""
        raise SystemExit(
            "--ship moved to its own maintainer step: python benchmarks/ship.py "
            f"{args.ship} --from fer2013{chosen}"
        )
    args.output.mkdir(parents=True, exist_ok=True)
    json_path = args.output / "fer2013.json"
    results = read_json(json_path)
    if args.markdown_only:
        write_markdown(results, args.output / "fer2013.md")
        return 0
    import torch  # lazy: torch stays out of `--markdown-only`

    torch.set_num_threads(args.threads)
    data = load(args)
    results.setdefault("models", {})
    results["paper_table5"] = PAPER_TABLE5
    results["protocol"] = (
        "train on FER2013 Training, choose the epoch on PublicTest, report PrivateTest"
    )
    fitted = {}
    if args.add_rows:
        bring_rows(results, args, data)
    if args.evaluate_only:
        evaluate_again(results, args, data, fitted)
    train_nothing = args.ensemble_only or args.evaluate_only or args.add_rows
    for model in [] if train_nothing else args.models:
        train(model, results, args, data, fitted)
    ensemble(args, data, results, args.output, fitted)
    save(results, args)
    print(f"results: {json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
