"""``skfer train`` and ``skfer evaluate`` on a synthetic image folder."""

import json

import pytest

from skfer import FERClassifier
from skfer.cli import main


def test_train_writes_weights_card_history_and_figures(train_run, face_folder):
    out, code, stdout, stderr = train_run
    assert code == 0, stderr
    assert "train_loss" in stdout and "valid_acc" in stdout  # the epoch table
    assert "accuracy: train" in stdout
    card = json.loads((out / "card.json").read_text())
    assert card["kind"] == "skfer-train"
    assert card["architecture"] == "small" and card["epochs"] == 2
    assert card["classes"] == ["happy", "sad", "surprise"]
    assert card["data"]["dataset"] == "folder"
    sizes = card["data"]
    assert sizes["n_train"] + sizes["n_valid"] + sizes["n_test"] == 60
    assert set(card["accuracy"]) == {"train", "valid", "test"}
    assert card["command"].startswith("skfer train --dataset folder")
    history = json.loads((out / "history.json").read_text())
    assert [row["epoch"] for row in history] == [1, 2]
    clf = FERClassifier.from_weights(out / "model.safetensors")
    assert clf.classes_.tolist() == card["classes"]
    evaluation = json.loads((out / "evaluation.json").read_text())
    assert evaluation["summary"]["accuracy"] == pytest.approx(card["accuracy"]["test"])
    for png in ("learning_curves.png", "confusion_matrix.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"
    assert [p.name for p in (out / "checkpoint").iterdir()] != []


def test_train_refuses_to_overwrite_a_checkpoint(train_run, face_folder, capsys):
    out = train_run[0]
    args = "train --dataset folder --model small --epochs 2".split()
    args += ["--data-dir", str(face_folder), "--output", str(out)]
    assert main(args) == 2
    assert "pass --resume" in capsys.readouterr().err
    # A complete checkpoint: --resume trains nothing more.
    assert main([*args, "--resume", "-q"]) == 0
    assert "no training" in capsys.readouterr().err
    assert json.loads((out / "card.json").read_text())["epochs"] == 2


def test_evaluate_prints_scores_and_writes_the_confusion_matrix(
    train_run, face_folder, tmp_path, capsys
):
    out = tmp_path / "eval"
    code = main(
        ["evaluate", "--model", str(train_run[0]), "--dataset", "folder"]
        + ["--data-dir", str(face_folder), "--output", str(out)]
    )
    stdout = capsys.readouterr().out
    assert code == 0
    assert "accuracy" in stdout and "precision" in stdout and "surprise" in stdout
    result = json.loads((out / "evaluation.json").read_text())
    assert result["kind"] == "skfer-evaluate" and result["summary"]["n_samples"] == 60
    assert (out / "confusion_matrix.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    "args, message",
    [
        ("train --dataset folder", "--dataset folder needs --data-dir"),
        ("train --dataset folder --data-dir MISSING", "does not exist"),
        (
            "train --dataset jaffe --data-dir FACES --resume --output OUT",
            "no checkpoint",
        ),
        (
            "train --dataset folder --data-dir FACES --pretrained x.safetensors "
            "--output OUT",
            "--pretrained",
        ),
        (
            "evaluate --model MISSING --dataset folder --data-dir FACES",
            "cannot load model",
        ),
        (
            "evaluate --model MODEL --dataset folder --data-dir MISSING",
            "does not exist",
        ),
        (
            "evaluate --model MODEL --dataset folder --data-dir FACES "
            "--subset PublicTest",
            "--subset applies to",
        ),
        (
            "evaluate --model MODEL --dataset jaffe --data-dir FACES --output OUT",
            "load_jaffe",
        ),
    ],
)
def test_user_errors_exit_2_with_a_message(
    args, message, face_folder, model_path, tmp_path, capsys
):
    subs = {
        "MISSING": str(tmp_path / "missing"),
        "FACES": str(face_folder),
        "MODEL": str(model_path),
        "OUT": str(tmp_path / "out"),
    }
    assert main([subs.get(a, a) for a in args.split()]) == 2
    err = capsys.readouterr().err
    assert "skfer: error:" in err and message in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["train", "--dataset", "nope", "--data-dir", "."],
        ["train", "--dataset", "folder", "--epochs", "0"],
        ["train", "--dataset", "folder", "--model", "resnet"],
        ["train", "--dataset", "folder", "--test-fraction", "1.5"],
        ["evaluate", "--model", "x.safetensors"],
        ["report"],
        ["demo", "--epochs", "-1"],
        ["nope"],
    ],
)
def test_bad_arguments_exit_2_with_one_line(args, capsys):
    """A usage error is one line, as any other error (it was usage + error)."""
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("skfer: error: ") and err.count("\n") == 1, err
    command = "skfer" if args == ["nope"] else f"skfer {args[0]}"
    assert err.endswith(f"(see `{command} --help`)\n")


def test_a_corrupt_image_in_a_dataset_is_skipped_with_a_warning(
    face_folder, model_path, tmp_path, capsys
):
    import shutil

    data = tmp_path / "faces"
    shutil.copytree(face_folder, data)
    (data / "happy" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    args = ["evaluate", "--model", str(model_path), "--dataset", "folder"]
    code = main([*args, "--data-dir", str(data), "--output", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 0
    assert "skfer: warning:" in captured.err and "broken.png" in captured.err
    assert "on 60 images" in captured.out  # the 60 good ones
