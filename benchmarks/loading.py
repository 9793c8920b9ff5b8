"""Benchmark: cold and cached load time of FER2013 with ``load_fer2013``.

Usage (from the checkout; ``PYTHONPATH=.`` unless skfer is installed)::

    SKFER_DATA=../shared/datasets python benchmarks/loading.py [--data-dir DIR]
        [--repeats 3] [--output benchmarks/results]
    python benchmarks/loading.py --markdown-only   # the page again, from the JSON
    python benchmarks/loading.py --quick --output /tmp/q   # a smoke run

Measures, on the FER2013 folder ``<data-dir>/fer2013`` (Goodfellow et al., 2013):

- ``no_cache``: ``load_fer2013(path, cache=False)``: decode every image;
- ``cold``: first load into an empty temporary cache folder (decode + write);
- ``cached``: the following loads from that cache.

"Cold" means skfer's cache is empty; the operating system's file cache is
whatever the machine left (warm after the first run), which the results say.
Writes ``loading.json`` and ``loading.md`` with the command, date and machine
(``--quick``: the PublicTest images only, one load of each kind, into
``loading-quick.json`` / ``.md``).
"""

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    RESULTS,
    add_markdown_only,
    command_line,
    hardware_line,
    load_average,
    machine_info,
    now,
    page,
    quick_stem,
    ran,
    read_json,
    write_json,
    write_text,
)


def _timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def _summary(times):
    return {
        "median_s": round(statistics.median(times), 3),
        "min_s": round(min(times), 3),
        "max_s": round(max(times), 3),
        "runs": [round(t, 3) for t in times],
    }


def measure(path, repeats, subset=None):
    """Load times without cache, cold and cached; the loaded dataset's facts."""
    # lazy: skfer stays out of `--markdown-only`
    from skfer.datasets import load_fer2013

    no_cache, cold, cached = [], [], []
    with tempfile.TemporaryDirectory(prefix="skfer-bench-") as cache:
        for _ in range(repeats):
            seconds, faces = _timed(
                lambda: load_fer2013(path, subset=subset, cache=False)
            )
            no_cache.append(seconds)
        for _ in range(repeats):
            for entry in Path(cache).iterdir():
                entry.unlink()
            seconds, _ = _timed(lambda: load_fer2013(path, subset=subset, cache=cache))
            cold.append(seconds)
            for _ in range(repeats):
                seconds, again = _timed(
                    lambda: load_fer2013(path, subset=subset, cache=cache)
                )
                cached.append(seconds)
        cache_bytes = sum(p.stat().st_size for p in Path(cache).iterdir())
    assert (again.data == faces.data).all()
    return {
        "dataset": {
            "path": "<data-dir>/fer2013",
            "subset": subset,
            "layout": "Kaggle image folders (48x48 JPEG)",
            "n_images": int(len(faces.data)),
            "data_shape": list(faces.data.shape),
            "data_dtype": str(faces.data.dtype),
        },
        "cache_file_mb": round(cache_bytes / 2**20, 1),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "no_cache": _summary(no_cache),
        "cold": _summary(cold),
        "cached": _summary(cached),
    }


def markdown(results):
    """The results page: the table, then protocol, command and hardware."""
    table = [
        "| load | median (s) | min (s) | max (s) |",
        "|---|---|---|---|",
        *(
            f"| {name} | {r['median_s']:.2f} | {r['min_s']:.2f} | {r['max_s']:.2f} |"
            for name, r in (
                ("no cache (`cache=False`)", results["no_cache"]),
                ("cold (empty cache: decode + write)", results["cold"]),
                ("cached (second and later loads)", results["cached"]),
            )
        ),
        "",
        f"Cache file {results['cache_file_mb']} MB; peak memory of the benchmark "
        f"process {results['max_rss_mb']} MB.",
    ]
    d = results["dataset"]
    runs = [len(results[k]["runs"]) for k in ("no_cache", "cold", "cached")]
    part = f" ({d['subset']} only)" if d.get("subset") else ""
    protocol = (
        f"`load_fer2013` on FER2013's Kaggle image folders{part}: "
        f"{d['n_images']:,} 48x48 "
        f"JPEGs decoded to a {tuple(d['data_shape'])} {d['data_dtype']} array; "
        f"{runs[0]} loads without cache, {runs[1]} cold (skfer's cache empty; the "
        f"operating system's file cache warm after the first), {runs[2]} cached."
    )
    before, after = results["load_average_1min"]
    return page(
        "FER2013 loading time",
        table,
        protocol,
        ran(results["command"], results["date"]),
        hardware_line(results["machine"], load=f"{before} before, {after} after"),
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("SKFER_DATA"),
        help="folder holding fer2013/ (default: $SKFER_DATA)",
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="PublicTest only (3,589 images), one load of each kind: a smoke run, "
        "into loading-quick.json",
    )
    parser.add_argument("--output", "--out-dir", type=Path, default=RESULTS)
    add_markdown_only(parser, "loading.json (loading-quick.json with --quick)")
    args = parser.parse_args(argv)
    stem = quick_stem(args, "loading")
    if args.markdown_only:
        write_text(stem.with_suffix(".md"), markdown(read_json(f"{stem}.json")))
        return
    if not args.data_dir:
        parser.error("pass --data-dir or set SKFER_DATA")
    load_before = load_average()[0]
    results = {
        "benchmark": "load_fer2013 cold vs cached",
        "command": command_line(),
        "date": now(),
        "machine": machine_info(libraries=("PIL", "skimage")),
        **measure(
            Path(args.data_dir).expanduser() / "fer2013",
            1 if args.quick else args.repeats,
            subset="PublicTest" if args.quick else None,
        ),
        # other jobs on the machine slow the decoding down: say how busy it was
        "load_average_1min": [load_before, load_average()[0]],
        "note": "cold = skfer cache empty; the OS file cache was warm after the "
        "first run (no_cache runs come first).",
    }
    write_json(stem.with_suffix(".json"), results)
    write_text(stem.with_suffix(".md"), markdown(results))
    print({k: results[k]["median_s"] for k in ("no_cache", "cold", "cached")})


if __name__ == "__main__":
    main()
