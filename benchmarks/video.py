"""Speed of ``skfer.video`` on a 640x480, 30 fps video with one or two faces.

For each video (synthetic faces from :func:`skfer.video.make_face_video`, moving
and changing expression, written as H.264 MP4):

- decoded frames/s: :class:`skfer.video.VideoReader` decoding every frame to a gray
  array (what the analysis decodes);
- the analysis with default settings (``analyse_video``: 10 frames per second of
  video analysed, a full face search on one analysed frame in 10, faces followed in
  between, crops classified in batches): decoded frames/s, classified (analysed)
  frames/s, and the real-time factor (video seconds per second of compute). The
  faces are searched by scikit-image's cascade (``detector="cascade"``): the
  synthetic faces are drawn for it, and YuNet, the default detector, finds few
  drawn faces.

The model is the one ``skfer predict`` uses by default (the best shipped weights),
or ``--model``. Results go to ``benchmarks/results/video.json`` and ``video.md``
with the command, the CPU, the thread count and the load average (say whether
other work ran on the machine: the figures are only comparable on a quiet one)::

    python benchmarks/video.py
    python benchmarks/video.py --quick --output /tmp/q   # 1 s, one analysis each
    python benchmarks/video.py --markdown-only   # the page again, from video.json

``--quick`` writes ``<output-name>-quick.json`` / ``.md`` (a smoke run: 1-second
videos, one analysis each, no warm-up).
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    RESULTS,
    add_markdown_only,
    command_line,
    hardware_line,
    load_average,
    machine_info,
    now,
    page,
    quick_stem,
    ran,
    read_json,
    write_json,
    write_text,
)

FPS = 30


def _load_model(spec):
    # lazy: `--markdown-only` writes the page without loading skfer
    from skfer import load_pretrained
    from skfer.cli import best_pretrained

    name = spec or best_pretrained()
    if name is None:
        raise SystemExit("no shipped model: pass --model PATH")
    return load_pretrained(name), name


def _decode(path):
    # lazy: `--markdown-only` writes the page without loading skfer
    from skfer.video import VideoReader

    start, cpu = time.perf_counter(), time.process_time()
    with VideoReader(path) as reader:
        n = sum(1 for _ in reader.frames())
    return n, time.perf_counter() - start, time.process_time() - cpu


def _analyse(path, clf, repeat):
    # lazy: `--markdown-only` writes the page without loading skfer
    from skfer.video import analyse_video

    best = None
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        result = analyse_video(path, clf, detector="cascade")  # drawn faces
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        if best is None or seconds < best[1]:
            best = (result, seconds, cpu)
    return best


def measure_video(path, clf, repeat):
    """Decoding alone, then the analysis (best of ``repeat`` after a warm-up)."""
    n_frames, decode_s, decode_cpu = _decode(path)
    if repeat > 1:
        _analyse(path, clf, 1)  # warm-up
    result, seconds, cpu = _analyse(path, clf, max(1, repeat - 1))
    info = result.info
    return {
        "frames": n_frames,
        "video_seconds": round(n_frames / FPS, 2),
        "decode_only_fps": round(n_frames / decode_s, 1),
        "analysis_seconds": round(seconds, 2),
        "decoded_fps": round(info["n_decoded"] / seconds, 1),
        "classified_fps": round(info["n_sampled"] / seconds, 1),
        "realtime_factor": round(info["n_decoded"] / FPS / seconds, 2),
        # per second of this process's CPU time (all its threads): what a quiet
        # core would give, whatever else runs
        "decode_only_fps_cpu": round(n_frames / decode_cpu, 1),
        "decoded_fps_cpu": round(info["n_decoded"] / cpu, 1),
        "classified_fps_cpu": round(info["n_sampled"] / cpu, 1),
        "tracks": int(len(set(result.track.tolist()))),
    }


def markdown(data):
    """The results page: the table, then protocol, command and hardware."""
    table = [
        "| faces | frames | decode only | decoded frames/s | classified frames/s "
        "| real time x |",
        "|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {r['faces']} | {r['frames']} | {r['decode_only_fps']} "
            f"({r['decode_only_fps_cpu']}) | {r['decoded_fps']} "
            f"({r['decoded_fps_cpu']}) | {r['classified_fps']} "
            f"({r['classified_fps_cpu']}) | {r['realtime_factor']} |"
            for r in data["results"]
        ),
    ]
    protocol = (
        f"{data['video']}, model `{data['model']}`; frames per second of "
        "wall-clock time, and in brackets per second of this process's CPU time "
        "(all threads): on a loaded machine the first measures the sharing, the "
        "second what the code costs."
    )
    machine = data["machine"]
    load = f"{machine.get('load_average_at_start')} at start, "
    load += f"{machine.get('load_average_at_end')} at the end"
    hardware = hardware_line(machine, load=load)
    if data.get("note"):
        hardware += f". {data['note']}"
    return page(
        "Video analysis speed",
        table,
        protocol,
        ran(data["command"], data["date"]),
        hardware,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="weights name or file (default: best shipped)")
    parser.add_argument("--seconds", type=float, default=10.0, help="video length")
    parser.add_argument("--repeat", type=int, default=2, help="analyses per video")
    parser.add_argument("--output-name", default="video")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--note",
        default="",
        help="what else ran on the machine (written beside the figures)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="1-second videos, one analysis each: a smoke run, into "
        "<output-name>-quick.json",
    )
    add_markdown_only(parser, "the JSON of --output-name (-quick with --quick)")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.repeat = 1.0, 1
    json_path = quick_stem(args, args.output_name).with_suffix(".json")
    if args.markdown_only:
        write_text(json_path.with_suffix(".md"), markdown(read_json(json_path)))
        return
    # lazy: `--markdown-only` writes the page without loading skfer
    from skfer.video import make_face_video

    clf, model_name = _load_model(args.model)
    machine = machine_info()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for n_faces in (1, 2):
            path = Path(folder) / f"faces{n_faces}.mp4"
            make_face_video(path, n_faces=n_faces, seconds=args.seconds, fps=FPS)
            rows.append({"faces": n_faces, **measure_video(path, clf, args.repeat)})
            print(rows[-1], flush=True)
    data = {
        "command": command_line(),
        "date": now(),
        "model": model_name,
        "video": "640x480, 30 fps, H.264 (make_face_video), default analysis settings",
        "machine": {**machine, "load_average_at_end": load_average()},
        "note": args.note,
        "results": rows,
    }
    write_json(json_path, data)
    write_text(json_path.with_suffix(".md"), markdown(data))
    print(f"written to {json_path} and .md")


if __name__ == "__main__":
    main()
