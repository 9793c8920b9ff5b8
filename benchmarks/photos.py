"""Real photos of every framing: does ``skfer predict`` find the face and read it?

From the JAFFE originals (whole head, 256x256; Lyons et al., FG 1998) and the CK+
face crops (128x128, ``ckplus/manifest.csv``; Lucey et al., CVPR-W 2010: the 327
labelled peak frames, contempt merged into disgust, and the neutral first frame of
the same sequences) the script builds the framings users meet:

- ``as is``; ``tight`` (the face fills the frame: the cascade's box, no margin);
- ``small`` (shorter side 48-96 px); ``padded`` (pasted at a random place of a
  background 2-2.5 times larger); ``rotated`` (+-15 degrees);
- ``low contrast`` (40 % of the contrast); ``jpeg q30``; ``mirrored``.

Each framing is written to a temporary folder and run through ``skfer predict
--json`` end to end. The model is chosen first, on the validation part only:
every single-model row of ``results/fer2013.json`` whose weights are on this
machine (``--candidates`` to name some), with the TTA chosen for it on FER2013
PublicTest, is scored zero-shot on the validation images of every framing, and
the best is used (``--no-choice``: the shipped default model and its registered
prediction settings). Then that model runs zero-shot, and fine-tuned on the
validation part's photos (both datasets, as they are; the transfer benchmark's
fine-tuning settings). Reported per framing and dataset: the share of images that get a
prediction (and how the face was found: detected or whole image) and the accuracy
(an image without a prediction counts as wrong), on a validation part (30 % of the
subjects, for choosing settings, and the fine-tuned model's training data) and a
test part (the others; the headline). Then the photos/s of ``skfer predict --csv``
over 640x480 photos (a face pasted into a textured background), face finding
included, timed as a separate process (start-up and model loading included, and
also without them).

Writes ``photos.json``, ``photos.md`` and ``photos.png`` with the command, date
and machine (its load average before and after: the machine may be shared).

Examples::

    python benchmarks/photos.py --data-dir ../shared/datasets
    python benchmarks/photos.py --quick
"""

import argparse
import contextlib
import csv
import functools
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    RESULTS,
    VALIDATION_SHARE,
    command_line,
    data_dir,
    load_ckplus_photos,
    load_jaffe_photos,
    machine_info,
    now,
    read_json,
    shown_path,
    split_subjects,
    weights_path,
    write_json,
)

FRAMINGS = (
    "as is",
    "tight",
    "small",
    "padded",
    "rotated",
    "low contrast",
    "jpeg q30",
    "mirrored",
)
SEED = 0


# ------------------------------------------------------------------ the photos
def face_boxes(images):
    """The cascade's box of each image (margin 0); the median one where none."""
    from skfer.preprocessing import detect_faces

    boxes = [detect_faces(image)[:1] for image in images]
    found = [
        np.array(b[0]) / np.array(im.shape * 2) for b, im in zip(boxes, images) if b
    ]
    typical = np.median(found, axis=0) if found else np.array([0.1, 0.1, 0.8, 0.8])
    return [
        tuple(b[0]) if b else tuple(np.rint(typical * (im.shape * 2)).astype(int))
        for b, im in zip(boxes, images)
    ]


def _resize(image, shape):
    from PIL import Image

    return np.asarray(Image.fromarray(image).resize(shape[::-1], Image.BILINEAR))


def _background(shape, rng):
    """A smooth random texture: a plausible out-of-focus background."""
    from scipy.ndimage import gaussian_filter

    noise = gaussian_filter(rng.normal(size=shape), sigma=min(shape) / 20)
    noise = (noise - noise.mean()) / (noise.std() + 1e-9)
    return np.clip(rng.uniform(60, 190) + 35 * noise, 0, 255).astype(np.uint8)


def frame(image, box, framing, rng):
    """One image in one framing; returns the array and the file suffix."""
    from skimage.transform import rotate

    if framing == "as is":
        return image, ".png"
    if framing == "tight":
        r, c, h, w = box
        return image[r : r + h, c : c + w], ".png"
    if framing == "small":
        side = int(rng.integers(48, 97))
        return _resize(image, (side, side * image.shape[1] // image.shape[0])), ".png"
    if framing == "padded":
        height, width = image.shape
        canvas = _background(
            (int(height * rng.uniform(2, 2.5)), int(width * rng.uniform(2, 2.5))), rng
        )
        top = int(rng.integers(0, canvas.shape[0] - height + 1))
        left = int(rng.integers(0, canvas.shape[1] - width + 1))
        canvas[top : top + height, left : left + width] = image
        return canvas, ".png"
    if framing == "rotated":
        angle = 15.0 * rng.choice([-1, 1])
        out = rotate(image, angle, mode="edge", preserve_range=True)
        return np.clip(np.rint(out), 0, 255).astype(np.uint8), ".png"
    if framing == "low contrast":
        mean = image.mean()
        return np.clip(np.rint(mean + 0.4 * (image - mean)), 0, 255).astype(
            np.uint8
        ), ".png"
    if framing == "jpeg q30":
        return image, ".jpg"
    if framing == "mirrored":
        return image[:, ::-1].copy(), ".png"
    raise ValueError(f"unknown framing {framing!r}")


def write_framing(folder, images, boxes, framing, seed):
    from PIL import Image

    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    paths = []
    for index, (image, box) in enumerate(zip(images, boxes)):
        array, suffix = frame(image, box, framing, rng)
        path = folder / f"{index:05d}{suffix}"
        options = {"quality": 30} if suffix == ".jpg" else {}
        Image.fromarray(array).save(path, **options)
        paths.append(path)
    return paths


# ------------------------------------------------------------ running predict
def skfer_predict(args):
    """``skfer predict ARGS --json`` run in this process; the parsed output."""
    from skfer.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["predict", *map(str, args), "--json"])
    if code != 0:
        raise RuntimeError(f"skfer predict exited with {code}")
    return json.loads(out.getvalue())


def score(result, labels, parts, wanted=("validation", "test")):
    """Per part: images, share predicted / detected / whole image, accuracy."""
    by_index = {int(Path(r["file"]).stem): r for r in result["results"]}
    rows = {}
    for part in wanted:
        n = predicted = detected = whole = correct = 0
        for index, (label, p) in enumerate(zip(labels, parts)):
            if p != part:
                continue
            n += 1
            record = by_index[index]
            if not record["faces"]:
                continue
            face = max(record["faces"], key=lambda f: f["box"][2] * f["box"][3])
            predicted += 1
            detected += face["found"] == "detected"
            whole += face["found"] == "whole image"
            correct += face["emotion"] == label
        rows[part] = {
            "n_images": n,
            "predicted": predicted / n,
            "detected": detected / n,
            "whole_image": whole / n,
            "accuracy": correct / n,
        }
    return rows


def fine_tune(datasets, model, folder, log):
    """``model`` fine-tuned on the validation part's photos, as they are.

    Faces are found as ``skfer predict`` finds them; training follows the transfer
    benchmark's fine-tuning (``make_transfer_estimator("fine-tuned")``). Returns
    the weights file and facts about the fit.
    """
    from skfer.preprocessing import extract_faces
    from skfer.transfer import make_transfer_estimator
    from skfer.transfer._benchmark import training_length
    from skfer.weights import read_weights_meta, resolve_weights

    rows, labels = [], []
    for images, targets, subjects in datasets.values():
        for image, label, part in zip(images, targets, split_subjects(subjects)):
            if part == "validation":
                _, faces = extract_faces(image)
                if len(faces):
                    rows.append(faces[0])
                    labels.append(label)
    arch = read_weights_meta(resolve_weights(model))["architecture"]
    params = training_length(len(rows), 0.2)
    clf = make_transfer_estimator("fine-tuned", arch, model, params=params)
    start = time.perf_counter()
    clf.fit(np.stack(rows), np.array(labels))
    seconds = time.perf_counter() - start
    path = clf.save_weights(Path(folder) / "fine-tuned.safetensors")
    facts = {
        "n_images": len(rows),
        "epochs": len(clf.history_),
        "seconds": round(seconds, 1),
        "params": {"lr": clf.lr, **params, "batch_size": clf.batch_size},
    }
    log(
        f"fine-tuned {model} on {len(rows)} validation photos: "
        f"{facts['epochs']} epochs in {seconds:.0f} s"
    )
    return path, facts


def write_framings(datasets, framings, tmp):
    """Every image of each dataset in each framing, written once to ``tmp``:
    ``{dataset: {framing: folder}}`` (files named by the image's index)."""
    folders = {}
    for name, (images, _, _) in datasets.items():
        boxes = face_boxes(images)
        folders[name] = {}
        for k, framing in enumerate(framings):
            folder = tmp / name / framing.replace(" ", "_")
            write_framing(folder, images, boxes, framing, seed=SEED + k)
            folders[name][framing] = folder
    return folders


def model_args(model, tta, class_prior=None):
    """``skfer predict`` options for a model (a shipped name or a weights file)."""
    return [
        "--model",
        model,
        *(["--tta", tta] if tta else []),
        *(["--class-prior", class_prior] if class_prior else []),
    ]


def candidate_models(path, names=None):
    """``{row: (weights file, tta)}`` for the single-model rows of ``fer2013.json``
    (``names``, or every one) whose weights file is on this machine, with the TTA
    chosen for each on FER2013's PublicTest."""
    rows = read_json(path).get("models", {})
    unknown = sorted(set(names or ()) - set(rows))
    if unknown:
        raise SystemExit(f"--candidates: no row {unknown} in {path}")
    found = {}
    for name in names or rows:
        row = rows[name]
        if isinstance(row.get("weights"), str):
            weights = weights_path(row["weights"])
            if weights.is_file():
                found[name] = (str(weights), row.get("tta"))
    return found


def choose_model(datasets, folders, candidates, log):
    """The candidate with the best zero-shot accuracy on the validation part.

    Scored on the validation images of every framing: the mean over the datasets
    (each counts the same, whatever its size) of the mean over the framings. The
    test part is never read. Returns the chosen name and every candidate's scores.
    """
    scores = {}
    for name, (weights, tta) in candidates.items():
        scores[name] = {
            "weights": shown_path(weights),
            "tta": tta,
            **validation_score(datasets, folders, model_args(weights, tta)),
        }
        log(f"candidate {name:<18} {scores[name]['text']}")
    chosen = max(scores, key=lambda n: scores[n]["score"])
    return chosen, scores


def validation_score(datasets, folders, options):
    """Zero-shot accuracy of ``skfer predict OPTIONS`` on the validation images of
    every framing, per dataset, and the score (mean over the datasets of the mean
    over the framings)."""
    per_dataset = {}
    for d, (_, labels, subjects) in datasets.items():
        parts = split_subjects(subjects)
        accuracy = {}
        for framing, folder in folders[d].items():
            files = [
                f
                for f, part in zip(sorted(folder.iterdir()), parts)
                if part == "validation"
            ]
            result = skfer_predict([*files, *options])
            row = score(result, labels, parts, wanted=("validation",))
            accuracy[framing] = row["validation"]["accuracy"]
        per_dataset[d] = accuracy
    means = {d: float(np.mean(list(a.values()))) for d, a in per_dataset.items()}
    total = float(np.mean(list(means.values())))
    shown = ", ".join(f"{d} {m:.1%}" for d, m in means.items())
    return {
        "validation_accuracy": per_dataset,
        "mean_by_dataset": means,
        "score": total,
        "text": f"validation {shown}; {total:.1%}",
    }


def choose_class_prior(datasets, folders, weights, tta, training, log):
    """``"uniform"`` or ``None`` (the training labels' prior) for the chosen model,
    on the validation part; ``training`` is its score with the training prior.
    Weights that do not record their training labels keep the training prior."""
    from skfer.weights import read_weights_meta

    if "class_count" not in read_weights_meta(weights):
        log("class prior: the weights do not record their training labels")
        return None, {}
    uniform = validation_score(
        datasets, folders, model_args(weights, tta, class_prior="uniform")
    )
    log(f"class prior uniform: {uniform['text']}")
    chosen = "uniform" if uniform["score"] > training["score"] else None
    return chosen, {"training": training, "uniform": uniform, "chosen": chosen}


def run_framings(datasets, folders, log, model=(), tuned=None):
    """Accuracy per dataset and framing with ``skfer predict`` and the options
    ``model``; with ``tuned`` (options naming a fine-tuned model), also the
    fine-tuned model's on the test part (``tuned_test``)."""
    results = {}
    for name, (images, labels, subjects) in datasets.items():
        parts = split_subjects(subjects)
        results[name] = {"n_images": len(images), "n_subjects": len(set(subjects))}
        results[name]["framings"] = {}
        for framing, folder in folders[name].items():
            start = time.perf_counter()
            result = skfer_predict([folder, *model])
            rows = score(result, labels, parts)
            rows["seconds"] = round(time.perf_counter() - start, 1)
            results[name]["framings"][framing] = rows
            model_name = result["model"]  # a weights file: shown as results show it
            if Path(model_name).is_file():
                model_name = shown_path(model_name)
            results[name]["model"] = model_name
            test = rows["test"]
            tuned_note = ""
            if tuned is not None:
                rows["tuned_test"] = score(
                    skfer_predict([folder, *tuned]), labels, parts
                )["test"]
                tuned_note = f", fine-tuned {rows['tuned_test']['accuracy']:6.1%}"
            log(
                f"{name:>7} {framing:<13} predicted {test['predicted']:6.1%} "
                f"(whole image {test['whole_image']:5.1%}) accuracy "
                f"{test['accuracy']:6.1%}{tuned_note}  [{rows['seconds']} s]"
            )
    return results


# ----------------------------------------------------------------------- speed
def make_scenes(folder, images, n, seed=SEED):
    """``n`` 640x480 JPEG photos, each a face pasted into a textured background."""
    from PIL import Image

    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for k in range(n):
        image = images[int(rng.integers(len(images)))]
        side = int(rng.integers(140, 300))
        face = _resize(image, (side, side * image.shape[1] // image.shape[0]))
        canvas = _background((480, 640), rng)
        top = int(rng.integers(0, 480 - face.shape[0] + 1))
        left = int(rng.integers(0, 640 - face.shape[1] + 1))
        canvas[top : top + face.shape[0], left : left + face.shape[1]] = face
        Image.fromarray(canvas).convert("RGB").save(folder / f"{k:05d}.jpg", quality=90)


def time_command(paths):
    """Seconds of ``python -m skfer predict PATHS --csv`` as a separate process."""
    root = str(Path(__file__).resolve().parents[1])  # this checkout's skfer first
    path = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, PYTHONPATH=path)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "skfer", "predict", *map(str, paths), "--csv"],
        capture_output=True,
        text=True,
        env=env,
    )
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"skfer predict failed: {proc.stderr[-2000:]}")
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, rows


def run_speed(images, n, tmp, log, model=()):
    """Photos/s of ``skfer predict --csv`` (options ``model``) over ``n`` scenes."""
    folder = tmp / "scenes"
    make_scenes(folder, images, n)
    load_before = [round(x, 2) for x in os.getloadavg()]
    one, cpu_one, _ = time_command([sorted(folder.iterdir())[0], *model])
    seconds, cpu, rows = time_command([folder, *model])
    load_after = [round(x, 2) for x in os.getloadavg()]
    files = {r["file"] for r in rows}
    found = {r["file"] for r in rows if r["found"]}
    detected = {r["file"] for r in rows if r["found"] == "detected"}
    faces = [r for r in rows if r["found"]]
    from skfer.cli._predict import default_jobs

    speed = {
        "n_photos": n,
        "photo_size": "640x480",
        "jobs": default_jobs(),  # photos searched at a time (skfer predict --jobs)
        "seconds": round(seconds, 2),
        "photos_per_s": round(n / seconds, 2),
        "seconds_one_photo": round(one, 2),
        "photos_per_s_after_start": round((n - 1) / max(seconds - one, 1e-9), 2),
        "cpu_seconds": round(cpu, 2),
        "cpu_seconds_one_photo": round(cpu_one, 2),
        "cpu_ms_per_photo_after_start": round(1000 * (cpu - cpu_one) / (n - 1), 1),
        "share_with_a_face": round(len(found) / len(files), 4),
        "share_detected": round(len(detected) / len(files), 4),
        "faces_per_photo": round(len(faces) / len(files), 3),
        "load_average_before": load_before,
        "load_average_after": load_after,
    }
    log(
        f"speed: {n} photos 640x480 in {seconds:.1f} s = {speed['photos_per_s']} "
        f"photos/s ({speed['photos_per_s_after_start']} after start-up and model "
        f"loading, {one:.1f} s); CPU {cpu:.1f} s, "
        f"{speed['cpu_ms_per_photo_after_start']} ms a photo after start-up; "
        f"load {load_before} -> {load_after}"
    )
    return speed


# --------------------------------------------------------------------- output
def _load_note(before, after, machine):
    """Whether other processes shared the CPU while the photos were timed."""
    cores = machine.get("cores") or os.cpu_count() or 1
    # The 1-minute load includes this benchmark's own threads (up to the cores).
    if max(before[0], after[0]) <= cores + 1:
        return " (the benchmark's own work included: no other busy process)"
    return (
        ": other processes shared the CPU, so the wall-clock rate is pessimistic; "
        "the CPU time is the cost"
    )


def _pct(x):
    return f"{100 * x:.1f}"


def _candidates_markdown(result):
    """The table of the models the validation part chose from."""
    candidates = result.get("candidates")
    if not candidates:
        return []
    names = list(result["datasets"])
    lines = [
        "## Choice of the model",
        "",
        "Each FER2013 model whose weights were on the machine, with the TTA chosen "
        "for it on FER2013 PublicTest, scored zero-shot on the validation part: the "
        "mean over the datasets of the mean accuracy over the framings. The best "
        "one is the model of the tables below; the test part was not read for the "
        "choice.",
        "",
        "| model | weights | TTA | "
        + " | ".join(f"{d} validation %" for d in names)
        + " | score % |",
        "|---|---|---|" + "---:|" * (len(names) + 1),
    ]
    for name, c in sorted(candidates.items(), key=lambda kv: -kv[1]["score"]):
        mark = " (chosen)" if name == result["model"] else ""
        cells = [_pct(c["mean_by_dataset"][d]) for d in names] + [_pct(c["score"])]
        lines.append(
            f"| {name}{mark} | `{c['weights']}` | {c['tta'] or 'none'} | "
            + " | ".join(cells)
            + " |"
        )
    prior = result.get("class_prior_choice")
    if prior:
        lines += [
            "",
            "Class prior of the chosen model (`skfer predict --class-prior`), on the "
            "same validation images: the training labels' (FER2013's frequencies) "
            f"{_pct(prior['training']['score'])} %, uniform (every emotion equally "
            f"likely) {_pct(prior['uniform']['score'])} %: "
            f"{prior['chosen'] or 'training'} is used below.",
        ]
    return [*lines, ""]


def markdown(result):
    m = result["machine"]
    lines = [
        "# Real photos of every framing: `skfer predict` end to end",
        "",
        f"- command: `{result['command']}`",
        f"- date: {result['date']}; model: `{result['model']}` with prediction "
        f"settings {result['predict_params']}"
        + (
            " (chosen on the validation part, below)"
            if result.get("candidates")
            else " (the shipped default: best FER2013 PublicTest)"
        )
        + ": zero-shot, and fine-tuned on the validation part",
        f"- machine: {m['cpu']}, {m['cores']} cores, torch {m['torch']}, "
        f"skfer {m['skfer']}; load average at start {m.get('load_average_at_start')}",
        "- data: JAFFE originals (Lyons et al. 1998) and CK+ crops (Lucey et al. "
        "2010; peak frames with contempt merged into disgust, plus the neutral "
        "first frames). Test part: "
        f"{int(100 * (1 - VALIDATION_SHARE))} % of the subjects; the validation part "
        "(the others) is for choosing settings.",
        "- predicted: images that get a prediction (detected face or whole image);"
        " accuracy counts an image without a prediction as wrong.",
        "",
    ]
    tuned = result.get("fine_tuned")
    if tuned:
        lines += [
            f"Fine-tuned: `{result['model']}` fine-tuned on the validation part's "
            f"{tuned['n_images']} photos as they are (both datasets; "
            f"{tuned['epochs']} epochs, {tuned['seconds']} s, settings "
            f"{tuned['params']}, early stopping on a fifth of them), with the same "
            "TTA and the prior of its own training labels (the validation photos); "
            "its accuracy is reported on the test part only.",
            "",
        ]
    lines += _candidates_markdown(result)
    for part in ("test", "validation"):
        with_tuned = bool(tuned) and part == "test"
        lines += [
            f"## {part.capitalize()} part",
            "",
            "| framing | "
            + " | ".join(
                f"{d} predicted % | {d} whole image % | {d} accuracy %"
                + (f" | {d} fine-tuned accuracy %" if with_tuned else "")
                for d in result["datasets"]
            )
            + " |",
            "|---|" + ("---:|" * (4 if with_tuned else 3)) * len(result["datasets"]),
        ]
        for framing in result["framings"]:
            cells = []
            for d in result["datasets"]:
                rows = result["datasets"][d]["framings"][framing]
                row = rows[part]
                cells += [
                    _pct(row["predicted"]),
                    _pct(row["whole_image"]),
                    _pct(row["accuracy"]),
                ]
                if with_tuned:
                    cells.append(_pct(rows["tuned_test"]["accuracy"]))
            lines.append(f"| {framing} | " + " | ".join(cells) + " |")
        spread = []
        for d in result["datasets"]:
            acc = [
                result["datasets"][d]["framings"][f][part]["accuracy"]
                for f in result["framings"]
            ]
            spread.append(f"{d} {100 * (max(acc) - min(acc)):.1f} points")
        n = {
            d: result["datasets"][d]["framings"]["as is"][part]["n_images"]
            for d in result["datasets"]
        }
        if with_tuned:
            for d in result["datasets"]:
                acc = [
                    result["datasets"][d]["framings"][f]["tuned_test"]["accuracy"]
                    for f in result["framings"]
                ]
                spread.append(f"{d} fine-tuned {100 * (max(acc) - min(acc)):.1f}")
        spread = ", ".join(spread)
        lines += ["", f"Images: {n}. Spread best - worst framing: {spread}.", ""]
    s = result.get("speed")
    if s:
        lines += [
            "## Speed",
            "",
            f"`skfer predict --csv` over {s['n_photos']} photos of {s['photo_size']} "
            "(a face pasted into a textured background, JPEG), as a separate process"
            f" searching {s.get('jobs', 1)} photos at a time (`--jobs` default): "
            f"{s['seconds']} s, **{s['photos_per_s']} photos/s** "
            f"({s['photos_per_s_after_start']} photos/s after start-up and model "
            f"loading, which take {s['seconds_one_photo']} s for one photo); a face "
            f"for {_pct(s['share_with_a_face'])} % of the photos ("
            f"{_pct(s['share_detected'])} % detected; {s['faces_per_photo']} faces a "
            "photo: the textured backgrounds give some false faces). "
            f"CPU time: {s['cpu_seconds']} s in all, "
            f"{s['cpu_ms_per_photo_after_start']} ms a photo after start-up "
            f"(start-up and model loading {s['cpu_seconds_one_photo']} s). Load "
            f"average before {s['load_average_before']}, after "
            f"{s['load_average_after']}"
            + _load_note(s["load_average_before"], s["load_average_after"], m)
            + ".",
            "",
        ]
    lines += ["![accuracy per framing](photos.png)", ""]
    return "\n".join(lines)


def figure(result, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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


# ----------------------------------------------------------------------- main
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", help="folder of ckplus/ and jaffe/ (SKFER_DATA)")
    parser.add_argument(
        "--framings",
        nargs="+",
        default=list(FRAMINGS),
        choices=FRAMINGS,
        metavar="FRAMING",
    )
    parser.add_argument(
        "--n-speed", type=int, default=1000, help="640x480 photos timed (0: no timing)"
    )
    parser.add_argument(
        "--every",
        type=int,
        default=1,
        metavar="N",
        help="use every N-th image of each dataset (default: all)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="every 5th image, 100 photos timed: a smoke run",
    )
    parser.add_argument(
        "--no-fine-tune",
        action="store_true",
        help="zero-shot only: no model fine-tuned on the validation part",
    )
    parser.add_argument(
        "--candidates",
        nargs="+",
        metavar="ROW",
        help="rows of fer2013.json to choose the model from on the validation part "
        "(default: every single-model row whose weights are on this machine)",
    )
    parser.add_argument(
        "--no-choice",
        action="store_true",
        help="no choice: the shipped default model (best FER2013 PublicTest)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    from skfer import list_pretrained
    from skfer.cli._common import best_pretrained

    datasets = {
        "JAFFE": load_jaffe_photos(data_dir(args.data_dir, "jaffe")),
        "CK+": load_ckplus_photos(data_dir(args.data_dir, "ckplus")),
    }
    every = 5 if args.quick else args.every
    datasets = {k: tuple(v[::every] for v in d) for k, d in datasets.items()}
    n_speed = min(args.n_speed, 100) if args.quick else args.n_speed
    candidates = {}
    if not args.no_choice:
        candidates = candidate_models(RESULTS / "fer2013.json", args.candidates)
    result = {
        "kind": "skfer-benchmark-photos",
        "command": command_line(),
        "date": now(),
        "machine": machine_info(),
        "quick": args.quick,
        "every": every,
        "framings": args.framings,
    }
    with tempfile.TemporaryDirectory(prefix="skfer-photos-") as tmp:
        tmp = Path(tmp)
        log = functools.partial(print, flush=True)
        folders = write_framings(datasets, args.framings, tmp)
        prior = None
        if candidates:
            model, result["candidates"] = choose_model(
                datasets, folders, candidates, log
            )
            weights, tta = candidates[model]
            prior, result["class_prior_choice"] = choose_class_prior(
                datasets, folders, weights, tta, result["candidates"][model], log
            )
            predict_params = {"tta": tta} if tta else {}
        else:
            model = weights = best_pretrained()
            entry = next(e for e in list_pretrained() if e["name"] == model)
            predict_params = dict(entry.get("predict_params", {}))
            tta = predict_params.get("tta")
        if prior:
            predict_params["class_prior"] = prior
        result["model"], result["predict_params"] = model, predict_params
        options = model_args(weights, tta, prior)
        tuned = None
        if not args.no_fine_tune:
            path, result["fine_tuned"] = fine_tune(datasets, weights, tmp, log)
            # its own training labels are the validation photos: their prior
            tuned = model_args(path, tta)
        result["datasets"] = run_framings(
            datasets, folders, log, model=options, tuned=tuned
        )
        if n_speed:
            faces = datasets["JAFFE"][0] + datasets["CK+"][0]
            result["speed"] = run_speed(faces, n_speed, tmp, log, model=options)
    result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    out = args.output
    suffix = "-quick" if args.quick else ""
    write_json(out / f"photos{suffix}.json", result)
    figure(result, out / f"photos{suffix}.png")
    text = markdown(result).replace("(photos.png)", f"(photos{suffix}.png)")
    (out / f"photos{suffix}.md").write_text(text)
    print(f"wrote {out / f'photos{suffix}.json'}, .md and .png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
