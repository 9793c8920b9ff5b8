"""``skfer predict``: the emotion of every face in photos."""

import csv
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..preprocessing import DEFAULT_DETECTOR
from ..report import schema
from ..utils import import_optional, read_gray_image
from . import _video as video
from ._common import (
    UsageError,
    add_inference_arguments,
    add_model_argument,
    check_output_file,
    load_predictor,
    note,
    positive_int,
    print_results,
    writing,
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
the photo, else in a padded, resized copy (tight crops, thumbnails); an image
that already is a face crop (a thumbnail, or a face filling a square frame) is
used whole (its centre square); anything else without a face (a cup, a cat, a
landscape) is "no face". The "found" column says which ("detected" or "whole
image") and "score" how sure the detector is. The same code runs in Python as
skfer.analyze(photos). Photos are read and
searched on --jobs threads (default: one per CPU core, at most 8), while the
model loads; all their faces then go through the model in batches. Videos and
--camera: see below. Photos and videos may be mixed (in a folder too): both
are analysed, in the order of the files, and --json and --csv give one schema
for both (a "kind" of "photo" or "video"; a video's rows add its frame, time
and track; --csv has the columns of skfer.analyze)."""

DETECT_MODES = ("auto", "always", "never")  # as skfer.preprocessing.find_faces
MAX_JOBS = 8  # default --jobs: one thread per core, at most this many (as photos)


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
        help="auto (default): detected faces, and the whole image when it is a "
        "face crop; always: detected faces only; never: each image is one face "
        "(its centre square)",
    )
    p.add_argument(
        "--detector",
        default=DEFAULT_DETECTOR,
        metavar="NAME",
        help="face detector: yunet (default, a small CNN shipped with skfer), "
        "cascade (scikit-image's LBP cascade) or MODULE:NAME, an object or class "
        "with detect(image) -> boxes, scores (see skfer.preprocessing.FaceDetector)",
    )
    p.add_argument(
        "--align",
        action="store_true",
        help="turn each face's crop so that its eyes are level (faces with "
        "landmarks, as yunet's; the cascade gives none: its faces are not "
        "turned); for a model trained on aligned crops "
        "(FaceCropper(align=True))",
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
    """Files to analyse: each file given, and every file below each folder.

    Only regular files: one given that is not (a FIFO) is an error, and those
    inside folders are not listed (``Path.is_file``).
    """
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
        elif path.is_file():
            files.append(path)
        else:  # a FIFO would block the read, a device could have side effects
            raise UsageError(
                f"{raw}: not a regular file (a FIFO, device or socket); give "
                "photos, videos or folders."
            )
    return files


def read_photo(path):
    """The photo as an 8-bit gray array (the decoder of the dataset loaders)."""
    return read_gray_image(path)


def analyse(
    files, detect, min_face, jobs=1, stop=None, detector=DEFAULT_DETECTOR, align=False
):
    """Per-file records (status, boxes) and the stacked face rows, in file order
    (:func:`skfer.photos.analyse_photos`, the core of :func:`skfer.analyze`)."""
    # lazy: skfer.photos (face finding, video) stays out of `skfer --help`
    from ..photos import analyse_photos

    return analyse_photos(
        files,
        detector=detector,
        align=align,
        detect=detect,
        min_face=min_face,
        jobs=jobs,
        stop=stop,
    )


def _print_photo_table(records, classes):
    width = max([len("file")] + [len(r["file"]) for r in records])
    head = (
        f"{'file':<{width}}  {'face':>4}  {'box (row,col,h,w)':<19}  {'found':<11}  "
        f"{'score':>5}  {'emotion':<10}" + "".join(f"{c[:8]:>9}" for c in classes)
    )
    print(head)
    for record in records:
        if not record["faces"]:
            status = f"({record['status']})"
            print(f"{record['file']:<{width}}  {'-':>4}  {'-':<19}  {status}")
        for k, face in enumerate(record["faces"], 1):
            box = ",".join(str(v) for v in face["box"])
            probs = "".join(f"{face['probabilities'][c]:>9.3f}" for c in classes)
            score = "-" if face["score"] is None else f"{face['score']:.2f}"
            print(
                f"{record['file']:<{width}}  {k:>4}  {box:<19}  {face['found']:<11}  "
                f"{score:>5}  {face['emotion']:<10}{probs}"
            )


def _print_table(records, classes):
    """The photos' table, then the videos' (a blank line between)."""
    # lazy: skfer.photos (face finding, video) stays out of `skfer --help`
    from ..photos import PHOTO

    photos = [r for r in records if r.get("kind", PHOTO) == PHOTO]
    videos = [r for r in records if r.get("kind", PHOTO) != PHOTO]
    if photos or not videos:
        _print_photo_table(photos, classes)
    if videos:
        if photos:
            print()
        video.print_table(videos, classes)


def _cell(value, probability=False):
    if value is None or (isinstance(value, float) and value != value):  # NaN
        return ""
    return f"{value:.4f}" if probability else value


def _print_csv(records, classes):
    """The rows of :func:`skfer.analyze`, photos and videos in one schema."""
    # lazy: skfer.photos (face finding, video) stays out of `skfer --help`
    from ..photos import columns, table

    names = columns(classes)
    probabilities = set(classes)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(names)
    for row in table(records, classes):
        writer.writerow([_cell(row[n], n in probabilities) for n in names])


def _plot(
    path, rows, proba, classes, titles, limit, clf=None, explain=None, no_face=()
):
    # lazy: skfer.plotting loads scikit-learn (not at `skfer --help`)
    from ..plotting import plot_emotion_analysis, save_figure

    if len(rows) > limit:
        note(f"--plot: drawing the first {limit} of {len(rows)} faces (--plot-max).")
    n = min(limit, len(rows))
    maps = None
    if explain is not None:
        # lazy: skfer.inspection stays out of `skfer --help` start-up
        from ..inspection import saliency_map

        maps = saliency_map(clf, rows[:n], method=explain)
    fig = plot_emotion_analysis(
        rows[:n], proba[:n], classes, titles=titles[:n], saliency=maps
    )
    if no_face:  # said in the figure too, not only on stderr
        names = ", ".join(Path(f).name for f in no_face[:8])
        more = f" and {len(no_face) - 8} more" if len(no_face) > 8 else ""
        fig.text(0.01, 0.002, f"no face: {names}{more}", fontsize=8, va="bottom")
    return save_figure(fig, path)


def _require_matplotlib(option):
    import_optional(
        "matplotlib", f"{option} needs matplotlib", extra="plot", package="matplotlib"
    )


def _count(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def _load(args):
    """The model of ``--model`` (``.onnx`` files too), and its name."""
    return load_predictor(args)


def run(args):
    # lazy: skfer.photos (face finding, video) stays out of `skfer --help`
    from ..photos import in_file_order, is_video

    if args.explain is not None and args.plot is None:
        raise UsageError("--explain draws on the --plot figure; add --plot OUT.png.")
    files = list_files(args.paths)
    videos = [is_video(f) for f in files]
    photo_files = [f for f, clip in zip(files, videos) if not clip]
    sources = [args.camera] if args.camera is not None else []
    sources += [f for f, clip in zip(files, videos) if clip]
    video.check_options(args, has_videos=bool(sources))  # before the work
    if args.plot is not None:
        check_output_file(args.plot, "--plot")
        _require_matplotlib("--plot")  # before the work, not after it
        if not photo_files:
            note("--plot draws photos; for videos use --timeline OUT.png.")
    # The photos are read and searched while the model loads (importing torch
    # holds the GIL, the face search mostly does not): start-up overlaps the work.
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as background:
        # lazy: skfer.photos (face finding, video) stays out of `skfer --help`
        from ..photos import default_jobs

        jobs = args.jobs or default_jobs()
        work = (photo_files, args.detect, args.min_face, jobs, stop, args.detector)
        work += (args.align,)
        analysed = background.submit(analyse, *work)
        try:
            clf, model_name = _load(args)
            records, rows = analysed.result()
        except BaseException:  # no model, or interrupted: stop at the current photo
            stop.set()
            raise
    # lazy: skfer.photos (face finding, video) stays out of `skfer --help`
    from ..photos import classify

    classes, proba = classify(records, rows, clf)
    titles = []
    for record in records:
        for n, _ in enumerate(record["faces"], 1):
            titles.append(f"{Path(record['file']).name} #{n}")
        if record["status"] != "ok":
            note(f"skfer: {record['file']}: {record['status']}: {record['message']}")
    clips = video.analyse_sources(args, clf, sources) if sources else []
    results = (
        clips if args.camera is not None else in_file_order(records, clips, videos)
    )
    document = {
        "kind": schema.KIND_PREDICT,
        "command": getattr(args, "command", None),
        "model": model_name,
        "classes": classes,
        "results": results,
    }
    print_results(args, document, results, classes, csv=_print_csv, table=_print_table)
    n_faces = len(rows)
    no_face = sum(r["status"] == "no face" for r in records)
    not_image = sum(r["status"] == "not an image" for r in records)
    if records or not clips:
        prefix = "photos: " if clips else ""
        note(
            f"{prefix}{_count(len(records), 'file')}, {_count(n_faces, 'face')}; "
            f"{no_face} without a face, {not_image} not "
            f"{'an image' if not_image == 1 else 'images'}"
        )
    if args.plot is not None and photo_files:
        if n_faces:
            figure = (rows, proba, classes, titles, args.plot_max, clf, args.explain)
            missed = [r["file"] for r in records if r["status"] == "no face"]
            with writing(args.plot, "--plot"):  # a full disk names the file
                out = _plot(args.plot, *figure, no_face=missed)
            note(f"emotion analysis written to {out}")
        else:
            note("--plot: no face to draw.")
    if any(r["status"] == "unreadable" for r in clips):
        return 1  # a video that could not be read
    if not clips and (not records or not_image == len(records)):
        note("skfer: none of the files given could be read as an image.")
        return 1
    return 0
