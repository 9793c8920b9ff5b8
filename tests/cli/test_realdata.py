"""``skfer predict`` on real photos (skipped without SKFER_DATA)."""

import json

import pytest


@pytest.mark.realdata
def test_predict_finds_the_faces_of_jaffe_and_prints_json(
    real_dataset, model_path, skfer_cmd
):
    folder = real_dataset("jaffe")
    res = skfer_cmd("predict", folder, "--model", model_path, "--json")
    assert res.returncode == 0, res.stderr
    results = json.loads(res.stdout)["results"]
    photos = [r for r in results if r["file"].lower().endswith((".tif", ".tiff"))]
    assert len(photos) == 213
    with_face = [r for r in photos if r["status"] == "ok" and r["faces"]]
    assert len(with_face) >= 0.95 * len(photos)
    # JAFFE shows one woman per photo: one face each, inside the 256x256 image.
    assert sum(len(r["faces"]) == 1 for r in with_face) >= 0.95 * len(photos)
    for record in with_face:
        for face in record["faces"]:
            row, col, height, width = face["box"]
            assert row >= 0 and col >= 0 and row + height <= 256 and col + width <= 256
            assert face["emotion"] in face["probabilities"]
    # Other files of the folder (SOURCE.txt) are reported, not fatal.
    others = [r for r in results if r not in photos]
    assert all(r["status"] == "not an image" for r in others)
