"""Run every benchmark's ``--quick`` smoke mode, one after the other; say which failed.

Usage (from the checkout)::

    SKFER_DATA=../shared/datasets python benchmarks/quick.py
    python benchmarks/quick.py --only augmentation video --output /tmp/q
    python benchmarks/quick.py --list

Each script runs in a process of its own with its ``--quick`` settings (a few
images, epochs and repeats; ``ship.py`` with ``--dry-run``), writing into a folder
of its own under ``--output`` (default: a temporary folder, removed at the end):
nothing under ``benchmarks/results/`` or ``docs/`` is written. One line per
script: ``ok``, ``FAILED`` (with the end of its output) or ``skipped`` (and why),
and its wall time. The scripts that read real datasets take them from
``--data-dir`` (default: ``SKFER_DATA``) and are skipped without one. The exit
status is 1 if any script failed. The figures measure nothing: this checks that
every script still runs, as the test suite and the docs build check the library.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CHECKOUT, RESULTS, read_json, weights_path  # noqa: E402

HERE = Path(__file__).resolve().parent
DATA, OPTIONAL_DATA = "data", "optional data"

#: name: (script and arguments, what data it reads, the check it builds on).
#: ``{out}`` is the script's folder, ``{row}`` a fer2013.json row whose weights
#: are on this machine. Quickest first.
CHECKS = {
    "startup": (["startup.py", "--quick", "--output", "{out}"], None, None),
    "figures_augmentation": (
        ["figures_augmentation.py", "--quick", "--output", "{out}"],
        None,
        None,
    ),
    "augmentation": (
        ["augmentation.py", "--quick", "--output", "{out}"],
        OPTIONAL_DATA,
        None,
    ),
    "loading": (["loading.py", "--quick", "--output", "{out}"], DATA, None),
    "single_image": (["single_image.py", "--quick", "--output", "{out}"], None, None),
    "onnx_export": (["onnx_export.py", "--quick", "--output", "{out}"], None, None),
    "video": (["video.py", "--quick", "--output", "{out}"], None, None),
    "figures_video": (["figures_video.py", "--quick", "--output", "{out}"], None, None),
    "speed": (["speed.py", "--quick", "--output-dir", "{out}"], None, None),
    "ship": (["ship.py", "{row}", "--from", "fer2013", "--dry-run"], None, None),
    "figures_jaffe": (["figures_jaffe.py", "--quick", "--output", "{out}"], DATA, None),
    "figures_saliency": (
        ["figures_saliency.py", "--quick", "--output", "{out}"],
        DATA,
        None,
    ),
    "figures_emotion_analysis": (
        ["figures_emotion_analysis.py", "--quick", "--output", "{out}"],
        DATA,
        None,
    ),
    "detectors": (["detectors.py", "--quick", "--output", "{out}"], DATA, None),
    "photos": (["photos.py", "--quick", "--output", "{out}"], DATA, None),
    "transfer": (
        ["transfer.py", "--quick", "--models", "model2", "--targets", "jaffe"]
        + ["--output", "{out}"],
        DATA,
        None,
    ),
    "fer2013": (
        ["fer2013.py", "--quick", "--models", "model2", "--output", "{out}"],
        DATA,
        None,
    ),
    "ferplus": (
        ["ferplus.py", "--quick", "--models", "model2", "--output", "{out}"],
        DATA,
        None,
    ),
    # continues the FER+ run of the check above, in its folder
    "multidataset": (
        ["multidataset.py", "--quick", "--variant", "all"]
        + ["--from", "ferplus-model2-crossentropy-quick", "--output", "{out}"],
        DATA,
        "ferplus",
    ),
}


def shippable_row():
    """The first row of ``results/fer2013.json`` whose weights are here, or None."""
    rows = read_json(RESULTS / "fer2013.json").get("models", {})
    for key, row in rows.items():
        shown = row.get("weights")
        if isinstance(shown, str) and weights_path(shown).is_file():
            return key
    return None


def command(name, out, data, row):
    """The command line of check ``name``, or the reason it is skipped."""
    arguments, reads, _ = CHECKS[name]
    if reads == DATA and not data:
        return "no data: pass --data-dir or set SKFER_DATA"
    if "{row}" in arguments and row is None:
        return "no row of results/fer2013.json has its weights on this machine"
    line = [sys.executable, str(HERE / arguments[0])]
    line += [a.format(out=out, row=row) for a in arguments[1:]]
    if reads and data:
        line += ["--data-dir", str(data)]
    return line


def run_one(line, log, timeout, env):
    """Run ``line`` with its output in ``log``; its exit status (None: timed out)."""
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            line,
            cwd=CHECKOUT,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its workers go with it on a time-out
        )
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return None


def tail(log, lines=15):
    text = Path(log).read_text(errors="replace").rstrip().splitlines()
    return "\n".join("    " + line for line in text[-lines:])


def run_checks(names, root, args):
    """Run ``names`` in turn under ``root``; ``{name: status}``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(CHECKOUT), env.get("PYTHONPATH")) if p
    )
    if args.data_dir:
        env["SKFER_DATA"] = str(args.data_dir)
    row = shippable_row()
    status = {}
    for name in names:
        after = CHECKS[name][2]
        out = root / (after or name)
        out.mkdir(parents=True, exist_ok=True)
        line = command(name, out, args.data_dir, row)
        if after and status.get(after, "ok") != "ok":
            line = f"needs {after}, which did not pass"
        if isinstance(line, str):
            status[name] = "skipped"
            print(f"skipped {name:26} {'':>8}   {line}", flush=True)
            continue
        start = time.perf_counter()
        code = run_one(line, out / f"{name}.log", args.timeout, env)
        seconds = time.perf_counter() - start
        status[name] = "ok" if code == 0 else "FAILED"
        why = (
            ""
            if code == 0
            else f"   exit {code}"
            if code is not None
            else "   time-out"
        )
        print(f"{status[name]:7} {name:26} {seconds:7.1f} s{why}", flush=True)
        if code != 0:
            print(tail(out / f"{name}.log"), flush=True)
    return status


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=os.environ.get("SKFER_DATA"),
        help="folder of fer2013/, ferplus/, ckplus/, jaffe/ (default: $SKFER_DATA)",
    )
    parser.add_argument("--only", nargs="+", choices=list(CHECKS), metavar="NAME")
    parser.add_argument("--skip", nargs="+", choices=list(CHECKS), default=[])
    parser.add_argument(
        "--output",
        type=Path,
        help="keep each script's results and log in DIR/<name>/ (default: a "
        "temporary folder, removed at the end)",
    )
    parser.add_argument(
        "--timeout", type=float, default=1200, help="seconds per script (1200)"
    )
    parser.add_argument("--list", action="store_true", help="the checks, and stop")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    names = [n for n in args.only or CHECKS if n not in args.skip]
    if args.list:
        for name in CHECKS:
            print(name, " ".join(CHECKS[name][0]))
        return 0
    root = args.output or Path(tempfile.mkdtemp(prefix="skfer-quick-"))
    try:
        status = run_checks(names, root, args)
    finally:
        if args.output is None:
            shutil.rmtree(root, ignore_errors=True)
    counts = {s: list(status.values()).count(s) for s in ("ok", "FAILED", "skipped")}
    print(", ".join(f"{n} {s}" for s, n in counts.items()))
    return 1 if counts["FAILED"] else 0


if __name__ == "__main__":
    sys.exit(main())
