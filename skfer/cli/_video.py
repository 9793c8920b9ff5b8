"""``skfer predict`` on videos and camera streams: emotions over time.

``skfer/cli/_predict.py`` registers these options and hands video files and
``--camera`` to :func:`analyse_sources`; the work is done by
:func:`skfer.photos.analyse_video_file` (:mod:`skfer.video`).
"""

import argparse
from pathlib import Path

from ..utils import import_optional
from ._common import (
    UsageError,
    check_output_file,
    note,
    positive_float,
    positive_int,
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


def check_options(args, has_videos):
    """Video options checked before any work: the sources and the output files."""
    if not args.paths and args.camera is None:
        raise UsageError("give photos, videos or folders, or --camera SOURCE.")
    if args.camera is not None and args.paths:
        raise UsageError("give --camera SOURCE or files, not both.")
    for option in ("timeline", "annotate"):  # video outputs: photos have none
        if getattr(args, option, None) is not None and not has_videos:
            raise UsageError(
                f"--{option} is drawn for videos and --camera; the files given are "
                "photos (for them use --plot OUT.png)."
            )
    if has_videos:  # video files or --camera
        # lazy: skfer.photos (face finding, video) stays out of `skfer --help`
        from ..photos import require_video_reader

        require_video_reader("skfer predict needs PyAV to read the videos")
    if args.timeline is not None:
        check_output_file(args.timeline, "--timeline")

        import_optional(
            "matplotlib",
            "--timeline needs matplotlib",
            extra="plot",
            package="matplotlib",
        )
    if args.annotate is not None:
        check_output_file(args.annotate, "--annotate")


def _out_path(path, source, several):
    if not several:
        return path
    return path.with_name(f"{path.stem}-{Path(str(source)).stem}{path.suffix}")


def analyse_sources(args, clf, sources):
    """The records of the videos (or the ``--camera`` stream), with their
    ``--timeline`` and ``--annotate`` files written."""
    # lazy: skfer.photos and skfer.video stay out of `skfer --help`
    from ..photos import analyse_video_file
    from ..video import write_annotated_video

    records, several = [], len(sources) > 1
    for source in sources:
        if args.camera is not None:
            note(f"reading {source}; press Ctrl-C to stop")
        result, record = analyse_video_file(
            source,
            clf,
            every=args.every,
            fps=args.fps,
            detect_every=args.detect_every,
            detect=args.detect,
            detector=args.detector,
            align=args.align,
            min_face=args.min_face,
            camera=args.camera is not None,
            smooth=args.smooth,
        )
        if result is None and args.camera is not None:  # nothing else to report
            raise UsageError(f"--camera {source}: {record['message']}")
        if result is not None:
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
        records.append(record)
    return records


def print_table(records, classes):
    """The table of the videos' records: one line per (frame, face), then one
    line per face followed (its dominant emotion)."""
    width = max([len("file")] + [len(r["file"]) for r in records])
    print(
        f"{'file':<{width}}  {'frame':>6}  {'time':>8}  {'face':>4}  "
        f"{'box (row,col,h,w)':<19}  {'emotion':<10}"
        + "".join(f"{c[:8]:>9}" for c in classes)
    )
    for record in records:
        if not record.get("frames"):
            print(f"{record['file']:<{width}}  {'-':>6}  ({record['status']})")
            continue
        for row in record["frames"]:
            box = ",".join(str(v) for v in row["box"])
            probs = "".join(f"{row['probabilities'][c]:>9.3f}" for c in classes)
            print(
                f"{record['file']:<{width}}  {row['frame']:>6}  {row['time']:>8.3f}  "
                f"{row['track']:>4}  {box:<19}  {row['emotion']:<10}{probs}"
            )
    summaries = [(r, s) for r in records for s in r.get("tracks", [])]
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


def _timeline(path, result, record):
    # lazy: skfer.plotting loads scikit-learn (not at `skfer --help`)
    from ..plotting import plot_emotion_timeline, save_figure

    fig = plot_emotion_timeline(
        result.time,
        result.proba,
        result.classes,
        tracks=result.track,
        title=Path(record["file"]).name,
    )
    return save_figure(fig, path)
