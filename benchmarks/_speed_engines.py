"""Speed benchmark, the engines: their workers, interleaved rounds, ratios, peaks.

Used by ``speed.py``: each engine runs in its own long-lived worker process
(``_speed_worker.py``, ``_keras_models.py --serve``) driven over pipes
(``_workers.Worker``).
"""

import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from skfer.models import PaperModel3, build_model

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _common import cpu_flags, load_average, machine_info  # noqa: E402
from _workers import Worker, WorkerError  # noqa: E402

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


def machine(device="cpu"):
    """:func:`_common.machine_info` with the CPU's bfloat16 features and the
    thread-related environment variables."""
    flags = cpu_flags()
    return {
        **machine_info(device),
        "avx512_bf16": "avx512_bf16" in flags,
        "amx_bf16": "amx_bf16" in flags,
        "env": {
            k: os.environ[k]
            for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OMP_WAIT_POLICY")
            if k in os.environ
        },
    }


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
