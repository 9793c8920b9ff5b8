"""Speed benchmark, the results page (``speed.md``, or ``--output-name``).

Two layouts of ``speed.json``: today's (engines in worker processes, interleaved
rounds, medians and spreads) and the first version's (``speed-1thread.json``,
``speed-cuda.json``: one figure per engine), each rendered table first.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import hardware_line, page, ran  # noqa: E402

ENGINE_NAMES = {
    "skfer": "skfer `fit`/`predict_proba`",
    "eager": "PyTorch eager float32",
    "torch_eager": "PyTorch eager float32",
    "keras_float32": "Keras float32",
    "keras_mixed_bfloat16": "Keras mixed_bfloat16",
    "onnx": "onnxruntime (`ONNXClassifier`)",
}


def _spread(s, fmt="{:,.0f}"):
    if s is None:
        return "-"
    return f"{fmt.format(s['median'])} ({fmt.format(s['min'])}-{fmt.format(s['max'])})"


def _share(f, key):
    g = f.get(key)
    if not g or g["share_of_peak"] is None:
        return "-"
    return f"{100 * g['share_of_peak']:.0f} % of {g['peak_dtype']}"


def model_tables(arch, fig):
    """The engines of one network, and the ratios skfer / other."""
    lines = [
        f"## {arch} ({fig['forward_flops_per_image'] / 1e6:,.1f} MFLOP per image "
        "forward)",
        "",
        "| engine | batch (train / predict) | train img/s | predict img/s | "
        "train % of peak | predict % of peak | 1 image ms (CPU ms) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, f in fig["engines"].items():
        s, lat = f["setup"], f.get("latency", {})
        label = ENGINE_NAMES.get(name, name)
        if name == "skfer":
            label += f" ({s.get('compute_dtype')})"
        lines.append(
            f"| {label} | {s.get('train_batch', '-')} / {s.get('predict_batch')} | "
            f"{_spread(f.get('train_images_per_s'))} | "
            f"{_spread(f.get('predict_images_per_s'))} | "
            f"{_share(f, 'train_gflops')} | {_share(f, 'predict_gflops')} | "
            f"{lat.get('median_ms', float('nan')):.2f} "
            f"({lat.get('cpu_median_ms', float('nan')):.2f}) |"
        )
    if fig["ratios"]:
        lines += ["", "| skfer / other | median | min-max |", "| --- | ---: | ---: |"]
        lines += [
            f"| {key} | {r['median']:.2f} | {r['min']:.2f}-{r['max']:.2f} |"
            for key, r in fig["ratios"].items()
        ]
    return [*lines, ""]


def _stamp(section, result):
    """Where a section kept from an earlier run came from (nothing if this run)."""
    if section.get("command") in (None, result["command"]):
        return ""
    return f"; `{section['command']}`, {section.get('date')}"


def other_figures(result):
    """The GEMM peak, the peak memory of a fit, float32 vs bfloat16 accuracy."""
    lines = []
    if result.get("limit"):
        lim = result["limit"]
        lines += [
            f"Physical limit: `torch.matmul` of two {lim['gemm_size']}x"
            f"{lim['gemm_size']} matrices, {lim['float32_gflops']:,.0f} GFLOP/s in "
            f"float32 and {lim['bfloat16_gflops']:,.0f} in bfloat16 "
            f"({lim['threads']} threads); % of peak = achieved GFLOP/s (images/s x "
            "FLOPs per image, training counted as 3x) / the peak of the engine's "
            "compute dtype.",
            "",
        ]
    if result.get("memory"):
        lines += [
            "Peak resident memory of a FER2013-sized fit (one epoch, 10 % "
            "validation split, in a child process):",
            "",
        ]
        for arch, mem in result["memory"].items():
            lines.append(
                f"- {arch}: {mem['peak_rss_mb']:.0f} MB ({mem['n_images']} images, "
                f"{mem['data']}, fit {mem['fit_s']:.0f} s{_stamp(mem, result)})"
                if "peak_rss_mb" in mem
                else f"- {arch}: failed: {mem.get('error')}"
            )
        lines.append("")
    a = result.get("accuracy")
    if a:
        lines += [
            f"Model 2 on FER2013 PrivateTest ({a['n_test']} images) after "
            f"{a['epochs']} epochs on {a['n_train']} Training images, mean of "
            f"{a['seeds']} seed(s) (a short training, not the paper's protocol"
            f"{_stamp(a, result)}): float32 "
            f"{100 * a['mean_accuracy']['float32']:.2f} %, bfloat16 "
            f"{100 * a['mean_accuracy']['bfloat16']:.2f} % "
            f"({a['bfloat16_minus_float32_points']:+.2f} points).",
            "",
        ]
    if result.get("skipped"):
        lines.append(
            "Not measured: "
            + "; ".join(f"{k} ({v})" for k, v in result["skipped"].items())
            + "."
        )
    return lines


def _hardware(result):
    m, st, load = result["machine"], result["settings"], result["load_average"]
    line = hardware_line(
        m, threads=st.get("threads"), load=f"{load['start']} / {load.get('end')}"
    )
    return line.replace(
        m["cpu"],
        f"{m['cpu']} (AVX-512 BF16: {m['avx512_bf16']}, AMX: {m['amx_bf16']})",
        1,
    )


def markdown(result):
    """The results page of a run of today's ``speed.py``."""
    if not any("engines" in fig for fig in result["models"].values()):
        return markdown_v1(result)
    st = result["settings"]
    lines = []
    for arch, fig in result["models"].items():
        lines += model_tables(arch, fig)
    protocol = (
        f"each engine in its own long-lived process, set up and warmed up untimed "
        f"(the fastest of the candidate batch sizes {st['train_batches']} for "
        f"training and {st['predict_batches']} for prediction kept); then "
        f"{st['rounds']} rounds, each one timed training epoch of {st['n_train']:,} "
        f"synthetic 48x48 images per engine in turn, then one prediction of "
        f"{st['n_predict']:,} images per engine in turn; one engine busy at a time. "
        "Median over rounds (min-max); ratios skfer / other computed per round. "
        f"1 image: median of {st['latency_calls']} single-image `predict` calls "
        "(the process's CPU time in brackets)."
    )
    return page(
        f"skfer speed on {result['machine'].get('gpu') or st['device']}",
        [*lines, *other_figures(result)],
        protocol,
        ran(result["command"], result["date"]),
        _hardware(result),
    )


def markdown_v1(result):
    """The results page of a run of the first ``speed.py`` (one figure each)."""
    st, m = result["settings"], result["machine"]
    lines = [
        "| model | engine | train img/s | predict img/s | latency ms |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    ratios = []
    for arch, fig in result["models"].items():
        for name, f in fig.items():
            if name == "ratios":
                ratios += [(arch, k, v) for k, v in f.items()]
                continue
            engines = f if name == "keras" else {name: f}
            for engine, e in engines.items():
                label = ENGINE_NAMES.get(engine, f"Keras {engine}")
                if engine == "skfer":
                    label += f" ({e.get('precision')})"
                lines.append(
                    f"| {arch} | {label} | {e['train_images_per_s']:.0f} | "
                    f"{e['predict_images_per_s']:.0f} | "
                    f"{e['latency_ms_median']:.2f} |"
                )
    lines += [
        "",
        "| model | skfer / other | value |",
        "| --- | --- | ---: |",
        *(f"| {arch} | {key} | {value:.2f} |" for arch, key, value in ratios),
    ]
    if result.get("keras_note"):
        lines += ["", result["keras_note"]]
    protocol = (
        f"synthetic uint8 images, batch {st['batch_size']}, {st['n_train']} "
        f"training images x {st['epochs']} epochs (the first excluded as warm-up), "
        f"{st['n_predict']} images predicted (median of {st['repeats']} calls), "
        f"latency: median of {st['latency_calls']} single-image `predict` calls; "
        "engines measured one after the other, minutes apart"
        + (f"; skfer and the eager loop on {st['device']}" if "device" in st else "")
        + (
            f"; Keras {result['keras_versions']['keras']} + TensorFlow "
            f"{result['keras_versions']['tensorflow']} in a separate process"
            if result.get("keras_versions")
            else ""
        )
        + "."
    )
    load = result["load_average"]
    hardware = hardware_line(
        m, load=f"{load['start'][0]:.2f} / {load['end'][0]:.2f}"
    ).replace(m["cpu"], f"{m['cpu']} (AVX-512 BF16: {m['avx512_bf16']})", 1)
    return page(
        f"skfer speed on {m.get('gpu') or 'this CPU'}",
        lines,
        protocol,
        ran(result["command"], result["date"]),
        hardware,
    )
