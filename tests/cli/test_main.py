"""The ``skfer`` command: the demo end to end and the ``python -m skfer`` entry point.

The subcommands are tested one by one in ``tests/cli/``.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

from skfer.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_demo_runs_end_to_end(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SKFER_DATA", raising=False)  # synthetic data
    monkeypatch.setenv("MPLBACKEND", "Agg")
    code = main(
        [
            "demo",
            "--n-source",
            "140",
            "--n-target",
            "40",
            "--epochs",
            "2",
            "--target-epochs",
            "2",
            "--output",
            str(tmp_path),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "scratch" in out and "fine-tuned" in out and "report" in out
    assert "0. the shipped model" in out and "(detected)" in out  # the astronaut
    assert (tmp_path / "photo" / "emotion_analysis.png").is_file()
    assert (tmp_path / "source" / "model.safetensors").is_file()
    for name in ("scratch", "fine-tuned"):
        assert (tmp_path / name / "evaluation.json").is_file()
    page = (tmp_path / "report.html").read_text()
    images = re.findall(r'<img [^>]*src="(data:image/png;base64,)', page)
    # the photo's and the target's emotion analyses; 3 learning curves; 2
    # confusion matrices
    assert len(images) == 7
    assert "A real photo" in page
    assert "fine-tuned" in page and "test accuracy" in page


def test_python_dash_m_entry_point_and_usage_errors():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    run = [sys.executable, "-m", "skfer"]
    res = subprocess.run([*run, "--help"], capture_output=True, text=True, env=env)
    assert res.returncode == 0
    for command in ("predict", "train", "evaluate", "report", "demo"):
        assert command in res.stdout
    res = subprocess.run([*run, "nope"], capture_output=True, text=True, env=env)
    assert res.returncode == 2 and "invalid choice" in res.stderr


def test_best_pretrained_is_public_and_chosen_on_validation(monkeypatch):
    import skfer
    from skfer.cli import best_pretrained

    entries = [
        {"name": "a", "public_test_accuracy": 0.60, "private_test_accuracy": 0.90},
        {"name": "b", "public_test_accuracy": 0.70, "private_test_accuracy": 0.50},
    ]
    monkeypatch.setattr(skfer, "list_pretrained", lambda: entries)
    assert best_pretrained() == "b"  # never chosen on the test split
    monkeypatch.setattr(skfer, "list_pretrained", lambda: [])
    assert best_pretrained() is None
