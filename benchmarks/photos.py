"""Real photos of every framing: does ``skfer predict`` find the face and read it?

From the JAFFE originals (whole head, 256x256; Lyons et al., FG 1998) and the CK+
face crops (128x128, ``ckplus/manifest.csv``; Lucey et al., CVPR-W 2010: the 327
labelled peak frames, contempt merged into disgust, and the neutral first frame of
the same sequences) the script builds the framings users meet:

- ``as is``; ``tight`` (the face fills the frame: the cascade's box, no margin);
- ``small`` (shorter side 48-96 px); ``padded`` (pasted at a random place of a
  background 2-2.5 times larger); ``rotated`` (+-15 degrees);
- ``low contrast`` (40 % of the contrast); ``jpeg q30``; ``mirrored``;
- ``48x48 crop`` (FER2013's framing: the face's box grown by skfer's margin, made
  square, 48x48 gray); ``web crop`` (a thumbnail as saved from the web: the box
  with a small random margin, not square, 100-250 px high, JPEG q75);
- ``two faces`` (the face beside another subject's of the same part, on a random
  side: the face whose box centre is nearest the labelled face's is read, and
  the faces found per photo are counted, 2 expected).

Each framing is written to a temporary folder and run through ``skfer predict
--json`` end to end (``--detector NAME`` and ``--align`` are passed to every call,
and frame the fine-tuning photos too). The model is chosen first, on the validation
part only: every single-model row of ``results/fer2013.json`` and
``results/ferplus.json`` whose weights are on this machine (``--candidates`` to name
some; rows trained on the validation part itself are left out, with the reason),
with the TTA chosen for it on its own validation data (FER2013 PublicTest, FER+
Valid), is scored zero-shot on the validation images of every framing, and the best
is used (``--no-choice``: the shipped default model and its registered prediction
settings). Then that model runs zero-shot, and fine-tuned on the validation part's
photos (both datasets, as they are; the transfer benchmark's fine-tuning settings).
Reported per framing and dataset: the share of images that get a prediction (and how
the face was found: detected or whole image) and the accuracy (an image without a
prediction counts as wrong), on a validation part (30 % of the subjects, for
choosing settings, and the fine-tuned model's training data) and a test part (the
others; the headline). Then the photos/s of ``skfer predict --csv`` over 640x480
photos (a face pasted into a textured background), face finding included, timed as a
separate process searching one photo per usable core at a time (start-up and model
loading included, and also without them).

Writes ``photos.json``, ``photos.md`` and ``photos.png`` with the command, date
and machine (its load average before and after: the machine may be shared).

Examples::

    python benchmarks/photos.py --data-dir ../shared/datasets
    python benchmarks/photos.py --quick
    python benchmarks/photos.py --detector yunet --align   # YuNet, aligned faces
    python benchmarks/photos.py --markdown-only   # the page again, from the JSON

The work is split by job: ``_photos_framings.py`` (the photos in each framing),
``_photos_runs.py`` (``skfer predict`` on them, the choices on the validation
part, fine-tuning, the timed photos) and ``_photos_tables.py`` (the page).
"""

import argparse
import functools
import sys
import tempfile
from pathlib import Path

from skfer.cli import best_pretrained
from skfer.preprocessing import DEFAULT_DETECTOR

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    RESULTS,
    add_markdown_only,
    command_line,
    data_dir,
    load_average,
    load_ckplus_photos,
    load_jaffe_photos,
    machine_info,
    now,
    read_json,
    write_json,
    write_text,
)
from _photos_framings import ALL_FRAMINGS, write_framings  # noqa: E402
from _photos_runs import (  # noqa: E402
    candidate_models,
    choose_model,
    fine_tune,
    model_args,
    run_framings,
    run_ready_made,
    run_speed,
)
from _photos_tables import figure, markdown  # noqa: E402


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", help="folder of ckplus/ and jaffe/ (SKFER_DATA)")
    parser.add_argument(
        "--framings",
        nargs="+",
        default=list(ALL_FRAMINGS),
        choices=ALL_FRAMINGS,
        metavar="FRAMING",
    )
    parser.add_argument(
        "--n-speed", type=int, default=1000, help="640x480 photos timed (0: no timing)"
    )
    parser.add_argument(
        "--no-ready-made",
        dest="ready_made",
        action="store_false",
        help="skip FER+'s test faces (ready-made crops, ferplus/ under --data-dir)",
    )
    parser.add_argument(
        "--speed-compare",
        nargs="*",
        default=[],
        metavar="DETECTOR",
        help="also time these face detectors, interleaved with the run's",
    )
    parser.add_argument(
        "--speed-repeats",
        type=int,
        default=3,
        help="timed runs over the same photos; the median is reported",
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
        help="rows of fer2013.json or ferplus.json to choose the model from on the "
        "validation part (default: every single-model row whose weights are on "
        "this machine)",
    )
    parser.add_argument(
        "--speed-only",
        action="store_true",
        help="time --n-speed photos again with the model and settings of "
        "photos.json, keeping its accuracies (speed needs a quiet machine, "
        "accuracy does not)",
    )
    parser.add_argument(
        "--no-choice",
        action="store_true",
        help="no choice: the shipped default model (best FER2013 PublicTest)",
    )
    parser.add_argument(
        "--detector",
        default=DEFAULT_DETECTOR,
        metavar="NAME",
        help=f"face detector of every skfer predict call (default: {DEFAULT_DETECTOR})",
    )
    parser.add_argument(
        "--align",
        action="store_true",
        help="skfer predict --align: crops turned so that the eyes are level",
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    add_markdown_only(parser, "photos.json (photos-quick.json with --quick)")
    return parser.parse_args(argv)


def face_options(args):
    """The ``skfer predict`` options that find and frame the faces (``args``: the
    parsed options, or anything with ``detector`` and ``align``)."""
    return ["--detector", args.detector, *(["--align"] if args.align else [])]


def choose(datasets, folders, candidates, result, log, face=()):
    """The model and its prediction settings: the best candidate and class prior
    on the validation part, or the shipped default with its registered settings.
    Returns ``(weights, tta, class prior)``."""
    # lazy: torch (skfer.weights): --markdown-only writes the page without it
    from skfer import list_pretrained

    prior = None
    if candidates:
        model, prior, result["candidates"] = choose_model(
            datasets, folders, candidates, log, face
        )
        weights, tta = candidates[model]
        predict_params = {"tta": tta} if tta else {}
    else:
        model = weights = best_pretrained()
        entry = next(e for e in list_pretrained() if e["name"] == model)
        predict_params = dict(entry.get("predict_params", {}))
        tta, prior = predict_params.get("tta"), predict_params.get("class_prior")
    if prior:
        predict_params["class_prior"] = prior
    result["model"], result["predict_params"] = model, predict_params
    return weights, tta, prior


def run(args, datasets, candidates, result):
    """Every framing zero-shot (and fine-tuned), then the timed photos."""
    n_speed = min(args.n_speed, 100) if args.quick else args.n_speed
    with tempfile.TemporaryDirectory(prefix="skfer-photos-") as tmp:
        tmp = Path(tmp)
        log = functools.partial(print, flush=True)
        folders = write_framings(datasets, args.framings, tmp)
        face = face_options(args)
        weights, tta, prior = choose(datasets, folders, candidates, result, log, face)
        options = model_args(weights, tta, prior, face=face)
        tuned = None
        if not args.no_fine_tune:
            path, result["fine_tuned"] = fine_tune(
                datasets, weights, tmp, log, args.detector, args.align
            )
            # its own training labels are the validation photos: their prior
            tuned = model_args(path, tta, face=face)
        result["datasets"] = run_framings(
            datasets, folders, log, model=options, tuned=tuned
        )
        if args.ready_made:
            result["ready_made"] = ready_made(args, log, options)
        if n_speed:
            faces = datasets["JAFFE"][0] + datasets["CK+"][0]
            repeats = 1 if args.quick else args.speed_repeats
            compare = compared_options(
                args.speed_compare, args.align, weights, tta, prior
            )
            result["speed"] = run_speed(
                faces,
                n_speed,
                tmp,
                log,
                model=options,
                repeats=repeats,
                compare=compare,
            )


def compared_options(detectors, align, weights, tta, prior):
    """``{detector: skfer predict options}`` for ``--speed-compare``: the same
    model and settings with each other face detector, timed beside the run's."""
    return {
        name: model_args(
            weights,
            tta,
            prior,
            face_options(argparse.Namespace(detector=name, align=align)),
        )
        for name in detectors
    }


def ready_made(args, log, options):
    """FER+'s test faces, ready-made 48x48 crops, through ``skfer predict FOLDER``:
    the default face finding against ``--detect never``."""
    # lazy: torch (skfer.datasets): --markdown-only writes the page without it
    from skfer.datasets import load_ferplus

    root = data_dir(args.data_dir, "ferplus")
    test = load_ferplus(root, subset="PrivateTest")
    files, labels, paths = test.filenames, test.target, [root / "FER2013Test"]
    if args.quick:  # 300 of the faces, given as files
        files, labels = files[:300], labels[:300]
        paths = list(files)
    out = run_ready_made(paths, files, labels, log, model=options)
    out["left_out"] = test.left_out
    return out


def speed_again(args, stem):
    """``--speed-only``: the timed photos of ``run`` again, for the model, the
    prediction settings and the face options recorded in ``<stem>.json``."""
    result = read_json(stem.with_suffix(".json"))
    found, _ = candidate_models(
        [RESULTS / "fer2013.json", RESULTS / "ferplus.json"], [result["model"]]
    )
    weights = found[result["model"]][0] if found else result["model"]
    params = result["predict_params"]
    recorded = argparse.Namespace(detector=result["detector"], align=result["align"])
    face = face_options(recorded)
    options = model_args(weights, params.get("tta"), params.get("class_prior"), face)
    datasets = [
        load_jaffe_photos(data_dir(args.data_dir, "jaffe")),
        load_ckplus_photos(data_dir(args.data_dir, "ckplus")),
    ]
    faces = datasets[0][0] + datasets[1][0]
    with tempfile.TemporaryDirectory(prefix="skfer-photos-") as tmp:
        log = functools.partial(print, flush=True)
        result["speed"] = run_speed(
            faces,
            args.n_speed,
            Path(tmp),
            log,
            model=options,
            repeats=args.speed_repeats,
            compare=compared_options(
                args.speed_compare,
                result["align"],
                weights,
                params.get("tta"),
                params.get("class_prior"),
            ),
        )
    result["speed"].update(command=command_line(), date=now())
    write_json(stem.with_suffix(".json"), result)
    write_page(result, stem, draw=False)
    return 0


def write_page(result, stem, draw=True):
    """``<stem>.md``, and with ``draw`` its figure ``<stem>.png``."""
    if draw:
        figure(result, stem.with_suffix(".png"))
    write_text(stem.with_suffix(".md"), markdown(result, f"{stem.name}.png"))


def main(argv=None):
    args = parse_args(argv)
    stem = args.output / ("photos-quick" if args.quick else "photos")
    if args.markdown_only:
        write_page(read_json(stem.with_suffix(".json")), stem, draw=False)
        return 0
    if args.speed_only:
        return speed_again(args, stem)
    datasets = {
        "JAFFE": load_jaffe_photos(data_dir(args.data_dir, "jaffe")),
        "CK+": load_ckplus_photos(data_dir(args.data_dir, "ckplus")),
    }
    every = 5 if args.quick else args.every
    datasets = {k: tuple(v[::every] for v in d) for k, d in datasets.items()}
    candidates = {}
    result = {}
    if not args.no_choice:
        candidates, result["candidates_left_out"] = candidate_models(
            [RESULTS / "fer2013.json", RESULTS / "ferplus.json"], args.candidates
        )
    result = {
        **result,
        "kind": "skfer-benchmark-photos",
        "command": command_line(),
        "date": now(),
        "machine": machine_info(),
        "quick": args.quick,
        "every": every,
        "framings": args.framings,
        "detector": args.detector,
        "align": args.align,
    }
    run(args, datasets, candidates, result)
    result["load_average_at_end"] = load_average()
    write_json(stem.with_suffix(".json"), result)
    write_page(result, stem)
    print(f"wrote {stem}.json, .md and .png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
