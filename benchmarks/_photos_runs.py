"""Photo benchmark, the runs: ``skfer predict`` on each framing, the choice of the
model and of its class prior on the validation part, the fine-tuned model, the
timed photos.

Used by ``photos.py``; every prediction goes through the command line
(:func:`skfer_predict`), as a user's would.
"""

import contextlib
import csv
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from skfer.cli import main as skfer_main
from skfer.preprocessing import DEFAULT_DETECTOR, extract_faces

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    load_average,
    read_json,
    shown_path,
    split_subjects,
    usable_cores,
    weights_path,
)
from _photos_framings import face_positions, make_scenes  # noqa: E402


def skfer_predict(args):
    """``skfer predict ARGS --json`` run in this process; the parsed output."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = skfer_main(["predict", *map(str, args), "--json"])
    if code != 0:
        raise RuntimeError(f"skfer predict exited with {code}")
    return json.loads(out.getvalue())


def labelled_face(faces, position=None):
    """The face read for an image's label: the largest, or with ``position``
    (the labelled face's centre, in a photo of several) the face whose box centre
    is nearest to it, if its box holds it; None when there is none."""
    if not faces:
        return None
    if position is None:
        return max(faces, key=lambda f: f["box"][2] * f["box"][3])
    row, col = position

    def distance(face):
        r, c, h, w = face["box"]
        return np.hypot(r + h / 2 - row, c + w / 2 - col)

    face = min(faces, key=distance)
    r, c, h, w = face["box"]
    return face if r <= row <= r + h and c <= col <= c + w else None


def score(result, labels, parts, wanted=("validation", "test"), positions=None):
    """Per part: images, share predicted / detected / whole image, accuracy, and
    faces found per image; ``positions`` (:func:`face_positions`) says which face
    of each photo is the labelled one."""
    by_index = {int(Path(r["file"]).stem): r for r in result["results"]}
    rows = {}
    for part in wanted:
        n = predicted = detected = whole = correct = n_faces = 0
        for index, (label, p) in enumerate(zip(labels, parts)):
            if p != part:
                continue
            n += 1
            record = by_index[index]
            n_faces += len(record["faces"])
            position = None if positions is None else positions[index]
            face = labelled_face(record["faces"], position)
            if face is None:
                continue
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
            "faces_per_image": n_faces / n,
        }
    return rows


def fine_tune(datasets, model, folder, log, detector=DEFAULT_DETECTOR, align=False):
    """``model`` fine-tuned on the validation part's photos, as they are.

    Faces are found as ``skfer predict --detector DETECTOR [--align]`` finds
    them; training follows the transfer
    benchmark's fine-tuning (``make_transfer_estimator("fine-tuned")``). Returns
    the weights file and facts about the fit.
    """
    # lazy: torch (skfer.transfer, skfer.weights): --markdown-only runs without it
    from skfer.transfer import make_transfer_estimator, training_length
    from skfer.weights import read_weights_meta, resolve_weights

    rows, labels = [], []
    for images, targets, subjects in datasets.values():
        for image, label, part in zip(images, targets, split_subjects(subjects)):
            if part == "validation":
                _, faces = extract_faces(image, detector=detector, align=align)
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


def model_args(model, tta, class_prior=None, face=()):
    """``skfer predict`` options for a model (a shipped name or a weights file),
    then ``face``, the options that find faces (``--detector``, ``--align``)."""
    return [
        "--model",
        model,
        *(["--tta", tta] if tta else []),
        *(["--class-prior", class_prior] if class_prior else []),
        *face,
    ]


def candidate_models(paths, names=None):
    """``{row: (weights file, tta)}`` for the single-model rows of the results files
    ``paths`` (``names``, or every one) whose weights file is on this machine, with
    the TTA chosen for each on its own validation data, and ``{row: reason}`` for
    the rows left out.

    A row is a candidate once per weights file and TTA (the first row naming them
    wins), and never when it was trained on the validation part it would be
    chosen on (``photo_parts_trained_on``): those rows are left out with the
    reason.
    """
    rows = {}
    for path in paths:
        for name, row in read_json(path).get("models", {}).items():
            rows.setdefault(name, row)
    unknown = sorted(set(names or ()) - set(rows))
    if unknown:
        raise SystemExit(f"--candidates: no row {unknown} in {[str(p) for p in paths]}")
    found, left_out, seen = {}, {}, set()
    for name in names or rows:
        row = rows[name]
        if not isinstance(row.get("weights"), str):
            continue  # an ensemble: not a single model
        weights = row_weights(row["weights"])
        weights = weights and weights.resolve()
        trained_on = sorted(
            dataset
            for dataset, parts in (row.get("photo_parts_trained_on") or {}).items()
            if "validation" in parts
        )
        if weights is None:
            left_out[name] = "weights not on this machine"
        elif trained_on:
            left_out[name] = (
                f"trained on the validation part of {', '.join(trained_on)}"
            )
        elif (weights, row.get("tta")) in seen:
            left_out[name] = "the same weights and TTA as an earlier row"
        else:
            seen.add((weights, row.get("tta")))
            found[name] = (str(weights), row.get("tta"))
    return found, left_out


def row_weights(shown):
    """The weights file behind a results row (a registered name or a shown path),
    or None when it is not on this machine."""
    # lazy: torch (skfer.weights): --markdown-only runs without it
    from skfer import list_pretrained
    from skfer.weights import resolve_weights

    if shown in {entry["name"] for entry in list_pretrained()}:
        return resolve_weights(shown)
    path = weights_path(shown)
    return path if path.is_file() else None


def choose_model(datasets, folders, candidates, log, face=()):
    """The candidate and class prior with the best zero-shot accuracy on the
    validation part.

    Each candidate is scored with its training labels' prior and, where its
    weights record those labels, with the uniform prior (``--class-prior
    uniform``): the model and the prior are chosen together, since a prior can
    change which model reads the photos best. Scored on the validation images of
    every framing: the mean over the datasets (each counts the same, whatever its
    size) of the mean over the framings. The test part is never read. Returns the
    chosen name, its prior (``None`` or ``"uniform"``) and every candidate's
    scores (``uniform``: the same with the uniform prior).
    """
    # lazy: torch (skfer.weights): --markdown-only runs without it
    from skfer.weights import read_weights_meta

    scores = {}
    for name, (weights, tta) in candidates.items():
        options = model_args(weights, tta, face=face)
        scores[name] = {
            "weights": shown_path(weights),
            "tta": tta,
            **validation_score(datasets, folders, options),
        }
        log(f"candidate {name:<18} {scores[name]['text']}")
        if "class_count" in read_weights_meta(weights):
            options = model_args(weights, tta, class_prior="uniform", face=face)
            scores[name]["uniform"] = validation_score(datasets, folders, options)
            log(f"  uniform prior      {scores[name]['uniform']['text']}")
    settings = [(n, None) for n in scores] + [
        (n, "uniform") for n in scores if "uniform" in scores[n]
    ]

    def score_of(setting):
        name, prior = setting
        return (scores[name][prior] if prior else scores[name])["score"]

    chosen, prior = max(settings, key=score_of)
    return chosen, prior, scores


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
            where = face_positions(folder)
            row = score(result, labels, parts, ("validation",), where)
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
            where = face_positions(folder)
            rows = score(result, labels, parts, positions=where)
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
                    skfer_predict([folder, *tuned]), labels, parts, positions=where
                )["test"]
                tuned_note = f", fine-tuned {rows['tuned_test']['accuracy']:6.1%}"
            log(
                f"{name:>7} {framing:<13} predicted {test['predicted']:6.1%} "
                f"(whole image {test['whole_image']:5.1%}) accuracy "
                f"{test['accuracy']:6.1%}{tuned_note}  [{rows['seconds']} s]"
            )
    return results


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


def run_speed(images, n, tmp, log, model=(), repeats=3, compare=None):
    """Photos/s of ``skfer predict --csv`` (options ``model``) over ``n`` scenes,
    searching one photo per usable core at a time (``--jobs``).

    The same scenes are timed ``repeats`` times (start-up with one photo, then the
    folder, each a new process); the run with the median photos/s is reported,
    with the range of all runs. One run of 1,000 photos lasts about 10 s, half of
    it start-up, so single runs differed by up to 20 % on a quiet machine.
    ``compare`` (``{name: options}``, e.g. another ``--detector``) is timed in the
    same rounds, interleaved, and reported under ``"compared"``."""
    folder = tmp / "scenes"
    make_scenes(folder, images, n)
    jobs = usable_cores()
    first = min(folder.iterdir())  # start-up: one photo
    engines = {None: list(model), **(compare or {})}
    load_before = load_average()
    runs = {name: [] for name in engines}
    for _ in range(repeats):
        for name, options in engines.items():
            options = [*options, "--jobs", str(jobs)]
            one, cpu_one, _ = time_command([first, *options])
            seconds, cpu, rows = time_command([folder, *options])
            runs[name].append((n / seconds, seconds, cpu, one, cpu_one, rows))
    load_after = load_average()
    load = {"load_average_before": load_before, "load_average_after": load_after}
    base = {"n_photos": n, "photo_size": "640x480", "jobs": jobs, "repeats": repeats}
    summaries = {
        name: {**base, **_speed_summary(n, done), **load} for name, done in runs.items()
    }
    speed = summaries.pop(None)
    if summaries:
        speed["compared"] = summaries
    for name, s in [("", speed), *summaries.items()]:
        log(
            f"speed{' ' + name if name else ''}: {n} photos 640x480, median of "
            f"{repeats} runs: {s['seconds']} s = {s['photos_per_s']} photos/s (runs "
            f"{s['photos_per_s_range']}; {s['photos_per_s_after_start']} after "
            f"start-up and model loading, {s['seconds_one_photo']} s); "
            f"{s['cpu_ms_per_photo_after_start']} CPU ms a photo after start-up; "
            f"load {load_before} -> {load_after}"
        )
    return speed


def _speed_summary(n, runs):
    """The median of timed runs ``(photos/s, s, CPU s, one photo s, its CPU s,
    rows)``, with the range of photos/s and what the median run found."""
    ordered = sorted(runs, key=lambda run: run[0])
    _, seconds, cpu, one, cpu_one, rows = ordered[(len(runs) - 1) // 2]
    files = {r["file"] for r in rows}
    found = {r["file"] for r in rows if r["found"]}
    detected = {r["file"] for r in rows if r["found"] == "detected"}
    faces = [r for r in rows if r["found"]]
    return {
        "seconds": round(seconds, 2),
        "photos_per_s": round(n / seconds, 2),
        "photos_per_s_range": [round(ordered[0][0], 2), round(ordered[-1][0], 2)],
        "seconds_one_photo": round(one, 2),
        "photos_per_s_after_start": round((n - 1) / max(seconds - one, 1e-9), 2),
        "cpu_seconds": round(cpu, 2),
        "cpu_seconds_one_photo": round(cpu_one, 2),
        "cpu_ms_per_photo_after_start": round(1000 * (cpu - cpu_one) / (n - 1), 1),
        "share_with_a_face": round(len(found) / len(files), 4),
        "share_detected": round(len(detected) / len(files), 4),
        "faces_per_photo": round(len(faces) / len(files), 3),
    }


def run_ready_made(paths, files, labels, log, model=()):
    """Ready-made face crops (FER+'s 48x48 test faces) through ``skfer predict
    PATHS`` (their folder, or some of its files) with the default face finding
    (``model`` options) and with ``--detect never``: the accuracy of each against
    ``labels`` (the majority label of each of ``files``; the other images read are
    not scored) and how the default found the faces. ``files`` are names or
    paths."""
    label_of = {Path(f).name: label for f, label in zip(files, labels)}
    out = {"n_images": len(files)}
    for key, extra in (("default", []), ("detect_never", ["--detect", "never"])):
        start = time.perf_counter()
        result = skfer_predict([*paths, *model, *extra])
        scored = [r for r in result["results"] if Path(r["file"]).name in label_of]
        right = found = whole = faces = 0
        for record in scored:
            faces += len(record["faces"])
            face = labelled_face(record["faces"])
            if face is None:
                continue
            found += 1
            whole += face["found"] == "whole image"
            right += face["emotion"] == label_of[Path(record["file"]).name]
        n = len(scored)
        out[key] = {
            "accuracy": right / n,
            "predicted": found / n,
            "whole_image": whole / n,
            "faces_per_image": faces / n,
            "seconds": round(time.perf_counter() - start, 1),
        }
        log(
            f"ready-made 48x48 crops ({key}): accuracy {right / n:.2%}, whole image "
            f"{whole / n:.1%}, faces {faces / n:.3f} an image ({n} scored)"
        )
    return out
