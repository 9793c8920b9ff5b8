"""Export to ONNX: parity with torch float32, metadata, dynamic batch."""

import json

import numpy as np
import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from skfer import (  # noqa: E402
    FERClassifier,
    list_pretrained,
    load_pretrained,
    save_vote,
)
from skfer.onnx import ONNXClassifier, export_onnx  # noqa: E402

#: Largest difference of probabilities allowed between ONNX and torch float32.
PARITY_ATOL = 1e-4


def _parity(clf, X, path):
    clf.set_params(precision="float32")
    onnx_clf = ONNXClassifier(clf.to_onnx(path))
    for tta in (None, "flip"):
        clf.set_params(tta=tta)
        onnx_clf.set_params(tta=tta)
        expected = clf.predict_proba(X)
        got = onnx_clf.predict_proba(X)
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=0, atol=PARITY_ATOL)
        # Not a constant output: the images must give different probabilities.
        assert np.ptp(expected, axis=0).max() > 1e-6
    return onnx_clf


@pytest.mark.parametrize("name", ["fer2013-model2", "fer2013-model3"])
def test_shipped_models_match_torch_float32(name, faces, tmp_path):
    X, _ = faces
    clf = load_pretrained(name)
    onnx_clf = _parity(clf, X[:64], tmp_path / f"{name}.onnx")
    assert onnx_clf.metadata_["architecture"] == clf.architecture_
    # the registry's prediction settings travel with the exported file
    entry = {e["name"]: e for e in list_pretrained()}[name]
    assert onnx_clf.metadata_["predict_params"] == {
        "tta": entry["predict_params"]["tta"]
    }
    np.testing.assert_array_equal(onnx_clf.classes_, clf.classes_)


@pytest.mark.parametrize(
    "architecture", [pytest.param("model1", marks=pytest.mark.slow), "model2", "model3"]
)
def test_paper_architectures_match_torch_float32(architecture, faces, tmp_path):
    X, y = faces
    clf = FERClassifier(
        architecture,
        max_epochs=1,
        batch_size=64,
        validation_fraction=None,
        random_state=0,
    ).fit(X[:70], y[:70])
    _parity(clf, X[70:100], tmp_path / "model.onnx")


def test_a_saved_vote_exports_as_one_graph(faces, tmp_path):
    X, y = faces
    members = [
        FERClassifier(arch, max_epochs=1, validation_fraction=None, random_state=i).fit(
            X[:70], y[:70]
        )
        for i, arch in enumerate(["small", "model2"])
    ]
    path = save_vote(members, tmp_path / "vote.safetensors", weights=[1, 2])
    vote = FERClassifier.from_weights(path)
    onnx_clf = _parity(vote, X[70:100], tmp_path / "vote.onnx")
    assert onnx_clf.metadata_["architecture"] == "small+model2"


def test_float_inputs_keep_their_units_and_labels(faces, tmp_path):
    X, y = faces
    X01 = X.astype(np.float32) / 255.0
    labels = np.arange(7)[np.unique(y, return_inverse=True)[1]] * 10  # int labels
    clf = FERClassifier("small", max_epochs=1, random_state=0).fit(X01, labels)
    onnx_clf = _parity(clf, X01[:30], tmp_path / "float.onnx")
    assert onnx_clf.metadata_["input_range"] == pytest.approx(
        [float(X01.min()), float(X01.max())]
    )
    assert onnx_clf.classes_.tolist() == [0, 10, 20, 30, 40, 50, 60]
    assert set(onnx_clf.predict(X01[:30])) <= set(onnx_clf.classes_)


def test_graph_has_a_dynamic_batch_and_skfer_metadata(faces, tmp_path):
    import onnx
    import onnxruntime as ort

    X, y = faces
    clf = FERClassifier("small", max_epochs=1, random_state=0).fit(X, y)
    path = export_onnx(clf, tmp_path / "sub" / "m.onnx")
    model = onnx.load(path)
    props = {p.key: p.value for p in model.metadata_props}
    assert json.loads(props["classes"]) == clf.classes_.tolist()
    assert props["architecture"] == "small"
    assert json.loads(props["input_range"]) == [0.0, 255.0]
    assert "skfer_version" in props and "not in the graph" in props["tta"]
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (inp,) = session.get_inputs()
    assert (inp.name, inp.type, inp.shape[1:]) == ("images", "tensor(float)", [48, 48])
    for n in (1, 5, 300):
        images = X[:n].reshape(-1, 48, 48).astype(np.float32)
        if n == 300:
            images = np.tile(images, (3, 1, 1))[:300]
        (proba,) = session.run(None, {"images": images})
        assert proba.shape == (n, 7)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)


def test_export_needs_a_fitted_estimator(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        FERClassifier("small").to_onnx(tmp_path / "m.onnx")
    assert not list(tmp_path.iterdir())
