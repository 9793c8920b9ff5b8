"""``skfer predict`` on videos and camera streams: emotions over time.

``skfer/_cli/predict.py`` registers these options and hands video files and
``--camera`` to :func:`run`; the work is done by :mod:`skfer.video`.
"""

import argparse
import csv
import sys
import warnings
from pathlib import Path

from ..report import schema
from ._common import (
    UsageError,
    load_model,
    note,
    positive_float,
    positive_int,
    predict_params,
    print_results,
)


def smoothing(text):
    """``--smooth``: ``ema``, ``ema:ALPHA``, ``window`` or ``window:N``."""
    method, _, value = text.partition(":")
    try:
        if method == "ema":
            alpha = float(value) if value else 0.5
            if not 0 < alpha <= 1:
                raise ValueError
            return {"method": "ema", "alpha": alpha}
        if method == "window":
            window = int(value) if value else 5
            if window < 1:
                raise ValueError
            return {"method": "window", "window": window}
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(
        f"expected ema, ema:ALPHA (0 < ALPHA <= 1), window or window:N (N >= 1); "
        f"got {text!r}"
    )


def add_arguments(parser):
    """The video options of ``skfer predict``."""
    group = parser.add_argument_group(
        "videos and cameras",
        "video files (mp4, avi, mov, webm, mkv, animated gif...) are analysed\n"
        "frame by frame: one row per (frame, face) with its time and track id",
    )
    group.add_argument(
        "--camera",
        metavar="SOURCE",
        help="analyse a live source: a camera number (0) or any stream URL FFmpeg "
        "opens (rtsp://..., http://...); stop with Ctrl-C, the results so far are "
        "written",
    )
    sampling = group.add_mutually_exclusive_group()
    sampling.add_argument(
        "--every", type=positive_int, metavar="N", help="analyse one frame in N"
    )
    sampling.add_argument(
        "--fps",
        type=positive_float,
        metavar="F",
        help="analyse F frames per second of video (default: 10, or every frame "
        "of slower videos)",
    )
    group.add_argument(
        "--detect-every",
        type=positive_int,
        default=10,
        metavar="N",
        help="search the whole frame for faces on one analysed frame in N, follow "
        "the faces in between (default: 10)",
    )
    group.add_argument(
        "--smooth",
        type=smoothing,
        metavar="ema[:A]|window[:N]",
        help="smooth each face's probabilities over time: exponential moving "
        "average of weight A (default 0.5) or centred window of N frames "
        "(default 5)",
    )
    group.add_argument(
        "--timeline",
        type=Path,
        metavar="OUT.png",
        help="draw each face's emotions over time (one file per video: -<name> "
        "is added when there are several)",
    )
    group.add_argument(
        "--annotate",
        type=Path,
        metavar="OUT.mp4",
        help="write a copy of the video with the boxes, track ids and emotions",
    )


def wants_video(args, files):
    """Whether ``skfer predict`` goes to :func:`run`: a camera or video files."""
    from ..video import is_video_file

    if not args.paths and args.camera is None:
        raise UsageError("give photos, videos or folders, or --camera SOURCE.")
    if args.camera is not None:
        return True
    videos = [f for f in files if is_video_file(f)]
    if videos and len(videos) < len(files):
        photo = next(f for f in files if not is_video_file(f))
        raise UsageError(
            f"videos ({videos[0]}) and photos or other files ({photo}) in one "
            "command: analyse them with separate `skfer predict` commands."
        )
    return bool(videos)


def _out_path(path, source, several):
    if not several:
        return path
    return path.with_name(f"{path.stem}-{Path(str(source)).stem}{path.suffix}")


def _analyse(source, clf, args):
    """The analysis of one source, and its status record."""
    from ..video import (
        VideoDecodeWarning,
        VideoReadError,
        analyse_video,
        smooth_probabilities,
    )

    record = {"file": str(source), "status": "ok", "message": None}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", VideoDecodeWarning)  # in the record
            result = analyse_video(
                source,
                clf,
                every=args.every,
                fps=args.fps,
                detect_every=args.detect_every,
                detect=args.detect != "never",
                min_face=args.min_face,
                camera=args.camera is not None,
                progress=True,
            )
    except VideoReadError as exc:
        record.update(status="unreadable", message=str(exc))
        return None, record
    if args.smooth is not None:
        result = smooth_probabilities(result, **args.smooth)
    info = result.info
    if info["interrupted"]:
        record.update(status="interrupted", message="stopped by Ctrl-C")
    elif not info["complete"]:
        record.update(status="truncated", message=info["message"])
    elif not len(result):
        record.update(
            status="no face",
            message="no face found (for videos of a face crop use --no-detect)",
        )
    return result, record


def _print_table(results, classes):
    width = max([len("file")] + [len(r["file"]) for _, r in results])
    print(
        f"{'file':<{width}}  {'frame':>6}  {'time':>8}  {'face':>4}  "
        f"{'box (row,col,h,w)':<19}  {'emotion':<10}"
        + "".join(f"{c[:8]:>9}" for c in classes)
    )
    for result, record in results:
        if result is None or not len(result):
            print(f"{record['file']:<{width}}  {'-':>6}  ({record['status']})")
            continue
        for row in result.to_records():
            box = ",".join(str(v) for v in row["box"])
            probs = "".join(f"{row['probabilities'][c]:>9.3f}" for c in classes)
            print(
                f"{record['file']:<{width}}  {row['frame']:>6}  {row['time']:>8.3f}  "
                f"{row['track']:>4}  {box:<19}  {row['emotion']:<10}{probs}"
            )
    summaries = [(r, s) for res, r in results if res for s in r.get("tracks", [])]
    if summaries:
        print()
        print(
            f"{'file':<{width}}  {'face':>4}  {'from':>8}  {'to':>8}  {'frames':>6}"
            "  dominant emotion (share of its frames)"
        )
        for record, s in summaries:
            print(
                f"{record['file']:<{width}}  {s['track']:>4}  {s['start']:>8.3f}  "
                f"{s['end']:>8.3f}  {s['n_frames']:>6}  {s['dominant']} "
                f"({s['share'][s['dominant']]:.0%})"
            )


def _print_csv(results, classes):
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(
        ["file", "frame", "time", "face", "row", "col", "height", "width"]
        + ["emotion", *classes, "status"]
    )
    for result, record in results:
        if result is None or not len(result):
            writer.writerow(
                [record["file"], *[""] * (8 + len(classes)), record["status"]]
            )
            continue
        for row in result.to_records():
            writer.writerow(
                [record["file"], row["frame"], f"{row['time']:.4f}", row["track"]]
                + row["box"]
                + [row["emotion"]]
                + [f"{row['probabilities'][c]:.4f}" for c in classes]
                + [record["status"]]
            )


def _timeline(path, result, record):
    from ..plotting import plot_emotion_timeline, save_figure

    fig = plot_emotion_timeline(
        result.time,
        result.proba,
        result.classes,
        tracks=result.track,
        title=Path(record["file"]).name,
    )
    return save_figure(fig, path)


def run(args, files):
    """``skfer predict`` on videos or ``--camera``; 1 if a source was unreadable."""
    from ..video import write_annotated_video

    if args.camera is not None and files:
        raise UsageError("give --camera SOURCE or files, not both.")
    sources = [args.camera] if args.camera is not None else files
    if args.timeline is not None:  # checked before the work, not after it
        from ..utils import import_optional

        import_optional(
            "matplotlib",
            "--timeline needs matplotlib",
            extra="plot",
            package="matplotlib",
        )
    clf, model_name = load_model(args.model, device=args.device, **predict_params(args))
    classes = [str(c) for c in clf.classes_.tolist()]
    if args.plot is not None:
        note("--plot draws photos; for videos use --timeline OUT.png.")
    results, several = [], len(sources) > 1
    for source in sources:
        if args.camera is not None:
            note(f"reading {source}; press Ctrl-C to stop")
        result, record = _analyse(source, clf, args)
        if result is None and args.camera is not None:  # nothing else to report
            raise UsageError(f"--camera {source}: {record['message']}")
        if result is not None:
            extra = result.to_dict()
            record.update((k, v) for k, v in extra.items() if k not in record)
            note(
                f"skfer: {source}: {result.info['n_decoded']} frames decoded, "
                f"{result.info['n_sampled']} analysed, {record['n_tracks']} "
                f"face{'' if record['n_tracks'] == 1 else 's'} followed"
            )
        if record["status"] != "ok":
            note(f"skfer: {source}: {record['status']}: {record['message']}")
        if result is not None and len(result) and args.timeline is not None:
            out = _timeline(_out_path(args.timeline, source, several), result, record)
            record["timeline"] = str(out)
            note(f"timeline written to {out}")
        if result is not None and len(result) and args.annotate is not None:
            if args.camera is not None:
                note("--annotate: a live stream cannot be read twice; record it first.")
            else:
                out = _out_path(args.annotate, source, several)
                record["annotated"] = str(write_annotated_video(result, out))
                note(f"annotated video written to {out}")
        results.append((result, record))
    document = {
        "kind": schema.KIND_VIDEO,
        "command": getattr(args, "command", None),
        "model": model_name,
        "classes": classes,
        "videos": [record for _, record in results],
    }
    print_results(args, document, results, classes, csv=_print_csv, table=_print_table)
    unreadable = [r for res, r in results if res is None]
    return 1 if unreadable else 0
