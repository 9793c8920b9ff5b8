"""``skfer predict``: the emotion of every face in photos."""

import collections
import csv
import functools
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from . import _video as video
from ._common import (
    UsageError,
    add_inference_arguments,
    add_model_argument,
    note,
    positive_int,
    print_results,
)

NAME = "predict"
HELP = "emotions of the faces in photos"

DESCRIPTION = """\
Find the faces in photos of any size (several per photo), crop them and classify
their expression. Prints one line per face: file, face box (row, col, height,
width in the photo), emotion and the probability of each class; --json and --csv
give the same as machine-readable text. Files without a face and files that are
not images are reported (on stderr, and in the output with their status); they
do not make the command fail, unless no file at all could be read as an image
(exit status 1). Faces are found on every framing (--detect auto): detected in
the photo, else in a padded, resized copy (tight crops, thumbnails), else the
whole image (its centre square) when it is plausibly one face; the "found"
column says which ("detected" or "whole image"). Use --detect never for images
that are already face crops (e.g. FER2013's 48x48 faces). Photos are read and
searched on --jobs threads (default: one per CPU core, at most 8), while the
model loads; all their faces then go through the model in batches. Videos and
--camera: see below."""

MAX_SIDE = 1024  # photos are searched at most this large (boxes are mapped back)
MARGIN = 0.1  # as FaceCropper: brings in the chin and forehead
DETECT_MODES = ("auto", "always", "never")  # as skfer.preprocessing.find_faces
MAX_JOBS = 8  # default --jobs: one thread per core, at most this many


def add_arguments(p):
    """The options of ``skfer predict``."""
    p.add_argument(
        "paths", nargs="*", metavar="IMAGE_OR_FOLDER", help="photos, videos or folders"
    )
    add_model_argument(p)
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print JSON")
    fmt.add_argument("--csv", action="store_true", help="print CSV, one row per face")
    p.add_argument(
        "--plot",
        type=Path,
        metavar="OUT.png",
        help="draw the emotion analysis (each face beside its probability bars)",
    )
    p.add_argument(
        "--explain",
        nargs="?",
        const="gradcam",
        choices=("gradcam", "occlusion"),
        help="with --plot: draw a saliency map over each face (gradcam, the "
        "default of a bare --explain; occlusion also works for .onnx models)",
    )
    p.add_argument(
        "--plot-max",
        type=positive_int,
        default=24,
        metavar="N",
        help="faces drawn by --plot at most (default: 24)",
    )
    p.add_argument(
        "--detect",
        choices=DETECT_MODES,
        default="auto",
        help="auto (default): detected faces, else the whole image when it is "
        "plausibly one face; always: detected faces only; never: each image is "
        "one face (its centre square)",
    )
    p.add_argument(
        "--no-detect",
        dest="detect",
        action="store_const",
        const="never",
        help="the same as --detect never",
    )
    p.add_argument(
        "--min-face",
        type=positive_int,
        metavar="PIXELS",
        help="smallest face searched, in pixels (default: 1/8 of the photo's "
        "shorter side, at least 24)",
    )
    p.add_argument(
        "--jobs",
        type=positive_int,
        metavar="N",
        help="photos read and searched at the same time, on threads (default: "
        f"one per CPU core, at most {MAX_JOBS}; the output is the same for any N)",
    )
    add_inference_arguments(p)
    video.add_arguments(p)


def list_files(paths):
    """Files to analyse: each file given, and every file below each folder."""
    files = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"{raw}: no such file or folder.")
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                note(f"skfer: note: folder {raw} holds no files.")
            files.extend(found)
        else:
            files.append(path)
    return files


def read_photo(path):
    """The photo as an 8-bit gray array (the decoder of the dataset loaders)."""
    from ..utils import read_gray_image

    return read_gray_image(path)


def faces_of(gray, detect, min_face):
    """Face boxes of a photo, their 48x48 crops, and how each face was found."""
    from ..preprocessing import extract_faces

    return extract_faces(
        gray,
        detect=detect,
        margin=MARGIN,
        max_side=MAX_SIDE,
        min_size=min_face,
        return_sources=True,
    )


def default_jobs():
    """Threads of ``--jobs`` when not given: the cores this process may use, <= 8."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_JOBS, cores))


def ordered_map(function, items, jobs):
    """``map(function, items)`` on ``jobs`` threads, results in order, lazily.

    At most ``2 * jobs`` items are in flight, so a folder of any size keeps only
    a few decoded photos in memory. The image decoder and the face search spend
    most of their time outside the GIL, so the threads share the cores.
    """
    if jobs <= 1:
        yield from map(function, items)
        return
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        pending = collections.deque()
        for item in items:
            pending.append(pool.submit(function, item))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def analyse_file(path, detect, min_face):
    """The record (status, boxes) of one file and the 48x48 rows of its faces."""
    record = {"file": str(path), "status": "ok", "message": None, "faces": []}
    try:
        gray = read_photo(path)
    except Exception as exc:  # not an image, truncated or corrupt file
        record.update(status="not an image", message=str(exc))
        return record, np.empty((0, 48 * 48), np.uint8)
    boxes, face_rows, sources = faces_of(gray, detect, min_face)
    if not boxes:
        record.update(
            status="no face",
            message="no face found (for face crops use --detect never)",
        )
    record["faces"] = [
        {"box": [int(v) for v in box], "found": source}
        for box, source in zip(boxes, sources)
    ]
    return record, face_rows


def analyse(files, detect, min_face, jobs=1, stop=None):
    """Per-file records (status, boxes) and the stacked face rows, in file order.

    ``stop``: a :class:`threading.Event`; once set, no further file is started
    (the records stop there).
    """
    from tqdm import tqdm

    records, rows = [], []
    work = functools.partial(analyse_file, detect=detect, min_face=min_face)
    results = ordered_map(work, files, jobs)
    for record, face_rows in tqdm(
        results,
        total=len(files),
        desc="photos",
        unit="photo",
        disable=None,
        leave=False,
    ):
        records.append(record)
        rows.extend(face_rows)
        if stop is not None and stop.is_set():
            break
    return records, np.asarray(rows, dtype=np.uint8).reshape(-1, 48 * 48)


def _print_table(records, classes):
    width = max([len("file")] + [len(r["file"]) for r in records])
    head = (
        f"{'file':<{width}}  {'face':>4}  {'box (row,col,h,w)':<19}  {'found':<11}  "
        f"{'emotion':<10}" + "".join(f"{c[:8]:>9}" for c in classes)
    )
    print(head)
    for record in records:
        if not record["faces"]:
            status = f"({record['status']})"
            print(f"{record['file']:<{width}}  {'-':>4}  {'-':<19}  {status}")
        for k, face in enumerate(record["faces"], 1):
            box = ",".join(str(v) for v in face["box"])
            probs = "".join(f"{face['probabilities'][c]:>9.3f}" for c in classes)
            print(
                f"{record['file']:<{width}}  {k:>4}  {box:<19}  {face['found']:<11}  "
                f"{face['emotion']:<10}{probs}"
            )


def _print_csv(records, classes):
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(
        [
            "file",
            "face",
            "row",
            "col",
            "height",
            "width",
            "found",
            "emotion",
            *classes,
            "status",
        ]
    )
    for record in records:
        if not record["faces"]:
            blank = [""] * (7 + len(classes))
            writer.writerow([record["file"], *blank, record["status"]])
        for k, face in enumerate(record["faces"], 1):
            writer.writerow(
                [
                    record["file"],
                    k,
                    *face["box"],
                    face["found"],
                    face["emotion"],
                    *(f"{face['probabilities'][c]:.4f}" for c in classes),
                    record["status"],
                ]
            )


def _plot(path, rows, proba, classes, titles, limit, clf=None, explain=None):
    from ..plotting import plot_emotion_analysis, save_figure

    if len(rows) > limit:
        note(f"--plot: drawing the first {limit} of {len(rows)} faces (--plot-max).")
    n = min(limit, len(rows))
    maps = None
    if explain is not None:
        from ..inspection import saliency_map

        maps = saliency_map(clf, rows[:n], method=explain)
    fig = plot_emotion_analysis(
        rows[:n], proba[:n], classes, titles=titles[:n], saliency=maps
    )
    return save_figure(fig, path)


def _require_matplotlib(option):
    from ..utils import import_optional

    import_optional(
        "matplotlib", f"{option} needs matplotlib", extra="plot", package="matplotlib"
    )


def _count(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def _load(args):
    """The model of ``--model`` (``.onnx`` files too), and its name."""
    from ._common import load_predictor

    return load_predictor(args)


def run(args):
    from ._common import check_output_file

    if args.explain is not None and args.plot is None:
        raise UsageError("--explain draws on the --plot figure; add --plot OUT.png.")
    if args.plot is not None:
        check_output_file(args.plot, "--plot")
        _require_matplotlib("--plot")  # before the work, not after it
    files = list_files(args.paths)
    if video.wants_video(args, files):
        return video.run(args, files)
    # The photos are read and searched while the model loads (importing torch
    # holds the GIL, the face search mostly does not): start-up overlaps the work.
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as background:
        work = (files, args.detect, args.min_face, args.jobs or default_jobs(), stop)
        analysed = background.submit(analyse, *work)
        try:
            clf, model_name = _load(args)
            records, rows = analysed.result()
        except BaseException:  # no model, or interrupted: stop at the current photo
            stop.set()
            raise
    classes = [str(c) for c in clf.classes_.tolist()]
    proba = clf.predict_proba(rows) if len(rows) else np.empty((0, len(classes)))
    k, titles = 0, []
    for record in records:
        for n, face in enumerate(record["faces"], 1):
            p = proba[k]
            face["emotion"] = classes[int(np.argmax(p))]
            face["probabilities"] = {c: round(float(v), 6) for c, v in zip(classes, p)}
            titles.append(f"{Path(record['file']).name} #{n}")
            k += 1
        if record["status"] != "ok":
            note(f"skfer: {record['file']}: {record['status']}: {record['message']}")
    print_results(
        args,
        {"model": model_name, "classes": classes, "results": records},
        records,
        classes,
        csv=_print_csv,
        table=_print_table,
    )
    n_faces = len(rows)
    no_face = sum(r["status"] == "no face" for r in records)
    not_image = sum(r["status"] == "not an image" for r in records)
    note(
        f"{_count(len(records), 'file')}, {_count(n_faces, 'face')}; {no_face} "
        f"without a face, {not_image} not {'an image' if not_image == 1 else 'images'}"
    )
    if args.plot is not None:
        if n_faces:
            figure = (rows, proba, classes, titles, args.plot_max, clf, args.explain)
            out = _plot(args.plot, *figure)
            note(f"emotion analysis written to {out}")
        else:
            note("--plot: no face to draw.")
    if not records or not_image == len(records):
        note("skfer: none of the files given could be read as an image.")
        return 1
    return 0
