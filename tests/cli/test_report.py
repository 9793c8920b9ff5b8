"""``skfer report`` and :func:`skfer.report.make_report`: one self-contained page."""

import json
import re

import numpy as np
import pytest
from PIL import Image

from skfer.cli import main
from skfer.report import make_report


@pytest.fixture
def benchmark_folder(tmp_path):
    """A benchmark result folder: JSON + Markdown of the same run, and a figure."""
    folder = tmp_path / "results"
    folder.mkdir()
    result = {
        "command": "python benchmarks/speed.py",
        "date": "2026-01-01T00:00:00+00:00",
        "machine": {"cpu": "test", "cpu_count": 2},
        "runs": [{"model": "small", "seconds": 1.5}, {"model": "model2", "seconds": 9}],
    }
    (folder / "speed.json").write_text(json.dumps(result))
    (folder / "speed.md").write_text(
        "# Speed\n\nTraining time per epoch.\n\n| model | s |\n|---|---|\n"
        "| small | 1.5 |\n\n- Command: `python benchmarks/speed.py`\n"
    )
    (folder / "other.json").write_text(json.dumps({"accuracy": 0.5, "n": 3}))
    Image.fromarray(np.zeros((20, 30, 3), np.uint8)).save(folder / "figure.png")
    return folder


def _images(page):
    return re.findall(r'<img [^>]*src="([^"]{0,40})', page)


def test_report_of_a_training_run_and_benchmarks_is_self_contained(
    train_run, benchmark_folder, tmp_path, capsys
):
    out = tmp_path / "report" / "index.html"
    code = main(["report", str(train_run[0]), str(benchmark_folder), "-o", str(out)])
    assert code == 0
    assert capsys.readouterr().out.strip() == out.resolve().as_uri()
    page = out.read_text()
    # Self-contained: every image inlined, nothing loaded from elsewhere.
    images = _images(page)
    assert len(images) == 3  # confusion matrix, learning curves, figure.png
    assert all(src.startswith("data:image/png;base64,") for src in images)
    assert "<script" not in page and "<link" not in page and "url(" not in page
    # The training card, the evaluation and the benchmark tables are there.
    assert "Training" in page and "Evaluation" in page and "happy" in page
    assert "skfer train --dataset folder" in page
    assert "<h2>Speed</h2>" not in page and "<h3>Speed</h3>" in page  # markdown
    assert "<td>small</td>" in page and "speed.json (raw results)" in page
    assert "<h3>other</h3>" in page  # a JSON without Markdown: shown as tables


def test_learning_curves_and_confusion_matrix_are_drawn_from_json(train_run, tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    for name in ("card.json", "history.json", "evaluation.json"):
        (folder / name).write_bytes((train_run[0] / name).read_bytes())
    page = make_report(folder, tmp_path / "r.html").read_text()
    captions = re.findall(r"<figcaption>([^<]*)</figcaption>", page)
    assert captions == ["confusion matrix", "learning curves"]


def test_report_errors(tmp_path, capsys):
    assert main(["report", str(tmp_path / "missing"), "-o", "x.html"]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert (
        main(["report", str(tmp_path / "empty"), "-o", str(tmp_path / "x.html")]) == 2
    )
    assert "no results found" in capsys.readouterr().err
    (tmp_path / "bad.json").write_text("{not json")
    assert (
        main(["report", str(tmp_path / "bad.json"), "-o", str(tmp_path / "x.html")])
        == 2
    )
    assert "not a readable JSON" in capsys.readouterr().err
