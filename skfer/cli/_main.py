"""The ``skfer`` command line: a thin layer over the public API.

Subcommands (each in a private module of ``skfer.cli``): ``predict``
(emotions of the faces in photos), ``train`` (with resumable checkpoints),
``evaluate``, ``report`` (one self-contained HTML page), ``demo`` (train,
fine-tune, compare and report) and ``export`` (an ONNX file).
Mistakes of the user end with ``skfer: error: ...`` and exit status 2, never a
traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from typing import NoReturn

from .. import __version__
from ..utils import missing_dependency_message
from ._common import UsageError, command_line, tolerant_output

__all__ = ["build_parser", "main"]

_EPILOG = """\
examples:
  skfer demo                                   # synthetic end-to-end run + report
  skfer predict photo.jpg --model run/model.safetensors --plot analysis.png
  skfer train --dataset fer2013 --data-dir data/fer2013 --model model2 --epochs 30
  skfer train ... --resume                     # continue after an interruption
  skfer evaluate --model run/ --dataset jaffe --data-dir data/jaffe
  skfer report run/ skfer-evaluate-jaffe/ -o report.html
  skfer export fer2013-model2 model2.onnx      # run it without torch
"""


class _Parser(argparse.ArgumentParser):
    """A parser whose usage errors are one line, as every other error of skfer:
    ``skfer: error: MESSAGE (see skfer COMMAND --help)``, exit status 2.

    The sub-parsers are of this class too (``add_subparsers`` makes them with
    the class of their parent).
    """

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"skfer: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``skfer`` command.

    Returns
    -------
    parser : argparse.ArgumentParser
        One sub-parser per subcommand; each parsed namespace has ``func``, the
        function running the subcommand.

    Examples
    --------
    >>> from skfer.cli import build_parser
    >>> args = build_parser().parse_args(["report", "runs/", "-o", "r.html"])
    >>> args.command_name, str(args.output)
    ('report', 'r.html')
    """
    # lazy: import skfer.cli loads no numpy; building the parser does
    from . import _demo as demo
    from . import _evaluate as evaluate
    from . import _export as export
    from . import _predict as predict
    from . import _report as report
    from . import _train as train
    from . import _transfer as transfer

    parser = _Parser(
        prog="skfer",
        description="Facial expression recognition with skfer.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"skfer {__version__}")
    sub = parser.add_subparsers(dest="command_name", required=True, metavar="COMMAND")
    for command in (predict, train, evaluate, transfer, report, demo, export):
        p = sub.add_parser(
            command.NAME,
            help=command.HELP,
            description=command.DESCRIPTION,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.add_arguments(p)
        p.set_defaults(func=command.run)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"skfer: warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``skfer`` command line; the entry point of the console script.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments, without the program name; ``None`` reads ``sys.argv``.

    Returns
    -------
    status : int
        0 on success, 2 for a usage error, a user mistake or any other failure
        (one line on stderr, ``skfer: error: ...``, naming the file or option;
        never a traceback unless the environment sets ``SKFER_DEBUG``), 130 when
        interrupted.

    Examples
    --------
    >>> from skfer.cli import main
    >>> main(["--version"])
    skfer ...
    0
    """
    with tolerant_output():  # a file name the terminal cannot show never stops it
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")  # files only, never a window
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (status 2)
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 2)
    args.command = command_line(argv)
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            return args.func(args)
        except KeyboardInterrupt:
            print("skfer: interrupted", file=sys.stderr)
            return 130
        except (UsageError, ValueError, OSError, ImportError) as exc:
            print(f"skfer: error: {_describe(exc)}", file=sys.stderr)
            return 2
        except Exception as exc:  # noqa: BLE001 - no traceback for anything else
            if os.environ.get("SKFER_DEBUG"):
                raise
            print(
                f"skfer: error: {_describe(exc)} ({type(exc).__name__}; set "
                "SKFER_DEBUG=1 to see the traceback)",
                file=sys.stderr,
            )
            return 2


def _describe(exc: BaseException) -> str:
    """The message of an exception on one line, with the file an OSError carries.

    A message of several lines (the files a loader could not use) is joined
    with ``; ``: an error is always one line.
    """
    missing = missing_dependency_message(exc, "this command")
    if missing is not None:  # e.g. `skfer train` in the torch-free install
        return missing
    text = str(exc)
    if isinstance(exc, OSError) and exc.filename and str(exc.filename) not in text:
        text = f"{text}: {exc.filename}"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return "; ".join(lines).replace(":;", ":") or type(exc).__name__


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
