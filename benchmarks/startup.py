"""Benchmark: how long ``skfer --help`` and ``skfer --version`` take to start.

Usage (from the checkout; ``PYTHONPATH=.`` unless skfer is installed)::

    python benchmarks/startup.py [--runs 15] [--output benchmarks/results]
    python benchmarks/startup.py --quick --output /tmp/startup   # 1 run each
    python benchmarks/startup.py --markdown-only   # the page again, from startup.json

Each command runs ``--runs`` times as a fresh process (``python -m skfer ...``,
after one run not timed that fills the disk cache); the wall time of each run,
from start to exit, is recorded and the median is the headline. Beside them, as
references, the bare interpreter (``python -c pass``) and ``import skfer``. One
more run of each with ``python -X importtime`` lists the modules it imported:
the command line must build its parser without torch, scikit-learn or
matplotlib (the target: ``skfer --help`` under 1 s on a quiet machine).

Writes ``startup.json`` and ``startup.md`` with the command, date, machine and
the load average before and after (other jobs may share the CPU: the results
say).
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import skfer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    CHECKOUT,
    RESULTS,
    add_markdown_only,
    command_line,
    cpu_model,
    hardware_line,
    load_average,
    now,
    page,
    ran,
    read_json,
    usable_cores,
    write_json,
    write_text,
)

#: What is started: a name for the table, and the interpreter's arguments.
COMMANDS = [
    ("skfer --help", ["-m", "skfer", "--help"]),
    ("skfer --version", ["-m", "skfer", "--version"]),
    ("python -c 'import skfer'", ["-c", "import skfer"]),
    ("python -c pass", ["-c", "pass"]),
]
#: Modules the command line must not import to start (top-level names).
HEAVY = ("torch", "sklearn", "matplotlib")
#: The target of ``skfer --help``, in seconds.
TARGET_S = 1.0


def _environment():
    """The environment of the runs: this checkout's skfer first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(CHECKOUT), *filter(None, [env.get("PYTHONPATH")])]
    )
    env.pop("PYTHONSTARTUP", None)
    return env


def _run(args, env, extra=()):
    """One run: its wall time in seconds and its stderr."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *extra, *args], capture_output=True, text=True, env=env
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{args} failed ({done.returncode}): {done.stderr[-500:]}")
    return seconds, done.stderr


def imported_modules(importtime_stderr):
    """The modules a ``python -X importtime`` run imported, from its stderr."""
    names = []
    for line in importtime_stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            name = line.rsplit("|", 1)[1].strip()
            if name != "package":  # the header line
                names.append(name)
    return names


def measure(name, args, runs, warm_up, env):
    """The timings of one command and what it imported."""
    if warm_up:
        _run(args, env)
    seconds = [_run(args, env)[0] for _ in range(runs)]
    modules = imported_modules(_run(args, env, extra=["-X", "importtime"])[1])
    top = {m.split(".")[0] for m in modules}
    return {
        "command": name,
        "runs": runs,
        "median_s": round(statistics.median(seconds), 3),
        "min_s": round(min(seconds), 3),
        "max_s": round(max(seconds), 3),
        "seconds": [round(s, 3) for s in seconds],
        "modules_imported": len(modules),
        "imports": {heavy: heavy in top for heavy in HEAVY},
    }


def _version(package):
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def machine():
    """What the results page's hardware line shows, without importing torch (the
    light install has none)."""
    info = {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable_cores(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "skfer": skfer.__version__,
    }
    for package in ("torch", "numpy", "scikit-learn", "matplotlib"):
        version = _version(package)
        if version is not None:
            info[package] = version
    return info


def markdown(results):
    """The results page: the table, then protocol, command and hardware."""
    yes = {True: "yes", False: "no"}
    table = [
        "| command | median (s) | min (s) | max (s) | modules imported | "
        + " | ".join(f"imports {h}" for h in HEAVY)
        + " |",
        "|---|---:|---:|---:|---:|" + "---|" * len(HEAVY),
        *(
            f"| `{r['command']}` | **{r['median_s']}** | {r['min_s']} | "
            f"{r['max_s']} | {r['modules_imported']} | "
            + " | ".join(yes[r["imports"][h]] for h in HEAVY)
            + " |"
            for r in results["commands"]
        ),
    ]
    runs = results["commands"][0]["runs"]
    warm = "after one run not timed" if results["warm_up"] else "no warm-up run"
    protocol = (
        f"wall time of a fresh process from start to exit, median of {runs} "
        f"run{'s' if runs != 1 else ''} ({warm}); the imports listed by one more run "
        "with `python -X importtime`. Target: `skfer --help` under "
        f"{TARGET_S:g} s on a quiet machine, without torch."
    )
    load = f"{results['load_before']} before, {results['load_after']} after"
    return page(
        "Start-up of the command line",
        table,
        protocol,
        ran(results["command"], results["date"]),
        hardware_line(results["machine"], load=load),
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs",
        type=int,
        default=15,
        metavar="N",
        help="timed runs of each command (default: 15)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="one run of each, no warm-up: checks the script, measures little",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=RESULTS,
        metavar="DIR",
        help="folder of startup.json and startup.md (default: benchmarks/results)",
    )
    add_markdown_only(parser, "startup.json")
    args = parser.parse_args(argv)
    if args.markdown_only:
        data = read_json(args.output / "startup.json")
        write_text(args.output / "startup.md", markdown(data))
        return 0
    if args.runs < 1:
        parser.error(f"--runs must be at least 1; got {args.runs}")
    runs = 1 if args.quick else args.runs
    env = _environment()
    results = {
        "command": command_line(),
        "date": now(),
        "machine": machine(),
        "quick": args.quick,
        "warm_up": not args.quick,
        "load_before": load_average()[0] if load_average() else None,
        "commands": [],
    }
    for name, command in COMMANDS:
        row = measure(name, command, runs, not args.quick, env)
        print(f"{name}: {row['median_s']} s, imports {row['imports']}", flush=True)
        results["commands"].append(row)
    results["load_after"] = load_average()[0] if load_average() else None
    write_json(args.output / "startup.json", results)
    write_text(args.output / "startup.md", markdown(results))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
