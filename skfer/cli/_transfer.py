"""``skfer transfer``: the FER2013 -> CK+ / JAFFE cross-dataset benchmark."""

from pathlib import Path

from ..transfer import METHODS
from ._common import note

NAME = "transfer"
HELP = "cross-dataset benchmark (scratch vs fine-tuned)"

DESCRIPTION = """\
Compare, on CK+ (the paper's 654-image set) and JAFFE, the FER2013 models applied
as they are (zero-shot), trained from scratch on the target, and fine-tuned from
their FER2013 weights, with scikit-learn's cross_validate under two protocols:
the paper's random image-level splits and subject-independent folds. Writes
transfer.json, transfer.md and figures to --output (read by `skfer report`).
FER2013 weights are the shipped ones, or those cached by benchmarks/fer2013.py."""


def add_arguments(p):
    """The options of ``skfer transfer``."""
    p.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="folder of ckplus/ and jaffe/ (default: $SKFER_DATA)",
    )
    p.add_argument(
        "--models",
        nargs="+",
        default=["model1", "model2", "model3"],
        metavar="ARCH",
        help="architectures (default: the paper's three)",
    )
    p.add_argument(
        "--targets", nargs="+", default=["ckplus", "jaffe"], choices=("ckplus", "jaffe")
    )
    p.add_argument(
        "--protocols",
        nargs="+",
        default=["paper", "subject"],
        choices=("paper", "subject"),
    )
    p.add_argument("--methods", nargs="+", default=list(METHODS[:3]), choices=METHODS)
    p.add_argument(
        "--weights",
        nargs="+",
        default=[],
        metavar="ARCH=PATH",
        help="FER2013 weights to use instead of the shipped/cached ones",
    )
    p.add_argument(
        "--n-repeats",
        type=int,
        default=5,
        help="random splits of the paper protocol (default: 5)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="2 folds per protocol and 3 epochs: every row, in minutes",
    )
    p.add_argument("--n-jobs", type=int, default=None, help="folds in parallel")
    p.add_argument(
        "--device",
        default="cpu",
        help="torch device of the trained models, e.g. cuda (default: cpu)",
    )
    p.add_argument(
        "--fresh",
        action="store_true",
        help="ignore an earlier transfer.json in the output folder "
        "(default: keep its rows and run only the missing ones)",
    )
    p.add_argument(
        "--output",
        type=Path,
        default=Path("skfer-transfer"),
        metavar="DIR",
        help="results folder (default: skfer-transfer)",
    )


def run(args):
    from ..transfer import run_transfer
    from ._common import UsageError, check_output_folder

    check_output_folder(args.output, "--output")

    weights = {}
    for item in args.weights:
        arch, sep, path = item.partition("=")
        if not sep or not arch or not path:
            raise UsageError(f"--weights takes ARCH=PATH, got {item!r}.")
        weights[arch] = path
    run_transfer(
        args.data_dir,
        output=args.output,
        models=args.models,
        targets=args.targets,
        protocols=args.protocols,
        methods=args.methods,
        weights=weights or None,
        quick=args.quick,
        n_repeats=args.n_repeats,
        n_jobs=args.n_jobs,
        device=args.device,
        command=args.command,
        log=note,
        resume=not args.fresh,
    )
    return 0
