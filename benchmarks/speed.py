"""Training and inference speed of skfer on this CPU, against PyTorch and Keras.

For each network (Models 1, 2, 3 of the paper), in one run on synthetic 48x48
images, batch 128:

- training images/s through ``FERClassifier.fit`` (full epochs, no validation
  split, the first epoch excluded as warm-up; ``precision="auto"``);
- inference images/s through ``FERClassifier.predict_proba`` (after one warm-up
  call) and the median latency of ``predict`` on a single image;
- the same through a minimal hand-written PyTorch eager float32 loop on the same
  modules (default memory format, ``torch.optim.Adam`` defaults, no autocast);
- the same through Keras 3 + TensorFlow, float32 and ``mixed_bfloat16``, when an
  interpreter with ``tensorflow`` is available (``--keras-python``; the benchmark
  installs nothing: ``python -m venv venv-tf && venv-tf/bin/pip install
  tensorflow-cpu``). Keras runs in its own process, see ``_keras_models.py``;

plus the peak resident memory of a FER2013-sized fit (28,709 images, one epoch, the
default 10 % validation split) measured in a child process, on the real FER2013
training set when ``--data-dir``/``SKFER_DATA`` holds ``fer2013/``, else on
synthetic images of the same size. ``--device cuda`` times skfer and the eager
loop on a GPU instead (with ``--no-keras``, to its own ``--output-name``, e.g.
``speed-cuda``). ``--accuracy`` adds a float32 vs bfloat16
comparison of Model 2 on FER2013 (short trainings; needs the real data).

Results go to ``benchmarks/results/speed.json`` and ``speed.md`` with the command,
CPU, thread count, versions and load average::

    python benchmarks/speed.py --keras-python ../venv-tf/bin/python
    python benchmarks/speed.py --quick            # smoke test, Model 2 only
"""

import argparse
import datetime
import importlib.util
import json
import os
import platform
import resource
import shlex
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import skfer  # noqa: E402
from skfer import FERClassifier  # noqa: E402
from skfer.models import build_model  # noqa: E402

FER2013_TRAIN_SIZE = 28709


# ------------------------------------------------------------------------ helpers
def synthetic(n, seed=0):
    """``n`` random uint8 48x48 images as rows, 7 balanced labels."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, (n, 48 * 48), dtype=np.uint8)
    return X, np.arange(n) % 7


def machine():
    model = platform.processor()
    flags = ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name") and model in ("", "x86_64"):
                    model = line.split(":", 1)[1].strip()
                if line.startswith("flags"):
                    flags = line
                    break
    except OSError:
        pass
    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else None
    return {
        "cpu": model,
        "gpu": gpu,
        "cores": os.cpu_count(),
        "avx512_bf16": "avx512_bf16" in flags,
        "amx_bf16": "amx_bf16" in flags,
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "skfer": skfer.__version__,
        "numpy": np.__version__,
        "env": {
            k: os.environ[k]
            for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OMP_WAIT_POLICY")
            if k in os.environ
        },
    }


def _sync(device):
    """Wait for queued GPU work, so that a timer stops when the work is done."""
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def _median_time(fn, repeats, device="cpu"):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


# ---------------------------------------------------------------------- skfer
def skfer_figures(arch, args):
    X, y = synthetic(max(args.n_train, args.n_predict))
    clf = FERClassifier(
        arch,
        max_epochs=args.epochs,
        batch_size=args.batch_size,
        validation_fraction=None,
        random_state=0,
        device=args.device,
    )
    start = time.perf_counter()
    clf.fit(X[: args.n_train], y[: args.n_train])
    fit_s = time.perf_counter() - start
    durations = [row["dur"] for row in clf.history_]
    timed = durations[1:] or durations

    Xp = X[: args.n_predict]
    clf.predict_proba(Xp[: args.batch_size])  # warm-up: builds the inference copy
    predict_s = _median_time(lambda: clf.predict_proba(Xp), args.repeats)

    one = X[:1]
    for _ in range(10):
        clf.predict(one)
    lat = [_median_time(lambda: clf.predict(one), 1) for _ in range(args.latency_calls)]
    return {
        "train_images_per_s": args.n_train / float(np.mean(timed)),
        "train_epoch_s": durations,
        "fit_wall_s": fit_s,
        "predict_images_per_s": args.n_predict / predict_s,
        "latency_ms_median": 1000 * float(np.median(lat)),
        "latency_ms_p90": 1000 * float(np.percentile(lat, 90)),
        "precision": clf.precision,
    }


# --------------------------------------------------------------- torch eager
def torch_eager_figures(arch, args):
    """A minimal PyTorch float32 loop: what a user would write without skfer."""
    X, y = synthetic(max(args.n_train, args.n_predict))
    device = torch.device(args.device)
    images = torch.from_numpy(X).float().div_(255).reshape(-1, 1, 48, 48).to(device)
    labels = torch.from_numpy(y).long().to(device)
    torch.manual_seed(0)
    model = build_model(arch, n_classes=7).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    bs = args.batch_size
    durations = []
    for _ in range(args.epochs):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(args.n_train, device=device)
        for i in range(0, args.n_train, bs):
            idx = order[i : i + bs]
            optimizer.zero_grad()
            loss = loss_fn(model(images[idx]), labels[idx])
            loss.backward()
            optimizer.step()
        _sync(device)
        durations.append(time.perf_counter() - start)
    timed = durations[1:] or durations

    model.eval()
    pbs = max(bs, 256)
    xp = images[: args.n_predict]

    def predict():
        with torch.no_grad():
            return torch.cat(
                [
                    torch.softmax(model(xp[i : i + pbs]), 1)
                    for i in range(0, len(xp), pbs)
                ]
            )

    predict()
    predict_s = _median_time(predict, args.repeats, device)
    one = images[:1]
    with torch.no_grad():
        for _ in range(10):
            model(one)
        lat = [
            _median_time(lambda: model(one), 1, device)
            for _ in range(args.latency_calls)
        ]
    return {
        "train_images_per_s": args.n_train / float(np.mean(timed)),
        "train_epoch_s": durations,
        "predict_images_per_s": args.n_predict / predict_s,
        "latency_ms_median": 1000 * float(np.median(lat)),
    }


# ---------------------------------------------------------------------- keras
def keras_python(args):
    if args.keras_python:
        return args.keras_python
    if importlib.util.find_spec("tensorflow") is not None:
        return sys.executable
    return None


def keras_figures(arch, args, python):
    from skfer.models import PaperModel3

    m3 = PaperModel3()
    widths = [m.out_channels for m in m3.features if isinstance(m, nn.Conv2d)]
    dense = [m.out_features for m in m3.classifier if isinstance(m, nn.Linear)]
    cmd = [
        python,
        str(HERE / "_keras_models.py"),
        "--models",
        arch,
        "--n-train",
        str(args.n_train),
        "--n-predict",
        str(args.n_predict),
        "--epochs",
        str(args.epochs),
        "--batch-size",
        str(args.batch_size),
        "--latency-calls",
        str(args.latency_calls),
        "--model3-widths",
        ",".join(map(str, widths)),
        "--model3-dense",
        ",".join(map(str, dense)),
        "--threads",
        str(args.threads or 0),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-5:]
        return {"error": "Keras run failed: " + " | ".join(tail)}, None
    out = json.loads(proc.stdout)
    return out["results"][arch], out["versions"]


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
def ratios(models):
    for fig in models.values():
        sk, eager, keras = fig["skfer"], fig.get("torch_eager"), fig.get("keras") or {}
        r = {}
        for key in ("train_images_per_s", "predict_images_per_s"):
            short = key.split("_")[0]
            if eager:
                r[f"{short}_vs_torch_eager_f32"] = sk[key] / eager[key]
            for policy in ("float32", "mixed_bfloat16"):
                if policy in keras:
                    r[f"{short}_vs_keras_{policy}"] = sk[key] / keras[policy][key]
        fig["ratios"] = r


def targets(models, memory):
    out = {}

    def check(name, values):
        out[name] = None if not values or None in values else all(values)

    def ratio(arch, key):
        return models.get(arch, {}).get("ratios", {}).get(key)

    def ge(v, t):
        return None if v is None else v >= t

    check(
        "fit >= 1.0x Keras mixed_bfloat16 (model1, model2)",
        [
            ge(ratio(a, "train_vs_keras_mixed_bfloat16"), 1.0)
            for a in ("model1", "model2")
        ],
    )
    check(
        "fit >= 2.0x Keras float32 (model1, model2)",
        [ge(ratio(a, "train_vs_keras_float32"), 2.0) for a in ("model1", "model2")],
    )
    check(
        "predict_proba >= 1.0x Keras mixed_bfloat16 (model1, model2)",
        [
            ge(ratio(a, "predict_vs_keras_mixed_bfloat16"), 1.0)
            for a in ("model1", "model2")
        ],
    )
    lat = models.get("model2", {}).get("skfer", {}).get("latency_ms_median")
    check("predict latency < 3 ms (model2)", [None if lat is None else lat < 3.0])
    peaks = [m.get("peak_rss_mb") for m in memory.values()]
    check(
        "peak RSS of a FER2013 fit < 3 GB",
        [None if p is None else p < 3072 for p in peaks],
    )
    return out


def markdown(result):
    m, st, load = result["machine"], result["settings"], result["load_average"]
    device = st.get("device", "cpu")
    on_gpu = torch.device(device).type == "cuda"
    lines = [
        f"# skfer speed on {m.get('gpu') or device if on_gpu else 'this CPU'}",
        "",
        f"Produced by `{result['command']}` on {result['date']}.",
        "",
        f"skfer and the eager loop ran on device `{device}`"
        + (f" ({m.get('gpu')}); Keras, if any, on the CPU. " if on_gpu else ". ")
        + f"Machine: {m['cpu']}, {m['cores']} cores, torch {m['torch']} with "
        f"{m['torch_threads']} threads, AVX-512 BF16: {m['avx512_bf16']}. "
        f"Load average (1 min) at start / end: {load['start'][0]:.2f} / "
        f"{load['end'][0]:.2f} on {m['cores']} cores (a load above the core count "
        "means other processes shared the CPU: absolute figures are then low and "
        "noisy; the ratios compare engines measured minutes apart).",
        "",
        f"Synthetic uint8 images, batch {st['batch_size']}, {st['n_train']} training "
        f"images x {st['epochs']} epochs (the first excluded as warm-up), "
        f"{st['n_predict']} images predicted (median of {st['repeats']} calls), "
        f"latency = median of {st['latency_calls']} single-image `predict` calls.",
        "",
        "On a machine shared with other busy processes, torch's OpenMP kernels wait "
        "at every parallel region for their slowest, possibly descheduled, thread, "
        "while TensorFlow's work-sharing thread pool does not: with a load above the "
        "core count, compare with a `--threads 1` run (written to `speed-1thread.*` "
        "with `--output-name speed-1thread`), which measures work per core.",
        "",
    ]
    if result["models"]:
        if result.get("keras_versions"):
            v = result["keras_versions"]
            lines.append(
                f"Keras {v['keras']} + TensorFlow {v['tensorflow']} (CPU, oneDNN), "
                "run in a separate process with the same settings."
            )
        else:
            lines.append(
                "Keras/TensorFlow: not measured in this run (no interpreter with "
                "`tensorflow`; `pip install tensorflow-cpu` in another venv and pass "
                "`--keras-python`)."
            )
        lines += [
            "",
            "| model | engine | train img/s | predict img/s | latency ms |",
            "| --- | --- | ---: | ---: | ---: |",
        ]
        for arch, fig in result["models"].items():
            engines = [
                (
                    f"skfer `fit`/`predict_proba` ({fig['skfer']['precision']})",
                    fig["skfer"],
                )
            ]
            if fig.get("torch_eager"):
                engines.append(("PyTorch eager float32", fig["torch_eager"]))
            for policy, f in (fig.get("keras") or {}).items():
                if isinstance(f, dict) and "train_images_per_s" in f:
                    engines.append((f"Keras {policy}", f))
            for name, f in engines:
                lines.append(
                    f"| {arch} | {name} | {f['train_images_per_s']:.0f} | "
                    f"{f['predict_images_per_s']:.0f} | {f['latency_ms_median']:.2f} |"
                )
        lines += [
            "",
            "Ratios (skfer / other, higher is better):",
            "",
            "| model | ratio | value |",
            "| --- | --- | ---: |",
        ]
        for arch, fig in result["models"].items():
            for key, value in fig["ratios"].items():
                lines.append(f"| {arch} | {key} | {value:.2f} |")
    if result.get("memory"):
        lines += [
            "",
            "Peak resident memory of a FER2013-sized fit (child process, one "
            "epoch, 10 % validation split):",
            "",
        ]
        for arch, m in result["memory"].items():
            if "peak_rss_mb" in m:
                lines.append(
                    f"- {arch}: {m['peak_rss_mb']:.0f} MB ({m['n_images']} "
                    f"images, {m['data']}, fit {m['fit_s']:.0f} s; from "
                    f"`{m.get('command')}` on {m.get('date')})"
                )
            else:
                lines.append(f"- {arch}: failed: {m.get('error')}")
    if result.get("accuracy"):
        a = result["accuracy"]
        lines += [
            "",
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
        ]
    lines += ["", "Targets of issue 7:", ""]
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
            "keras_versions",
            "keras_note",
        ):
            if key in previous:
                result[key] = previous[key]
    for key in ("memory", "accuracy"):
        if not result.get(key) and previous.get(key):
            result[key] = previous[key]


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--quick",
        action="store_true",
        help="Model 2 only, fewer images: a smoke test of the script.",
    )
    p.add_argument("--models", default=None, help="comma-separated architectures")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--epochs", type=int, default=None, help="timed epochs + 1 warm-up")
    p.add_argument("--n-train", type=int, default=None)
    p.add_argument("--n-predict", type=int, default=None)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch and TensorFlow intra-op threads (default: the libraries' own)",
    )
    p.add_argument("--latency-calls", type=int, default=None)
    p.add_argument(
        "--device",
        default="cpu",
        help="torch device of skfer and the eager loop, e.g. cuda (Keras stays on "
        "the CPU: pass --no-keras); write a GPU run to its own --output-name",
    )
    p.add_argument(
        "--keras-python",
        default=None,
        help="interpreter with tensorflow for the Keras comparison",
    )
    p.add_argument("--no-keras", action="store_true")
    p.add_argument("--no-eager", action="store_true")
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
    p.add_argument("--output-dir", default=str(HERE / "results"))
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
    if args.models is None:
        args.models = "model2" if quick else "model1,model2,model3"
    args.epochs = args.epochs or (2 if quick else 3)
    args.n_train = args.n_train or (1024 if quick else 4096)
    args.n_predict = args.n_predict or (1024 if quick else 4096)
    args.latency_calls = args.latency_calls or (50 if quick else 200)
    if args.memory_models is None:
        args.memory_models = "model2" if quick else "model1,model2"
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.memory_child:
        memory_child(args.memory_child, args.memory_n, args.data_dir)
        return
    command = "python benchmarks/speed.py " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])
    )
    result = {
        "command": command.strip(),
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average": {"start": list(os.getloadavg())},
        "settings": {
            k: getattr(args, k)
            for k in (
                "device",
                "batch_size",
                "epochs",
                "n_train",
                "n_predict",
                "repeats",
                "latency_calls",
            )
        },
        "models": {},
    }
    if args.threads:
        torch.set_num_threads(args.threads)
        result["machine"]["torch_threads"] = torch.get_num_threads()
    python = None if args.no_keras else keras_python(args)
    for arch in filter(None, args.models.split(",")):
        print(f"{arch}: skfer ...", file=sys.stderr)
        fig = {"skfer": skfer_figures(arch, args)}
        if not args.no_eager:
            print(f"{arch}: torch eager ...", file=sys.stderr)
            fig["torch_eager"] = torch_eager_figures(arch, args)
        if python is not None:
            print(f"{arch}: keras ...", file=sys.stderr)
            fig["keras"], versions = keras_figures(arch, args, python)
            if versions:
                result["keras_versions"] = versions
        result["models"][arch] = fig
        print(json.dumps(fig, indent=1), file=sys.stderr)
    if python is None:
        result["keras_note"] = (
            "Keras/TensorFlow not measured: no interpreter with tensorflow. Install "
            "tensorflow-cpu in another venv and pass --keras-python PATH."
        )
    ratios(result["models"])
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
    result["load_average"]["end"] = list(os.getloadavg())
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / f"{args.output_name}.json"
    if json_path.is_file():
        keep_previous(result, json.loads(json_path.read_text()))
    result["targets"] = targets(result["models"], result["memory"])
    json_path.write_text(json.dumps(result, indent=2) + "\n")
    json_path.with_suffix(".md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
