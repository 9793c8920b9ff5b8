"""The registry of shipped weights: every entry loads and its checksum matches."""

import json
from importlib import resources

import pytest

from skfer import list_pretrained, load_pretrained
from skfer.weights import _registry, resolve_weights


def test_every_registered_file_exists_and_matches_its_checksum():
    for entry in list_pretrained():
        path = resolve_weights(entry["name"])  # raises on checksum mismatch
        assert path.is_file()
        for key in ("file", "sha256", "architecture", "command"):
            assert entry[key], key


@pytest.mark.parametrize("entry", list_pretrained(), ids=lambda e: e["name"])
def test_every_registered_model_loads_and_predicts(entry, faces):
    clf = load_pretrained(entry["name"])
    assert clf.architecture_ == entry["architecture"]
    assert clf.predict_proba(faces[0][:4]).shape == (4, len(clf.classes_))


def test_wrong_checksum_is_an_error(tmp_path, monkeypatch, faces):
    from skfer import FERClassifier

    clf = FERClassifier("small", max_epochs=1, validation_fraction=None).fit(*faces)
    path = clf.save_weights(tmp_path / "w.safetensors")
    fake = {
        "weights": {
            "fake": {
                "file": str(path),
                "sha256": "0" * 64,
                "architecture": "small",
                "command": "test",
            }
        }
    }
    monkeypatch.setattr(_registry, "_registry", lambda: fake["weights"])
    with pytest.raises(ValueError, match="Checksum mismatch"):
        resolve_weights("fake")


def test_unknown_name_is_an_error():
    with pytest.raises(ValueError, match="neither a registered name"):
        load_pretrained("no-such-model")


def test_registry_file_is_valid_json():
    text = resources.files("skfer.weights").joinpath("registry.json").read_text()
    assert "weights" in json.loads(text)


def test_the_default_model_is_a_shipped_one():
    from skfer.weights import default_pretrained

    text = resources.files("skfer.weights").joinpath("registry.json").read_text()
    registry = json.loads(text)
    assert registry["default"]["name"] in registry["weights"]
    assert registry["default"]["chosen_on"]  # says how it was chosen
    assert default_pretrained() == registry["default"]["name"]
