import json

import pytest

from skfer import FERClassifier
from skfer.cli import main
from skfer.datasets import make_faces


def test_transfer_usage_errors(capsys):
    assert main(["transfer", "--weights", "model2"]) == 2
    assert "ARCH=PATH" in capsys.readouterr().err
    assert main(["transfer", "--protocols", "random"]) == 2


def test_transfer_without_weights_says_how_to_get_them(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SKFER_CACHE", str(tmp_path / "cache"))
    code = main(
        [
            "transfer",
            "--models",
            "small",
            "--data-dir",
            str(tmp_path),
            "--output",
            str(tmp_path / "out"),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "No FER2013 weights for ['small']" in err
    # a command the user has: a wheel holds no benchmarks/ (it named fer2013.py)
    assert "skfer train --dataset fer2013 --model small" in err
    assert "--weights small=" in err and "benchmarks/" not in err


@pytest.mark.realdata
def test_transfer_quick_on_real_data(real_data_home, tmp_path):
    X, y = make_faces(140, random_state=0, return_X_y=True)
    path = tmp_path / "small.safetensors"
    FERClassifier("small", max_epochs=2, random_state=0).fit(X, y).save_weights(path)
    out = tmp_path / "out"
    code = main(
        [
            "transfer",
            "--quick",
            "--models",
            "small",
            "--targets",
            "jaffe",
            "--protocols",
            "subject",
            "--weights",
            f"small={path}",
            "--data-dir",
            str(real_data_home),
            "--output",
            str(out),
        ]
    )
    assert code == 0
    rows = json.loads((out / "transfer.json").read_text())["rows"]
    assert {r["method"] for r in rows} == {"zero-shot", "scratch", "fine-tuned"}


@pytest.mark.parametrize("quiet, verbose", [([], 2), (["-q"], 1)])
def test_transfer_logs_each_fold_unless_quiet(quiet, verbose, tmp_path, monkeypatch):
    """A row ran 2 minutes without a line; -q keeps one line per row."""
    import skfer.transfer

    seen = {}
    monkeypatch.setattr(skfer.transfer, "run_transfer", lambda *a, **k: seen.update(k))
    assert main(["transfer", "--output", str(tmp_path / "out"), *quiet]) == 0
    assert seen["verbose"] == verbose  # 2: a line per fold (run_transfer's tests)
