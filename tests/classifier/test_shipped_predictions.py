"""The shipped models predict what they predicted when the reference was written.

Every model of ``skfer/weights/registry.json`` predicts 500 deterministic
synthetic images (smooth face-like shapes over seeded noise, made here with
numpy alone) with its registered prediction settings, in float32 (the bfloat16
path forced off, so the numbers do not depend on the CPU). Labels must be
identical and probabilities within 1e-4 of ``tests/data/shipped_predictions.npz``.

A refactoring of the classifier, the inference path or the weights reader must
leave this test green. Weights that change on purpose (a model retrained, a
model added) need a new reference, written by running this file::

    SKFER_BFLOAT16=0 python tests/classifier/test_shipped_predictions.py
"""

import hashlib
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from skfer import list_pretrained, load_pretrained

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "shipped_predictions.npz"
N_IMAGES = 500
SIZE = 48
DECIMALS = 6  # probabilities are stored rounded; the test allows 1e-4


def synthetic_images(n=N_IMAGES, seed=0):
    """``(n, 48, 48)`` uint8: an oval face, eyes, brows and a mouth, over noise.

    Only ``Generator.uniform`` draws, whose stream numpy keeps stable.
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    images = np.empty((n, SIZE, SIZE), dtype=np.uint8)
    for k in range(n):
        u = rng.uniform(size=16)
        cx, cy = 24 + 4 * (u[0] - 0.5), 25 + 4 * (u[1] - 0.5)
        rx, ry = 15 + 4 * u[2], 19 + 4 * u[3]
        face = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2
        img = 60 + 60 * u[4] + 0.8 * (xx - 24) * (u[5] - 0.5)  # lit background
        img = img + (90 + 60 * u[6]) * np.exp(-(face**4))  # soft-edged face
        eye_y, eye_dx = cy - 5 - 3 * u[7], 6 + 2 * u[8]
        for side in (-1, 1):
            ex = cx + side * eye_dx
            eye = ((xx - ex) / 2.5) ** 2 + ((yy - eye_y) / (1.2 + 1.5 * u[9])) ** 2
            img -= 110 * np.exp(-eye)
            tilt = side * 3 * (u[10] - 0.5)  # brows: frowning to raised
            brow_y = eye_y - 4 - 2 * u[11] + tilt * (xx - ex) / 4
            img -= 60 * np.exp(-(((xx - ex) / 4) ** 2) - ((yy - brow_y) / 0.9) ** 2)
        mouth_y = cy + 9 + 2 * u[12]
        bend = 4 * (u[13] - 0.5)  # smile to frown
        curve = mouth_y - bend * (1 - ((xx - cx) / 7) ** 2)
        width = 5 + 4 * u[14]
        open_ = 0.8 + 2.5 * u[15]  # closed to open (surprise)
        img -= 100 * np.exp(-(((xx - cx) / width) ** 4) - ((yy - curve) / open_) ** 2)
        img += 40 * (rng.uniform(size=(SIZE, SIZE)) - 0.5)
        images[k] = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    return images


def _sha256(entry):
    return entry["sha256"]


def shipped_predictions(images):
    """``{name: (labels, proba, sha256)}`` for each registered model, float32."""
    out = {}
    for entry in list_pretrained():
        clf = load_pretrained(entry["name"], precision="float32")
        proba = clf.predict_proba(images)
        labels = clf.classes_[np.argmax(proba, axis=1)]
        out[entry["name"]] = (labels, proba, _sha256(entry))
    return out


def write_reference(path=REFERENCE):
    """Write the reference file from the models as they are now."""
    images = synthetic_images()
    arrays = {"images_sha256": np.array(hashlib.sha256(images).hexdigest())}
    for name, (labels, proba, sha) in shipped_predictions(images).items():
        arrays[f"{name}/labels"] = labels.astype(str)
        arrays[f"{name}/proba"] = np.round(proba, DECIMALS).astype(np.float32)
        arrays[f"{name}/sha256"] = np.array(sha)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)
    return path


@pytest.fixture(scope="module")
def reference():
    with np.load(REFERENCE) as data:
        return {key: data[key] for key in data.files}


@pytest.fixture(scope="module")
def images(reference):
    images = synthetic_images()
    # the images themselves are part of the reference
    assert hashlib.sha256(images).hexdigest() == str(reference["images_sha256"])
    return images


@pytest.fixture(autouse=True)
def _float32_only(monkeypatch):
    monkeypatch.setenv("SKFER_BFLOAT16", "0")


def test_the_images_are_varied():
    # guards the comparison below against 500 copies of one picture
    images = synthetic_images()
    assert images.shape == (N_IMAGES, SIZE, SIZE)
    assert len({hashlib.sha256(im).hexdigest() for im in images}) == N_IMAGES
    assert images.std() > 20


def test_every_shipped_model_has_a_reference(reference):
    names = {entry["name"] for entry in list_pretrained()}
    assert names == {key.split("/")[0] for key in reference if "/" in key}


@pytest.mark.parametrize("entry", list_pretrained(), ids=lambda entry: entry["name"])
def test_shipped_model_predicts_as_the_reference(entry, reference, images):
    name = entry["name"]
    assert _sha256(entry) == str(reference[f"{name}/sha256"]), (
        f"the weights of {name!r} changed; if on purpose, write a new reference "
        "(see this file's docstring)"
    )
    clf = load_pretrained(name, precision="float32")
    proba = clf.predict_proba(images)
    labels = clf.classes_[np.argmax(proba, axis=1)]
    np.testing.assert_array_equal(labels, reference[f"{name}/labels"])
    np.testing.assert_allclose(proba, reference[f"{name}/proba"], rtol=0, atol=1e-4)
    # the images move the probabilities: the comparison tells something
    assert proba.std(axis=0).max() > 0.02


if __name__ == "__main__":  # write the reference (see the docstring)
    if os.environ.get("SKFER_BFLOAT16") != "0":
        sys.exit("run with SKFER_BFLOAT16=0, so the reference is float32 everywhere")
    print(write_reference())
