"""``skfer train``: train a network on a dataset, with resumable checkpoints."""

import contextlib
import os
import time
from pathlib import Path

import numpy as np

from ..report import schema
from ._common import (
    UsageError,
    add_dataset_arguments,
    check_output_folder,
    fraction,
    load_dataset,
    note,
    output_lock,
    positive_float,
    positive_int,
)

NAME = "train"
HELP = "train a network on FER2013, CK+, JAFFE or an image folder"

DESCRIPTION = """\
Train one of skfer's networks on a dataset. Each epoch shows a progress bar and a
line with loss and accuracy; a checkpoint is written (atomically) after every
epoch to OUTPUT/checkpoint/, so an interrupted run (Ctrl-C, a killed job) goes on
from its last complete epoch with the same command plus --resume. The output
folder gets model.safetensors (weights), card.json (classes, architecture, data,
accuracy, command), history.json and figures for `skfer report`.

Splits: FER2013 trains on Training, validates on PublicTest and reports
PrivateTest accuracy. Other datasets hold out --test-fraction of the images
(stratified, image-level: the same person may appear in both parts) and validate
on --validation-fraction of the rest."""


# The choices of --model and --augment, written out so that building the parser
# does not import torch (skfer.models and skfer.augmentation do);
# tests/cli/test_main.py checks them against ARCHITECTURES and PRESETS.
ARCHITECTURES = ("model1", "model2", "model3", "small")
AUGMENT_PRESETS = ("light", "none", "paper", "standard")


def add_arguments(p):
    """The options of ``skfer train``."""
    add_dataset_arguments(p)
    p.add_argument(
        "--model",
        dest="architecture",
        choices=ARCHITECTURES,
        help="architecture (default: model2, or that of --pretrained)",
    )
    p.add_argument(
        "--epochs", type=positive_int, default=30, metavar="N", help="default: 30"
    )
    p.add_argument(
        "--batch-size", type=positive_int, default=128, metavar="N", help="default: 128"
    )
    p.add_argument("--lr", type=positive_float, default=1e-3, help="default: 0.001")
    p.add_argument(
        "--augment",
        choices=AUGMENT_PRESETS,
        help="on-the-fly augmentation of training batches (default: none)",
    )
    p.add_argument(
        "--pretrained",
        metavar="NAME|PATH",
        help="start from these weights (fine-tuning): a shipped name or a "
        ".safetensors file",
    )
    p.add_argument(
        "--test-fraction",
        type=fraction,
        default=0.2,
        metavar="F",
        help="share held out for the final accuracy (default: 0.2; FER2013 uses "
        "PrivateTest)",
    )
    p.add_argument(
        "--validation-fraction",
        type=fraction,
        default=0.1,
        metavar="F",
        help="share of the training part used for per-epoch validation "
        "(default: 0.1; FER2013 uses PublicTest)",
    )
    p.add_argument(
        "--output",
        type=Path,
        metavar="DIR",
        help="output folder (default: skfer-<dataset>-<model>)",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the interrupted run in --output from its last complete epoch",
    )
    p.add_argument("--device", default="cpu", help="torch device (default: cpu)")
    p.add_argument(
        "--random-state", type=int, default=0, metavar="SEED", help="default: 0"
    )
    p.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar or epoch table"
    )


def run(args):
    arch_name = args.architecture or ("pretrained" if args.pretrained else "model2")
    out = args.output or Path(f"skfer-{args.dataset}-{arch_name}")
    with _torchrun_group(args) as rank:
        if rank:  # another process of a data-parallel run: it trains, writes nothing
            return _train(args, Path(os.path.expanduser(out)), arch_name, main=False)
        out = check_output_folder(out, "--output")  # before any data is loaded
        with output_lock(out):  # a second run into the same folder is refused
            return _train(args, out, arch_name)


@contextlib.contextmanager
def _torchrun_group(args):
    """This process's rank in the group of a ``torchrun`` launch (joined for the
    block), or None when the command runs as one process.

    Data-parallel training (see docs/user_guide/scaling.rst): gloo on CPUs,
    NCCL with ``--device cuda``, each process on the GPU of its ``LOCAL_RANK``.
    """
    if int(os.environ.get("WORLD_SIZE", "1")) < 2:
        yield None
        return
    # lazy: torch stays out of `skfer --help` start-up
    import torch
    import torch.distributed as dist

    if args.device.startswith("cuda"):
        local = int(os.environ.get("LOCAL_RANK", "0"))
        torch.cuda.set_device(local)
        args.device = f"cuda:{local}"
    joined = not dist.is_initialized()
    if joined:
        dist.init_process_group("nccl" if args.device.startswith("cuda") else "gloo")
    try:
        yield dist.get_rank()
    finally:
        if joined:
            dist.destroy_process_group()


def _train(args, out, arch_name, main=True):
    """``skfer train`` once ``out`` is held by this run.

    ``main=False``: another process of a data-parallel run, which trains its
    share and leaves every message and file to the first process.
    """
    # lazy: torch stays out of `skfer --help` start-up
    from .. import FERClassifier
    from ..classifier import fit_with_checkpoints
    from ..weights import read_checkpoint

    ckpt = out / "checkpoint"
    existing = _checkpoint_to_resume(args, ckpt)
    bunch, data_dir, (X, y), (X_val, y_val), frac, test, data = _load_data(args)
    clf = FERClassifier(
        args.architecture,
        max_epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        augment=args.augment,
        pretrained=args.pretrained,
        classes=np.unique(bunch.target),
        validation_fraction=frac,
        device=args.device,
        random_state=args.random_state,
        verbose=0 if args.quiet else 2,
    )
    if main:
        _announce(args, out, arch_name, ckpt, existing, data)
    start = time.perf_counter()
    clf = fit_with_checkpoints(
        clf,
        X,
        y,
        ckpt,
        resume=bool(existing),
        X_val=X_val,
        y_val=y_val,
        card={"data": data, "command": args.command},
    )
    if not main:
        return 0
    done = read_checkpoint(ckpt)["epoch"]
    if done < args.epochs:
        note(
            f"skfer: interrupted after {done} complete epochs of {args.epochs}; the "
            f"checkpoint in {ckpt} keeps them. Continue with the same command plus "
            "--resume."
        )
        return 130
    return _evaluate_and_save(args, out, clf, test, data_dir, data, existing, start)


def _announce(args, out, arch_name, ckpt, existing, data):
    """The line that says what this run will do."""
    if existing and existing["epoch"] == args.epochs:
        note(f"checkpoint {ckpt} is complete ({args.epochs} epochs): no training")
    elif existing:
        note(
            f"resuming {str(out)!r} after epoch {existing['epoch']}: "
            f"{args.epochs - existing['epoch']} more epochs"
        )
    else:
        note(
            f"training {arch_name} for {args.epochs} epochs on {data['n_train']} "
            f"images ({data['n_valid']} for validation); checkpoints in {ckpt}"
        )


def _checkpoint_to_resume(args, ckpt):
    """The checkpoint this run continues (or None), ``--pretrained`` checked."""
    # lazy: torch stays out of `skfer --help` start-up
    from ..classifier import checkpoint_to_resume
    from ..weights import read_weights, resolve_weights

    try:
        existing = checkpoint_to_resume(
            ckpt, resume=args.resume, max_epochs=args.epochs
        )
    except ValueError as exc:
        raise UsageError(
            f"{exc} (skfer train: pass --resume to continue a checkpoint, or choose "
            "another --output)"
        ) from exc
    if args.pretrained is not None:
        try:
            read_weights(resolve_weights(args.pretrained))  # whole file checked
        except (ValueError, OSError) as exc:
            raise UsageError(f"--pretrained: {exc}") from exc
    return existing


def _load_data(args):
    """The dataset split for training, validation and test, and its description."""
    # lazy: scikit-learn stays out of `skfer --help` start-up
    from ..datasets import split_dataset

    bunch, data_dir = load_dataset(args.dataset, args.data_dir)
    try:
        (X, y), valid, test, split_text = split_dataset(
            bunch, test_fraction=args.test_fraction, random_state=args.random_state
        )
    except ValueError as exc:
        raise UsageError(f"--test-fraction: {exc}") from exc
    X_val, y_val = valid if valid is not None else (None, None)
    frac = None if valid is not None else (args.validation_fraction or None)
    n_valid = len(y_val) if valid is not None else int(np.ceil((frac or 0) * len(y)))
    if frac is not None:
        _check_validation_split(frac, len(y), n_valid, len(np.unique(y)))
    data = {
        "dataset": args.dataset,
        "data_dir": str(data_dir.resolve()),
        "split": split_text,
        "n_train": int(len(y) - (0 if valid is not None else n_valid)),
        "n_valid": int(n_valid),
        "n_test": 0 if test is None else int(len(test[1])),
    }
    return bunch, data_dir, (X, y), (X_val, y_val), frac, test, data


def _evaluate_and_save(args, out, clf, test, data_dir, data, existing, start):
    """Evaluate on the test split (if any), write the model card, print a summary."""
    # lazy: _runs loads scikit-learn, kept out of `skfer --help` start-up
    from ._runs import evaluate_into, write_training

    accuracy = {}
    if test is not None:
        summary = evaluate_into(
            out,
            clf,
            *test,
            {
                "model": str(out / schema.WEIGHTS_FILE),
                "dataset": args.dataset,
                "data_dir": str(data_dir),
                "subset": "PrivateTest" if args.dataset == "fer2013" else "held out",
                "command": args.command,
            },
        )
        accuracy["test"] = summary["accuracy"]
    card = write_training(
        out,
        clf,
        {
            "name": out.name,
            "data": data,
            "pretrained": args.pretrained,
            "accuracy": accuracy,
            **({"resumed_after_epoch": existing["epoch"]} if existing else {}),
            "seconds": round(time.perf_counter() - start, 1),
            "command": args.command,
        },
    )
    acc = card["accuracy"]
    parts = [f"{k} {v:.3f}" for k, v in acc.items()]
    print(f"accuracy: {', '.join(parts)}")
    print(f"saved {out / schema.WEIGHTS_FILE} and {out / schema.CARD_JSON}")
    return 0


def _check_validation_split(frac, n, n_valid, n_classes):
    """Refuse a ``--validation-fraction`` that leaves too little to train on.

    The training part must keep one image of each class (the stratified split
    needs it), and the validation part one image at least.
    """
    n_train = n - n_valid
    if n_valid < 1 or n_train < n_classes:
        raise UsageError(
            f"--validation-fraction {frac} keeps {n_train} of the {n} training "
            f"images for training and {n_valid} for validation; expected at least "
            f"one image of each of the {n_classes} classes for training and one for "
            "validation: pass a smaller fraction (default 0.1), or 0 for none."
        )
