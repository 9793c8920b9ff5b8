"""Training and inference speed of skfer on this CPU, against PyTorch, Keras, ONNX.

Engines are measured **interleaved in one run**. Each engine lives in its own
long-lived worker process (imports, graph builds, tracing and warm-up are not
timed), driven by this script over pipes (JSON lines, see ``_common.Worker``):

- ``skfer``: ``FERClassifier`` epochs (``partial_fit``; the epoch time skorch
  records) and ``predict_proba``, ``precision="auto"`` (``_speed_worker.py``);
- ``eager``: a minimal hand-written PyTorch float32 loop on the same modules
  (``torch.optim.Adam``, no autocast, images already scaled);
- ``keras_float32`` and ``keras_mixed_bfloat16``: Keras 3 + TensorFlow twins of the
  networks (``_keras_models.py --serve``), run by an interpreter with
  ``tensorflow`` (``--keras-python``; the benchmark installs nothing:
  ``python -m venv venv-tf && venv-tf/bin/pip install tensorflow-cpu``);
- ``onnx`` (prediction only): :class:`skfer.onnx.ONNXClassifier` (onnxruntime) on
  the file ``FERClassifier.to_onnx`` writes.

For each network (Models 1, 2, 3 of the paper), on synthetic 48x48 images: every
worker is set up in turn and, during its warm-up, times each candidate batch size
(``--train-batches``, ``--predict-batches``) and keeps its fastest. Then
``--rounds`` rounds run; in each, every engine in turn trains one timed epoch of
``--n-train`` images, then every engine in turn predicts ``--n-predict`` images;
only one engine is busy at a time. Per engine: the median over rounds and the
spread (min-max); ratios skfer / other are computed within each round and
summarised by their median (and min-max). Then the median single-image ``predict``
latency (``--latency-calls`` calls) of each engine, with its CPU time.

The physical limit: this machine's float32 and bfloat16 GEMM throughput
(``torch.matmul`` of two ``--gemm-size`` square matrices, GFLOP/s) and the FLOPs
per image of each network (``torch.utils.flop_counter.FlopCounterMode``; forward,
training counted as 3x forward) give the achieved share of the peak of each engine.

Also (kept from earlier versions): the peak resident memory of a FER2013-sized fit
(28,709 images, one epoch, the default 10 % validation split) in a child process,
on the real FER2013 training set when ``--data-dir``/``SKFER_DATA`` holds
``fer2013/``, else on synthetic images; ``--accuracy`` adds a float32 vs bfloat16
comparison of Model 2 on FER2013 (short trainings; needs the real data).
``--device cuda`` times skfer and the eager loop on a GPU instead (no Keras, no
ONNX; write it to its own ``--output-name``, e.g. ``speed-cuda``).

Results go to ``benchmarks/results/speed.json`` and ``speed.md`` with the command,
CPU, thread counts, versions and the load average before and after::

    python benchmarks/speed.py --keras-python ../venv-tf/bin/python
    python benchmarks/speed.py --quick   # smoke test: Model 2, tiny sizes, temp dir
"""

import argparse
import datetime
import importlib.util
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

from _common import Worker, WorkerError, cpu_model, machine_info  # noqa: E402

from skfer import FERClassifier  # noqa: E402

FER2013_TRAIN_SIZE = 28709
#: Engines that train, and those that predict, in the order of each round.
TRAIN_ENGINES = ("skfer", "eager", "keras_float32", "keras_mixed_bfloat16")
PREDICT_ENGINES = (*TRAIN_ENGINES, "onnx")
#: What each engine computes in: the peak its achieved GFLOP/s is compared with.
ENGINE_DTYPE = {
    "eager": "float32",
    "keras_float32": "float32",
    "keras_mixed_bfloat16": "bfloat16",
    "onnx": "float32",
}


def synthetic(n, seed=0):
    """``n`` random uint8 48x48 images as rows, 7 balanced labels."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, (n, 48 * 48), dtype=np.uint8)
    return X, np.arange(n) % 7


def machine(device="cpu"):
    info = machine_info(device)
    flags = ""
    try:
        with open("/proc/cpuinfo") as fh:
            flags = next((line for line in fh if line.startswith("flags")), "")
    except OSError:
        pass
    info.update(
        cpu=cpu_model(),
        avx512_bf16="avx512_bf16" in flags,
        amx_bf16="amx_bf16" in flags,
        env={
            k: os.environ[k]
            for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OMP_WAIT_POLICY")
            if k in os.environ
        },
    )
    return info


def load_average():
    return [round(x, 2) for x in os.getloadavg()]


# ------------------------------------------------------------- physical limit
def gemm_gflops(dtype, size, repeats=10, device="cpu"):
    """Best GFLOP/s of ``torch.matmul`` on two ``size`` x ``size`` matrices."""
    device = torch.device(device)
    a = torch.randn(size, size, device=device).to(dtype)
    b = torch.randn(size, size, device=device).to(dtype)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    torch.matmul(a, b)  # warm-up
    sync()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.matmul(a, b)
        sync()
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


def gemm_limit(size, device="cpu"):
    """float32 and bfloat16 GEMM GFLOP/s of ``device``, torch's thread count."""
    return {
        "gemm_size": size,
        "device": str(device),
        "threads": torch.get_num_threads(),
        "float32_gflops": gemm_gflops(torch.float32, size, device=device),
        "bfloat16_gflops": gemm_gflops(torch.bfloat16, size, device=device),
    }


def forward_flops(arch):
    """FLOPs of one image's forward pass (convolutions and matrix products)."""
    from torch.utils.flop_counter import FlopCounterMode

    from skfer.models import build_model

    model = build_model(arch, n_classes=7).eval()
    n = 8
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.zeros(n, 1, 48, 48))
    return counter.get_total_flops() / n


# -------------------------------------------------------------------- engines
def keras_python(args):
    if args.keras_python:
        return args.keras_python
    if importlib.util.find_spec("tensorflow") is not None:
        return sys.executable
    return None


def model3_widths():
    from torch import nn

    from skfer.models import PaperModel3

    m3 = PaperModel3()
    widths = [m.out_channels for m in m3.features if isinstance(m, nn.Conv2d)]
    dense = [m.out_features for m in m3.classifier if isinstance(m, nn.Linear)]
    return widths, dense


def engine_commands(args):
    """``{engine: command}`` of the engines this run measures, and skip reasons."""
    worker = [sys.executable, str(HERE / "_speed_worker.py")]
    commands, skipped = {"skfer": worker + ["skfer"]}, {}
    on_cpu = torch.device(args.device).type == "cpu"
    if args.no_eager:
        skipped["eager"] = "--no-eager"
    else:
        commands["eager"] = worker + ["eager"]
    python = None if args.no_keras else keras_python(args)
    for policy in ("float32", "mixed_bfloat16"):
        if args.no_keras:
            skipped[f"keras_{policy}"] = "--no-keras"
        elif not on_cpu:
            skipped[f"keras_{policy}"] = f"device {args.device}: skfer and eager only"
        elif python is None:
            skipped[f"keras_{policy}"] = (
                "no interpreter with tensorflow (install tensorflow-cpu in another "
                "venv and pass --keras-python PATH)"
            )
        else:
            commands[f"keras_{policy}"] = [
                python,
                str(HERE / "_keras_models.py"),
                "--serve",
                policy,
            ]
    if args.no_onnx:
        skipped["onnx"] = "--no-onnx"
    elif not on_cpu:
        skipped["onnx"] = f"device {args.device}: skfer and eager only"
    elif importlib.util.find_spec("onnxruntime") is None:
        skipped["onnx"] = "onnxruntime is not installed (pip install skfer[onnx])"
    else:
        commands["onnx"] = worker + ["onnx"]
    return commands, skipped


def summary(values):
    """Median and spread of per-round figures."""
    v = sorted(values)
    q1, _, q3 = statistics.quantiles(v, n=4) if len(v) >= 2 else (v[0],) * 3
    return {
        "median": statistics.median(v),
        "min": v[0],
        "max": v[-1],
        "iqr": [q1, q3],
        "rounds": list(values),
    }


def measure_model(arch, args, commands):
    """Set up one worker per engine, then interleaved rounds; figures of ``arch``."""
    widths, dense = model3_widths()
    setup = dict(
        arch=arch,
        n_train=args.n_train,
        n_predict=args.n_predict,
        warm_n=args.warm_n,
        threads=args.threads,
        device=args.device,
    )
    fig = {"load_average_start": load_average(), "engines": {}, "skipped": {}}
    workers = {}
    try:
        for name, command in commands.items():
            extra = {"widths": widths, "dense_widths": dense} if "keras" in name else {}
            batches = dict(
                train_batches=args.train_batches, predict_batches=args.predict_batches
            )
            print(f"{arch}: set up {name} ...", file=sys.stderr, flush=True)
            worker = Worker(name, command)
            try:
                info = worker.call("setup", **setup, **batches, **extra)
            except WorkerError as exc:
                worker.close()
                fig["skipped"][name] = str(exc)
                print(f"  skipped: {exc}", file=sys.stderr, flush=True)
                continue
            workers[name] = worker
            fig["engines"][name] = {"setup": info}
        trainers = [e for e in TRAIN_ENGINES if e in workers]
        predictors = [e for e in PREDICT_ENGINES if e in workers]
        train = {e: [] for e in trainers}
        predict = {e: [] for e in predictors}
        for r in range(args.rounds):
            for request, kind, timings in (
                ("train_epoch", "train", train),
                ("predict", "predict", predict),
            ):
                for e in timings:
                    out = workers[e].call(request)
                    timings[e].append(out)
                    print(
                        f"{arch} round {r + 1}: {e} {kind} "
                        f"{out['images'] / out['seconds']:.0f} img/s",
                        file=sys.stderr,
                        flush=True,
                    )
        for e in predictors:
            f = fig["engines"][e]
            if e in train:
                f["train_images_per_s"] = summary(
                    [o["images"] / o["seconds"] for o in train[e]]
                )
                f["train_cpu_s_per_image"] = summary(
                    [o["cpu_seconds"] / o["images"] for o in train[e]]
                )
            f["predict_images_per_s"] = summary(
                [o["images"] / o["seconds"] for o in predict[e]]
            )
            f["predict_cpu_s_per_image"] = summary(
                [o["cpu_seconds"] / o["images"] for o in predict[e]]
            )
        for e in predictors:
            f = fig["engines"][e]
            f["latency"] = workers[e].call("latency", calls=args.latency_calls)
    finally:
        for worker in workers.values():
            worker.close()
    fig["load_average_end"] = load_average()
    fig["ratios"] = round_ratios(fig["engines"])
    return fig


def round_ratios(engines):
    """skfer / other of each round, summarised by the median (higher: skfer faster)."""
    out = {}
    sk = engines.get("skfer")
    if sk is None:
        return out
    for other, f in engines.items():
        if other == "skfer":
            continue
        for key, short in (
            ("train_images_per_s", "train"),
            ("predict_images_per_s", "predict"),
        ):
            if key in f and key in sk:
                per_round = [a / b for a, b in zip(sk[key]["rounds"], f[key]["rounds"])]
                out[f"{short}_vs_{other}"] = summary(per_round)
    return out


def achieved(models, limit):
    """Achieved GFLOP/s of each engine and its share of the matching GEMM peak."""
    for fig in models.values():
        flops = fig["forward_flops_per_image"]
        for name, f in fig["engines"].items():
            dtype = ENGINE_DTYPE.get(name)
            if name == "skfer":
                compute = str(f["setup"].get("compute_dtype"))
                dtype = "bfloat16" if "bfloat16" in compute else "float32"
            peak = limit.get(f"{dtype}_gflops")
            for key, factor in (("train_images_per_s", 3), ("predict_images_per_s", 1)):
                if key not in f:
                    continue
                gflops = f[key]["median"] * factor * flops / 1e9
                f[key.replace("images_per_s", "gflops")] = {
                    "achieved": gflops,
                    "peak_dtype": dtype,
                    "share_of_peak": None if not peak else gflops / peak,
                }


# --------------------------------------------------------------------- memory
def memory_child(arch, n, data_dir):
    """Run in a child process: one FER2013-sized fit, print peak RSS as JSON."""
    source = "synthetic"
    X = y = None
    if data_dir is not None and (Path(data_dir) / "fer2013").is_dir():
        from skfer.datasets import load_fer2013

        X, y = load_fer2013(
            Path(data_dir) / "fer2013", subset="Training", return_X_y=True
        )
        X, y, source = X[:n], y[:n], "FER2013 Training"
    if X is None:
        X, y = synthetic(n)
    start = time.perf_counter()
    FERClassifier(arch, max_epochs=1, random_state=0).fit(X, y)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        json.dumps(
            {
                "architecture": arch,
                "n_images": len(X),
                "data": source,
                "epochs": 1,
                "peak_rss_mb": peak_kib / 1024,
                "fit_s": time.perf_counter() - start,
            }
        )
    )


def memory_figures(arch, n, data_dir):
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--_memory-child",
        arch,
        "--memory-n",
        str(n),
    ]
    if data_dir is not None:
        cmd += ["--data-dir", str(data_dir)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------- accuracy
def accuracy_figures(data_dir, args):
    """Model 2 trained in float32 and in bfloat16 (same seeds), FER2013 PrivateTest."""
    from skfer.datasets import load_fer2013

    root = Path(data_dir) / "fer2013"
    X, y = load_fer2013(root, subset="Training", return_X_y=True)
    Xt, yt = load_fer2013(root, subset="PrivateTest", return_X_y=True)
    n = min(args.accuracy_n, len(X))
    # The image folders are sorted by class: take a random subset.
    keep = np.random.default_rng(0).permutation(len(X))[:n]
    X, y = X[keep], y[keep]
    rows = []
    for seed in range(args.accuracy_seeds):
        for precision in ("float32", "bfloat16"):
            clf = FERClassifier(
                "model2",
                max_epochs=args.accuracy_epochs,
                precision=precision,
                validation_fraction=None,
                random_state=seed,
            )
            start = time.perf_counter()
            clf.fit(X, y)
            rows.append(
                {
                    "seed": seed,
                    "precision": precision,
                    "private_test_accuracy": float(clf.score(Xt, yt)),
                    "fit_s": time.perf_counter() - start,
                }
            )
            print(f"  accuracy {rows[-1]}", file=sys.stderr)
    mean = {
        p: float(
            np.mean([r["private_test_accuracy"] for r in rows if r["precision"] == p])
        )
        for p in ("float32", "bfloat16")
    }
    return {
        "architecture": "model2",
        "n_train": n,
        "epochs": args.accuracy_epochs,
        "seeds": args.accuracy_seeds,
        "n_test": len(yt),
        "runs": rows,
        "mean_accuracy": mean,
        "bfloat16_minus_float32_points": 100 * (mean["bfloat16"] - mean["float32"]),
    }


# -------------------------------------------------------------------- report
def targets(models, memory):
    """The targets of issues 18 and 19 (None: not measured in this run)."""
    out = {}

    def ratio(arch, key):
        r = models.get(arch, {}).get("ratios", {}).get(key)
        return None if r is None else r["median"]

    def check(name, values):
        out[name] = None if not values or None in values else all(values)

    archs = ("model1", "model2", "model3")
    for short in ("train", "predict"):
        verb = "fit" if short == "train" else "predict_proba"
        for other, goal in (("keras_mixed_bfloat16", 1.2), ("keras_float32", 2.0)):
            values = [ratio(a, f"{short}_vs_{other}") for a in archs]
            check(
                f"{verb} >= {goal}x {other.replace('_', ' ', 1)} (models 1-3)",
                [None if v is None else v >= goal for v in values],
            )
    engines = models.get("model2", {}).get("engines", {})
    for name, goal in (("skfer", 1.0), ("onnx", 2.0)):
        lat = engines.get(name, {}).get("latency", {}).get("median_ms")
        check(
            f"{name} single-image predict < {goal:g} ms (model2)",
            [None if lat is None else lat < goal],
        )
    peaks = [m.get("peak_rss_mb") for m in memory.values()]
    check(
        "peak RSS of a FER2013 fit < 3 GB",
        [None if p is None else p < 3072 for p in peaks],
    )
    return out


ENGINE_NAMES = {
    "skfer": "skfer `fit`/`predict_proba`",
    "eager": "PyTorch eager float32",
    "keras_float32": "Keras float32",
    "keras_mixed_bfloat16": "Keras mixed_bfloat16",
    "onnx": "onnxruntime (`ONNXClassifier`)",
}


def _spread(s, fmt="{:,.0f}"):
    if s is None:
        return "-"
    return f"{fmt.format(s['median'])} ({fmt.format(s['min'])}-{fmt.format(s['max'])})"


def markdown(result):
    m, st, load = result["machine"], result["settings"], result["load_average"]
    lines = [
        f"# skfer speed on {m.get('gpu') or st['device']}",
        "",
        f"Produced by `{result['command']}` on {result['date']}.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, AVX-512 BF16: {m['avx512_bf16']}, "
        f"AMX: {m['amx_bf16']}; torch {m['torch']}, skfer {m['skfer']}; threads "
        f"per engine: {st['threads'] or 'the libraries defaults'}. Load average "
        f"(1, 5, 15 min) before / after: {load['start']} / {load.get('end')} (a "
        "1-minute load above the core count means other processes shared the CPU).",
        "",
        f"Method: each engine in its own long-lived process, set up and warmed up "
        f"untimed (the fastest of the candidate batch sizes {st['train_batches']} "
        f"for training and {st['predict_batches']} for prediction kept); then "
        f"{st['rounds']} rounds, each one timed training epoch of {st['n_train']:,} "
        f"synthetic 48x48 images per engine in turn, then one prediction of "
        f"{st['n_predict']:,} images per engine in turn; one engine busy at a time. "
        "Figures: median over rounds (min-max); ratios skfer / other computed per "
        f"round, median (min-max). Latency: median of {st['latency_calls']} "
        "single-image `predict` calls (CPU time of the process in brackets).",
        "",
    ]
    if result.get("skipped"):
        lines += ["Not measured: "]
        lines += [f"- {k}: {v}" for k, v in result["skipped"].items()]
        lines.append("")
    for arch, fig in result["models"].items():
        lines += [
            f"## {arch}",
            "",
            f"{fig['forward_flops_per_image'] / 1e6:,.1f} MFLOP per image forward "
            f"(training counted as 3x). Load average before / after: "
            f"{fig['load_average_start']} / {fig['load_average_end']}.",
            "",
            "| engine | batch (train / predict) | train img/s | predict img/s | "
            "train % of peak | predict % of peak | 1 image ms (CPU ms) |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for name, f in fig["engines"].items():
            s = f["setup"]

            def share(key, f=f):
                g = f.get(key)
                if not g or g["share_of_peak"] is None:
                    return "-"
                return f"{100 * g['share_of_peak']:.0f} % of {g['peak_dtype']}"

            lat = f.get("latency", {})
            label = ENGINE_NAMES.get(name, name)
            if name == "skfer":
                label += f" ({s.get('compute_dtype')})"
            lines.append(
                f"| {label} | {s.get('train_batch', '-')} / {s.get('predict_batch')} | "
                f"{_spread(f.get('train_images_per_s'))} | "
                f"{_spread(f.get('predict_images_per_s'))} | "
                f"{share('train_gflops')} | {share('predict_gflops')} | "
                f"{lat.get('median_ms', float('nan')):.2f} "
                f"({lat.get('cpu_median_ms', float('nan')):.2f}) |"
            )
        if fig["ratios"]:
            lines += [
                "",
                "| skfer / other | median | min-max |",
                "| --- | ---: | ---: |",
            ]
            for key, r in fig["ratios"].items():
                lines.append(
                    f"| {key} | {r['median']:.2f} | {r['min']:.2f}-{r['max']:.2f} |"
                )
        lines.append("")
    if result.get("limit"):
        lim = result["limit"]
        lines += [
            f"Physical limit: `torch.matmul` of two {lim['gemm_size']}x"
            f"{lim['gemm_size']} matrices, {lim['float32_gflops']:,.0f} GFLOP/s in "
            f"float32 and {lim['bfloat16_gflops']:,.0f} in bfloat16 "
            f"({lim['threads']} threads); % of peak = achieved GFLOP/s (images/s x "
            "FLOPs per image) / the peak of the engine's compute dtype.",
            "",
        ]
    if result.get("memory"):
        lines += [
            "Peak resident memory of a FER2013-sized fit (child process, one "
            "epoch, 10 % validation split):",
            "",
        ]
        for arch, mem in result["memory"].items():
            if "peak_rss_mb" in mem:
                lines.append(
                    f"- {arch}: {mem['peak_rss_mb']:.0f} MB ({mem['n_images']} "
                    f"images, {mem['data']}, fit {mem['fit_s']:.0f} s; from "
                    f"`{mem.get('command')}` on {mem.get('date')})"
                )
            else:
                lines.append(f"- {arch}: failed: {mem.get('error')}")
        lines.append("")
    if result.get("accuracy"):
        a = result["accuracy"]
        lines += [
            f"Model 2 on FER2013 PrivateTest ({a['n_test']} images) after "
            f"{a['epochs']} epochs on {a['n_train']} Training images, mean of "
            f"{a['seeds']} seed(s) (a short training, not the paper's protocol):",
            "",
            f"- float32: {100 * a['mean_accuracy']['float32']:.2f} %",
            f"- bfloat16: {100 * a['mean_accuracy']['bfloat16']:.2f} %",
            f"- difference: {a['bfloat16_minus_float32_points']:+.2f} points",
            "",
            f"(Produced by `{a.get('command')}` on {a.get('date')}, environment "
            f"{a.get('env') or {}}; fit times in speed.json.)",
            "",
        ]
    lines += ["Targets (issues 18, 19):", ""]
    for name, ok in result["targets"].items():
        mark = "not measured" if ok is None else ("met" if ok else "MISSED")
        lines.append(f"- {name}: {mark}")
    lines.append("")
    return "\n".join(lines)


# ----------------------------------------------------------------------- main
def keep_previous(result, previous):
    """Keep sections of an earlier results file that this run did not measure.

    A run with ``--models ''`` keeps the earlier speed figures; one without
    ``--accuracy`` or with ``--memory-models ''`` keeps the earlier accuracy or
    memory figures. Each kept section says which command and date produced it.
    """
    if not result["models"] and previous.get("models"):
        for key in (
            "command",
            "date",
            "machine",
            "load_average",
            "settings",
            "models",
            "limit",
            "skipped",
        ):
            if key in previous:
                result[key] = previous[key]
    for key in ("memory", "accuracy"):
        if not result.get(key) and previous.get(key):
            result[key] = previous[key]


def _ints(text):
    return [int(v) for v in text.split(",") if v]


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--quick",
        action="store_true",
        help="Model 2 only, tiny sizes, 2 rounds, results in a temporary folder: "
        "a smoke test of the script (under 2 minutes)",
    )
    p.add_argument("--models", default=None, help="comma-separated architectures")
    p.add_argument("--rounds", type=int, default=None, help="interleaved rounds (5)")
    p.add_argument(
        "--n-train", type=int, default=None, help="images per timed epoch (10,240)"
    )
    p.add_argument(
        "--n-predict", type=int, default=None, help="images per prediction (20,480)"
    )
    p.add_argument(
        "--warm-n",
        type=int,
        default=None,
        help="images of each warm-up run per candidate batch size (2,048)",
    )
    p.add_argument("--train-batches", default=None, help="candidates (128,256)")
    p.add_argument("--predict-batches", default=None, help="candidates (256,512,1024)")
    p.add_argument("--latency-calls", type=int, default=None)
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch, onnxruntime and TensorFlow intra-op threads of every engine "
        "(default: the libraries' own)",
    )
    p.add_argument("--gemm-size", type=int, default=None, help="GEMM side (2048)")
    p.add_argument(
        "--device",
        default="cpu",
        help="torch device of skfer and the eager loop, e.g. cuda (then neither "
        "Keras nor ONNX run); write a GPU run to its own --output-name",
    )
    p.add_argument(
        "--keras-python",
        default=None,
        help="interpreter with tensorflow for the Keras engines",
    )
    p.add_argument("--no-keras", action="store_true")
    p.add_argument("--no-eager", action="store_true")
    p.add_argument("--no-onnx", action="store_true")
    p.add_argument(
        "--memory-models",
        default=None,
        help="architectures for the peak-memory fit ('' to skip)",
    )
    p.add_argument("--memory-n", type=int, default=FER2013_TRAIN_SIZE)
    p.add_argument("--data-dir", default=os.environ.get("SKFER_DATA"))
    p.add_argument(
        "--accuracy",
        action="store_true",
        help="float32 vs bfloat16 accuracy of Model 2 on real FER2013",
    )
    p.add_argument("--accuracy-n", type=int, default=FER2013_TRAIN_SIZE)
    p.add_argument("--accuracy-epochs", type=int, default=5)
    p.add_argument("--accuracy-seeds", type=int, default=1)
    p.add_argument("--output-dir", default=None)
    p.add_argument(
        "--output-name",
        default="speed",
        help="file stem of the results (e.g. speed-1thread for a --threads 1 run)",
    )
    p.add_argument(
        "--_memory-child", dest="memory_child", default=None, help=argparse.SUPPRESS
    )
    args = p.parse_args(argv)
    quick = args.quick
    defaults = dict(
        models="model2" if quick else "model1,model2,model3",
        rounds=2 if quick else 5,
        n_train=256 if quick else 10240,
        n_predict=512 if quick else 20480,
        warm_n=128 if quick else 2048,
        train_batches="128" if quick else "128,256",
        predict_batches="256" if quick else "256,512,1024",
        latency_calls=30 if quick else 200,
        gemm_size=1024 if quick else 2048,
        memory_models="" if quick else "model1,model2",
        output_dir=(
            str(Path(tempfile.gettempdir()) / "skfer-speed-quick")
            if quick
            else str(HERE / "results")
        ),
    )
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.train_batches = _ints(args.train_batches)
    args.predict_batches = _ints(args.predict_batches)
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.memory_child:
        memory_child(args.memory_child, args.memory_n, args.data_dir)
        return
    command = "python benchmarks/speed.py " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])
    )
    if args.threads:
        torch.set_num_threads(args.threads)
    result = {
        "command": command.strip(),
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(args.device),
        "load_average": {"start": load_average()},
        "settings": {
            k: getattr(args, k)
            for k in (
                "device",
                "rounds",
                "n_train",
                "n_predict",
                "warm_n",
                "train_batches",
                "predict_batches",
                "latency_calls",
                "threads",
            )
        },
        "models": {},
    }
    archs = [a for a in args.models.split(",") if a]
    commands, result["skipped"] = engine_commands(args)
    for reason in result["skipped"].items():
        print("not measured: {} ({})".format(*reason), file=sys.stderr)
    if archs:
        # With no worker running; again after the models, the better one kept.
        result["limit"] = gemm_limit(args.gemm_size, args.device)
    for arch in archs:
        fig = measure_model(arch, args, commands)
        fig["forward_flops_per_image"] = forward_flops(arch)
        result["models"][arch] = fig
        for name, f in fig["engines"].items():
            if "keras" in name and "versions" in f["setup"]:
                result["keras_versions"] = f["setup"]["versions"]
    if archs:
        after = gemm_limit(args.gemm_size, args.device)
        result["limit"] = {
            k: max(v, after[k]) if k.endswith("gflops") else v
            for k, v in result["limit"].items()
        }
    achieved(result["models"], result.get("limit", {}))
    stamp = {
        "command": result["command"],
        "date": result["date"],
        "env": result["machine"]["env"],
    }
    result["memory"] = {}
    for arch in filter(None, args.memory_models.split(",")):
        print(
            f"{arch}: peak memory of a fit on {args.memory_n} images ...",
            file=sys.stderr,
        )
        load = os.getloadavg()[0]
        fig = memory_figures(arch, args.memory_n, args.data_dir)
        result["memory"][arch] = {**fig, **stamp, "load_average_1min": load}
    if args.accuracy:
        if args.data_dir and (Path(args.data_dir) / "fer2013").is_dir():
            load = os.getloadavg()[0]
            fig = accuracy_figures(args.data_dir, args)
            result["accuracy"] = {**fig, **stamp, "load_average_1min": load}
        else:
            result["accuracy_note"] = "no FER2013 under --data-dir/SKFER_DATA"
    result["load_average"]["end"] = load_average()
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / f"{args.output_name}.json"
    if json_path.is_file():
        keep_previous(result, json.loads(json_path.read_text()))
    result["targets"] = targets(result["models"], result["memory"])
    json_path.write_text(json.dumps(result, indent=2) + "\n")
    json_path.with_suffix(".md").write_text(markdown(result))
    print(markdown(result))
    print(f"written: {json_path} and .md", file=sys.stderr)


if __name__ == "__main__":
    main()
