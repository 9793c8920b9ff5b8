"""Helpers shared by the subcommands: argument types, models, datasets, output."""

import argparse
import contextlib
import datetime
import errno
import json
import os
import shlex
import sys
import tempfile
from pathlib import Path

from ..report import schema
from ..utils import write_text_atomic

DATASETS = ("fer2013", "ckplus", "jaffe", "folder")


class UsageError(Exception):
    """A mistake of the user: printed as ``skfer: error: ...``, exit status 2."""


@contextlib.contextmanager
def tolerant_output(streams=("stdout", "stderr")):
    """Print what cannot be encoded as escapes rather than fail, within the block.

    On an ASCII terminal (``LANG=C``, ``PYTHONIOENCODING=ascii``) a file name
    with an accent, or one that is not UTF-8 (kept by Python as surrogates),
    raised ``UnicodeEncodeError`` on the first ``print`` and every line was
    lost: such characters become ``\\xe9``-style escapes instead. Streams that
    already tolerate them (or are not text files, e.g. ``io.StringIO``) are left
    as they are; the previous setting comes back when the block ends.
    """
    changed = []
    for name in streams:
        stream = getattr(sys, name)
        if getattr(stream, "errors", None) == "strict" and hasattr(
            stream, "reconfigure"
        ):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # closed or detached: leave it
                continue
            changed.append(stream)
    try:
        yield
    finally:
        for stream in changed:
            with contextlib.suppress(ValueError, OSError):
                stream.reconfigure(errors="strict")


def note(message):
    """Progress and notes go to stderr, so stdout stays parseable (--json, --csv)."""
    print(message, file=sys.stderr, flush=True)


def now():
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


def command_line(argv):
    return "skfer " + shlex.join(str(a) for a in argv)


# -------------------------------------------------------------- argument types
def _number(text, convert, valid, expected):
    """``convert(text)`` if it parses and is ``valid``, else an argparse error."""
    try:
        value = convert(text)
    except ValueError:
        value = None
    if value is None or not valid(value):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def positive_int(text):
    return _number(text, int, lambda v: v >= 1, "a positive integer")


def positive_float(text):
    return _number(text, float, lambda v: v > 0, "a positive number")


def fraction(text):
    return _number(text, float, lambda v: 0 <= v < 1, "a fraction in [0, 1)")


def add_model_argument(parser):
    parser.add_argument(
        "--model",
        metavar="NAME|PATH",
        help="pretrained model: a name of skfer.list_pretrained(), a .safetensors "
        "file written by `skfer train` or FERClassifier.save_weights, or the "
        "output folder of `skfer train` (default: the best shipped model)",
    )


TTA_CHOICES = ("none", "flip", "crops")


def add_tta_argument(parser):
    parser.add_argument(
        "--tta",
        nargs="?",
        const="flip",
        choices=TTA_CHOICES,
        help="test-time augmentation: none, average with mirror images (flip, "
        "the choice of a bare --tta) or over 5 shifted crops and their mirror "
        "images (crops); default: the setting the model's accuracy was measured "
        "with (a shipped model's registry predict_params, as listed by "
        "skfer.list_pretrained(); an ONNX file's metadata; none for a weights "
        "file)",
    )


def add_inference_arguments(parser):
    """``--tta``, ``--class-prior`` and ``--device``: how a loaded model predicts."""
    add_tta_argument(parser)
    parser.add_argument(
        "--class-prior",
        choices=("training", "uniform"),
        help="class frequencies the probabilities assume: the model's training "
        "labels' or every emotion equally likely (uniform: e.g. posed faces, where "
        "a FER2013 model under-predicts disgust and sad); default: the model's own "
        "setting (a shipped model's registry entry; uniform for the default model)",
    )
    parser.add_argument("--device", default="cpu", help="torch device (default: cpu)")


def print_results(args, document, items, classes, *, csv, table):
    """Print ``document`` as JSON (``--json``), or ``items`` with ``csv``/``table``."""
    if args.json:
        json.dump(document, sys.stdout, indent=2)
        print()
    elif args.csv:
        csv(items, classes)
    else:
        table(items, classes)


def predict_params(args):
    """``load_model`` keywords for ``--tta`` and ``--class-prior``: an option not
    given keeps the model's default."""
    params = {}
    if args.tta is not None:
        params["tta"] = None if args.tta == "none" else args.tta
    if getattr(args, "class_prior", None) is not None:
        params["class_prior"] = None if args.class_prior == "training" else "uniform"
    return params


def add_dataset_arguments(parser, required=True):
    parser.add_argument(
        "--dataset",
        choices=DATASETS,
        required=required,
        help="dataset layout: fer2013 (CSV or Kaggle train/test folders), ckplus, "
        "jaffe (the 213 TIFFs), or folder (one sub-folder per emotion)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="the dataset's folder (default: $SKFER_DATA/<dataset>; required "
        "for --dataset folder)",
    )


# ----------------------------------------------------------------------- models
def best_pretrained() -> str | None:
    """Name of the model ``skfer predict`` uses when no ``--model`` is given.

    :func:`skfer.weights.default_pretrained`: the registry's default, chosen on
    the photo benchmark's validation subjects (never a test split).

    Returns
    -------
    name : str or None
        A name of :func:`skfer.list_pretrained`, or None when none is shipped.

    Examples
    --------
    >>> from skfer import list_pretrained
    >>> from skfer.cli import best_pretrained
    >>> best_pretrained() in {entry["name"] for entry in list_pretrained()}
    True
    """
    # lazy: torch stays out of `skfer --help` start-up
    from ..weights import default_pretrained

    return default_pretrained()


def _looks_like_path(spec):
    """Whether a --model argument is written as a path (``./x``, ``a/b``, ``x.st``)."""
    return (
        os.sep in spec
        or "/" in spec
        or (os.altsep is not None and os.altsep in spec)
        or spec.startswith("~")
        or spec.lower().endswith(".safetensors")
    )


def load_model(spec, **params):
    """A fitted FERClassifier from a registered name, a weights file or a run folder.

    A registered name (:func:`skfer.list_pretrained`) always means the shipped
    model, even when a file or folder of that name is in the working directory
    (a note says so); write the argument as a path (``./fer2013-model3``) to use
    the file or folder.
    """
    # lazy: torch stays out of `skfer --help` start-up
    from .. import list_pretrained, load_pretrained

    shipped = sorted(entry["name"] for entry in list_pretrained())

    if spec is None:
        spec = best_pretrained()
        if spec is None:
            raise UsageError(
                "no pretrained model is shipped with this installation; pass "
                "--model PATH (a .safetensors file written by `skfer train` or "
                "FERClassifier.save_weights), or train one with `skfer train`."
            )
    if spec in shipped and not _looks_like_path(spec):
        if Path(spec).exists():
            note(
                f"skfer: note: --model {spec} is the shipped model; the "
                f"{'folder' if Path(spec).is_dir() else 'file'} {spec!r} in the "
                f"working directory is not used (write ./{spec} to use it)."
            )
        try:
            return load_pretrained(spec, **params), spec
        except (ValueError, OSError) as exc:
            raise UsageError(f"cannot load model {spec!r}: {exc}") from exc
    path = Path(os.path.expanduser(spec))
    if path.is_dir():
        if not (path / schema.WEIGHTS_FILE).is_file():
            raise UsageError(
                f"--model {spec!r} is a folder without model.safetensors; expected "
                "the output folder of `skfer train` or a weights file."
            )
        path = path / schema.WEIGHTS_FILE
        spec = str(path)
    elif not path.exists():
        raise UsageError(
            f"cannot load model {spec!r}: it is neither a shipped model "
            f"({shipped or 'none shipped'}) nor an existing file or "
            "folder."
        )
    try:
        return load_pretrained(path, **params), spec
    except (ValueError, FileNotFoundError, OSError) as exc:
        raise UsageError(f"cannot load model {spec!r}: {exc}") from exc


# ------------------------------------------------------------------ output
def check_output_folder(path, option):
    """Fail before any work if ``path`` cannot be made a writable folder.

    Checks the folder, or the nearest existing folder above it, by creating a
    temporary file there (which also catches read-only file systems and full
    quotas that permission bits do not show). Returns ``path`` (``~`` expanded).
    """
    path = Path(os.path.expanduser(path))
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {str(path)!r} is a file, not a folder.")
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(
            f"{option} {str(path)!r} cannot be created: {str(existing)!r} is a "
            "file, not a folder."
        )
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        raise UsageError(
            f"{option} {str(path)!r} is not writable: cannot create files in "
            f"{str(existing)!r} ({exc.strerror or exc})."
        ) from exc
    return path


def check_output_file(path, option):
    """As :func:`check_output_folder`, for a file to be written (its folder)."""
    path = Path(os.path.expanduser(path))
    if path.is_dir():
        raise UsageError(f"{option} {str(path)!r} is a folder; expected a file name.")
    check_output_folder(path.parent, option)
    return path


@contextlib.contextmanager
def writing(path, option=None):
    """Name ``path`` in the error of a write that fails (a full or read-only disk).

    Turns an ``OSError`` raised within the block into a :class:`UsageError`
    ``cannot write FILE (--option): REASON``; an error already naming the file is
    passed on as it is.
    """
    try:
        yield
    except OSError as exc:
        if str(path) in str(exc):
            raise
        reason = exc.strerror or str(exc) or type(exc).__name__
        where = f" ({option})" if option else ""
        raise UsageError(f"cannot write {str(path)!r}{where}: {reason}.") from exc


LOCK_FILE = ".skfer.lock"


@contextlib.contextmanager
def output_lock(folder, option="--output"):
    """Hold ``folder`` for this run: a second run writing there is refused.

    The folder is created, then ``FOLDER/.skfer.lock`` is locked (``flock``,
    ``msvcrt.locking`` on Windows) for the duration of the block: the lock goes
    away with the process, so a run killed with ``kill -9`` never leaves a stale
    lock and ``--resume`` works at once. Where the file system has no locks,
    runs are not guarded. The file holds the process id, for the message of the
    run refused; it is removed at the end, and so is the folder if this run
    created it and left it empty.
    """
    folder = Path(folder)
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"{option} {str(folder)!r} cannot be created ({exc.strerror or exc})."
        ) from exc
    path = folder / LOCK_FILE
    handle = _locked(path, folder, option)
    try:
        yield path
    finally:
        with contextlib.suppress(OSError):
            path.unlink()  # while still holding it: see _locked
        handle.close()
        if created:  # a run refused before writing anything leaves no folder
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if empty


def _locked(path, folder, option):
    """The open, locked lock file ``path``, or a UsageError if another run holds it.

    A lock file is removed by its owner while locked, so a run that locked a
    file already removed checks that it still holds the file of that name.
    """
    while True:
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115
        try:
            held = _try_lock(handle)
        except OSError:  # no locks on this file system: go on unguarded
            return handle
        if not held:
            handle.seek(0)
            owner = handle.read().strip() or "unknown"
            handle.close()
            raise UsageError(
                f"{option} {str(folder)!r} is being written by another skfer run "
                f"(process {owner}); wait for it to end or choose another {option}."
            )
        try:
            same = os.path.samestat(os.fstat(handle.fileno()), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            return handle
        handle.close()  # removed by the run that just ended: lock the new file


def _try_lock(handle):
    """Lock ``handle`` without waiting: True, or False when another holds it."""
    try:
        # lazy: POSIX only; Windows locks with msvcrt below
        import fcntl
    except ImportError:  # Windows
        import msvcrt  # lazy: Windows only

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EDEADLK):
                return False
            raise
        return True
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


# --------------------------------------------------------------------- datasets
def dataset_dir(dataset, data_dir):
    if data_dir is None:
        if dataset == "folder":
            raise UsageError("--dataset folder needs --data-dir DIR.")
        # lazy: scikit-learn stays out of `skfer --help` start-up
        from ..datasets import get_data_home

        data_dir = get_data_home() / dataset
        if not data_dir.is_dir():
            raise UsageError(
                f"no --data-dir given and the default {str(data_dir)!r} is not a "
                "folder; pass --data-dir DIR or set SKFER_DATA to the folder "
                f"holding {dataset}/."
            )
        return data_dir
    data_dir = Path(os.path.expanduser(data_dir))
    if not data_dir.exists():
        raise UsageError(f"--data-dir {str(data_dir)!r} does not exist.")
    if not data_dir.is_dir() and not (
        dataset == "fer2013" and data_dir.suffix.lower() == ".csv"
    ):
        raise UsageError(f"--data-dir {str(data_dir)!r} is not a folder.")
    return data_dir


def load_dataset(dataset, data_dir):
    """The dataset Bunch of ``skfer.datasets`` for a ``--dataset`` choice."""
    from .. import datasets  # lazy: scikit-learn stays out of `skfer --help` start-up

    path = dataset_dir(dataset, data_dir)
    note(f"loading {dataset} from {path} ...")
    loader = {
        "fer2013": datasets.load_fer2013,
        "ckplus": datasets.load_ckplus,
        "jaffe": datasets.load_jaffe,
        "folder": datasets.load_image_folder,
    }[dataset]
    bunch = loader(path)
    note(f"  {len(bunch.target)} images, classes {sorted(set(bunch.target.tolist()))}")
    return bunch, path


# ----------------------------------------------------------------------- output
def write_json(path, data):
    return write_text_atomic(path, json.dumps(data, indent=2) + "\n")


def per_class_table(summary):
    """Text table of precision, recall, F1 and support per class."""
    lines = [f"{'class':<12}{'precision':>10}{'recall':>9}{'f1':>8}{'support':>9}"]
    for label in summary["labels"]:
        lines.append(
            f"{label:<12}{summary['per_class_precision'][label]:>10.3f}"
            f"{summary['per_class_recall'][label]:>9.3f}"
            f"{summary['per_class_f1'][label]:>8.3f}"
            f"{summary['support'][label]:>9d}"
        )
    return "\n".join(lines)


def load_predictor(args):
    """The model of ``--model`` with its prediction settings, and its name.

    An ``.onnx`` file is run by :class:`skfer.onnx.ONNXClassifier` (no torch),
    with the ``tta`` and ``class_prior`` its metadata records unless ``--tta`` or
    ``--class-prior`` says otherwise; anything else goes through
    :func:`load_model`.
    """
    if str(args.model).lower().endswith(".onnx"):
        # lazy: skfer.onnx loads numpy; import skfer.cli does not
        from ..onnx import ONNXClassifier

        clf = ONNXClassifier(args.model)
        settings = {**clf.metadata_.get("predict_params", {}), **predict_params(args)}
        try:
            clf.set_params(
                tta=settings.get("tta"), class_prior=settings.get("class_prior")
            )
        except ValueError as exc:
            raise UsageError(f"--model {args.model}: {exc}") from exc
        return clf, args.model
    return load_model(args.model, device=args.device, **predict_params(args))
