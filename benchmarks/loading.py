"""Benchmark: cold and cached load time of FER2013 with ``load_fer2013``.

Usage (from the checkout; ``PYTHONPATH=.`` unless skfer is installed)::

    SKFER_DATA=../shared/datasets python benchmarks/loading.py [--data-dir DIR]
        [--repeats 3] [--out-dir benchmarks/results]

Measures, on the FER2013 folder ``<data-dir>/fer2013`` (Goodfellow et al., 2013):

- ``no_cache``: ``load_fer2013(path, cache=False)``: decode every image;
- ``cold``: first load into an empty temporary cache folder (decode + write);
- ``cached``: the following loads from that cache (target: under 2 s).

"Cold" means skfer's cache is empty; the operating system's file cache is
whatever the machine left (warm after the first run), which the results say.
Writes ``loading.json`` and ``loading.md`` with the command, date and machine.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGET_CACHED_S = 2.0


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _machine():
    import numpy
    import PIL
    import skimage

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "usable_cores": usable,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "pillow": PIL.__version__,
        "scikit-image": skimage.__version__,
    }


def _timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("SKFER_DATA"),
        help="folder holding fer2013/ (default: $SKFER_DATA)",
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--out-dir", default=str(Path(__file__).resolve().parent / "results")
    )
    args = parser.parse_args(argv)
    if not args.data_dir:
        parser.error("pass --data-dir or set SKFER_DATA")
    path = Path(args.data_dir).expanduser() / "fer2013"

    from skfer.datasets import load_fer2013

    load_before = os.getloadavg()[0]
    no_cache, cold, cached = [], [], []
    with tempfile.TemporaryDirectory(prefix="skfer-bench-") as cache:
        for _ in range(args.repeats):
            seconds, faces = _timed(lambda: load_fer2013(path, cache=False))
            no_cache.append(seconds)
        for _ in range(args.repeats):
            for entry in Path(cache).iterdir():
                entry.unlink()
            seconds, _ = _timed(lambda: load_fer2013(path, cache=cache))
            cold.append(seconds)
            for _ in range(args.repeats):
                seconds, again = _timed(lambda: load_fer2013(path, cache=cache))
                cached.append(seconds)
        cache_bytes = sum(p.stat().st_size for p in Path(cache).iterdir())
    assert (again.data == faces.data).all()

    def summary(times):
        return {
            "median_s": round(statistics.median(times), 3),
            "min_s": round(min(times), 3),
            "max_s": round(max(times), 3),
            "runs": [round(t, 3) for t in times],
        }

    results = {
        "benchmark": "load_fer2013 cold vs cached",
        "command": " ".join(
            ["python", "benchmarks/loading.py"]
            + [shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])]
        ),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
        "machine": _machine(),
        "dataset": {
            "path": "<data-dir>/fer2013",
            "layout": "Kaggle image folders (48x48 JPEG)",
            "n_images": int(len(faces.data)),
            "data_shape": list(faces.data.shape),
            "data_dtype": str(faces.data.dtype),
        },
        "cache_file_mb": round(cache_bytes / 2**20, 1),
        # other jobs on the machine slow the decoding down: say how busy it was
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "no_cache": summary(no_cache),
        "cold": summary(cold),
        "cached": summary(cached),
        "target_cached_s": TARGET_CACHED_S,
        "cached_meets_target": statistics.median(cached) < TARGET_CACHED_S,
        "note": "cold = skfer cache empty; the OS file cache was warm after the "
        "first run (no_cache runs come first).",
    }
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "loading.json").write_text(json.dumps(results, indent=2) + "\n")
    machine = results["machine"]
    rows = [
        ("no cache (`cache=False`)", results["no_cache"]),
        ("cold (empty cache: decode + write)", results["cold"]),
        ("cached (second and later loads)", results["cached"]),
    ]
    table = "\n".join(
        f"| {name} | {r['median_s']:.2f} | {r['min_s']:.2f} | {r['max_s']:.2f} |"
        for name, r in rows
    )
    (out / "loading.md").write_text(
        f"""# FER2013 loading time

`load_fer2013` on the Kaggle image-folder layout of FER2013 (Goodfellow et al.,
2013): {results["dataset"]["n_images"]:,} 48x48 JPEGs decoded to a
{tuple(results["dataset"]["data_shape"])} {results["dataset"]["data_dtype"]} array.

| load | median (s) | min (s) | max (s) |
|---|---|---|---|
{table}

Target: cached load under {TARGET_CACHED_S:.0f} s:
**{"met" if results["cached_meets_target"] else "NOT met"}**. Cache file
{results["cache_file_mb"]} MB; peak memory of the benchmark process
{results["max_rss_mb"]} MB.

Note: {results["note"]} One-minute load average before / after:
{results["load_average_1min"][0]} / {results["load_average_1min"][1]} (on
{machine["cpu_count"]} cores: other jobs were running, and decoding times
scale with that).

- Command: `{results["command"]}` (with `SKFER_DATA` set to the shared datasets)
- Date: {results["date"]}
- Machine: {machine["cpu_model"]}, {machine["cpu_count"]} cores
  ({machine["usable_cores"]} usable), {machine["platform"]}; Python
  {machine["python"]}, numpy {machine["numpy"]}, Pillow {machine["pillow"]},
  scikit-image {machine["scikit-image"]}
- Runs: {args.repeats} without cache, {args.repeats} cold, {args.repeats**2} cached
  (raw times in `loading.json`)
"""
    )
    print(json.dumps({k: results[k] for k in ("no_cache", "cold", "cached")}))


if __name__ == "__main__":
    main()
