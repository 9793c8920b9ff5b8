"""Photo benchmark, the results page ``photos.md`` and its figure ``photos.png``.

Used by ``photos.py``.
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import VALIDATION_SHARE, hardware_line, page, ran  # noqa: E402


def _pct(x, digits=1):
    return f"{100 * x:.{digits}f}"


def part_table(result, part):
    """Accuracy per framing and dataset on one part, with the spread over framings."""
    names = list(result["datasets"])
    tuned = bool(result.get("fine_tuned")) and part == "test"
    lines = [
        f"## {part.capitalize()} part",
        "",
        "| framing | "
        + " | ".join(
            f"{d} predicted % | {d} whole image % | {d} accuracy %"
            + (f" | {d} fine-tuned accuracy %" if tuned else "")
            for d in names
        )
        + " |",
        "|---|" + ("---:|" * (4 if tuned else 3)) * len(names),
    ]
    for framing in result["framings"]:
        cells = []
        for d in names:
            rows = result["datasets"][d]["framings"][framing]
            row = rows[part]
            cells += [_pct(row[k]) for k in ("predicted", "whole_image", "accuracy")]
            if tuned:
                cells.append(_pct(rows["tuned_test"]["accuracy"]))
        lines.append(f"| {framing} | " + " | ".join(cells) + " |")
    spread = []
    for key, label in (
        (part, ""),
        *((("tuned_test", " fine-tuned"),) if tuned else ()),
    ):
        for d in names:
            acc = [
                result["datasets"][d]["framings"][f][key]["accuracy"]
                for f in result["framings"]
            ]
            spread.append(f"{d}{label} {100 * (max(acc) - min(acc)):.1f}")
    first = result["framings"][0]  # every framing holds the same images
    n = ", ".join(
        f"{d} {result['datasets'][d]['framings'][first][part]['n_images']}"
        for d in names
    )
    return lines + [
        "",
        f"Images: {n}. Spread, best - worst framing (points): {', '.join(spread)}.",
        "",
    ]


def faces_table(result, part="test"):
    """Faces found per photo in each framing (1 expected; 2 for ``two faces``),
    in results that count them."""
    names = list(result["datasets"])
    framings = result["datasets"][names[0]]["framings"]
    if "faces_per_image" not in framings[result["framings"][0]][part]:
        return []
    lines = [
        f"## Faces found per photo ({part} part)",
        "",
        "| framing | faces expected | " + " | ".join(names) + " |",
        "|---|---:|" + "---:|" * len(names),
    ]
    for framing in result["framings"]:
        cells = [
            f"{result['datasets'][d]['framings'][framing][part]['faces_per_image']:.3f}"
            for d in names
        ]
        expected = 2 if framing == "two faces" else 1
        lines.append(f"| {framing} | {expected} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def choice_table(result):
    """The models the validation part chose from, each with its training labels'
    class prior and the uniform prior, and the choice."""
    candidates = result.get("candidates")
    if not candidates:
        return []
    names = list(result["datasets"])
    chosen_prior = result.get("predict_params", {}).get("class_prior")
    lines = [
        "## Choice of the model and class prior, on the validation part",
        "",
        "| model | weights | TTA | "
        + " | ".join(f"{d} validation %" for d in names)
        + " | score % | uniform prior: score % |",
        "|---|---|---|" + "---:|" * (len(names) + 2),
    ]

    def best(c):
        return max(c["score"], c.get("uniform", {}).get("score", 0.0))

    for name, c in sorted(candidates.items(), key=lambda kv: -best(kv[1])):
        mark = ""
        if name == result["model"]:
            mark = f" (chosen, {chosen_prior or 'training'} prior)"
        uniform = c.get("uniform")
        cells = [_pct(c["mean_by_dataset"][d]) for d in names] + [_pct(c["score"])]
        cells.append(
            "-"
            if uniform is None
            else f"{_pct(uniform['score'])} ("
            + ", ".join(f"{d} {_pct(uniform['mean_by_dataset'][d])}" for d in names)
            + ")"
        )
        lines.append(
            f"| {name}{mark} | `{c['weights']}` | {c['tta'] or 'none'} | "
            + " | ".join(cells)
            + " |"
        )
    left_out = result.get("candidates_left_out")
    if left_out:
        lines += [
            "",
            "Not candidates: "
            + "; ".join(f"{name} ({why})" for name, why in sorted(left_out.items()))
            + ".",
        ]
    return [*lines, ""]


def ready_made_table(result):
    """FER+'s test faces through ``skfer predict FOLDER``: default vs never."""
    r = result.get("ready_made")
    if not r:
        return []
    lines = [
        "## Ready-made face crops: FER+ test faces through `skfer predict FOLDER`",
        "",
        "| face finding | accuracy % | predicted % | whole image % | faces an image |",
        "|---|---:|---:|---:|---:|",
    ]
    ways = (("default", "as every call above"), ("detect_never", "`--detect never`"))
    for key, name in ways:
        row = r[key]
        lines.append(
            f"| {name} | {_pct(row['accuracy'], 2)} | {_pct(row['predicted'])} | "
            f"{_pct(row['whole_image'])} | {row['faces_per_image']:.3f} |"
        )
    gap = 100 * (r["default"]["accuracy"] - r["detect_never"]["accuracy"])
    return [
        *lines,
        "",
        f"{r['n_images']} faces scored against FER+'s majority label (left out: "
        f"{r['left_out']}); difference {gap:+.2f} points.",
        "",
    ]


def speed_table(result):
    """Photos/s of ``skfer predict --csv`` over 640x480 scenes, per face detector
    timed (interleaved in the same rounds)."""
    s = result.get("speed")
    if not s:
        return []
    rows = [(result.get("detector", "-"), s), *s.get("compared", {}).items()]
    lines = [
        f"## Speed: `skfer predict --csv` over {s['n_photos']} photos of "
        f"{s['photo_size']}",
        "",
        "| face detector | photos at a time | photos/s | range of the runs | "
        "photos/s after start-up | start-up and 1 photo (s) | CPU ms a photo | "
        "with a face % | detected % | faces a photo |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows:
        lines.append(
            f"| {name} | {r.get('jobs', 1)} | **{r['photos_per_s']}** | {_range(r)} | "
            f"{r['photos_per_s_after_start']} | {r['seconds_one_photo']} | "
            f"{r['cpu_ms_per_photo_after_start']} | {_pct(r['share_with_a_face'])} | "
            f"{_pct(r['share_detected'])} | {r['faces_per_photo']} |"
        )
    return [*lines, "", _runs(s.get("repeats", 1), len(rows)), ""]


def _runs(repeats, engines=1):
    if repeats == 1 and engines == 1:
        return "One timed run (a new `skfer predict` process)."
    order = ", the detectors interleaved in each round" if engines > 1 else ""
    return (
        f"{repeats} timed rounds{order}, each run a new `skfer predict` process "
        "over the same photos; the median run of each is shown."
    )


def _range(speed):
    low_high = speed.get("photos_per_s_range")
    return f"{low_high[0]}-{low_high[1]}" if low_high else "-"


def _protocol(result):
    tuned = result.get("fine_tuned")
    chosen = (
        "chosen on the validation part"
        if result.get("candidates")
        else "the shipped default: best FER2013 PublicTest"
    )
    text = (
        "JAFFE originals (Lyons et al. 1998) and CK+ crops (Lucey et al. 2010; peak "
        "frames, contempt merged into disgust, and the neutral first frames) in "
        "each framing, run through `skfer predict --json"
        + _face_options(result)
        + "`; model "
        f"`{result['model']}` with {result['predict_params']} ({chosen}), "
        "zero-shot"
    )
    if tuned:
        text += (
            f", and fine-tuned on the validation part's {tuned['n_images']} photos "
            f"({tuned['epochs']} epochs, {tuned['seconds']} s, {tuned['params']})"
        )
    text += (
        f". Test part: {int(100 * (1 - VALIDATION_SHARE))} % of the subjects; the "
        "validation part (the others) chooses settings. Predicted: images with a "
        "detected face or read whole; an image without a prediction counts as "
        "wrong. Speed: 640x480 JPEGs (a face pasted into a textured background) "
        "timed as a separate process, start-up and model loading included."
    )
    if "two faces" in result["framings"]:
        text += (
            " Two faces: the photo's face beside another subject's of the same "
            "part, on a random side; the face read is the one whose box centre is "
            "nearest the labelled face's centre (none when its box misses it)."
        )
    return text


def _face_options(result):
    """The detector options of the run, in results that record them."""
    if "detector" not in result:
        return ""
    return f" --detector {result['detector']}" + (" --align" if result["align"] else "")


def markdown(result, figure_name="photos.png"):
    """The results page: the tables, then protocol, command and hardware."""
    body = [
        *part_table(result, "test"),
        f"![accuracy per framing]({figure_name})",
        "",
        *part_table(result, "validation"),
        *faces_table(result),
        *choice_table(result),
        *ready_made_table(result),
        *speed_table(result),
    ]
    load = f"{result['machine'].get('load_average_at_start')} at start"
    command = ran(result["command"], result["date"])
    if result.get("speed"):
        s = result["speed"]
        load += (
            f", {s['load_average_before']} / {s['load_average_after']} around the "
            "timed photos"
        )
        if "command" in s:  # timed again by --speed-only
            command += f"; speed: {ran(s['command'], s['date'])}"
    return page(
        "Real photos of every framing: `skfer predict` end to end",
        body,
        _protocol(result),
        command,
        hardware_line(result["machine"], load=load),
    )


def figure(result, path):
    # lazy: matplotlib (the plot extra) loads only to draw the figure
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # lazy: after matplotlib.use("Agg")

    framings = result["framings"]
    names = list(result["datasets"])
    fig, ax = plt.subplots(figsize=(9, 3.8))
    width = 0.8 / len(names)
    x = np.arange(len(framings))
    for k, name in enumerate(names):
        rows = [result["datasets"][name]["framings"][f]["test"] for f in framings]
        acc = [100 * r["accuracy"] for r in rows]
        bars = ax.bar(x + (k - (len(names) - 1) / 2) * width, acc, width, label=name)
        for bar, r in zip(bars, rows):
            note = f"{100 * r['predicted']:.0f}"
            ax.text(
                bar.get_x() + bar.get_width() / 2,
                bar.get_height() + 1,
                note,
                ha="center",
                fontsize=7,
            )
    ax.set_xticks(x, framings, rotation=20)
    ax.set_ylabel("accuracy % (test part)")
    ax.set_ylim(0, 105)
    ax.legend(loc="lower right")
    ax.set_title(
        f"skfer predict end to end, zero-shot ({result['model']}); "
        "above each bar: % of images with a prediction",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
