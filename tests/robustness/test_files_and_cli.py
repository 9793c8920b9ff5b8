"""Bad files and command lines: one row per case, with the outcome it must have.

Three kinds of outcome, asserted exactly:

- ``error``: the API raises the given exception with a message naming the file
  or field; the CLI exits with status 2 and one line ``skfer: error: ...`` naming
  it, without a traceback;
- ``warning``: the call works and warns (the CLI prints ``skfer: warning: ...``);
- ``works``: the call works, with a result checked by the row.

The files are made here (``zoo``): weights files with broken metadata or tensors,
checkpoints, 16-bit images, CSV files that are not CSV, result files edited by
hand. Counting the rows of each kind re-measures issue 16.
"""

import contextlib
import errno
import io
import json
import os
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from skfer import FERClassifier, load_pretrained
from skfer.classifier import fit_with_checkpoints
from skfer.cli import main
from skfer.datasets import (
    SkippedFileWarning,
    load_fer2013,
    load_image_folder,
    make_faces,
)
from skfer.report import make_report
from skfer.weights import read_checkpoint

CLASSES = ("happy", "sad", "surprise")


@pytest.fixture(autouse=True)
def private_env(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("SKFER_CACHE", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("SKFER_DATA", raising=False)
    monkeypatch.delenv("SKFER_DEBUG", raising=False)
    monkeypatch.setenv("MPLBACKEND", "Agg")


# ------------------------------------------------------------------ the files
def _save_raw(path, state, meta):
    """A safetensors file with exactly this metadata (strings, as stored)."""
    from safetensors.torch import save_file

    save_file({k: v.contiguous() for k, v in state.items()}, str(path), metadata=meta)
    return path


def _png16(path, low=4, high=65532):
    ramp = np.linspace(low, high, 64 * 64).reshape(64, 64).astype(np.uint16)
    Image.fromarray(ramp).save(path)
    return path


def _face_folder(root, n=24, size=48):
    faces = make_faces(n, classes=CLASSES, image_size=size, random_state=0)
    for i, (image, label) in enumerate(zip(faces.images, faces.target)):
        (root / label).mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(root / label / f"{i:03d}.png")
    return root


@pytest.fixture(scope="module")
def zoo(tmp_path_factory):
    """Every file of the table, by name (``{name}`` in the rows)."""
    root = tmp_path_factory.mktemp("zoo")
    X, y = make_faces(30, classes=CLASSES, random_state=0, return_X_y=True)
    clf = FERClassifier("small", max_epochs=1, random_state=0).fit(X, y)
    good = clf.save_weights(root / "good.safetensors")
    from safetensors import safe_open

    with safe_open(str(good), framework="pt") as fh:
        raw = dict(fh.metadata())
        state = {k: fh.get_tensor(k) for k in fh.keys()}
    files = {"root": root, "good": good}

    def variant(name, state=state, **changes):
        meta = {k: v for k, v in raw.items() if changes.get(k, "") is not None}
        meta.update({k: v for k, v in changes.items() if v is not None})
        files[name] = _save_raw(root / f"{name}.safetensors", state, meta)

    variant("no_pixel_mean", pixel_mean=None)
    variant("pixel_std_zero", pixel_std="0.0")
    variant("pixel_std_nan", pixel_std="NaN")
    variant("unknown_arch", architecture='"resnet999"')
    variant("wrong_arch", architecture='"model2"')
    variant("wrong_classes", classes='["happy", "sad"]', class_count=None)
    variant("classes_not_list", classes='"happy"')
    variant("input_range_bad", input_range="[255, 0]")
    variant("class_count_short", class_count="[1.0, 2.0]")
    variant("class_count_negative", class_count="[1.0, -2.0, 3.0]")
    variant("meta_not_json", card="{not json")
    variant("deep_json", card="[" * 100_000 + "]" * 100_000)
    variant("not_skfer", skfer_format=None)
    nan_state = dict(state, **{"head.bias": state["head.bias"] * float("nan")})
    variant("nan_weights", state=nan_state)
    blob = good.read_bytes()
    (root / "truncated.safetensors").write_bytes(blob[: len(blob) // 2])
    (root / "empty.safetensors").write_bytes(b"")
    (root / "random.safetensors").write_bytes(os.urandom(4096))
    (root / "a_folder.safetensors").mkdir()
    for name in ("truncated", "empty", "random", "a_folder"):
        files[name] = root / f"{name}.safetensors"

    # a file where a folder is expected, and folders where files are expected
    files["a_file"] = root / "notes.txt"
    files["a_file"].write_text("a file, not a folder\n")
    files["empty_dir"] = root / "empty_dir"
    files["empty_dir"].mkdir()
    files["no_model_dir"] = root / "no_model_dir"
    files["no_model_dir"].mkdir()

    # photos
    photos = root / "photos"
    photos.mkdir()
    crop = make_faces(1, image_size=48, random_state=1).images[0]
    Image.fromarray(crop).save(photos / "crop.png")
    png = (photos / "crop.png").read_bytes()
    (photos / "truncated.png").write_bytes(png[: len(png) // 2])
    (photos / "empty.png").write_bytes(b"")
    (photos / "text.jpg").write_text("not a JPEG\n")
    files["photos"] = photos
    files["crop"] = photos / "crop.png"
    files["png16"] = _png16(root / "gray16.png")

    # dataset files
    faces = _face_folder(root / "faces")
    files["faces"] = faces
    pixels = " ".join(["128"] * 2304)
    csv_text = f"emotion,pixels,Usage\n3,{pixels},Training\n6,{pixels},PublicTest\n"
    files["csv_latin1"] = root / "latin1" / "fer2013.csv"
    files["csv_latin1"].parent.mkdir()
    files["csv_latin1"].write_bytes(
        ("# Gesichter \xe9t\xe9\n" + csv_text).encode("latin-1")
    )
    files["csv_png"] = root / "png_as_csv.csv"
    files["csv_png"].write_bytes(png)
    files["csv_nul"] = root / "nul.csv"
    files["csv_nul"].write_bytes(b"emotion,pixels,Usage\n3,\x00\x00,Training\n")
    files["csv_empty"] = root / "empty.csv"
    files["csv_empty"].write_text("")

    # results for `skfer report`
    evaluation = {
        "kind": "skfer-evaluate",
        "model": "m",
        "summary": {"accuracy": "0.9", "macro_f1": 0.5, "n_samples": 3},
    }
    files["eval_str_acc"] = root / "eval_str" / "evaluation.json"
    files["eval_str_acc"].parent.mkdir()
    files["eval_str_acc"].write_text(json.dumps(evaluation))
    files["eval_str_dir"] = files["eval_str_acc"].parent
    files["bad_json"] = root / "bad_json" / "scores.json"
    files["bad_json"].parent.mkdir()
    files["bad_json"].write_text('{"accuracy": 0.9')
    files["deep_json_result"] = root / "deep" / "scores.json"
    files["deep_json_result"].parent.mkdir()
    files["deep_json_result"].write_text("[" * 100_000 + "]" * 100_000)
    files["fake_jpg"] = root / "fake_jpg"
    files["fake_jpg"].mkdir()
    (files["fake_jpg"] / "scores.json").write_text(json.dumps({"accuracy": 0.9}))
    (files["fake_jpg"] / "photo.jpg").write_text("<html>not a JPEG</html>\n")
    return files


# ----------------------------------------------------------------- API table
def _raises(exc, match):
    return ("error", exc, match)


WEIGHTS_ROWS = [
    # (name of the zoo file, outcome)
    ("good", ("works", None, None)),
    ("no_pixel_mean", _raises(ValueError, r"no_pixel_mean\.safetensors.*'pixel_mean'")),
    ("pixel_std_zero", _raises(ValueError, r"pixel_std_zero.*'pixel_std' is 0")),
    ("pixel_std_nan", _raises(ValueError, r"'pixel_std' is nan")),
    ("unknown_arch", _raises(ValueError, r"'architecture' is 'resnet999'")),
    ("wrong_arch", _raises(ValueError, r"do not fit a 'model2' with 3 classes")),
    ("wrong_classes", _raises(ValueError, r"tensor 'head.weight' has shape \[3, ")),
    ("classes_not_list", _raises(ValueError, r"'classes' is 'happy'")),
    ("input_range_bad", _raises(ValueError, r"'input_range' is \[255, 0\]")),
    ("class_count_short", _raises(ValueError, r"'class_count' is \[1.0, 2.0\]")),
    ("class_count_negative", _raises(ValueError, r"'class_count'.*count >= 0")),
    ("meta_not_json", _raises(ValueError, r"field 'card' is not valid JSON")),
    ("deep_json", _raises(ValueError, r"field 'card' is nested 100000 levels")),
    ("not_skfer", _raises(ValueError, r"not_skfer\.safetensors was not written by")),
    ("nan_weights", _raises(ValueError, r"'head.bias' holds NaN")),
    ("truncated", _raises(ValueError, r"truncated\.safetensors is not a readable")),
    ("empty", _raises(ValueError, r"empty\.safetensors is not a readable")),
    ("random", _raises(ValueError, r"random\.safetensors is not a readable")),
    ("a_folder", _raises(ValueError, r"a_folder\.safetensors is a folder")),
]


def _check(outcome, call):
    kind, exc, match = outcome
    if kind == "error":
        with pytest.raises(exc, match=match), warnings.catch_warnings(record=True):
            call()  # warnings on the way (skipped rows) do not matter here
        return None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    if kind == "warning":
        assert any(re.search(match, str(w.message)) for w in caught), caught
    return result


@pytest.mark.parametrize(
    "name, outcome", WEIGHTS_ROWS, ids=[r[0] for r in WEIGHTS_ROWS]
)
def test_weights_file_from_weights(zoo, name, outcome):
    clf = _check(outcome, lambda: load_pretrained(zoo[name]))
    if clf is not None:
        assert clf.classes_.tolist() == list(CLASSES)


@pytest.mark.parametrize(
    "name, outcome",
    [r for r in WEIGHTS_ROWS if r[0] != "good"],
    ids=[r[0] for r in WEIGHTS_ROWS if r[0] != "good"],
)
def test_weights_file_as_pretrained_for_fine_tuning(zoo, name, outcome):
    X, y = make_faces(12, classes=CLASSES, random_state=2, return_X_y=True)
    clf = FERClassifier(pretrained=zoo[name], max_epochs=1)
    _check(outcome, lambda: clf.fit(X, y))


def _checkpoint_with_optimizer(folder, optimizer):
    from skfer.weights import read_weights, write_weights

    X, y = make_faces(12, classes=CLASSES, random_state=0, return_X_y=True)
    fit_with_checkpoints(FERClassifier("small", max_epochs=1), X, y, folder)
    state, meta = read_weights(folder / "model.safetensors")
    meta["checkpoint"]["optimizer"] = optimizer
    write_weights(folder / "model.safetensors", state, meta)
    return folder


@pytest.mark.parametrize(
    "optimizer, outcome",
    [
        ("optimizer-0001.pt", ("works", None, None)),
        ("../optimizer-0001.pt", _raises(ValueError, r"'optimizer' is '\.\./")),
        ("/etc/passwd", _raises(ValueError, r"no path separators")),
        ("..", _raises(ValueError, r"not '\.\.'")),
        ("sub\\x.pt", _raises(ValueError, r"no path separators")),
        (7, _raises(ValueError, r"'optimizer' is 7")),
    ],
)
def test_checkpoint_optimizer_stays_in_the_checkpoint_folder(
    tmp_path, optimizer, outcome
):
    folder = _checkpoint_with_optimizer(tmp_path / "ckpt", optimizer)
    info = _check(outcome, lambda: read_checkpoint(folder))
    if info is not None:
        assert info["optimizer"].parent == folder


# ------------------------------------------------------------- images, data
@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda p: _png16(p / "a.png"), (0, 255)),  # 4..65532 -> 0..255
        (lambda p: _png16(p / "a.tif"), (0, 255)),
        (lambda p: _png16(p / "a.png", 0, 255), (0, 1)),  # dark 16-bit stays dark
    ],
    ids=["png16", "tiff16", "png16-dark"],
)
def test_16_bit_images_are_scaled_not_clipped(tmp_path, make, expected):
    from skfer.cli._predict import read_photo

    path = make(tmp_path)
    gray = read_photo(path)  # skfer predict's decoder is the loaders' one
    assert gray.dtype == np.uint8
    assert (gray.min(), gray.max()) == expected
    assert np.mean(gray == 255) < 0.01  # Pillow's convert("L") gives 0.996
    (tmp_path / "happy").mkdir()
    (tmp_path / "sad").mkdir()
    for label in ("happy", "sad"):
        Image.open(path).save(tmp_path / label / path.name)
    X, _ = load_image_folder(tmp_path, return_X_y=True, cache=False)
    assert abs(int(X.max()) - expected[1]) <= 1 and np.mean(X >= 254) < 0.05


def test_float_tiff_in_unit_range_is_scaled(tmp_path):
    from skfer.cli._predict import read_photo

    ramp = np.linspace(0, 1, 64 * 64, dtype=np.float32).reshape(64, 64)
    Image.fromarray(ramp).save(tmp_path / "f.tif")
    gray = read_photo(tmp_path / "f.tif")
    assert gray.min() == 0 and gray.max() == 255


@pytest.mark.parametrize(
    "name, outcome",
    [
        ("csv_latin1", _raises(ValueError, r"latin1/fer2013\.csv' is not a UTF-8 CSV")),
        ("csv_png", _raises(ValueError, r"png_as_csv\.csv' is not a UTF-8 CSV")),
        ("csv_nul", _raises(ValueError, r"no images could be loaded")),
        ("csv_empty", _raises(ValueError, r"empty\.csv' has columns \[\]")),
        ("a_file", _raises(ValueError, r"notes\.txt")),
        ("empty_dir", _raises(ValueError, r"empty_dir")),
    ],
)
def test_fer2013_files_that_are_not_the_csv(zoo, name, outcome):
    _check(outcome, lambda: load_fer2013(zoo[name], cache=False))


def test_bad_image_files_in_a_folder_are_skipped_with_a_warning(zoo, tmp_path):
    folder = tmp_path / "faces"
    (folder / "happy").mkdir(parents=True)
    (folder / "sad").mkdir()
    for name in ("crop.png", "truncated.png", "empty.png", "text.jpg"):
        for label in ("happy", "sad"):
            (folder / label / name).write_bytes((zoo["photos"] / name).read_bytes())
    with pytest.warns(SkippedFileWarning) as caught:
        X, y = load_image_folder(folder, return_X_y=True, cache=False)
    message = str(caught[0].message)
    assert len(y) == 2 and all(n in message for n in ("truncated", "empty", "text"))


def test_cache_is_not_stale_after_a_same_size_same_mtime_rewrite(tmp_path):
    folder = _face_folder(tmp_path / "faces", n=6)
    first = load_image_folder(folder, return_X_y=True)[0]
    target = sorted((folder / "happy").iterdir())[0]
    stat = target.stat()
    image = np.asarray(Image.open(target))
    Image.fromarray(255 - image).save(target)  # same size for this face?
    blob = target.read_bytes()
    # force the same size and modification time as before
    if len(blob) != stat.st_size:
        target.write_bytes(blob[: stat.st_size].ljust(stat.st_size, b"\0"))
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert target.stat().st_size == stat.st_size
    assert target.stat().st_mtime_ns == stat.st_mtime_ns
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkippedFileWarning)  # if truncated above
        second = load_image_folder(folder, return_X_y=True)[0]
    assert not np.array_equal(first, second)


def test_fer2013_csv_cache_is_not_stale_after_a_same_size_rewrite(tmp_path):
    csv = tmp_path / "fer2013.csv"
    row = " ".join(["100"] * 2304)
    csv.write_text(f"emotion,pixels,Usage\n3,{row},Training\n")
    stat = csv.stat()
    assert load_fer2013(csv, return_X_y=True)[0].max() == 100
    csv.write_text(f"emotion,pixels,Usage\n3,{row.replace('100', '200')},Training\n")
    os.utime(csv, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert csv.stat().st_size == stat.st_size
    assert load_fer2013(csv, return_X_y=True)[0].max() == 200


# --------------------------------------------------------------- make_report
def test_report_on_a_full_disk_leaves_no_temporary_file(zoo, tmp_path, monkeypatch):
    import pathlib

    results = tmp_path / "results"
    results.mkdir()
    (results / "scores.json").write_text(json.dumps({"accuracy": 0.9}))
    out = tmp_path / "out" / "report.html"
    real_write_text = pathlib.Path.write_text

    def full_disk(self, text, *args, **kwargs):
        real_write_text(self, text[: len(text) // 2], *args, **kwargs)  # half, then
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pathlib.Path, "write_text", full_disk)
    with pytest.raises(OSError, match=r"report\.html.*No space left") as info:
        make_report([results], out)
    assert info.value.errno == errno.ENOSPC
    assert list(out.parent.iterdir()) == []


def test_report_does_not_embed_a_text_file_named_jpg(zoo, tmp_path):
    with pytest.warns(UserWarning, match=r"photo\.jpg' is not a image/jpeg image"):
        page = make_report([zoo["fake_jpg"]], tmp_path / "r.html").read_text()
    assert "data:image/jpeg" not in page and "<table>" in page


@pytest.mark.parametrize(
    "summary, field",
    [
        ({"accuracy": "0.9"}, "summary.accuracy"),
        ({"accuracy": 0.9, "macro_f1": None}, "summary.macro_f1"),
        ({"labels": ["a"], "per_class_precision": []}, "summary.per_class_precision"),
        ("0.9", "summary"),
    ],
)
def test_report_names_the_file_and_field_of_a_bad_evaluation(tmp_path, summary, field):
    path = tmp_path / "run" / "evaluation.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"kind": "skfer-evaluate", "summary": summary}))
    with pytest.raises(ValueError, match=rf"evaluation\.json: field '{field}'"):
        make_report([path.parent], tmp_path / "r.html")


# ------------------------------------------------------------------ CLI table
def _run_cli(argv, cwd=None):
    """``skfer ARGV`` in this process: (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.ExitStack() as stack:
        if cwd is not None:
            stack.enter_context(pytest.MonkeyPatch.context()).chdir(cwd)
        stack.enter_context(contextlib.redirect_stdout(out))
        stack.enter_context(contextlib.redirect_stderr(err))
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


PREDICT = ["predict", "{crop}", "--no-detect", "--json", "--model"]
TRAIN = ["train", "--dataset", "folder", "--data-dir", "{faces}", "--model", "small"]
TRAIN += ["--epochs", "1", "-q"]

# (case, argv with {zoo names}, outcome: "works" or the text the error must hold)
CLI_ROWS = [
    ("predict-good-weights", [*PREDICT, "{good}"], "works"),
    ("predict-no-pixel-mean", [*PREDICT, "{no_pixel_mean}"], "'pixel_mean' is missing"),
    ("predict-pixel-std-0", [*PREDICT, "{pixel_std_zero}"], "'pixel_std' is 0"),
    ("predict-wrong-arch", [*PREDICT, "{wrong_arch}"], "do not fit a 'model2'"),
    ("predict-wrong-classes", [*PREDICT, "{wrong_classes}"], "'head.weight' has shape"),
    ("predict-nan-weights", [*PREDICT, "{nan_weights}"], "holds NaN"),
    ("predict-deep-json", [*PREDICT, "{deep_json}"], "nested 100000 levels"),
    ("predict-truncated-weights", [*PREDICT, "{truncated}"], "is not a readable"),
    ("predict-empty-weights", [*PREDICT, "{empty}"], "is not a readable"),
    ("predict-random-bytes", [*PREDICT, "{random}"], "is not a readable"),
    ("predict-text-as-weights", [*PREDICT, "{a_file}"], "notes.txt"),
    (
        "predict-folder-no-model",
        [*PREDICT, "{no_model_dir}"],
        "without model.safetensors",
    ),
    ("predict-unknown-model", [*PREDICT, "no-such-model"], "'no-such-model'"),
    ("predict-missing-photo", ["predict", "{root}/nope.jpg"], "nope.jpg: no such file"),
    (
        "predict-plot-under-a-file",
        [*PREDICT, "{good}", "--plot", "{a_file}/x.png"],
        "--plot",
    ),
    (
        "predict-plot-is-a-folder",
        [*PREDICT, "{good}", "--plot", "{empty_dir}"],
        "is a folder",
    ),
    (
        "predict-bad-photos",
        ["predict", "{photos}", "--no-detect", "--model", "{good}"],
        "works",
    ),
    (
        "predict-16-bit",
        ["predict", "{png16}", "--no-detect", "--model", "{good}"],
        "works",
    ),
    ("train-output-under-a-file", [*TRAIN, "--output", "{a_file}/run"], "--output"),
    ("train-output-is-a-file", [*TRAIN, "--output", "{a_file}"], "is a file"),
    ("train-missing-data-dir", [*TRAIN[:4], "{root}/nope", *TRAIN[5:]], "nope"),
    (
        "train-pretrained-nan",
        [*TRAIN, "--pretrained", "{nan_weights}", "--output", "{root}/t"],
        "holds NaN",
    ),
    (
        "train-resume-nothing",
        [*TRAIN, "--output", "{empty_dir}", "--resume"],
        "no checkpoint",
    ),
    (
        "evaluate-output-under-a-file",
        [
            "evaluate",
            "--model",
            "{good}",
            "--dataset",
            "folder",
            "--data-dir",
            "{faces}",
            "--output",
            "{a_file}/x",
        ],
        "--output",
    ),
    (
        "evaluate-bad-weights",
        [
            "evaluate",
            "--model",
            "{pixel_std_zero}",
            "--dataset",
            "folder",
            "--data-dir",
            "{faces}",
            "--output",
            "{root}/ev",
        ],
        "'pixel_std' is 0",
    ),
    (
        "report-string-accuracy",
        ["report", "{eval_str_dir}", "-o", "{root}/r.html"],
        "'summary.accuracy'",
    ),
    (
        "report-bad-json",
        ["report", "{bad_json}", "-o", "{root}/r.html"],
        "scores.json is not a readable JSON",
    ),
    (
        "report-deeply-nested-json",
        ["report", "{deep_json_result}", "-o", "{root}/r.html"],
        "scores.json is not a readable JSON",
    ),
    (
        "report-output-is-a-folder",
        ["report", "{fake_jpg}", "-o", "{empty_dir}"],
        "is a folder",
    ),
    ("report-missing-input", ["report", "{root}/nope"], "no such file"),
    ("report-fake-jpg", ["report", "{fake_jpg}", "-o", "{root}/r2.html"], "works"),
    (
        "transfer-output-under-a-file",
        ["transfer", "--output", "{a_file}/t", "--quick"],
        "--output",
    ),
    ("demo-output-under-a-file", ["demo", "--output", "{a_file}/d"], "--output"),
]


@pytest.mark.parametrize("case, argv, outcome", CLI_ROWS, ids=[r[0] for r in CLI_ROWS])
def test_cli(zoo, case, argv, outcome):
    argv = [a.format(**zoo) for a in argv]
    code, out, err = _run_cli(argv, cwd=zoo["root"])  # default outputs land there
    assert "Traceback" not in err and "Traceback" not in out
    if outcome == "works":
        assert code == 0, err
        assert "nan" not in out.lower()
        return
    assert code == 2, (out, err)
    assert err.startswith("skfer: error: ") and err.count("\n") == 1, err
    assert outcome in err
    assert "loading" not in err  # refused before any data was loaded


def test_cli_fake_jpg_in_report_is_a_warning(zoo, tmp_path):
    code, _, err = _run_cli(["report", zoo["fake_jpg"], "-o", tmp_path / "r.html"])
    assert code == 0 and "skfer: warning: make_report:" in err and "photo.jpg" in err


@pytest.mark.parametrize(
    "where, message",
    [
        ("safetensors.torch.save_file", "model.safetensors"),
        ("torch.save", "optimizer-0001.pt"),
    ],
)
def test_cli_train_on_a_full_disk_names_the_file(
    zoo, tmp_path, monkeypatch, where, message
):
    module, name = where.rsplit(".", 1)
    module = __import__(module, fromlist=[name])

    def full_disk(*args, **kwargs):
        # what torch and safetensors raise on ENOSPC: not an OSError
        raise RuntimeError("[enforce fail at inline_container.cc] unexpected pos")

    monkeypatch.setattr(module, name, full_disk)
    code, _, err = _run_cli(
        [*[a.format(**zoo) for a in TRAIN], "--output", tmp_path / "r"]
    )
    assert code == 2 and "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("skfer: error: Cannot write") and message in last
    assert not [p for p in (tmp_path / "r").rglob(".tmp-*")]


def test_cli_unexpected_exception_is_one_line_without_traceback(zoo, monkeypatch):
    import skfer.cli._predict as predict

    def boom(*args, **kwargs):
        raise RuntimeError("something broke")

    monkeypatch.setattr(predict, "analyse", boom)
    code, _, err = _run_cli([*[a.format(**zoo) for a in PREDICT], zoo["good"]])
    assert code == 2
    assert err.strip().endswith(
        "skfer: error: something broke (RuntimeError; set SKFER_DEBUG=1 to see the "
        "traceback)"
    )


def test_cli_folder_named_like_a_shipped_model(zoo, tmp_path):
    """A registered name means the shipped model; ``./name`` means the folder."""
    from skfer import list_pretrained

    name = list_pretrained()[0]["name"]
    shadow = tmp_path / name
    shadow.mkdir()
    (shadow / "model.safetensors").write_bytes(zoo["good"].read_bytes())
    argv = ["predict", zoo["crop"], "--no-detect", "--json", "--model"]

    code, out, err = _run_cli([*argv, name], cwd=tmp_path)
    assert code == 0, err
    assert json.loads(out)["model"] == name
    assert len(json.loads(out)["classes"]) == 7  # the shipped model, not the folder
    assert f"the folder '{name}' in the working directory is not used" in err

    code, out, err = _run_cli([*argv, f"./{name}"], cwd=tmp_path)
    assert code == 0, err
    assert json.loads(out)["classes"] == list(CLASSES)  # the folder's model
    assert "not used" not in err


def test_cli_subprocess_error_has_no_traceback(zoo):
    """The console script itself: one line, status 2 (not only ``main()``)."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "skfer",
            *[a.format(**zoo) for a in PREDICT],
            zoo["nan_weights"],
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("skfer: error: ") and "Traceback" not in proc.stderr
    assert "nan_weights.safetensors" in proc.stderr and proc.stdout == ""
