"""``skfer predict`` on videos and streams: formats, options, bad input, report."""

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from skfer.cli import main

# The synthetic photos' and videos' faces are drawn: scikit-image's cascade finds
# them, YuNet (the default detector) finds few drawn faces.
CASCADE = ["--detector", "cascade"]


def _camera_args(clip, model_path):
    """``skfer predict --camera`` on a file posing as a stream."""
    model = ["--model", str(model_path), "--json"]
    return ["predict", *CASCADE, "--camera", str(clip), *model]


pytest.importorskip("av")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """1.5 s at 10 fps, two synthetic faces moving and changing expression."""
    from skfer.video import make_face_video

    folder = tmp_path_factory.mktemp("clips")
    return make_face_video(
        folder / "two.mp4", seconds=1.5, fps=10, frame_size=(240, 400), face_size=96
    )["path"]


def test_json_rows_tracks_and_files(clip, model_path, tmp_path, capsys):
    timeline, annotated = tmp_path / "timeline.png", tmp_path / "annotated.mp4"
    code = main(
        [
            "predict",
            *CASCADE,
            str(clip),
            "--model",
            str(model_path),
            "--json",
            "--every",
            "2",
        ]
        + ["--smooth", "window:3", "--timeline", str(timeline)]
        + ["--annotate", str(annotated)]
    )
    out, err = capsys.readouterr()
    assert code == 0
    data = json.loads(out)
    assert data["kind"] == "skfer-predict" and len(data["classes"]) == 7
    (video,) = data["results"]  # the photos' schema
    assert video["kind"] == "video" and video["file"] == str(clip)
    assert video["status"] == "ok" and video["n_decoded"] == 15
    assert video["n_sampled"] == 8 and video["sampling"] == {"every": 2}
    assert video["smoothing"] == {"method": "window", "window": 3}
    frames = {row["frame"] for row in video["frames"]}
    assert frames <= set(range(0, 15, 2)) and len(frames) >= 6
    assert [t["track"] for t in video["tracks"]][:2] == [1, 2]
    for row in video["frames"]:
        assert row["time"] == pytest.approx(row["frame"] / 10, abs=1e-3)
        assert sum(row["probabilities"].values()) == pytest.approx(1, abs=1e-4)
    assert timeline.stat().st_size > 10_000 and annotated.stat().st_size > 1_000
    assert video["timeline"] == str(timeline)
    assert "15 frames decoded, 8 analysed, 2 faces followed" in err


def test_table_and_csv(clip, model_path, capsys):
    assert (
        main(["predict", *CASCADE, str(clip), "--model", str(model_path), "--fps", "5"])
        == 0
    )
    out = capsys.readouterr().out
    rows, summary = out.split("\n\n")
    header, *lines = rows.splitlines()
    assert header.split()[:4] == ["file", "frame", "time", "face"]
    assert {line.split()[1] for line in lines} <= {str(f) for f in range(0, 15, 2)}
    assert "dominant emotion" in summary and len(summary.splitlines()) >= 3
    assert (
        main(["predict", *CASCADE, str(clip), "--model", str(model_path), "--csv"]) == 0
    )
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert table and {row["status"] for row in table} == {"ok"}
    assert {row["face"] for row in table} >= {"1", "2"}


def test_camera_source_is_the_same_path(clip, model_path, capsys):
    # a file posing as a stream
    code = main(_camera_args(clip, model_path))
    out, err = capsys.readouterr()
    assert code == 0 and "press Ctrl-C to stop" in err
    (video,) = json.loads(out)["results"]
    assert video["camera"] and video["n_decoded"] == 15 and video["frames"]


def test_ctrl_c_writes_the_results_so_far(clip, model_path, capsys, monkeypatch):
    from skfer.video import _reader

    real = _reader.VideoReader.frames

    def stopped_after_4(self, **kwargs):
        for k, item in enumerate(real(self, **kwargs)):
            if k == 4:
                raise KeyboardInterrupt
            yield item

    monkeypatch.setattr(_reader.VideoReader, "frames", stopped_after_4)
    code = main([*_camera_args(clip, model_path), "--every", "1"])
    out, err = capsys.readouterr()
    assert code == 0
    (video,) = json.loads(out)["results"]
    assert video["status"] == "interrupted" and video["n_sampled"] == 4
    assert {row["frame"] for row in video["frames"]} == {0, 1, 2, 3}
    assert "interrupted: stopped by Ctrl-C" in err


def test_bad_videos_are_reported_and_fail(tmp_path, model_path, capsys):
    from skfer.video import write_video

    junk = tmp_path / "junk.mp4"
    junk.write_bytes(np.random.default_rng(0).bytes(4000))
    empty = tmp_path / "empty.avi"
    empty.write_bytes(b"")
    blank = write_video(tmp_path / "blank.mkv", [np.full((96, 128), 90, np.uint8)] * 5)
    code = main(
        [
            "predict",
            *CASCADE,
            str(junk),
            str(empty),
            str(blank),
            "--model",
            str(model_path),
        ]
        + ["--json"]
    )
    out, err = capsys.readouterr()
    assert code == 1  # nothing could be read from two of them
    status = {Path(v["file"]).name: v["status"] for v in json.loads(out)["results"]}
    assert status == {
        "junk.mp4": "unreadable",
        "empty.avi": "unreadable",
        "blank.mkv": "no face",
    }
    assert "junk.mp4: unreadable: " in err and "cannot be opened as a video" in err
    assert "empty (zero bytes)" in err and "blank.mkv: no face" in err


def test_truncated_video_keeps_partial_results(tmp_path, model_path, capsys):
    from skfer.video import make_face_video

    full = make_face_video(
        tmp_path / "full.webm",
        n_faces=1,
        seconds=2,
        fps=10,
        frame_size=(160, 200),
        face_size=96,
    )["path"]
    cut = tmp_path / "cut.webm"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    code = main(["predict", *CASCADE, str(cut), "--model", str(model_path), "--json"])
    out, err = capsys.readouterr()
    assert code == 0
    (video,) = json.loads(out)["results"]
    assert video["status"] == "truncated" and video["frames"]
    assert "cut.webm: truncated: the video ended after" in err


def test_usage_errors(clip, model_path, photos, capsys):
    assert main(["predict", *CASCADE, "--model", str(model_path)]) == 2
    assert "--camera SOURCE" in capsys.readouterr().err
    code = main(
        ["predict", *CASCADE, str(photos / "two_faces.jpg"), "--timeline", "t.png"]
    )
    assert code == 2 and "--timeline is drawn for videos" in capsys.readouterr().err
    assert main(["predict", *CASCADE, str(clip), "--every", "2", "--fps", "3"]) == 2
    assert main(["predict", *CASCADE, str(clip), "--smooth", "median"]) == 2
    assert "expected ema" in capsys.readouterr().err


def test_report_shows_a_video_run(clip, model_path, tmp_path, capsys):
    run, old = tmp_path / "run", tmp_path / "old"
    run.mkdir()
    old.mkdir()
    assert (
        main(["predict", *CASCADE, str(clip), "--model", str(model_path), "--json"])
        == 0
    )
    out = capsys.readouterr().out
    (run / "video.json").write_text(out)
    # the document of a video run before it shared the photos' schema
    legacy = {"kind": "skfer-video", "videos": json.loads(out)["results"]}
    (old / "video.json").write_text(json.dumps(legacy))
    page = tmp_path / "report.html"
    assert main(["report", str(run), str(old), "-o", str(page)]) == 0
    html = page.read_text()
    assert html.count("<h3>two.mp4</h3>") == 2 and "dominant" in html
    assert html.count("data:image/png") == 2  # the timelines, drawn from the rows


def test_a_folder_mixing_photos_and_videos_gives_one_schema(
    clip, photos, model_path, tmp_path, capsys
):
    """Both are analysed (they were refused), in file order, in one schema."""
    from skfer.photos import columns

    folder = tmp_path / "mixed"
    folder.mkdir()
    for name in ("two_faces.jpg", "blank.png"):
        (folder / name).write_bytes((photos / name).read_bytes())
    (folder / "clip.mp4").write_bytes(clip.read_bytes())
    args = [
        "predict",
        *CASCADE,
        str(folder),
        "--model",
        str(model_path),
        "--every",
        "3",
    ]
    assert main([*args, "--json"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert data["kind"] == "skfer-predict"
    kinds = {Path(r["file"]).name: (r["kind"], r["status"]) for r in data["results"]}
    assert list(kinds.items()) == [
        ("blank.png", ("photo", "no face")),
        ("clip.mp4", ("video", "ok")),
        ("two_faces.jpg", ("photo", "ok")),
    ]
    assert data["results"][1]["frames"] and data["results"][2]["faces"]

    assert main([*args, "--csv"]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0].split(",") == columns(data["classes"])
    rows = list(csv.DictReader(io.StringIO(text)))
    clips = [r for r in rows if r["kind"] == "video"]
    stills = [r for r in rows if r["kind"] == "photo"]
    assert len(stills) == 3 and len(clips) >= 5  # 2 faces + no face; 5 frames
    assert all(r["frame"] == r["time"] == r["track"] == "" for r in stills)
    assert all(r["frame"] and r["time"] and r["track"] for r in clips)
    assert {(r["found"], r["score"]) for r in clips} == {("", "")}
    for frame in {r["frame"] for r in clips}:  # the faces numbered in each frame
        faces = [r["face"] for r in clips if r["frame"] == frame]
        assert faces == [str(k) for k in range(1, len(faces) + 1)]

    assert main(args) == 0  # the table: the photos, then the videos
    photo_table, video_table, summary = capsys.readouterr().out.split("\n\n")
    assert photo_table.split()[:2] == ["file", "face"]
    assert video_table.split()[:2] == ["file", "frame"] and "dominant" in summary

    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "mixed.json").write_text(out)
    page = tmp_path / "report.html"
    assert main(["report", str(tmp_path / "run"), "-o", str(page)]) == 0
    html = page.read_text()
    assert "<h3>clip.mp4</h3>" in html and "two_faces.jpg" in html


def test_detector_and_align_reach_the_video_analysis(
    clip, model_path, monkeypatch, capsys
):
    import skfer.photos

    seen = {}
    analyse = skfer.photos.analyse_video

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return analyse(*args, **{**kwargs, "max_frames": 1})

    # where `skfer predict` finds it (skfer.photos imports it at its top)
    monkeypatch.setattr(skfer.photos, "analyse_video", spy)
    args = ["predict", *CASCADE, str(clip), "--model", str(model_path), "--json"]
    assert main([*args, "--detector", "cascade", "--align"]) == 0
    assert seen["detector"] == "cascade" and seen["align"] is True
    capsys.readouterr()
