"""``skfer export`` and ``skfer predict --model file.onnx``, ``--explain``."""

import json

import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from skfer.cli import main  # noqa: E402

# The synthetic photos' faces are drawn: scikit-image's cascade finds them, YuNet
# (the default detector) finds few drawn faces.
CASCADE = ["--detector", "cascade"]


def _predict_json(capsys, *args):
    assert main(["predict", *CASCADE, *map(str, args), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_exported_model_predicts_like_the_weights(photos, model_path, tmp_path, capsys):
    out = tmp_path / "tiny.onnx"
    assert main(["export", str(model_path), str(out)]) == 0
    assert "written to" in capsys.readouterr().err and out.is_file()
    photo = photos / "two_faces.jpg"
    torch_out = _predict_json(capsys, photo, "--model", model_path, "--tta")
    onnx_out = _predict_json(capsys, photo, "--model", out, "--tta")
    assert onnx_out["classes"] == torch_out["classes"]
    faces = [r["faces"] for r in (torch_out["results"][0], onnx_out["results"][0])]
    assert len(faces[0]) == len(faces[1]) == 2
    for ours, theirs in zip(*faces):
        assert ours["box"] == theirs["box"] and ours["emotion"] == theirs["emotion"]
        for label, p in ours["probabilities"].items():
            assert theirs["probabilities"][label] == pytest.approx(p, abs=1e-3)


def test_an_onnx_model_takes_the_class_prior_of_the_weights(
    photos, model_path, tmp_path, capsys
):
    from skfer.weights import read_weights, write_weights

    state, meta = read_weights(model_path)  # as if trained on skewed labels
    meta["class_count"] = [50.0] + [1.0] * (len(meta["classes"]) - 1)
    model_path = write_weights(tmp_path / "skewed.safetensors", state, meta)
    out = tmp_path / "tiny.onnx"
    assert main(["export", str(model_path), str(out)]) == 0
    capsys.readouterr()
    photo = photos / "two_faces.jpg"
    uniform = ("--class-prior", "uniform")
    torch_out = _predict_json(capsys, photo, "--model", model_path, *uniform)
    onnx_out = _predict_json(capsys, photo, "--model", out, *uniform)
    plain = _predict_json(capsys, photo, "--model", out)
    moved = 0.0
    for ours, theirs, before in zip(
        torch_out["results"][0]["faces"],
        onnx_out["results"][0]["faces"],
        plain["results"][0]["faces"],
    ):
        for label, p in ours["probabilities"].items():
            assert theirs["probabilities"][label] == pytest.approx(p, abs=1e-3)
            moved = max(moved, abs(before["probabilities"][label] - p))
    assert moved > 1e-3  # the prior changed the probabilities


def test_explain_draws_saliency_over_the_faces(photos, model_path, tmp_path, capsys):
    png = tmp_path / "analysis.png"
    args = [
        "predict",
        *CASCADE,
        str(photos / "two_faces.jpg"),
        "--model",
        str(model_path),
    ]
    assert main([*args, "--plot", str(png), "--explain"]) == 0
    assert png.stat().st_size > 0
    assert main([*args, "--explain"]) == 2
    assert "--explain draws on the --plot figure" in capsys.readouterr().err


def test_export_of_a_missing_model_is_a_usage_error(tmp_path, capsys):
    assert (
        main(["export", str(tmp_path / "none.safetensors"), str(tmp_path / "m.onnx")])
        == 2
    )
    assert "cannot load model" in capsys.readouterr().err


def test_evaluate_takes_an_onnx_file_and_scores_like_the_weights(
    train_run, face_folder, tmp_path, capsys
):
    weights = train_run[0] / "model.safetensors"
    onnx_file = tmp_path / "run.onnx"
    assert main(["export", str(weights), str(onnx_file)]) == 0
    scores = {}
    for name, model in (("weights", weights), ("onnx", onnx_file)):
        out = tmp_path / name
        args = ["evaluate", "--model", str(model), "--dataset", "folder"]
        assert main(args + ["--data-dir", str(face_folder), "--output", str(out)]) == 0
        scores[name] = json.loads((out / "evaluation.json").read_text())
    capsys.readouterr()
    assert scores["onnx"]["model"] == str(onnx_file)
    assert scores["onnx"]["summary"]["n_samples"] == 60
    assert scores["onnx"]["summary"]["accuracy"] == pytest.approx(
        scores["weights"]["summary"]["accuracy"], abs=2 / 60
    )
