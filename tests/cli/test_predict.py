"""``skfer predict``: faces found in photos, output formats, and the files it skips."""

import csv
import io
import json

import numpy as np
import pytest
from PIL import Image

from skfer.cli import main

# The synthetic photos' faces are drawn: scikit-image's cascade finds them, YuNet
# (the default detector) finds few drawn faces, so they are read with the cascade.
CASCADE = ["--detector", "cascade"]


def test_detector_finds_the_synthetic_faces(faces128):
    # The photos of these tests rely on it; if the cascade changes, this says why.
    from skfer.preprocessing import detect_faces

    assert len(detect_faces(faces128[3])) == 1
    assert len(detect_faces(faces128[4])) == 1


TILTED_EYES = """
class TiltedEyes:
    def detect(self, image):
        points = [[90, 80], [100.7, 118.6], [115, 100], [130, 85], [135, 115]]
        return [(60, 60, 100, 100)], [0.9], [points]
"""


def test_align_frames_faces_from_their_landmarks(
    model_path, tmp_path, monkeypatch, capsys
):
    from skfer.preprocessing import find_faces

    (tmp_path / "eyes_detector.py").write_text(TILTED_EYES)
    monkeypatch.syspath_prepend(str(tmp_path))
    photo = np.zeros((220, 220), np.uint8)
    Image.fromarray(photo).save(tmp_path / "photo.png")
    detector = "eyes_detector:TiltedEyes"
    boxes = {}
    for align in ([], ["--align"]):
        args = ["predict", str(tmp_path / "photo.png"), "--model", str(model_path)]
        assert main([*args, "--json", "--detector", detector, *align]) == 0
        (result,) = json.loads(capsys.readouterr().out)["results"]
        (boxes[bool(align)],) = [face["box"] for face in result["faces"]]
    (aligned,), _ = find_faces(photo, detector=detector, align=True)
    # framed from the landmarks either way; turned only with --align
    (plain,), _ = find_faces(photo, detector=detector)
    assert boxes == {False: list(plain), True: list(aligned)}
    assert plain != (50, 50, 120, 120)


def test_table_reports_every_face_and_every_skipped_file(photos, model_path, capsys):
    code = main(["predict", str(photos), "--model", str(model_path), *CASCADE])
    out, err = capsys.readouterr()
    assert code == 0
    header, *lines = out.splitlines()
    assert header.split()[:2] == ["file", "face"]
    two = [line for line in lines if "two_faces.jpg" in line]
    assert len(two) == 2  # both faces of the photo, one line each
    assert [line.split()[-1] for line in lines if "blank.png" in line] == ["face)"]
    assert "(no face)" in out and "(not an image)" in out
    assert "blank.png: no face" in err and "--detect never" in err
    assert "corrupt.png: not an image" in err
    assert "notes.txt: not an image" in err
    # A tight 48x48 crop is a face crop: used as it is, not cut again.
    (crop,) = [line for line in lines if "crop48.png" in line]
    assert crop.split()[3:5] == ["whole", "image"]
    assert "5 files, 3 faces; 1 without a face, 2 not images" in err


def test_json_output_parses_with_boxes_and_probabilities(photos, model_path, capsys):
    code = main(
        ["predict", str(photos / "two_faces.jpg"), str(photos / "blank.png")]
        + ["--model", str(model_path), "--json", *CASCADE]
    )
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)
    assert data["classes"] == sorted(data["classes"]) and len(data["classes"]) == 7
    first, blank = data["results"]
    assert first["status"] == "ok" and len(first["faces"]) == 2
    cols = [face["box"][1] for face in first["faces"]]
    assert cols == sorted(cols)  # left to right
    for face in first["faces"]:
        row, col, height, width = face["box"]
        assert 0 <= row and 0 <= col and row + height <= 240 and col + width <= 400
        assert height == width >= 100  # the 128-pixel faces, squared with a margin
        assert sum(face["probabilities"].values()) == pytest.approx(1.0, abs=1e-4)
        proba = face["probabilities"]
        assert face["emotion"] == max(proba, key=proba.get)
        assert face["found"] == "detected"
    assert blank["status"] == "no face" and blank["faces"] == []


def test_csv_output_has_one_row_per_face(photos, model_path, capsys):
    code = main(
        ["predict", str(photos / "two_faces.jpg"), str(photos / "notes.txt")]
        + ["--model", str(model_path), "--csv", *CASCADE]
    )
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert code == 0
    assert [r["status"] for r in rows] == ["ok", "ok", "not an image"]
    assert [r["found"] for r in rows] == ["detected", "detected", "not an image"]
    assert [r["face"] for r in rows] == ["1", "2", "0"]
    assert float(rows[0]["happy"]) >= 0 and rows[2]["emotion"] == ""
    assert {r["kind"] for r in rows} == {"photo"} and rows[0]["frame"] == ""


@pytest.mark.parametrize("option", [["--no-detect"], ["--detect", "never"]])
def test_detect_never_treats_each_image_as_one_face(option, photos, model_path, capsys):
    code = main(
        ["predict", str(photos / "crop48.png"), str(photos / "blank.png")]
        + ["--model", str(model_path), "--json", *option]
    )
    results = json.loads(capsys.readouterr().out)["results"]
    assert code == 0
    assert results[0]["faces"] == [{**results[0]["faces"][0], "box": [0, 0, 48, 48]}]
    assert results[1]["faces"][0]["box"] == [0, 50, 200, 200]  # centre square
    assert {r["faces"][0]["found"] for r in results} == {"whole image"}


def test_detect_auto_takes_a_face_crop_whole_and_always_does_not(
    tmp_path, model_path, capsys
):
    # A face-like crop the cascade misses even padded: a smooth blob.
    grid = np.linspace(-1, 1, 64)
    blob = np.exp(-(grid[:, None] ** 2 + grid[None, :] ** 2) * 2) * 200 + 20
    Image.fromarray(blob.astype(np.uint8)).save(tmp_path / "blob.png")
    main(["predict", str(tmp_path / "blob.png"), "--model", str(model_path), "--json"])
    (auto,) = json.loads(capsys.readouterr().out)["results"]
    assert auto["faces"][0]["found"] == "whole image"
    assert auto["faces"][0]["box"] == [0, 0, 64, 64]
    code = main(
        ["predict", str(tmp_path / "blob.png"), "--model", str(model_path)]
        + ["--json", "--detect", "always"]
    )
    (always,) = json.loads(capsys.readouterr().out)["results"]
    assert code == 0 and always["status"] == "no face" and always["faces"] == []


def test_exit_status_1_when_no_file_is_an_image(photos, model_path, capsys):
    args = ["--model", str(model_path)]
    assert main(["predict", str(photos / "notes.txt"), *args]) == 1
    assert "none of the files given could be read as an image" in (
        capsys.readouterr().err
    )
    assert (
        main(["predict", str(photos / "notes.txt"), str(photos / "blank.png"), *args])
        == 0
    )


def test_jobs_give_the_same_output_in_file_order(photos, model_path, capsys):
    # Photos are read and searched on threads: any --jobs gives the same JSON.
    outputs = []
    for jobs in ("1", "3"):
        args = [str(photos), "--model", str(model_path), "--json", "--jobs", jobs]
        assert main(["predict", *args]) == 0
        outputs.append(json.loads(capsys.readouterr().out))
        assert outputs[-1].pop("command").endswith(f"--jobs {jobs}")
    assert outputs[0] == outputs[1]
    files = [r["file"] for r in outputs[0]["results"]]
    assert files == sorted(files) and len(files) == 5


def test_a_model_that_cannot_load_stops_the_photos_read_meanwhile(
    tmp_path, monkeypatch, capsys
):
    # Photos are searched while the model loads; a bad --model stops that work.
    from skfer import photos
    from skfer.cli import _predict

    for k in range(60):
        (tmp_path / f"{k:02d}.png").write_bytes(b"")
    seen, stops = [], []
    analyse = _predict.analyse

    def keep_stop(files, detect, min_face, jobs, stop, *rest):
        stops.append(stop)
        return analyse(files, detect, min_face, jobs, stop, *rest)

    def slow(path, *args, **kwargs):
        seen.append(path)
        # Each photo lasts until the failed load stops the work: no clock involved
        # (the bound only turns a regression into a failure instead of a hang).
        assert stops[0].wait(timeout=600)
        return {"file": str(path), "status": "ok", "faces": []}, np.empty((0, 2304))

    monkeypatch.setattr(_predict, "analyse", keep_stop)
    monkeypatch.setattr(photos, "analyse_photo", slow)
    args = ["predict", str(tmp_path), "--model", "no-such-model", "--jobs", "2"]
    assert main(args) == 2
    assert "cannot load model" in capsys.readouterr().err
    assert len(seen) < 60  # not every photo: the work stopped


def test_ordered_map_keeps_the_order_and_few_items_in_flight():
    import threading
    import time

    from skfer.photos import ordered_map

    started, lock = [], threading.Lock()

    def slow_square(x):
        with lock:
            started.append(x)
        time.sleep(0.02 * (x % 3))  # later items often finish first
        return x * x

    results = ordered_map(slow_square, range(40), jobs=3)
    assert next(results) == 0
    assert len(started) <= 2 * 3 + 1  # lazily: not the whole folder at once
    assert [0, *results] == [x * x for x in range(40)]
    assert list(ordered_map(slow_square, [], jobs=2)) == []
    assert list(ordered_map(slow_square, [5, 6], jobs=1)) == [25, 36]


@pytest.mark.parametrize(
    "option, expected",
    [
        ([], {}),
        (["--tta", "none"], {"tta": None}),
        (["--tta"], {"tta": "flip"}),
        (["--class-prior", "uniform"], {"class_prior": "uniform"}),
        (["--class-prior", "training"], {"class_prior": None}),
    ],
)
def test_prediction_settings_default_to_the_models_own(option, expected):
    from skfer.cli import build_parser
    from skfer.cli._common import predict_params

    args = build_parser().parse_args(["predict", "x.png", *option])
    assert predict_params(args) == expected


def test_cli_and_api_give_the_same_probabilities_with_the_default_model(
    tmp_path, capsys
):
    from skimage import data as images

    import skfer
    from skfer.cli._common import best_pretrained
    from skfer.preprocessing import extract_faces

    name = best_pretrained()
    if name is None:
        pytest.skip("no pretrained model shipped")
    photo = tmp_path / "astronaut.png"  # a real face, for the default detector
    Image.fromarray(images.astronaut()).save(photo)
    assert main(["predict", str(photo), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["model"] == name
    cli = [
        [f["probabilities"][c] for c in data["classes"]]
        for f in data["results"][0]["faces"]
    ]
    clf = skfer.load_pretrained(name)
    entry = next(e for e in skfer.list_pretrained() if e["name"] == name)
    assert clf.tta == entry.get("predict_params", {}).get("tta")
    gray = np.asarray(Image.open(photo).convert("L"))
    _, rows = extract_faces(gray)
    assert len(rows) == 1
    api = clf.predict_proba(rows)
    np.testing.assert_allclose(cli, api, atol=2e-6)
    # and with every emotion taken as equally likely
    assert main(["predict", str(photo), "--json", "--class-prior", "uniform"]) == 0
    data = json.loads(capsys.readouterr().out)
    cli = [
        [f["probabilities"][c] for c in data["classes"]]
        for f in data["results"][0]["faces"]
    ]
    api = skfer.load_pretrained(name, class_prior="uniform").predict_proba(rows)
    np.testing.assert_allclose(cli, api, atol=2e-6)


def test_plot_draws_the_emotion_analysis(photos, model_path, tmp_path, capsys):
    out = tmp_path / "analysis.png"
    code = main(
        ["predict", str(photos / "two_faces.jpg"), "--model", str(model_path)]
        + ["--plot", str(out), *CASCADE]
    )
    assert code == 0
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert "emotion analysis written" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, message",
    [
        (["predict", "MISSING.jpg"], "MISSING.jpg: no such file or folder"),
        (["predict", "PHOTOS", "--model", "NOTES"], "cannot load model"),
        (["predict", "PHOTOS", "--model", "no-such-model"], "cannot load model"),
    ],
)
def test_real_errors_exit_2_without_traceback(args, message, photos, capsys):
    args = [
        a.replace("PHOTOS", str(photos)).replace("NOTES", str(photos / "notes.txt"))
        for a in args
    ]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("skfer: error:") and message in err
    assert "Traceback" not in err


def test_default_model_is_the_registry_s_choice(monkeypatch, capsys, photos):
    import importlib.resources
    import json
    from types import SimpleNamespace

    from skfer.cli._common import best_pretrained

    def registry(weights, default=None):
        data = {
            "weights": weights,
            **({"default": {"name": default}} if default else {}),
        }
        text = json.dumps(data)

        class Package:  # what importlib.resources.files gives, for registry.json
            def joinpath(self, name):
                return SimpleNamespace(read_text=lambda: text)

        monkeypatch.setattr(importlib.resources, "files", lambda package: Package())

    registry({})
    assert main(["predict", str(photos)]) == 2
    err = capsys.readouterr().err
    assert "no pretrained model is shipped" in err and "--model PATH" in err
    weights = {
        "fer2013-model1": {"public_test_accuracy": 0.65, "private_test_accuracy": 0.70},
        "fer2013-model2": {"public_test_accuracy": 0.66, "private_test_accuracy": 0.61},
        "other": {},
    }
    registry(weights, default="other")
    assert best_pretrained() == "other"  # chosen on real photos' validation part
    # Without a default: the best validation (PublicTest) accuracy, never test's.
    registry(weights)
    assert best_pretrained() == "fer2013-model2"
    registry(weights, default="not-shipped")
    assert best_pretrained() == "fer2013-model2"


def test_bad_arguments_are_usage_errors(capsys):
    assert main(["predict"]) == 2
    assert main(["predict", "x.png", "--json", "--csv"]) == 2
    err = capsys.readouterr().err
    assert "not allowed with argument" in err and "`skfer predict --help`" in err


def test_the_plot_names_the_photos_without_a_face(monkeypatch, tmp_path):
    """A photo without a face is said in the figure too, not drawn as a face."""
    pytest.importorskip("matplotlib")
    import skfer.plotting
    from skfer.cli import _predict

    figures = []
    monkeypatch.setattr(
        skfer.plotting, "save_figure", lambda fig, path: figures.append(fig) or path
    )
    rows = np.zeros((1, 48 * 48), np.uint8)
    proba, classes = np.array([[0.7, 0.3]]), ["happy", "sad"]
    _predict._plot(
        tmp_path / "a.png",
        rows,
        proba,
        classes,
        ["face.png #1"],
        24,
        no_face=["photos/cup.png"],
    )
    (fig,) = figures
    assert "no face: cup.png" in [t.get_text() for t in fig.texts]
