"""``skfer evaluate``: accuracy, per-class scores and confusion matrix of a model."""

from pathlib import Path

import numpy as np

from ..report import schema
from ._common import (
    UsageError,
    add_dataset_arguments,
    add_inference_arguments,
    add_model_argument,
    check_output_folder,
    dataset_dir,
    load_dataset,
    load_predictor,
    note,
    per_class_table,
)

NAME = "evaluate"
HELP = "score a model on a dataset"

DESCRIPTION = """\
Score a trained model on a dataset: prints the accuracy, macro F1 and per-class
precision/recall/F1, and writes evaluation.json and confusion_matrix.png to
--output (read by `skfer report`). On FER2013 the PrivateTest split is used
unless --subset says otherwise; other datasets are used whole. --model takes
.onnx files of `skfer export` too (run by onnxruntime)."""


def add_arguments(p):
    """The options of ``skfer evaluate``."""
    add_model_argument(p)
    add_dataset_arguments(p)
    p.add_argument(
        "--subset",
        choices=("Training", "PublicTest", "PrivateTest", "all"),
        help="FER2013 split to score (default: PrivateTest)",
    )
    p.add_argument(
        "--output",
        type=Path,
        metavar="DIR",
        help="folder for evaluation.json and confusion_matrix.png "
        "(default: skfer-evaluate-<dataset>)",
    )
    add_inference_arguments(p)


def run(args):
    # lazy: _runs loads scikit-learn, kept out of `skfer --help` start-up
    from ._runs import evaluate_into

    if args.subset is not None and args.dataset != "fer2013":
        raise UsageError("--subset applies to --dataset fer2013 only.")
    out = args.output or Path(f"skfer-evaluate-{args.dataset}")
    out = check_output_folder(out, "--output")
    dataset_dir(args.dataset, args.data_dir)  # a wrong folder fails before loading
    clf, model_name = load_predictor(args)  # .onnx files too
    bunch, data_dir = load_dataset(args.dataset, args.data_dir)
    X, y = bunch.data, bunch.target
    subset = None
    if args.dataset == "fer2013" and bunch.usage is not None:
        subset = args.subset or "PrivateTest"
        if subset != "all":
            keep = np.asarray(bunch.usage) == subset
            if not keep.any():
                raise UsageError(f"{data_dir} has no {subset} images.")
            X, y = X[keep], y[keep]
    unknown = sorted(set(y.tolist()) - set(clf.classes_.tolist()))
    if unknown:
        note(f"skfer: note: the model does not know the classes {unknown}.")
    note(f"scoring {model_name} on {len(y)} images ...")
    summary = evaluate_into(
        out,
        clf,
        X,
        y,
        {
            "model": model_name,
            "dataset": args.dataset,
            "data_dir": str(data_dir),
            "subset": subset,
            "tta": clf.tta,
            "class_prior": getattr(clf, "class_prior", None),  # none in ONNX
            "command": args.command,
        },
    )
    print(
        f"accuracy {summary['accuracy']:.3f}, macro F1 {summary['macro_f1']:.3f} "
        f"on {summary['n_samples']} images"
    )
    print(per_class_table(summary))
    print(f"wrote {out / schema.EVALUATION_JSON} and {out / schema.CONFUSION_PNG}")
    return 0
