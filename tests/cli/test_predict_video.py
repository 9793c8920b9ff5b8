"""``skfer predict`` on videos and streams: formats, options, bad input, report."""

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from skfer.cli import main

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
        ["predict", str(clip), "--model", str(model_path), "--json", "--every", "2"]
        + ["--smooth", "window:3", "--timeline", str(timeline)]
        + ["--annotate", str(annotated)]
    )
    out, err = capsys.readouterr()
    assert code == 0
    data = json.loads(out)
    assert data["kind"] == "skfer-video" and len(data["classes"]) == 7
    (video,) = data["videos"]
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
    assert main(["predict", str(clip), "--model", str(model_path), "--fps", "5"]) == 0
    out = capsys.readouterr().out
    rows, summary = out.split("\n\n")
    header, *lines = rows.splitlines()
    assert header.split()[:4] == ["file", "frame", "time", "face"]
    assert {line.split()[1] for line in lines} <= {str(f) for f in range(0, 15, 2)}
    assert "dominant emotion" in summary and len(summary.splitlines()) >= 3
    assert main(["predict", str(clip), "--model", str(model_path), "--csv"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert table and {row["status"] for row in table} == {"ok"}
    assert {row["face"] for row in table} >= {"1", "2"}


def test_camera_source_is_the_same_path(clip, model_path, capsys):
    # a file posing as a stream
    code = main(
        ["predict", "--camera", str(clip), "--model", str(model_path), "--json"]
    )
    out, err = capsys.readouterr()
    assert code == 0 and "press Ctrl-C to stop" in err
    (video,) = json.loads(out)["videos"]
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
    code = main(
        ["predict", "--camera", str(clip), "--model", str(model_path), "--json"]
        + ["--every", "1"]
    )
    out, err = capsys.readouterr()
    assert code == 0
    (video,) = json.loads(out)["videos"]
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
        ["predict", str(junk), str(empty), str(blank), "--model", str(model_path)]
        + ["--json"]
    )
    out, err = capsys.readouterr()
    assert code == 1  # nothing could be read from two of them
    status = {Path(v["file"]).name: v["status"] for v in json.loads(out)["videos"]}
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
    code = main(["predict", str(cut), "--model", str(model_path), "--json"])
    out, err = capsys.readouterr()
    assert code == 0
    (video,) = json.loads(out)["videos"]
    assert video["status"] == "truncated" and video["frames"]
    assert "cut.webm: truncated: the video ended after" in err


def test_usage_errors(clip, model_path, photos, capsys):
    assert main(["predict", "--model", str(model_path)]) == 2
    assert "--camera SOURCE" in capsys.readouterr().err
    code = main(["predict", str(clip), str(photos / "two_faces.jpg")])
    assert code == 2 and "separate" in capsys.readouterr().err
    assert main(["predict", str(clip), "--every", "2", "--fps", "3"]) == 2
    assert main(["predict", str(clip), "--smooth", "median"]) == 2
    assert "expected ema" in capsys.readouterr().err


def test_report_shows_a_video_run(clip, model_path, tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    assert main(["predict", str(clip), "--model", str(model_path), "--json"]) == 0
    (run / "video.json").write_text(capsys.readouterr().out)
    page = tmp_path / "report.html"
    assert main(["report", str(run), "-o", str(page)]) == 0
    html = page.read_text()
    assert "<h3>two.mp4</h3>" in html and "dominant" in html
    assert html.count("data:image/png") == 1  # the timeline, drawn from the rows
