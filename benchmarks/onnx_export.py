"""Benchmark: onnxruntime inference of exported models beside skfer's own, Grad-CAM.

Usage (from the checkout; ``PYTHONPATH=.`` unless skfer is installed)::

    python benchmarks/onnx_export.py [--models fer2013-model2 fer2013-model3]
        [--n-images 1024] [--repeats 3] [--output benchmarks/results]
    python benchmarks/onnx_export.py --markdown-only   # the page again, from onnx.json
    python benchmarks/onnx_export.py --quick --output /tmp/q   # a smoke run

For each shipped model, in the same process and on the same synthetic faces
(``make_faces``, 48x48 uint8):

- ``predict_proba`` throughput, images/s (best of ``--repeats``): skfer's
  ``FERClassifier.predict_proba`` (``precision="auto"`` and ``"float32"``) and
  :class:`skfer.onnx.ONNXClassifier` on the file written by ``to_onnx``; no TTA;
- single-image latency, ms (median of 100 calls; wall and CPU time): the same
  three, and the bare onnxruntime ``session.run``;
- Grad-CAM of one face with :func:`skfer.inspection.saliency_map`, ms (median of
  20 calls).

Writes ``onnx.json`` and ``onnx.md`` with the command, date, machine and the
load average before and after (other jobs may share the CPU: the results say).
``--quick``: ``fer2013-model2``, 64 faces, one run, 10 calls (Grad-CAM: 3), into
``onnx-quick.json`` / ``.md``.
"""

import argparse
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

#: Calls timed for single-image latency, and for Grad-CAM of one face.
CALLS, GRADCAM_CALLS = 100, 20


def best_rate(fn, n, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return n / min(times)


def median_ms(fn, calls):
    """Median wall time and median CPU time (all threads) of one call, in ms."""
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(calls):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return round(1000 * statistics.median(wall), 3), round(
        1000 * statistics.median(cpu), 3
    )


def bench_model(name, X, repeats, tmp, calls=(CALLS, GRADCAM_CALLS)):
    """One model's row; ``calls``: calls timed for one image, and for Grad-CAM."""
    # lazy: onnxruntime, torch: not for `--markdown-only`
    import onnxruntime

    from skfer import load_pretrained
    from skfer.inspection import saliency_map
    from skfer.onnx import ONNXClassifier

    n = len(X)
    row = {"model": name}
    clf = load_pretrained(name, tta=None)
    path = clf.to_onnx(Path(tmp) / f"{name}.onnx")
    row["onnx_file_mb"] = round(path.stat().st_size / 1e6, 2)
    onnx_clf = ONNXClassifier(path)
    one = X[:1]
    for precision in ("auto", "float32"):
        clf.set_params(precision=precision)
        clf.predict_proba(X[:256])  # builds the inference copy
        row[f"skfer_{precision}_images_per_s"] = round(
            best_rate(lambda: clf.predict_proba(X), n, repeats)
        )
        row[f"skfer_{precision}_single_ms"], row[f"skfer_{precision}_single_cpu_ms"] = (
            median_ms(lambda: clf.predict_proba(one), calls[0])
        )
    onnx_clf.predict_proba(X[:256])
    row["onnx_images_per_s"] = round(
        best_rate(lambda: onnx_clf.predict_proba(X), n, repeats)
    )
    row["onnx_single_ms"], row["onnx_single_cpu_ms"] = median_ms(
        lambda: onnx_clf.predict_proba(one), calls[0]
    )
    image = one.reshape(1, 48, 48).astype("float32")
    session = onnx_clf.session_
    row["onnx_session_run_single_ms"], row["onnx_session_run_single_cpu_ms"] = (
        median_ms(lambda: session.run(None, {"images": image}), calls[0])
    )
    clf.set_params(precision="float32")
    row["gradcam_single_ms"], row["gradcam_single_cpu_ms"] = median_ms(
        lambda: saliency_map(clf, one, method="gradcam"), calls[1]
    )
    row["onnxruntime"] = onnxruntime.__version__
    return row


def markdown(results):
    """The results page: the table, then protocol, command and hardware."""
    rows = [
        f"| {r['model']} | {r['skfer_auto_images_per_s']} | "
        f"{r['skfer_float32_images_per_s']} | {r['onnx_images_per_s']} | "
        f"{r['skfer_auto_single_ms']} ({r['skfer_auto_single_cpu_ms']}) | "
        f"{r['onnx_single_ms']} ({r['onnx_single_cpu_ms']}) | "
        f"{r['onnx_session_run_single_ms']} ({r['onnx_session_run_single_cpu_ms']}) | "
        f"{r['gradcam_single_ms']} ({r['gradcam_single_cpu_ms']}) |"
        for r in results["models"]
    ]
    table = [
        "| model | skfer auto (img/s) | skfer float32 (img/s) | ONNX (img/s) | "
        "skfer 1 image (ms) | ONNXClassifier 1 image (ms) | session.run 1 image (ms) "
        "| Grad-CAM 1 face (ms) |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
    ]
    calls, gradcam_calls = results.get("calls", (CALLS, GRADCAM_CALLS))
    protocol = (
        f"{results['n_images']} synthetic 48x48 faces (`make_faces`), no TTA; "
        f"throughput: the best of {results['repeats']} runs; one image: the median "
        f"of {calls} calls (Grad-CAM: {gradcam_calls}), wall time with the "
        "process's CPU time (all threads) in brackets. skfer = "
        "`FERClassifier.predict_proba`, ONNX = `skfer.onnx.ONNXClassifier` on the "
        f"file of `to_onnx` (onnxruntime {results['models'][0]['onnxruntime']}, CPU)."
    )
    load = f"{results['load_before']} before, {results['load_after']} after"
    return page(
        "ONNX export: inference speed, and Grad-CAM",
        table,
        protocol,
        ran(results["command"], results["date"]),
        hardware_line(results["machine"], load=load),
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models", nargs="+", default=["fer2013-model2", "fer2013-model3"]
    )
    parser.add_argument("--n-images", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fer2013-model2, 64 faces, 1 run, 10 calls: a smoke run, into "
        "onnx-quick.json",
    )
    parser.add_argument("--output", "--out-dir", type=Path, default=RESULTS)
    add_markdown_only(parser, "onnx.json (onnx-quick.json with --quick)")
    args = parser.parse_args(argv)
    stem = quick_stem(args, "onnx")
    if args.markdown_only:
        write_text(stem.with_suffix(".md"), markdown(read_json(f"{stem}.json")))
        return
    calls = (10, 3) if args.quick else (CALLS, GRADCAM_CALLS)
    if args.quick:
        args.models, args.n_images, args.repeats = ["fer2013-model2"], 64, 1

    # lazy: `--markdown-only` writes the page without loading skfer
    from skfer.datasets import make_faces

    X = make_faces(n_samples=args.n_images, random_state=0, return_X_y=True)[0]
    load_before = load_average()[0]
    results = {
        "command": command_line(),
        "date": now(),
        "machine": machine_info(),
        "n_images": args.n_images,
        "repeats": args.repeats,
        "calls": list(calls),
        "load_before": load_before,
        "models": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models:
            row = bench_model(name, X, args.repeats, tmp, calls)
            print(row, flush=True)
            results["models"].append(row)
    results["load_after"] = load_average()[0]
    write_json(stem.with_suffix(".json"), results)
    write_text(stem.with_suffix(".md"), markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
