"""Benchmark the augmentation transforms and the augmentation over-sampler.

Usage::

    SKFER_DATA=../shared/datasets python benchmarks/augmentation.py \
        [--data-dir DIR] [--repeats 3] [--output benchmarks/results]
    python benchmarks/augmentation.py --markdown-only   # the page, from the JSON
    python benchmarks/augmentation.py --quick --output /tmp/q   # a smoke run

Measures, on this machine:

1. the time ``AugmentationOverSampler`` takes to balance FER2013's training split
   (28,709 images) to 7 x 7,215 = 50,505 images, for the ``"paper"`` and
   ``"standard"`` recipes;
2. the on-the-fly throughput, in images per second, of the preset recipes and of
   each transform (p=1) on batches of 128 float32 48x48 images, with the torch
   generator API the classifier uses.

FER2013 (Goodfellow et al., 2013) is read with ``skfer.datasets.load_fer2013`` from
``<data-dir>/fer2013`` (Kaggle image-folder layout); without it, random uint8
images with FER2013's class counts stand in (the timings do not depend on the
pixels). Writes ``augmentation.json`` and ``augmentation.md`` with the command,
date, machine and figures (``--quick``: every 4th image of PublicTest, one balancing
run, 2 rounds of 2 batches per transform, into ``augmentation-quick.json`` /
``.md``). The machine may be shared: the load average before and
after each measurement is recorded, and the best of the repeats is the figure.
"""

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch

from skfer import augmentation as A
from skfer.augmentation import make_augmentation
from skfer.datasets import load_fer2013
from skfer.over_sampling import AugmentationOverSampler

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

FER2013_TRAIN_COUNTS = {
    "angry": 3995,
    "disgust": 436,
    "fear": 4097,
    "happy": 7215,
    "neutral": 4965,
    "sad": 4830,
    "surprise": 3171,
}
BATCH = 128


def _load_train(data_dir, subset="Training"):
    """FER2013's ``subset`` as (X uint8 (n, 2304), y, source description)."""
    if data_dir and (Path(data_dir) / "fer2013").is_dir():
        X, y = load_fer2013(Path(data_dir) / "fer2013", subset=subset, return_X_y=True)
        return X, y, f"FER2013 {subset} split from {Path(data_dir) / 'fer2013'}"
    rng = np.random.RandomState(0)
    y = np.repeat(list(FER2013_TRAIN_COUNTS), list(FER2013_TRAIN_COUNTS.values()))
    X = rng.randint(0, 256, size=(len(y), 2304)).astype(np.uint8)
    return X, y, "synthetic: random uint8 images with FER2013's Training class counts"


def _load():
    return load_average()[0]


def bench_balancing(X, y, recipe, repeats):
    times, load = [], [_load()]
    for seed in range(repeats):
        sampler = AugmentationOverSampler(augmentation=recipe, random_state=seed)
        start = time.perf_counter()
        X_res, y_res = sampler.fit_resample(X, y)
        times.append(time.perf_counter() - start)
    load.append(_load())
    counts = Counter(y_res.tolist())
    assert len(set(counts.values())) == 1, counts
    assert X_res.dtype == X.dtype
    return {
        "recipe": recipe,
        "n_in": int(len(y)),
        "n_out": int(len(y_res)),
        "n_new": int(len(y_res) - len(y)),
        "per_class_out": int(next(iter(counts.values()))),
        "seconds_best": round(min(times), 3),
        "seconds_median": round(statistics.median(times), 3),
        "seconds_all": [round(t, 3) for t in times],
        "load_avg_1min": load,
    }


def bench_throughput(transform, batches, n_batches, repeats):
    """Images per second of ``transform(batch, generator)`` over ``n_batches``."""
    generator = torch.Generator().manual_seed(0)
    for batch in batches[:10]:  # warm-up
        transform(batch, generator)
    rates, cpu_rates, load = [], [], [_load()]
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        for i in range(n_batches):
            transform(batches[i % len(batches)], generator)
        rates.append(n_batches * BATCH / (time.perf_counter() - start))
        cpu_rates.append(n_batches * BATCH / (time.process_time() - cpu_start))
    load.append(_load())
    return {
        "images_per_s_best": round(max(rates)),
        "images_per_s_median": round(statistics.median(rates)),
        "ms_per_batch_best": round(1000 * BATCH / max(rates), 3),
        # images per second of CPU time used by this process: what one unshared
        # core delivers (the transforms run on one thread)
        "images_per_cpu_s_best": round(max(cpu_rates)),
        "load_avg_1min": load,
    }


def _transforms():
    return {
        "RandomHorizontalFlip": A.RandomHorizontalFlip(p=1.0),
        "RandomRotation": A.RandomRotation(p=1.0),
        "RandomAffine": A.RandomAffine(p=1.0),
        "RandomResizedCrop": A.RandomResizedCrop(p=1.0),
        "RandomGaussianBlur": A.RandomGaussianBlur(p=1.0),
        "RandomGaussianNoise": A.RandomGaussianNoise(p=1.0),
        "RandomSaltAndPepper": A.RandomSaltAndPepper(p=1.0),
        "RandomBrightnessContrast": A.RandomBrightnessContrast(p=1.0),
        "RandomErasing": A.RandomErasing(p=1.0),
    }


def markdown(result):
    """The results page: the two tables, then protocol, command and hardware."""
    st = result["settings"]
    lines = [
        "## Balancing FER2013's training split with `AugmentationOverSampler`",
        "",
        "| recipe | images in | new images | images out | best (s) | median (s) |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['recipe']} | {r['n_in']:,} | {r['n_new']:,} | {r['n_out']:,} "
        f"| {r['seconds_best']} | {r['seconds_median']} |"
        for r in result["balancing"]
    ]
    lines += [
        "",
        f"## On-the-fly throughput, batches of {st['batch_size']} float32 48x48 images",
        "",
        "| transform | images/s (best) | images/s (median) | ms per batch "
        "| images per CPU-second |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {name} | {r['images_per_s_best']:,} | {r['images_per_s_median']:,} "
        f"| {r['ms_per_batch_best']} | {r['images_per_cpu_s_best']:,} |"
        for name, r in result["throughput"].items()
    ]
    protocol = (
        f"{result['data']}; balancing: {st['balancing_repeats']} runs per recipe; "
        f"throughput: {st['throughput_repeats']} rounds of {st['n_batches']} "
        "batches per transform (p=1, default magnitudes; presets as in "
        "`make_augmentation`), after a warm-up; best and median of the rounds, "
        "wall-clock, and per second of this process's CPU time (one thread: what "
        "an unshared core delivers)."
    )
    loads = [
        load
        for r in [*result["balancing"], *result["throughput"].values()]
        for load in r["load_avg_1min"]
    ]
    return page(
        "Augmentation benchmark",
        lines,
        protocol,
        ran(result["command"], result["date"]),
        hardware_line(result["machine"], load=f"{min(loads)}-{max(loads)}"),
    )


def measure(args):
    """The data source, settings and figures of both measurements."""
    X, y, source = _load_train(
        args.data_dir, "PublicTest" if args.quick else "Training"
    )
    if args.quick:
        X, y, source = X[::4], y[::4], f"{source}, every 4th image (--quick)"
    print(f"data: {source}; {len(y):,} images", flush=True)

    balancing = []
    for recipe in ("paper", "standard"):
        balancing.append(bench_balancing(X, y, recipe, args.repeats))
        print("balance", balancing[-1], flush=True)

    n_images = min(64, len(X) // BATCH) * BATCH
    images = torch.from_numpy(X[:n_images].astype(np.float32) / 255.0)
    batches = list(images.reshape(-1, BATCH, 1, 48, 48))
    throughput = {}
    candidates = {
        f"preset {name!r}": make_augmentation(name)
        for name in ("standard", "paper", "light")
    }
    candidates.update(_transforms())
    for name, transform in candidates.items():
        throughput[name] = bench_throughput(
            transform, batches, args.n_batches, args.throughput_repeats
        )
        print(name, throughput[name], flush=True)

    return {
        "data": source,
        "settings": {
            "balancing_repeats": args.repeats,
            "throughput_repeats": args.throughput_repeats,
            "n_batches": args.n_batches,
            "batch_size": BATCH,
        },
        "balancing": balancing,
        "throughput": throughput,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("SKFER_DATA"),
        help="folder holding fer2013/ (default: $SKFER_DATA); synthetic data if unset",
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="balancing runs (default: 3)"
    )
    parser.add_argument(
        "--throughput-repeats",
        type=int,
        default=15,
        help="timed rounds per transform; the best is the figure (default: 15)",
    )
    parser.add_argument(
        "--n-batches", type=int, default=50, help="batches per round (default: 50)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="every 4th PublicTest image, 1 balancing run, 2 rounds of 2 batches: "
        "a smoke run, into augmentation-quick.json",
    )
    parser.add_argument("--output", "--out-dir", type=Path, default=RESULTS)
    add_markdown_only(parser, "augmentation.json (-quick.json with --quick)")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.throughput_repeats, args.n_batches = 1, 2, 2
    stem = quick_stem(args, "augmentation")
    if args.markdown_only:
        write_text(stem.with_suffix(".md"), markdown(read_json(f"{stem}.json")))
        return
    result = {
        "command": command_line(),
        "date": now(),
        "machine": machine_info(),
        **measure(args),
    }
    write_json(stem.with_suffix(".json"), result)
    write_text(stem.with_suffix(".md"), markdown(result))
    print(f"wrote {stem}.json and .md")


if __name__ == "__main__":
    main()
