"""Training and inference speed of skfer on this CPU, against PyTorch, Keras, ONNX.

Engines are measured **interleaved in one run**. Each engine lives in its own
long-lived worker process (imports, graph builds, tracing and warm-up are not
timed), driven by this script over pipes (JSON lines, see ``_workers.Worker``):

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
    python benchmarks/speed.py --markdown-only --output-name speed-cuda  # the page

The work is split by job: ``_speed_engines.py`` (the engines' workers, rounds,
ratios and the GEMM peak), ``_speed_extras.py`` (peak memory, float32 against
bfloat16 accuracy) and ``_speed_tables.py`` (the results page).
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

from _common import (  # noqa: E402
    add_markdown_only,
    command_line,
    load_average,
    now,
    read_json,
    write_json,
    write_text,
)
from _speed_engines import (  # noqa: E402
    achieved,
    engine_commands,
    forward_flops,
    gemm_limit,
    machine,
    measure_model,
)
from _speed_extras import (  # noqa: E402
    accuracy_figures,
    memory_child,
    memory_figures,
)
from _speed_tables import markdown  # noqa: E402

FER2013_TRAIN_SIZE = 28709


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
    add_markdown_only(p, "the JSON of --output-name")
    return _with_defaults(p.parse_args(argv))


def _with_defaults(args):
    """The settings left unset: a full run's, or ``--quick``'s small ones."""
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


def measure_speed(args, result):
    """The engines on each network, and the machine's GEMM peak around them."""
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


def measure_memory_and_accuracy(args, result):
    """The peak memory of a FER2013-sized fit; with ``--accuracy``, float32 vs
    bfloat16 training. Each section records the command that produced it."""
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
        load = load_average()[0]
        fig = memory_figures(arch, args.memory_n, args.data_dir)
        result["memory"][arch] = {**fig, **stamp, "load_average_1min": load}
    if args.accuracy:
        if args.data_dir and (Path(args.data_dir) / "fer2013").is_dir():
            load = load_average()[0]
            fig = accuracy_figures(args.data_dir, args)
            result["accuracy"] = {**fig, **stamp, "load_average_1min": load}
        else:
            result["accuracy_note"] = "no FER2013 under --data-dir/SKFER_DATA"


SETTINGS = (
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


def main(argv=None):
    args = parse_args(argv)
    if args.memory_child:
        memory_child(args.memory_child, args.memory_n, args.data_dir)
        return
    json_path = Path(args.output_dir) / f"{args.output_name}.json"
    if args.markdown_only:
        write_text(json_path.with_suffix(".md"), markdown(read_json(json_path)))
        return
    if args.threads:
        torch.set_num_threads(args.threads)
    result = {
        "command": command_line(),
        "date": now(),
        "machine": machine(args.device),
        "load_average": {"start": load_average()},
        "settings": {k: getattr(args, k) for k in SETTINGS},
        "models": {},
    }
    measure_speed(args, result)
    measure_memory_and_accuracy(args, result)
    result["load_average"]["end"] = load_average()
    if json_path.is_file():
        keep_previous(result, read_json(json_path))
    write_json(json_path, result)
    write_text(json_path.with_suffix(".md"), markdown(result))
    print(markdown(result))
    print(f"written: {json_path} and .md", file=sys.stderr)


if __name__ == "__main__":
    main()
