"""``skfer predict``: the emotion of every face in photos."""

import csv
import json
import sys
from pathlib import Path

import numpy as np

from . import video
from .common import UsageError, add_model_argument, note, positive_int

DESCRIPTION = """\
Find the faces in photos of any size (several per photo), crop them and classify
their expression. Prints one line per face: file, face box (row, col, height,
width in the photo), emotion and the probability of each class; --json and --csv
give the same as machine-readable text. Files without a face and files that are
not images are reported (on stderr, and in the output with their status); they
do not make the command fail. Use --no-detect for images that are already face
crops (e.g. FER2013's 48x48 faces). Videos and --camera: see below."""

MAX_SIDE = 1024  # photos are searched at most this large (boxes are mapped back)
MARGIN = 0.1  # as FaceCropper: brings in the chin and forehead


def add_parser(sub):
    p = sub.add_parser(
        "predict",
        help="emotions of the faces in photos",
        description=DESCRIPTION,
    )
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
        "--no-detect",
        action="store_true",
        help="no face detection: each image is one face (its centre square)",
    )
    p.add_argument(
        "--min-face",
        type=positive_int,
        metavar="PIXELS",
        help="smallest face searched, in pixels (default: 1/8 of the photo's "
        "shorter side, at least 24)",
    )
    p.add_argument("--tta", nargs="?", const="flip", choices=("flip", "crops"),
                   help="test-time augmentation: average with mirror images (flip, "
                   "the default of a bare --tta) or over 5 shifted crops and their "
                   "mirror images (crops)")
    p.add_argument("--device", default="cpu", help="torch device (default: cpu)")
    video.add_arguments(p)
    p.set_defaults(func=run)
    return p


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
    from ..datasets._files import _read_gray

    return _read_gray(path)


def faces_of(gray, detect, min_face):
    """Face boxes (row, col, height, width) of a photo and their 48x48 crops."""
    from ..preprocessing import Resize, extract_faces

    if detect:
        return extract_faces(gray, margin=MARGIN, max_side=MAX_SIDE, min_size=min_face)
    height, width = gray.shape
    side = min(height, width)
    boxes = [((height - side) // 2, (width - side) // 2, side, side)]
    crops = [gray[r : r + h, c : c + w] for r, c, h, w in boxes]
    rows = Resize().fit_transform(crops) if crops else np.empty((0, 48 * 48), np.uint8)
    return boxes, rows


def analyse(files, detect, min_face):
    """Per-file records (status, boxes) and the stacked face rows."""
    from tqdm import tqdm

    records, rows = [], []
    for path in tqdm(files, desc="photos", unit="photo", disable=None, leave=False):
        record = {"file": str(path), "status": "ok", "message": None, "faces": []}
        try:
            gray = read_photo(path)
        except Exception as exc:  # not an image, truncated or corrupt file
            record.update(status="not an image", message=str(exc))
            records.append(record)
            continue
        boxes, face_rows = faces_of(gray, detect, min_face)
        if not boxes:
            record.update(
                status="no face",
                message="no face found (for face crops use --no-detect)",
            )
        record["faces"] = [{"box": [int(v) for v in box]} for box in boxes]
        rows.extend(face_rows)
        records.append(record)
    return records, np.asarray(rows, dtype=np.uint8).reshape(-1, 48 * 48)


def _print_table(records, classes):
    width = max([len("file")] + [len(r["file"]) for r in records])
    head = (
        f"{'file':<{width}}  {'face':>4}  {'box (row,col,h,w)':<19}  {'emotion':<10}"
        + "".join(f"{c[:8]:>9}" for c in classes)
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
                f"{record['file']:<{width}}  {k:>4}  {box:<19}  "
                f"{face['emotion']:<10}{probs}"
            )


def _print_csv(records, classes):
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(
        ["file", "face", "row", "col", "height", "width", "emotion", *classes, "status"]
    )
    for record in records:
        if not record["faces"]:
            blank = [""] * (6 + len(classes))
            writer.writerow([record["file"], *blank, record["status"]])
        for k, face in enumerate(record["faces"], 1):
            writer.writerow(
                [
                    record["file"],
                    k,
                    *face["box"],
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


def _count(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def run(args):
    from .common import check_output_file, load_model

    if args.explain is not None and args.plot is None:
        raise UsageError("--explain draws on the --plot figure; add --plot OUT.png.")
    if args.plot is not None:
        check_output_file(args.plot, "--plot")
    files = list_files(args.paths)
    if video.wants_video(args, files):
        return video.run(args, files)
    if str(args.model).lower().endswith(".onnx"):  # run by onnxruntime, no torch
        from ..onnx import ONNXClassifier

        clf, model_name = ONNXClassifier(args.model, tta=args.tta), args.model
    else:
        clf, model_name = load_model(args.model, device=args.device, tta=args.tta)
    classes = [str(c) for c in clf.classes_.tolist()]
    records, rows = analyse(files, not args.no_detect, args.min_face)
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
    if args.json:
        json.dump(
            {"model": model_name, "classes": classes, "results": records},
            sys.stdout,
            indent=2,
        )
        print()
    elif args.csv:
        _print_csv(records, classes)
    else:
        _print_table(records, classes)
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
    return 0
