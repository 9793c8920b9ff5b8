"""``skfer transfer``: the FER2013 -> CK+ / JAFFE cross-dataset benchmark."""

from pathlib import Path

from ._common import UsageError, check_output_folder, note, positive_int

# The choices of --methods and --targets, written out so that building the parser
# imports neither torch nor scikit-learn (skfer.transfer does); tests/cli/test_main.py
# checks them against skfer.transfer.METHODS and TARGETS.
METHODS = ("zero-shot", "scratch", "fine-tuned", "fine-tuned+oversampling")
TARGETS = ("ckplus", "jaffe")
PROTOCOLS = ("paper", "subject")

NAME = "transfer"
HELP = "cross-dataset benchmark (scratch vs fine-tuned)"

DESCRIPTION = """\
Compare, on CK+ (the paper's 654-image set) and JAFFE, the FER2013 models applied
as they are (zero-shot), trained from scratch on the target, and fine-tuned from
their FER2013 weights, with scikit-learn's cross_validate under two protocols:
the paper's random image-level splits and subject-independent folds. Writes
transfer.json, transfer.md and figures to --output (read by `skfer report`).
FER2013 weights are the shipped ones, or those given with --weights ARCH=PATH
(e.g. the model.safetensors of `skfer train --dataset fer2013`). Each fold prints
a line as it ends (-q: only one line per row)."""


def add_arguments(p):
    """The options of ``skfer transfer``."""
    _add_what_to_run(p)
    _add_how_to_run(p)


def _add_what_to_run(p):
    """Data, models, targets, protocols, methods and weights of the runs."""
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
        "--targets",
        nargs="+",
        default=list(TARGETS),
        choices=TARGETS,
        help="target datasets (default: both)",
    )
    p.add_argument(
        "--protocols",
        nargs="+",
        default=list(PROTOCOLS),
        choices=PROTOCOLS,
        help="paper: random image-level splits at the paper's ratios; subject: "
        "subject-independent folds (default: both)",
    )
    p.add_argument(
        "--methods",
        nargs="+",
        default=list(METHODS[:3]),
        choices=METHODS,
        help="zero-shot: the FER2013 model as it is; scratch: trained on the target "
        "only; fine-tuned: FER2013 weights trained further on the target; "
        "fine-tuned+oversampling: the same with augmented copies of rare classes "
        f"(default: {' '.join(METHODS[:3])})",
    )
    p.add_argument(
        "--weights",
        nargs="+",
        default=[],
        metavar="ARCH=PATH",
        help="FER2013 weights to use instead of the shipped/cached ones",
    )


def _add_how_to_run(p):
    """Repeats, speed, device, output folder and messages of the runs."""
    p.add_argument(
        "--n-repeats",
        type=positive_int,
        default=5,
        metavar="N",
        help="random splits of the paper protocol (default: 5)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="2 folds per protocol and 3 epochs: every row, in minutes",
    )
    p.add_argument(
        "--n-jobs",
        type=int,
        default=None,
        metavar="N",
        help="folds trained at the same time, in processes (joblib; -1: one per CPU "
        "core; default: one at a time)",
    )
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
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="one line per finished row, no line per fold",
    )


def run(args):
    # lazy: torch stays out of `skfer --help` start-up
    from ..transfer import run_transfer

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
        verbose=1 if args.quiet else 2,
        resume=not args.fresh,
    )
    return 0
