"""ONNXClassifier: torch-free inference, inputs, TTA views, errors."""

import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from skfer import FERClassifier  # noqa: E402
from skfer.onnx import ONNXClassifier  # noqa: E402
from skfer.onnx._views import rows_to_images, tta_views  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def exported(faces, tmp_path_factory):
    X, y = faces
    clf = FERClassifier("small", max_epochs=2, precision="float32", random_state=0)
    clf.fit(X, y)
    return clf, clf.to_onnx(tmp_path_factory.mktemp("onnx") / "small.onnx")


def test_runs_without_torch_skorch_or_sklearn(exported, faces, tmp_path):
    clf, path = exported
    X, _ = faces
    np.save(tmp_path / "X.npy", X[:10])
    np.save(tmp_path / "expected.npy", clf.predict_proba(X[:10]))
    script = textwrap.dedent(
        f"""
        import sys
        for name in ("torch", "skorch", "sklearn", "scipy", "matplotlib"):
            sys.modules[name] = None  # any import of them raises ImportError
        import numpy as np
        from skfer.onnx import ONNXClassifier

        clf = ONNXClassifier({str(path)!r}, tta="crops")
        X = np.load({str(tmp_path / "X.npy")!r})
        clf.set_params(tta=None)
        proba = clf.predict_proba(X.reshape(-1, 48, 48))
        expected = np.load({str(tmp_path / "expected.npy")!r})
        assert np.abs(proba - expected).max() < 1e-4, np.abs(proba - expected).max()
        import skfer
        assert skfer.__version__
        clf.set_params(class_prior="uniform")  # the prior change is numpy too
        assert clf.predict_proba(X[:2]).shape == (2, 7)
        print("ok", clf.predict(X[:2]).tolist())
        """
    )
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok [")


@pytest.mark.parametrize("tta", ["flip", "crops"])
def test_tta_views_are_those_of_the_torch_classifier(tta):
    import torch

    from skfer.classifier._inference import tta_views as torch_views

    images = np.random.RandomState(0).rand(3, 48, 48).astype(np.float32)
    ours = tta_views(images, tta)
    theirs = torch_views(torch.from_numpy(images)[:, None], tta)
    assert len(ours) == len(theirs) == {"flip": 2, "crops": 10}[tta]
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b[:, 0].numpy())


@pytest.mark.parametrize("side", [24, 64, 128])
def test_resize_is_close_to_the_torch_one(side):
    from skfer.utils import rows_to_images as torch_rows_to_images

    X = np.random.RandomState(side).rand(2, side * side).astype(np.float32) * 255
    ours = rows_to_images(X)
    theirs = torch_rows_to_images(X, (0.0, 255.0)).numpy()[:, 0]
    assert ours.shape == (2, 48, 48)
    np.testing.assert_allclose(ours, theirs, atol=1e-2)


def test_behaves_like_a_fitted_sklearn_classifier(exported, faces):
    from sklearn.utils.validation import check_is_fitted

    clf, path = exported
    X, y = faces
    onnx_clf = ONNXClassifier(path)
    check_is_fitted(onnx_clf)
    assert onnx_clf.n_features_in_ == 2304
    np.testing.assert_array_equal(onnx_clf.predict(X), clf.predict(X))
    assert onnx_clf.score(X, y) == pytest.approx(clf.score(X, y))
    np.testing.assert_allclose(
        onnx_clf.predict_log_proba(X[:5]), np.log(onnx_clf.predict_proba(X[:5]))
    )
    again = pickle.loads(pickle.dumps(onnx_clf))
    np.testing.assert_array_equal(
        again.predict_proba(X[:5]), onnx_clf.predict_proba(X[:5])
    )
    assert again.get_params()["path"] == path


def test_batches_give_the_same_probabilities(exported, faces):
    _, path = exported
    X, _ = faces
    whole = ONNXClassifier(path).predict_proba(X)
    batched = ONNXClassifier(path, batch_size=16).predict_proba(X)
    np.testing.assert_allclose(batched, whole, atol=1e-6)


def test_errors_name_the_problem(exported, faces, tmp_path):
    _, path = exported
    X, _ = faces
    onnx_clf = ONNXClassifier(path)
    with pytest.raises(ValueError, match="X has 100 features"):
        onnx_clf.predict(np.zeros((2, 100)))
    with pytest.raises(ValueError, match="NaN"):
        onnx_clf.predict(np.full((1, 2304), np.nan))
    with pytest.raises(ValueError, match="tta must be"):
        ONNXClassifier(path, tta="mirror")
    with pytest.raises(FileNotFoundError, match="missing.onnx"):
        ONNXClassifier(tmp_path / "missing.onnx")
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not a readable ONNX model"):
        ONNXClassifier(bad)


def test_a_foreign_onnx_file_is_refused(tmp_path):
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, tmp_path / "foreign.onnx")
    with pytest.raises(ValueError, match="not exported by skfer"):
        ONNXClassifier(tmp_path / "foreign.onnx")


def test_units_follow_the_rule_of_fer_classifier(exported, faces):
    from skfer import InputUnitsWarning

    _, path = exported
    X, _ = faces
    onnx_clf = ONNXClassifier(path)
    assert onnx_clf.input_range_ == (0.0, 255.0)
    with pytest.warns(InputUnitsWarning, match="multiplying by 255"):
        unit = onnx_clf.predict_proba(X[:8] / 255.0)
    np.testing.assert_allclose(unit, onnx_clf.predict_proba(X[:8]), atol=1e-5)
    with pytest.raises(ValueError, match="Values above 255"):
        onnx_clf.predict(np.full((1, 2304), 1e30))
    with pytest.raises(ValueError, match="Negative values"):
        onnx_clf.predict((X[:4] - 128.0) / 64.0)
    with pytest.raises(ValueError, match="mixes pixel units"):
        onnx_clf.predict(np.vstack([X[:1] / 255.0, X[1:3].astype(float)]))
    with pytest.raises(TypeError, match="booleans"):
        onnx_clf.predict(X[:2] > 128)


@pytest.mark.parametrize(
    "key, text, match",
    [
        ("classes", '"happy"', "'classes' is 'happy'"),
        ("classes", '[["a"], ["b"]]', "'classes'"),
        ("n_features_in", '"2304"', "'n_features_in' is '2304'"),
        ("n_features_in", "2304.5", "'n_features_in'"),
        ("input_range", "[-1e308, 1e308]", "'input_range'"),
        ("input_range", '"0-255"', "'input_range'"),
        ("pixel_std", "0", "'pixel_std'"),
        ("predict_params", "[]", "'predict_params'"),
        ("class_count", "[1, 2]", "'class_count'"),
        ("class_count", "[0, 0, 0, 0, 0, 0, 0]", "'class_count'"),
    ],
)
def test_hostile_metadata_gives_a_clear_error(exported, tmp_path, key, text, match):
    import onnx

    _, path = exported
    model = onnx.load(str(path))
    for prop in model.metadata_props:
        if prop.key == key:
            prop.value = text
    onnx.save(model, tmp_path / "hostile.onnx")
    with pytest.raises(ValueError, match=match):
        ONNXClassifier(tmp_path / "hostile.onnx")


def test_class_prior_is_applied_after_tta_as_by_the_torch_classifier(
    exported, faces, tmp_path
):
    import onnx

    clf, path = exported
    X, _ = faces
    assert len(ONNXClassifier(path).metadata_["class_count"]) == 7
    for prior in ("uniform", np.arange(1, 8)):
        clf.set_params(tta="flip", class_prior=prior)
        onnx_clf = ONNXClassifier(path, tta="flip", class_prior=prior)
        np.testing.assert_allclose(
            onnx_clf.predict_proba(X[:20]), clf.predict_proba(X[:20]), atol=1e-4
        )
    # the exported estimator's prior is recorded as its TTA is
    uniform = ONNXClassifier(clf.to_onnx(tmp_path / "prior.onnx"))
    assert uniform.metadata_["predict_params"] == {
        "tta": "flip",
        "class_prior": [float(v) for v in range(1, 8)],
    }
    clf.set_params(tta=None, class_prior=None)
    with pytest.raises(ValueError, match="class_prior must be"):
        ONNXClassifier(path, class_prior="balanced")
    model = onnx.load(str(path))  # a file exported before the counts were stored
    kept = [p for p in model.metadata_props if p.key != "class_count"]
    del model.metadata_props[:]
    model.metadata_props.extend(kept)
    onnx.save(model, tmp_path / "old.onnx")
    assert ONNXClassifier(tmp_path / "old.onnx").predict(X[:2]).shape == (2,)
    with pytest.raises(ValueError, match="does not record"):
        ONNXClassifier(tmp_path / "old.onnx", class_prior="uniform")
