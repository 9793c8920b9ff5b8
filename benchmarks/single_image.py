"""Where a single image's prediction time goes, layer by layer, on one CPU thread.

``FERClassifier.predict_proba`` on one image (the speed issue's single-image figure)
is split into the network's forward pass on the inference copy and the rest (input
checks, scaling, softmax); the forward pass into each layer the image goes through
(on the oneDNN copy: the fused twin on dense tensors, where it exists, else the
blocked-layout layers with the input/output layout changes). ``predict`` (the
issue's target) is timed too.
Medians of many calls after a warm-up (``predict_proba`` and ``predict`` called in
turn), one torch thread (as ``predict_proba`` uses
for a handful of images), each in its own fresh process, several times
(``--processes``): on this machine the same code measures up to 60 % apart from one
process to the next, so the headline is the median over the processes, with each
process's figure beside it. Run it on an otherwise idle machine: it records the
load average before and after. ``--quick``: 10 calls in 1 process, into
``single_image-quick.json`` / ``.md``.

Examples::

    python benchmarks/single_image.py
    python benchmarks/single_image.py --model fer2013-model3 --calls 500
    python benchmarks/single_image.py --markdown-only   # the page, from the JSON
    python benchmarks/single_image.py --quick --output /tmp/q   # a smoke run
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

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


def median_ms(fn, calls):
    """Median wall time of ``fn()`` over ``calls`` calls after ``calls // 10``
    warm-up calls, in milliseconds."""
    return interleaved_ms([fn], calls)[0]


def interleaved_ms(fns, calls):
    """Median wall times of each of ``fns``, called in turn (one call of each per
    round, so a slower or faster stretch of the machine weighs on all alike), after
    ``calls // 10`` warm-up rounds, in milliseconds."""
    times = [[] for _ in fns]
    for i in range(calls // 10 + calls):
        for fn, spent in zip(fns, times):
            start = time.perf_counter()
            fn()
            if i >= calls // 10:
                spent.append(time.perf_counter() - start)
    return [1e3 * float(np.median(spent)) for spent in times]


def single_image_path(fast):
    """What one image runs through in the inference copy ``fast``: ``(label,
    module, blocked)``, ``blocked`` when it runs in oneDNN's blocked layout."""
    if getattr(fast, "fused", None) is not None:
        return "fused oneDNN kernels on dense tensors", fast.fused, False
    if hasattr(fast, "module"):  # the oneDNN copy wraps the network
        return "oneDNN blocked layout", fast.module, True
    return "torch graph", fast, False


def layers(inner):
    """``(name, module)`` of the layers of ``inner``, in order."""
    import torch  # lazy: torch stays out of `--markdown-only`

    out = []
    for name, child in inner.named_children():
        if isinstance(child, torch.nn.Sequential):
            out += [(f"{name}.{k}", c) for k, c in child.named_children()]
        else:
            out.append((name, child))
    return out


def profile(model, calls):
    # lazy: torch stays out of `--markdown-only`
    import torch

    from skfer import load_pretrained
    from skfer.utils import check_device, intra_op_threads, resolve_precision

    torch.set_num_threads(1)
    clf = load_pretrained(model).set_params(tta=None)
    x = np.random.default_rng(0).integers(0, 256, (1, 2304), dtype=np.uint8)
    clf.predict_proba(x)  # the network on its device, in eval mode; the copy built
    device = check_device(clf.device)
    dtype = resolve_precision(clf.precision, device)
    fast = clf.net_.inference_copy(clf.net_.module_, dtype, device)
    # the input scaling of the fitted classifier: to [0, 1], then standardized
    lo, hi = clf.input_range_
    image = torch.from_numpy(x).reshape(1, 1, 48, 48).float()
    xb = ((image - lo) / (hi - lo) - clf.pixel_mean_) / clf.pixel_std_
    xb = xb.to(dtype).contiguous(memory_format=torch.channels_last)
    result = {
        "copy": type(fast).__name__,
        "dtype": str(dtype).replace("torch.", ""),
    }
    result["predict_proba_ms"], result["predict_ms"] = interleaved_ms(
        [lambda: clf.predict_proba(x), lambda: clf.predict(x)], calls
    )
    result["path"], inner, blocked = single_image_path(fast)
    rows = []
    with torch.inference_mode(), intra_op_threads(1):
        result["forward_ms"] = median_ms(lambda: fast(xb), calls)
        h = xb.contiguous().to_mkldnn() if blocked else xb
        if blocked:
            rows.append(
                ("to oneDNN layout", median_ms(xb.contiguous().to_mkldnn, calls))
            )
        for name, layer in layers(inner):
            if isinstance(layer, (torch.nn.Dropout, torch.nn.Flatten)):
                h = layer(h)
                continue
            label = f"{name} {type(layer).__name__.strip('_')}"
            rows.append((label, median_ms(lambda: layer(h), calls)))  # noqa: B023
            h = layer(h)
        if blocked:
            rows.append(("to dense layout", median_ms(h.to_dense, calls)))
    result["layers_ms"] = [{"layer": n, "ms": round(t, 4)} for n, t in rows]
    result["rest_ms"] = result["predict_proba_ms"] - result["forward_ms"]
    return result


TIMES = ("predict_ms", "predict_proba_ms", "forward_ms")


def in_processes(model, calls, processes):
    """:func:`profile` run in ``processes`` fresh processes, one after the other:
    the medians over them (``*_ms``), each process's figures (``runs``) and the
    layer table of the process whose ``predict`` time is the median one."""
    runs = []
    for _ in range(processes):
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--inner",
                "--model",
                model,
                "--calls",
                str(calls),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    order = sorted(range(processes), key=lambda i: runs[i]["predict_ms"])
    result = dict(runs[order[(processes - 1) // 2]])
    for key in TIMES:
        result[key] = float(np.median([run[key] for run in runs]))
    result["rest_ms"] = result["predict_proba_ms"] - result["forward_ms"]
    result["runs"] = [{key: round(run[key], 4) for key in TIMES} for run in runs]
    return result


def markdown(result):
    """The results page: the times, the layers, then protocol, command, hardware."""
    runs = result["runs"]

    def each(key):
        return ", ".join(f"{run[key]:.3f}" for run in runs)

    lines = [
        "| one image | median ms | each process, ms |",
        "|---|---:|---|",
        f"| `predict` | **{result['predict_ms']:.3f}** | {each('predict_ms')} |",
        f"| `predict_proba` | {result['predict_proba_ms']:.3f} "
        f"| {each('predict_proba_ms')} |",
        f"| of which the forward pass | {result['forward_ms']:.3f} "
        f"| {each('forward_ms')} |",
        f"| of which the rest (checks, scaling, softmax, copies) "
        f"| {result['rest_ms']:.3f} | |",
        "",
        "Layers of the process with the median `predict` time:",
        "",
        "| layer | ms |",
        "|---|---:|",
        *(f"| {row['layer']} | {row['ms']:.4f} |" for row in result["layers_ms"]),
    ]
    protocol = (
        f"model `{result['model']}`, inference copy `{result['copy']}` in "
        f"{result['dtype']}, no TTA; one image runs through: {result['path']}; "
        f"medians of {result['calls']} calls in each of {len(runs)} fresh "
        "processes, one torch thread; the headline is the median over the processes."
    )
    load = f"{result['load_before']} before, {result['load_after']} after"
    return page(
        "One image, layer by layer",
        lines,
        protocol,
        ran(result["command"], result["date"]),
        hardware_line(result["machine"], threads=1, load=load),
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="fer2013-model2")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument(
        "--processes", type=int, default=5, help="fresh processes timed in turn"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="10 calls in 1 process: a smoke run, into single_image-quick.json",
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    add_markdown_only(parser, "single_image.json (-quick.json with --quick)")
    args = parser.parse_args(argv)
    if args.quick:
        args.calls, args.processes = 10, 1
    if args.inner:  # one process's figures, as JSON on the last line
        print(json.dumps(profile(args.model, args.calls)))
        return 0
    json_path = quick_stem(args, "single_image").with_suffix(".json")
    if args.markdown_only:
        write_text(json_path.with_suffix(".md"), markdown(read_json(json_path)))
        return 0
    load_before = load_average()
    result = {
        "command": command_line(),
        "date": now(),
        "machine": machine_info(),
        "model": args.model,
        "calls": args.calls,
        "load_before": load_before,
        **in_processes(args.model, args.calls, args.processes),
        "load_after": load_average(),
    }
    write_json(json_path, result)
    write_text(json_path.with_suffix(".md"), markdown(result))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
