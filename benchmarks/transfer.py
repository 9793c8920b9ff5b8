"""Cross-dataset transfer benchmark: FER2013 -> CK+ and JAFFE, scratch vs fine-tuned.

A thin script over :func:`skfer.transfer.run_transfer` (also ``skfer transfer``).

Examples::

    python benchmarks/transfer.py --data-dir ../shared/datasets
    python benchmarks/transfer.py --data-dir ../shared/datasets --quick --models model2
    python benchmarks/transfer.py --markdown-only   # the page, from transfer.json
"""

import argparse
import sys
from pathlib import Path

from skfer.transfer import merge_results, write_results

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    RESULTS,
    add_markdown_only,
    command_line,
    read_json,
    write_text,
)

from skfer.transfer import METHODS, results_markdown, run_transfer  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", help="folder of ckplus/ and jaffe/ (SKFER_DATA)")
    parser.add_argument("--models", nargs="+", default=["model1", "model2", "model3"])
    parser.add_argument("--targets", nargs="+", default=["ckplus", "jaffe"])
    parser.add_argument("--protocols", nargs="+", default=["paper", "subject"])
    parser.add_argument(
        "--methods", nargs="+", default=list(METHODS[:3]), choices=METHODS
    )
    parser.add_argument("--n-repeats", type=int, default=5)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="2 folds per protocol, 3 epochs: every row, fast",
    )
    parser.add_argument("--n-jobs", type=int, default=None)
    parser.add_argument(
        "--device", default="cpu", help="torch device of the trained models, e.g. cuda"
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="ignore an earlier transfer.json in the output folder "
        "(default: keep its rows and run only the missing ones)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--report-only",
        nargs="*",
        type=Path,
        metavar="JSON",
        help="run nothing: merge these transfer.json files (rows of later files "
        "win) into --output and write its transfer.md and figures",
    )
    add_markdown_only(parser, "transfer.json")
    args = parser.parse_args(argv)
    if args.markdown_only:
        results = read_json(args.output / "transfer.json")
        write_text(args.output / "transfer.md", results_markdown(results))
        return 0
    if args.report_only is not None:
        return report_only(args.report_only, args.output)
    run_transfer(
        args.data_dir,
        output=args.output,
        models=args.models,
        targets=args.targets,
        protocols=args.protocols,
        methods=args.methods,
        quick=args.quick,
        n_repeats=args.n_repeats,
        n_jobs=args.n_jobs,
        device=args.device,
        command=command_line(),
        resume=not args.fresh,
    )
    return 0


def report_only(paths, output):
    try:
        merged = merge_results(paths or [output / "transfer.json"])
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
    results = write_results(merged, output)
    print(
        f"{len(results['rows'])} rows, {len(results['missing_rows'])} missing; "
        f"written to {output}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
