"""``skfer report``: one self-contained HTML page of results."""

from pathlib import Path

from ..report import make_report
from ._common import UsageError, check_output_file, note

NAME = "report"
HELP = "HTML report of result folders"

DESCRIPTION = """\
Gather the output folders of `skfer train`, `skfer evaluate` and `skfer demo`,
video runs saved from `skfer predict VIDEO --json`, and benchmark result folders
(JSON, Markdown and PNG files, e.g. benchmarks/results/), into one HTML page:
tables, confusion matrices, learning curves, emotion-analysis and timeline
figures, with every image embedded (the page needs no other file)."""


def add_arguments(p):
    """The options of ``skfer report``."""
    p.add_argument(
        "results",
        nargs="+",
        type=Path,
        metavar="RESULTS",
        help="output folders of skfer train, evaluate, demo or transfer, result "
        "folders of benchmarks, or single JSON, Markdown and PNG files",
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("report.html"),
        metavar="FILE",
        help="the HTML file (default: report.html)",
    )
    p.add_argument("--title", default="skfer report", help="page title")


def run(args):
    check_output_file(args.output, "--output")
    for path in args.results:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder.")
    page = make_report(
        args.results, args.output, title=args.title, command=args.command
    )
    note(f"report written to {page}")
    print(page.resolve().as_uri())
    return 0
