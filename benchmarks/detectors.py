"""Face detectors compared on the photo benchmark's validation part.

For each detector (``--detectors``: a name of ``skfer.preprocessing.DETECTORS``,
``@SCORE`` for YuNet's ``face_score``, ``+align`` for crops turned so that
the eyes are level, e.g. ``yunet@0.5+align``), the validation images (30 %
of the subjects, ``_common.split_subjects``) of JAFFE and CK+ in every framing of
``photos.py`` (``_photos_framings.py``, the same seeds) go through the framing of
``skfer predict`` (:func:`skfer.preprocessing.extract_faces` with its margin and
search size) and one model (``--model``, default ``fer2013-model3``: the photo
benchmark's chosen ``model3-seed1``, flip TTA, uniform class prior). Reported per
framing: the share of images with a face, the faces per image (more than one in these
one-face photos are false faces) and the accuracy of the largest face (an image
without a face counts as wrong). Then ``--n-scenes`` 640x480 scenes of
``photos.py``'s speed measurement (a face pasted into a textured background):
faces per photo and the CPU time of finding and cropping the faces, one process,
one thread (``time.process_time``; comparable on a loaded machine, unlike
photos/s). The test part is never read.

``--fer2013-landmarks`` measures instead where YuNet puts the eyes and the mouth
in FER2013's training faces (the constants of ``skfer/preprocessing/_align.py``).

Examples::

    python benchmarks/detectors.py --data-dir ../shared/datasets
    python benchmarks/detectors.py --detectors cascade yunet yunet+align --every 2
    python benchmarks/detectors.py --detectors yunet@0.5 yunet+align
    python benchmarks/detectors.py --fer2013-landmarks
    python benchmarks/detectors.py --quick --output /tmp/detectors
"""

import argparse
import functools
import io
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from skfer import load_pretrained
from skfer.photos import MARGIN, MAX_SIDE
from skfer.preprocessing import YuNetDetector, extract_faces
from skfer.utils import read_gray_image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    RESULTS,
    add_markdown_only,
    command_line,
    data_dir,
    hardware_line,
    load_ckplus_photos,
    load_jaffe_photos,
    machine_info,
    now,
    page,
    read_json,
    split_subjects,
    write_json,
    write_text,
)
from _photos_framings import FRAMINGS, SEED, face_boxes, frame, make_scenes  # noqa: E402


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", help="folder of ckplus/ and jaffe/ (SKFER_DATA)")
    parser.add_argument(
        "--detectors", nargs="+", default=["cascade", "yunet", "yunet+align"]
    )
    parser.add_argument("--model", default="fer2013-model3")
    parser.add_argument("--every", type=int, default=1, metavar="N")
    parser.add_argument("--n-scenes", type=int, default=200)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="every 6th image, 20 scenes, detectors-quick.{json,md}: a smoke run",
    )
    parser.add_argument("--fer2013-landmarks", action="store_true")
    add_markdown_only(parser, "detectors.json")
    parser.add_argument("--output", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def validation_framings(datasets, every):
    """``{dataset: {framing: (images, labels)}}``: every ``every``-th validation
    image in each framing of ``photos.py`` (its ``frame``, seeded per framing;
    the draws differ from ``photos.py``'s, which draws for every image)."""
    out = {}
    for name, (images, labels, subjects) in datasets.items():
        parts = split_subjects(subjects)
        kept = [i for i, part in enumerate(parts) if part == "validation"][::every]
        images, labels = [images[i] for i in kept], [labels[i] for i in kept]
        boxes = face_boxes(images)
        out[name] = {}
        for k, framing in enumerate(FRAMINGS):
            rng = np.random.default_rng(SEED + k)
            framed = []
            for image, box in zip(images, boxes):
                array, suffix = frame(image, box, framing, rng)
                if suffix == ".jpg":  # as photos.py writes it, read back
                    buffer = io.BytesIO()
                    Image.fromarray(array).save(buffer, "JPEG", quality=30)
                    array = np.asarray(Image.open(buffer))
                framed.append(array)
            out[name][framing] = (framed, labels)
    return out


@functools.cache  # one detector per spec, not one per image
def detector_of(spec):
    """``(detector, align)`` of a spec ``name[@face_score][+align]``."""
    name, _, option = spec.partition("+")
    name, _, score = name.partition("@")
    if option not in ("", "align"):
        raise SystemExit(f"--detectors: unknown option +{option} in {spec!r}")
    if score:
        if name != "yunet":
            raise SystemExit(f"--detectors: @face_score is YuNet's; got {spec!r}")
        return YuNetDetector(face_score=float(score)), option == "align"
    return name, option == "align"


def _faces(image, spec):
    """``extract_faces`` as ``skfer predict`` calls it, for a detector spec."""
    detector, align = detector_of(spec)
    return extract_faces(
        image, detector=detector, margin=MARGIN, max_side=MAX_SIDE, align=align
    )


def score_framings(framed, spec, clf):
    rows = {}
    for dataset, framings in framed.items():
        rows[dataset] = {}
        for framing, (images, labels) in framings.items():
            found = faces = correct = 0
            crops, wanted = [], []
            for image, label in zip(images, labels):
                boxes, face_rows = _faces(image, spec)
                faces += len(boxes)
                if len(boxes):
                    found += 1
                    k = max(range(len(boxes)), key=lambda i: boxes[i][2])
                    crops.append(face_rows[k])
                    wanted.append(label)
            if crops:
                predicted = clf.predict(np.stack(crops))
                correct = int(np.sum(predicted == np.array(wanted)))
            n = len(images)
            rows[dataset][framing] = {
                "n_images": n,
                "with_a_face": found / n,
                "faces_per_image": faces / n,
                "accuracy": correct / n,
            }
            print(
                f"{spec:<14} {dataset:>5} {framing:<13} n {n:3d} face {found / n:6.1%} "
                f"faces/image {faces / n:5.3f} accuracy {correct / n:6.1%}",
                flush=True,
            )
    return rows


def score_scenes(folder, spec):
    paths = sorted(folder.iterdir())
    _faces(read_gray_image(paths[0]), spec)  # loads the detector (not timed)
    faces = found = 0
    start = time.process_time()
    for path in paths:
        boxes, _ = _faces(read_gray_image(path), spec)
        faces += len(boxes)
        found += bool(boxes)
    cpu = time.process_time() - start
    return {
        "n_photos": len(paths),
        "with_a_face": found / len(paths),
        "faces_per_photo": faces / len(paths),
        "cpu_ms_per_photo": 1000 * cpu / len(paths),
    }


def fer2013_landmarks(root, n=3000, seed=0):
    """Medians of YuNet's landmarks in FER2013 training faces (shares of the side)."""
    files = sorted((root / "train").glob("*/*.jpg"))
    files = [files[i] for i in np.random.default_rng(seed).permutation(len(files))[:n]]
    detector, points = YuNetDetector(min_score=0.5), []
    for path in files:
        with Image.open(path) as image:
            big = image.convert("L").resize((160, 160), Image.BILINEAR)
        big = np.asarray(big)
        padded = np.pad(big, 40, constant_values=int(np.median(big)))
        _, scores, landmarks = detector.detect(padded)
        if len(scores) and scores[0] > 0.8:
            points.append((landmarks[0] - 40) / 160)
    pts = np.array(points)
    eyes, mouth = pts[:, :2].mean(1), pts[:, 3:].mean(1)
    angle = np.degrees(np.arctan2(*(pts[:, 1] - pts[:, 0]).T))
    facts = {
        "n_faces": len(pts),
        "n_images": n,
        "eyes_row": np.median(eyes[:, 0]),
        "eyes_col": np.median(eyes[:, 1]),
        "eyes_apart": np.median(np.linalg.norm(pts[:, 1] - pts[:, 0], axis=1)),
        "eyes_to_mouth": np.median(np.linalg.norm(mouth - eyes, axis=1)),
        "eyes_angle_degrees": np.median(angle),
    }
    return {k: round(float(v), 4) for k, v in facts.items()}


def _summary_rows(result):
    """One row per detector: accuracy (mean and worst framing) per dataset, the
    most faces in a one-face image, and the scenes' faces and CPU time."""
    datasets = result["datasets"]
    head = ["detector"]
    for d in datasets:
        head += [f"{d} accuracy % (mean / worst framing)"]
    head += ["most faces an image", "scenes: faces a photo", "CPU ms a photo"]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for spec, r in result["detectors"].items():
        cells, most = [spec], 0.0
        for d in datasets:
            rows = r["framings"][d].values()
            acc = [100 * x["accuracy"] for x in rows]
            most = max([most, *(x["faces_per_image"] for x in rows)])
            cells.append(f"{sum(acc) / len(acc):.1f} / {min(acc):.1f}")
        scenes = r["scenes"]
        cells += [
            f"{most:.3f}",
            f"{scenes['faces_per_photo']:.3f}",
            f"{scenes['cpu_ms_per_photo']:.1f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _framing_rows(result):
    """Accuracy % per framing (rows) and detector and dataset (columns)."""
    pairs = [(s, d) for s in result["detectors"] for d in result["datasets"]]
    lines = [
        "| framing | " + " | ".join(f"{s} {d}" for s, d in pairs) + " |",
        "|---|" + "---:|" * len(pairs),
    ]
    for framing in FRAMINGS:
        cells = [
            f"{100 * result['detectors'][s]['framings'][d][framing]['accuracy']:.1f}"
            for s, d in pairs
        ]
        lines.append(f"| {framing} | " + " | ".join(cells) + " |")
    return lines


def markdown(result):
    every = result.get("every", 1)
    sample = "every image" if every == 1 else f"every {every}th image"
    found = min(
        x["with_a_face"]
        for r in result["detectors"].values()
        for rows in r["framings"].values()
        for x in rows.values()
    )
    found = (
        "every detector found a face in every image"
        if found == 1
        else f"the fewest images with a face: {100 * found:.1f} %"
    )
    lines = [
        *_summary_rows(result),
        "",
        "Accuracy % per framing:",
        "",
        *_framing_rows(result),
    ]
    return page(
        "Face detectors on the photo benchmark's validation part",
        lines,
        f"validation part only (30 % of the subjects, {sample}) of JAFFE and CK+ "
        f"in each framing of photos.py ({found}); accuracy of the largest "
        f"face, model {result['model']}, flip TTA, uniform class prior; scenes: "
        f"{result['detectors'][next(iter(result['detectors']))]['scenes']['n_photos']}"
        " 640x480 photos of one face in a textured background; CPU ms: finding and "
        "cropping, one process, one thread (process time).",
        result["command"],
        hardware_line(result["machine"], threads=1),
    )


def main(argv=None):
    args = parse_args(argv)
    if args.markdown_only:
        stem = args.output / ("detectors-quick" if args.quick else "detectors")
        write_text(
            stem.with_suffix(".md"), markdown(read_json(stem.with_suffix(".json")))
        )
        return 0
    if args.fer2013_landmarks:
        print(fer2013_landmarks(data_dir(args.data_dir, "fer2013")))
        return 0
    datasets = {
        "JAFFE": load_jaffe_photos(data_dir(args.data_dir, "jaffe")),
        "CK+": load_ckplus_photos(data_dir(args.data_dir, "ckplus")),
    }
    clf = load_pretrained(args.model, tta="flip", class_prior="uniform")
    every, n_scenes = (
        (max(args.every, 6), 20) if args.quick else (args.every, args.n_scenes)
    )
    framed = validation_framings(datasets, every)
    result = {
        "kind": "skfer-benchmark-detectors",
        "command": command_line(),
        "date": now(),
        "machine": machine_info(),
        "model": args.model,
        "every": every,
        "datasets": list(datasets),
        "detectors": {},
    }
    with tempfile.TemporaryDirectory(prefix="skfer-detectors-") as tmp:
        scenes = Path(tmp) / "scenes"
        faces = datasets["JAFFE"][0] + datasets["CK+"][0]
        make_scenes(scenes, faces, n_scenes)
        for spec in args.detectors:
            framings = score_framings(framed, spec, clf)
            speed = score_scenes(scenes, spec)
            print(f"{spec:<14} scenes {speed}", flush=True)
            result["detectors"][spec] = {"framings": framings, "scenes": speed}
    stem = "detectors-quick" if args.quick else "detectors"
    write_json(args.output / f"{stem}.json", result)
    write_text(args.output / f"{stem}.md", markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
