"""The machinery of the benchmarks: recorded commands, worker protocol, ratios."""

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from _common import command_line  # noqa: E402
from _workers import Worker, WorkerError, timed_best  # noqa: E402

SERVER = f"""
import sys
sys.path.insert(0, {str(BENCHMARKS)!r})
from _workers import serve

def add(a, b):
    print("library noise on stdout")  # must not reach the parent's answers
    return a + b

def fail():
    raise ValueError("no")

serve({{"add": add, "fail": fail}})
"""


def test_a_worker_answers_requests_and_reports_errors():
    worker = Worker("test", [sys.executable, "-c", SERVER])
    try:
        assert worker.call("add", a=2, b=3) == 5
        with pytest.raises(WorkerError, match="ValueError: no"):
            worker.call("fail")
        assert worker.call("add", a=1, b=1) == 2  # still serving after an error
    finally:
        worker.close()
    assert worker.proc.returncode == 0


def test_a_dead_worker_is_a_worker_error():
    worker = Worker("test", [sys.executable, "-c", "import sys; sys.exit(3)"])
    worker.proc.wait()
    with pytest.raises(WorkerError, match="exited"):
        worker.call("add", a=1, b=2)
    worker.close()


def test_timed_best_keeps_the_fastest_second_run():
    calls = []

    def run(batch):
        calls.append(batch)
        return {64: 10.0, 128: 30.0, 256: 20.0}[batch] + len(calls)  # warm-up slower

    best, rates = timed_best([64, 128, 256], run)
    assert best == 128 and calls == [64, 64, 128, 128, 256, 256]
    assert rates == {"64": 12.0, "128": 34.0, "256": 26.0}


def test_ratios_are_taken_within_each_round():
    speed = pytest.importorskip("_speed_engines")  # imports torch
    engines = {
        "skfer": {"train_images_per_s": speed.summary([10.0, 20.0, 30.0])},
        "keras": {"train_images_per_s": speed.summary([30.0, 5.0, 10.0])},
    }
    ratios = speed.round_ratios(engines)["train_vs_keras"]
    # Per round 1/3, 4, 3: the median is 3, not the ratio of the medians (2).
    assert ratios["rounds"] == pytest.approx([1 / 3, 4.0, 3.0])
    assert ratios["median"] == 3.0
    assert (ratios["min"], ratios["max"]) == (pytest.approx(1 / 3), 4.0)


def test_recorded_commands_name_no_cache_folder_of_the_machine(tmp_path, monkeypatch):
    monkeypatch.setenv("SKFER_CACHE", str(tmp_path))
    monkeypatch.setattr(
        sys,
        "argv",
        ["benchmarks/transfer.py", "--output", str(tmp_path / "t-1"), "--x", "a b"],
    )
    command = command_line()
    assert command.endswith("--output $SKFER_CACHE/t-1 --x 'a b'")
    assert str(tmp_path) not in command


def test_add_rows_brings_newer_single_model_rows_and_their_figures(tmp_path):
    from _common import write_json
    from _fer2013_evaluation import add_rows

    worktree = tmp_path / "wt"
    worktree.mkdir()
    (worktree / "fer2013_curves_model3-seed1.png").write_bytes(b"png")
    write_json(
        worktree / "fer2013.json",
        {
            "models": {
                "model1": {"date": "2026-11-25 10:00 UTC"},  # older than ours
                "model3-seed1": {
                    "date": "2026-12-06 10:00 UTC",
                    "figures": {"curves": "fer2013_curves_model3-seed1.png"},
                },
                "ensemble": {"date": "2026-12-06 10:00 UTC"},
            }
        },
    )
    out = tmp_path / "main"
    out.mkdir()
    results = {"models": {"model1": {"date": "2026-12-05 03:19 UTC", "mine": True}}}
    added = add_rows(results, [worktree / "fer2013.json"], out)
    assert added == ["model3-seed1"]
    assert results["models"]["model1"]["mine"] and "ensemble" not in results["models"]
    assert (out / "fer2013_curves_model3-seed1.png").read_bytes() == b"png"
    with pytest.raises(SystemExit, match="no results"):
        add_rows(results, [tmp_path / "missing.json"], out)


def test_distillation_names_its_row_and_keeps_the_voting_members():
    from argparse import Namespace

    from _fer2013_runs import run_key, teacher_spec

    results = {
        "models": {
            "ensemble": {
                "members": ["model1", "model2", "model3"],
                "weights": [0.25, 0.0, 0.75],
            },
            "model3": {"private_test_accuracy": 0.7},
        }
    }
    args = Namespace(recipe="skfer", random_state=0, distil_from="ensemble")
    assert run_key("model3", args) == "model3-distilled"
    assert teacher_spec(args, results) == {
        "members": ["model1", "model3"],
        "weights": [0.25, 0.75],
    }
    with pytest.raises(SystemExit, match="no ensemble row"):
        teacher_spec(Namespace(distil_from="model3"), results)
    assert teacher_spec(Namespace(distil_from=None), results) is None


def test_single_image_profile_lists_every_layer_of_the_inference_copy(tmp_path):
    single_image = pytest.importorskip("single_image")  # imports torch and skfer

    argv = ["--calls", "3", "--processes", "2", "--output", str(tmp_path)]
    assert single_image.main(argv) == 0
    from _common import read_json

    result = read_json(tmp_path / "single_image.json")
    names = [row["layer"] for row in result["layers_ms"]]
    # Model 2: five convolutions, three dense layers, no dropout (a no-op here).
    assert sum("Conv2d" in n for n in names) == 5
    assert sum("Linear" in n for n in names) == 3
    assert not any("Dropout" in n for n in names)
    assert result["forward_ms"] > 0 and result["predict_proba_ms"] > 0
    import torch

    if torch.backends.mkldnn.is_available():  # one image: the fused twin, no ReLU
        assert result["path"].startswith("fused")
        assert not any("ReLU" in n for n in names)
    # two fresh processes, the headline their median
    assert len(result["runs"]) == 2
    median = (result["runs"][0]["predict_ms"] + result["runs"][1]["predict_ms"]) / 2
    assert result["predict_ms"] == pytest.approx(median, abs=1e-3)
    text = (tmp_path / "single_image.md").read_text()
    assert f"| `predict` | **{result['predict_ms']:.3f}** |" in text


def test_ship_makes_a_cached_row_the_shipped_model_of_its_architecture(
    tmp_path, monkeypatch
):
    from _common import read_json
    from ship import ship

    from skfer import FERClassifier
    from skfer.datasets import make_faces
    from skfer.utils import sha256_file

    X, y = make_faces(
        n_samples=30, classes=["happy", "sad"], random_state=0, return_X_y=True
    )
    clf = FERClassifier("small", max_epochs=1, random_state=0).fit(X, y)
    cached = clf.save_weights(
        tmp_path / "cache" / "fer2013-small-distilled.safetensors"
    )
    row = {
        "weights": str(cached),
        "command": "python benchmarks/fer2013.py --models small --distil-from ensemble",
        "params": {"tta": "flip", "teacher": {"members": ["model1", "model3"]}},
        "private_test_accuracy": 0.5,
        "public_test_accuracy": 0.6,
        "hardware": {"cpu": "test"},
        "date": "2026-12-05 09:00 UTC",
    }
    shipped_before = tmp_path / "weights" / "fer2013-small.safetensors"
    shipped_before.parent.mkdir()
    shipped_before.write_bytes(b"the weights shipped so far")
    results = {
        "models": {"small-distilled": row, "small": {"weights": str(shipped_before)}}
    }
    weights_dir = tmp_path / "weights"
    monkeypatch.setenv("SKFER_CACHE", str(tmp_path / "cache"))
    shipped = ship("small-distilled", results, "fer2013", weights_dir, "photos")
    assert shipped == tmp_path / "weights" / "fer2013-small.safetensors"
    assert shipped.read_bytes() == cached.read_bytes()
    entry = read_json(tmp_path / "weights" / "registry.json")["weights"][
        "fer2013-small"
    ]
    assert entry["sha256"] == sha256_file(shipped) and entry["classes"] == [
        "happy",
        "sad",
    ]
    assert entry["predict_params"] == {"tta": "flip"}
    assert "distilled from" in entry["dataset"] and "model1, model3" in entry["dataset"]
    assert "chosen among the FER2013 runs on photos" in entry["dataset"]
    assert results["models"]["small-distilled"]["weights"] == str(shipped)
    # the row shipped so far keeps its own weights, moved to the cache
    kept = results["models"]["small"]["weights"]
    assert kept == "$SKFER_CACHE/weights/fer2013-small.safetensors"
    assert (
        tmp_path / "cache" / "weights" / "fer2013-small.safetensors"
    ).read_bytes() == (b"the weights shipped so far")
    with pytest.raises(SystemExit, match="no single-model row"):
        ship("ensemble", results, "fer2013", weights_dir)
    # a second model of the architecture ships beside the first, under its name
    again = {"models": {"small": dict(row, weights=str(cached))}}
    second = ship(
        "small",
        again,
        "fer2013",
        weights_dir,
        name="fer2013-small-seed2",
    )
    assert second.name == "fer2013-small-seed2.safetensors"
    registry = read_json(weights_dir / "registry.json")["weights"]
    assert registry["fer2013-small"]["sha256"] == sha256_file(shipped)
    assert registry["fer2013-small-seed2"]["sha256"] == sha256_file(second)
    with pytest.raises(SystemExit, match="must start with 'fer2013-small'"):
        ship("small", again, "fer2013", weights_dir, name="best")


def test_ship_makes_a_vote_row_the_default_with_its_prior(tmp_path, monkeypatch):
    from _common import read_json
    from ship import main, make_default, ship

    from skfer import FERClassifier, save_vote
    from skfer.datasets import make_faces

    X, y = make_faces(
        n_samples=30, classes=["happy", "sad"], random_state=0, return_X_y=True
    )
    members = [
        FERClassifier("small", max_epochs=1, random_state=i).fit(X, y) for i in (0, 1)
    ]
    vote = save_vote(members, tmp_path / "cache" / "vote.safetensors")
    row = {
        "weights": str(vote),
        "members": ["fer2013-model3", "ferplus-small"],
        "trained_on": "the soft vote of fer2013-model3, ferplus-small",
        "tta": "flip",
        "class_prior": "uniform",
        "ferplus_test_accuracy": 0.77,
        "fer2013_private_test_accuracy": 0.67,
        "command": "python benchmarks/ferplus.py --vote ...",
        "hardware": {"cpu": "test"},
        "date": "2026-12-07 00:00 UTC",
    }
    results = {"models": {"vote-x": row}}
    weights_dir = tmp_path / "weights"
    monkeypatch.setenv("SKFER_CACHE", str(tmp_path / "cache"))
    shipped = ship("vote-x", results, "ferplus", weights_dir)
    assert shipped.name == "fer2013-ferplus-vote.safetensors"
    entry = read_json(weights_dir / "registry.json")["weights"]["fer2013-ferplus-vote"]
    assert entry["architecture"] == "small+small"
    assert entry["members"] == ["fer2013-model3", "ferplus-small"]
    assert entry["predict_params"] == {"tta": "flip", "class_prior": "uniform"}
    # a shipped member is described by its registry entry, another by its name
    assert entry["dataset"].startswith("the soft vote, equal weights, of ")
    assert "fer2013-model3 (FER2013 Training" in entry["dataset"]
    assert "; and ferplus-small;" in entry["dataset"]
    assert entry["ferplus_test_accuracy"] == 0.77
    with pytest.raises(SystemExit, match="not a registered model"):
        make_default("nope", "photos", weights_dir)
    make_default("fer2013-ferplus-vote", "the photos' validation part", weights_dir)
    assert read_json(weights_dir / "registry.json")["default"] == {
        "name": "fer2013-ferplus-vote",
        "chosen_on": "the photos' validation part",
    }
    with pytest.raises(SystemExit):  # --default needs --chosen-on
        main(["vote-x", "--from", "ferplus", "--default"])


def test_ship_facts_adds_another_benchmarks_evaluation_to_the_registry(tmp_path):
    from _common import read_json, write_json
    from ship import add_facts

    registered = {
        "file": "fer2013-small.safetensors",
        "date": "2026-12-05 09:00 UTC",
        "predict_params": {"tta": "flip"},
    }
    write_json(tmp_path / "registry.json", {"weights": {"fer2013-small": registered}})
    row = {
        "weights": "fer2013-small",
        "ferplus_test_accuracy": 0.75,
        "ferplus_valid_accuracy": 0.74,
        "fer2013_private_test_accuracy": 0.7,
        "tta": "flip",
        "command": "python benchmarks/ferplus.py --pretrained fer2013-small",
        "date": "2026-12-06 10:00 UTC",
    }
    results = {"models": {"fer2013-small": row}}
    facts = add_facts("fer2013-small", results, "ferplus", tmp_path)
    assert facts == {"ferplus_test_accuracy": 0.75, "ferplus_valid_accuracy": 0.74}
    entry = read_json(tmp_path / "registry.json")["weights"]["fer2013-small"]
    assert entry["ferplus_test_accuracy"] == 0.75
    assert entry["ferplus_evaluation"] == row["command"]
    assert entry["file"] == "fer2013-small.safetensors"
    # an evaluation with another TTA is not what load_pretrained gives
    row["tta"] = "crops"
    with pytest.raises(SystemExit, match="not be what users get"):
        add_facts("fer2013-small", results, "ferplus", tmp_path)
    row["tta"] = "flip"
    row["class_prior"] = "uniform"  # nor one under another class prior
    with pytest.raises(SystemExit, match="class_prior 'uniform'"):
        add_facts("fer2013-small", results, "ferplus", tmp_path)
    del row["class_prior"]
    # an evaluation older than the registered weights read other tensors
    row["date"] = "2026-12-04 10:00 UTC"
    with pytest.raises(SystemExit, match="evaluate them again"):
        add_facts("fer2013-small", results, "ferplus", tmp_path)
    with pytest.raises(SystemExit, match="not a registered model"):
        add_facts("fer2013-big", results, "ferplus", tmp_path)


def test_a_run_without_class_counts_gets_its_training_labels_counts(tmp_path):
    from _fer2013_evaluation import record_class_count

    from skfer import FERClassifier, load_pretrained
    from skfer.datasets import make_faces
    from skfer.weights import read_weights, read_weights_meta, write_weights

    X, y = make_faces(
        n_samples=30, classes=["happy", "sad"], random_state=0, return_X_y=True
    )
    clf = FERClassifier("small", max_epochs=1, random_state=0).fit(X, y)
    path = clf.save_weights(tmp_path / "run.safetensors")
    state, meta = read_weights(path)
    del meta["class_count"]  # as an older version of fit saved them
    write_weights(path, state, meta)
    y_train = np.array(["sad"] * 5 + ["happy"] * 3)
    assert record_class_count(path, y_train)
    assert read_weights_meta(path)["class_count"] == [3, 5]  # in classes order
    assert not record_class_count(path, y)  # already there: left alone
    assert load_pretrained(path, class_prior="uniform").predict(X[:2]).shape == (2,)


def _photo_folders(tmp_path, n):
    folder = tmp_path / "JAFFE" / "as_is"
    folder.mkdir(parents=True)
    for index in range(n):
        (folder / f"{index:05d}.png").touch()
    return {"JAFFE": {"as is": folder}}


def test_photos_chooses_the_model_on_the_validation_part_only(tmp_path, monkeypatch):
    import _photos_runs as photos
    from _common import split_subjects
    from _photos_tables import choice_table

    import skfer.weights

    subjects = ["KA", "KL", "KM", "KR", "MK", "NA", "NM", "TM", "UY", "YM"] * 2
    labels = ["happy", "sad"] * 10
    parts = split_subjects(subjects)
    datasets = {"JAFFE": (None, labels, subjects)}
    folders = _photo_folders(tmp_path, len(subjects))
    seen = []

    def fake_predict(args):
        files = [Path(a) for a in args if str(a).endswith(".png")]
        seen.extend(parts[int(f.stem)] for f in files)
        good = args[args.index("--model") + 1] == "good.safetensors"
        return {
            "results": [
                {
                    "file": str(f),
                    "faces": [
                        {
                            "box": [0, 0, 48, 48],
                            "found": "detected",
                            "emotion": labels[int(f.stem)] if good else "angry",
                        }
                    ],
                }
                for f in files
            ]
        }

    monkeypatch.setattr(photos, "skfer_predict", fake_predict)
    monkeypatch.setattr(skfer.weights, "read_weights_meta", lambda path: {})
    candidates = {
        "bad": ("bad.safetensors", None),
        "good": ("good.safetensors", "flip"),
    }
    chosen, prior, scores = photos.choose_model(datasets, folders, candidates, print)
    assert (chosen, prior) == ("good", None)
    assert "uniform" not in scores["good"]  # no class counts: no other prior
    assert scores["good"]["score"] == 1.0 and scores["bad"]["score"] == 0.0
    assert set(seen) == {"validation"}  # the test part is never predicted
    assert len(seen) == 2 * parts.count("validation")
    result = {"candidates": scores, "model": chosen, "datasets": {"JAFFE": {}}}
    text = "\n".join(choice_table(result))
    assert "| good (chosen, training prior) |" in text
    assert text.index("good") < text.index("bad")


def test_photos_candidates_are_the_rows_with_weights_here(tmp_path, monkeypatch):
    import _photos_runs as photos

    import skfer.weights

    weights = tmp_path / "m.safetensors"
    weights.touch()
    monkeypatch.setattr(photos, "weights_path", lambda shown: Path(shown))
    fer2013, ferplus = tmp_path / "fer2013.json", tmp_path / "ferplus.json"
    rows = {
        "a": {"weights": str(weights), "tta": "flip"},
        "gone": {"weights": str(tmp_path / "missing.safetensors")},
        "ensemble": {"weights": [0.5, 0.5]},
    }
    fer2013.write_text(json.dumps({"models": rows}))
    plus = {
        "same": {"weights": str(weights), "tta": "flip"},
        "crops": {"weights": str(weights), "tta": "crops"},
        "posed": {
            "weights": str(weights),
            "photo_parts_trained_on": {"jaffe": ["validation"]},
        },
        "shipped": {"weights": "fer2013-model2", "tta": "crops"},
    }
    ferplus.write_text(json.dumps({"models": plus}))
    found, left_out = photos.candidate_models([fer2013, ferplus])
    shipped = str(skfer.weights.resolve_weights("fer2013-model2").resolve())
    assert found == {
        "a": (str(weights.resolve()), "flip"),
        "crops": (str(weights.resolve()), "crops"),  # the same weights, another TTA
        "shipped": (shipped, "crops"),
    }
    assert left_out == {
        "gone": "weights not on this machine",
        "same": "the same weights and TTA as an earlier row",
        "posed": "trained on the validation part of jaffe",
    }
    assert photos.candidate_models([fer2013], ["gone"])[0] == {}
    with pytest.raises(SystemExit, match="no row"):
        photos.candidate_models([fer2013], ["nope"])


def test_photos_chooses_the_model_and_class_prior_together(monkeypatch):
    import _photos_runs as photos
    from _photos_tables import choice_table

    import skfer.weights

    scores = {  # (weights, prior) -> validation score
        ("m3", None): 0.69,
        ("m3", "uniform"): 0.72,
        ("vote", None): 0.67,  # worse than m3 with the training prior...
        ("vote", "uniform"): 0.73,  # ...the best with the uniform one
        ("old", None): 0.70,
    }

    def fake_score(datasets, folders, options):
        weights = options[options.index("--model") + 1]
        prior = "uniform" if "--class-prior" in options else None
        value = scores[weights, prior]
        return {"score": value, "mean_by_dataset": {"JAFFE": value}, "text": ""}

    monkeypatch.setattr(photos, "validation_score", fake_score)
    counts = {"m3": {"class_count": [1.0, 2.0]}, "vote": {"class_count": [1.0, 1.0]}}
    monkeypatch.setattr(  # "old" weights do not record their training labels
        skfer.weights, "read_weights_meta", lambda path: counts.get(path, {})
    )
    candidates = {"m3": ("m3", "flip"), "vote": ("vote", "crops"), "old": ("old", None)}
    chosen, prior, info = photos.choose_model({}, {}, candidates, print)
    assert (chosen, prior) == ("vote", "uniform")
    assert "uniform" not in info["old"]
    del scores["vote", "uniform"], counts["vote"]
    chosen, prior, _ = photos.choose_model({}, {}, candidates, print)
    assert (chosen, prior) == ("m3", "uniform")
    scores["m3", "uniform"] = 0.60
    assert photos.choose_model({}, {}, candidates, print)[:2] == ("old", None)
    result = {
        "candidates": info,
        "model": "vote",
        "predict_params": {"tta": "crops", "class_prior": "uniform"},
        "datasets": {"JAFFE": {}},
    }
    text = "\n".join(choice_table(result))
    assert "| vote (chosen, uniform prior) |" in text
    assert text.index("| vote") < text.index("| m3") < text.index("| old")
    assert photos.model_args("w", "flip", "uniform") == [
        "--model",
        "w",
        "--tta",
        "flip",
        "--class-prior",
        "uniform",
    ]


def test_a_run_never_replaces_the_shipped_weights_by_itself(tmp_path, monkeypatch):
    from argparse import Namespace

    from _fer2013_runs import save_weights

    from skfer import FERClassifier
    from skfer.datasets import make_faces

    monkeypatch.setenv("SKFER_CACHE", str(tmp_path / "cache"))
    X, y = make_faces(n_samples=20, classes=["happy", "sad"], return_X_y=True)
    clf = FERClassifier("small", max_epochs=1, random_state=0).fit(X, y)
    args = Namespace(
        quick=False,
        recipe="skfer",
        random_state=0,
        distil_from=None,
        output=tmp_path / "results",
        weights_dir=tmp_path / "weights",
    )
    path = save_weights(clf, "model3", args, {"private_test_accuracy": 0.5})
    assert path == tmp_path / "cache" / "weights" / "fer2013-model3.safetensors"
    assert not (tmp_path / "weights").exists()
    args.quick = True
    path = save_weights(clf, "model3", args, {"private_test_accuracy": 0.5})
    assert path.parent == tmp_path / "results" / "weights"


def test_photos_results_name_no_folder_of_the_machine(tmp_path, monkeypatch):
    import _photos_runs as photos

    monkeypatch.setenv("SKFER_CACHE", str(tmp_path))
    weights = tmp_path / "weights" / "m.safetensors"
    weights.parent.mkdir()
    weights.touch()
    subjects = ["KA", "KL", "KM", "KR", "MK", "NA", "NM", "TM", "UY", "YM"]
    datasets = {"JAFFE": ([None] * 10, ["happy"] * 10, subjects)}
    folders = _photo_folders(tmp_path, 10)

    def fake_predict(args):
        files = sorted(Path(args[0]).iterdir())
        faces = [{"box": [0, 0, 9, 9], "found": "detected", "emotion": "happy"}]
        return {
            "model": str(weights),
            "results": [{"file": str(f), "faces": faces} for f in files],
        }

    monkeypatch.setattr(photos, "skfer_predict", fake_predict)
    results = photos.run_framings(datasets, folders, print, model=["--model", "x"])
    assert results["JAFFE"]["model"] == "$SKFER_CACHE/weights/m.safetensors"


def _face_photos(n=6, side=64):
    """``n`` gray images of ``side`` pixels, each a different flat gray, with
    their subjects (two images each)."""
    images = [np.full((side, side), 30 + 30 * k, np.uint8) for k in range(n)]
    return images, [f"S{k // 2}" for k in range(n)]


def test_photos_new_framings_are_fer_web_and_two_face_photos(tmp_path):
    from _photos_framings import ALL_FRAMINGS, FRAMINGS, face_positions, write_framings
    from PIL import Image

    images, subjects = _face_photos()
    datasets = {"JAFFE": (images, ["happy"] * 6, subjects)}
    assert ALL_FRAMINGS[8:] == ("48x48 crop", "web crop", "two faces")
    assert ALL_FRAMINGS[:8] == FRAMINGS  # detectors.py's framings, seeds kept
    framings = ["48x48 crop", "web crop", "two faces"]
    folders = write_framings(datasets, framings, tmp_path / "a")
    crops = sorted(folders["JAFFE"]["48x48 crop"].iterdir())
    assert [np.asarray(Image.open(f)).shape for f in crops] == [(48, 48)] * 6
    web = [Image.open(f) for f in sorted(folders["JAFFE"]["web crop"].iterdir())]
    assert all(f.format == "JPEG" and 100 <= f.height <= 250 for f in web)
    assert len({f.size for f in web}) > 1  # random sizes, not square
    assert any(f.width != f.height for f in web)
    pairs = sorted(folders["JAFFE"]["two faces"].iterdir())
    positions = face_positions(folders["JAFFE"]["two faces"])
    assert face_positions(folders["JAFFE"]["web crop"]) is None
    for index, path in enumerate(pairs):
        photo = np.asarray(Image.open(path))
        assert photo.shape == (64, 128)
        row, col = positions[index]
        assert row == 32 and col in (32, 96)
        # the labelled face where it is said to be, another subject's beside it
        assert photo[int(row), int(col)] == images[index][0, 0]
        other = photo[int(row), 128 - int(col)]
        assert other not in (images[index][0, 0], images[index ^ 1][0, 0])
    again = write_framings(datasets, framings[::-1], tmp_path / "b")
    for framing in framings:  # the same photos whichever framings are run
        for a, b in zip(
            sorted(folders["JAFFE"][framing].iterdir()),
            sorted(again["JAFFE"][framing].iterdir()),
        ):
            assert a.read_bytes() == b.read_bytes()


def test_photos_two_faces_reads_the_face_nearest_the_labelled_one():
    import _photos_runs as photos

    left = {"box": [10, 0, 40, 40], "found": "detected", "emotion": "happy"}
    right = {"box": [10, 60, 40, 40], "found": "detected", "emotion": "sad"}
    result = {
        "results": [
            {"file": "00000.png", "faces": [left, right]},
            {"file": "00001.png", "faces": [left, right]},
            {"file": "00002.png", "faces": [left]},  # its face missed
        ]
    }
    labels, parts = ["sad", "happy", "sad"], ["test"] * 3
    positions = {0: [30, 80], 1: [30, 20], 2: [30, 80]}
    row = photos.score(result, labels, parts, ("test",), positions)["test"]
    assert row["accuracy"] == pytest.approx(2 / 3)
    assert row["predicted"] == pytest.approx(2 / 3)
    assert row["faces_per_image"] == pytest.approx(5 / 3)
    # without positions: the largest face, as in every other framing
    assert photos.score(result, labels, parts, ("test",))["test"]["predicted"] == 1


def test_photos_detector_options_reach_every_predict_call(tmp_path, monkeypatch):
    import _photos_runs as photos
    import photos as script

    import skfer.weights

    args = script.parse_args(["--detector", "yunet", "--align"])
    face = script.face_options(args)
    assert face == ["--detector", "yunet", "--align"]
    assert script.face_options(script.parse_args([])) == ["--detector", "yunet"]
    seen = []

    def fake_predict(args):
        seen.append(list(args))
        files = [Path(a) for a in args if str(a).endswith(".png")]
        return {"results": [{"file": str(f), "faces": []} for f in files]}

    monkeypatch.setattr(photos, "skfer_predict", fake_predict)
    datasets = {"JAFFE": (None, ["happy"] * 4, ["KA", "KL", "KM", "KR"])}
    folders = _photo_folders(tmp_path, 4)
    monkeypatch.setattr(skfer.weights, "read_weights_meta", lambda path: {})
    photos.choose_model(datasets, folders, {"m": ("m.safetensors", None)}, print, face)
    assert seen and all(call[-3:] == face for call in seen)


def test_photos_page_names_the_detector_and_counts_faces():
    from _common import RESULTS, read_json
    from _photos_tables import markdown

    result = read_json(RESULTS / "photos.json")
    for d in result["datasets"].values():
        for rows in d["framings"].values():
            for part in ("validation", "test"):
                rows[part]["faces_per_image"] = 1.0
    result.update(detector="yunet", align=True)
    text = markdown(result)
    assert "`skfer predict --json --detector yunet --align`" in text
    assert "## Faces found per photo (test part)" in text


def test_a_ferplus_row_ships_under_its_own_name_and_accuracies(tmp_path, monkeypatch):
    from _common import read_json
    from ship import ship

    from skfer import FERClassifier
    from skfer.datasets import make_faces

    monkeypatch.setenv("SKFER_CACHE", str(tmp_path / "cache"))
    X, y = make_faces(n_samples=20, classes=["happy", "sad"], return_X_y=True)
    clf = FERClassifier("small", max_epochs=1, random_state=0).fit(X, y)
    row = {
        "weights": str(clf.save_weights(tmp_path / "runs" / "best.safetensors")),
        "trained_on": "FER+ Training",
        "mode": "crossentropy",
        "tta": "crops",
        "params": {"lr": 0.04},
        "ferplus_test_accuracy": 0.8,
        "ferplus_valid_accuracy": 0.79,
        "command": "python benchmarks/ferplus.py --models small",
        "hardware": {"cpu": "test"},
        "date": "2026-12-06 09:00 UTC",
    }
    evaluated = {"weights": "fer2013-model2", "trained_on": "FER2013 (single labels)"}
    results = {"models": {"ferplus-small": row, "fer2013-model2": evaluated}}
    shipped = ship("ferplus-small", results, "ferplus", tmp_path / "weights")
    assert shipped.name == "ferplus-small.safetensors"
    entry = read_json(tmp_path / "weights" / "registry.json")["weights"]
    entry = entry["ferplus-small"]
    assert entry["ferplus_test_accuracy"] == 0.8 and entry["predict_params"] == {
        "tta": "crops"
    }
    # FER+ accuracies never compete with FER2013's for the default model
    assert "public_test_accuracy" not in entry and "FER+ Training" in entry["dataset"]
    with pytest.raises(SystemExit, match="not on FER\\+ Training"):
        ship("fer2013-model2", results, "ferplus", tmp_path / "weights")


def test_only_ship_writes_into_the_package():
    writers = [
        p.name
        for p in sorted(BENCHMARKS.glob("*.py"))
        if "registry.json" in p.read_text(encoding="utf-8")
    ]
    assert writers == ["ship.py"]


def test_fer2013_ship_points_to_the_maintainer_step(tmp_path):
    from fer2013 import main

    with pytest.raises(SystemExit, match="benchmarks/ship.py model3 --from fer2013"):
        main(["--ship", "model3", "--output", str(tmp_path)])
    assert not (tmp_path / "fer2013.json").exists()


PAGES = [
    ("fer2013", "_fer2013_tables", "markdown"),
    ("speed", "_speed_tables", "markdown"),
    ("speed-1thread", "_speed_tables", "markdown"),
    ("speed-cuda", "_speed_tables", "markdown"),
    ("photos", "_photos_tables", "markdown"),
    ("single_image", "single_image", "markdown"),
    ("onnx", "onnx_export", "markdown"),
    ("video", "video", "markdown"),
    ("loading", "loading", "markdown"),
    ("augmentation", "augmentation", "markdown"),
    ("detectors", "detectors", "markdown"),
    ("transfer", "skfer.transfer", "results_markdown"),
]


@pytest.mark.parametrize("name, module, function", PAGES, ids=[p[0] for p in PAGES])
def test_a_results_page_is_its_json_table_first(name, module, function):
    import importlib

    from _common import RESULTS, read_json

    render = getattr(importlib.import_module(module), function)
    text = render(read_json(RESULTS / f"{name}.json"))
    # the page checked in is the one its script writes (--markdown-only)
    assert text == (RESULTS / f"{name}.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("# ") and "|" in "\n".join(lines[1:12])
    assert [line.split(":")[0] for line in lines[-3:]] == [
        "- **Protocol**",
        "- **Command**",
        "- **Hardware**",
    ]


def test_startup_quick_mode_writes_its_json_and_page(tmp_path):
    """``benchmarks/startup.py --quick``: one run of each command, the page's shape,
    and the imports it sees (the command line starts without torch)."""
    import startup
    from _common import read_json

    assert startup.main(["--quick", "--output", str(tmp_path)]) == 0
    result = read_json(tmp_path / "startup.json")
    rows = {row["command"]: row for row in result["commands"]}
    assert list(rows) == [name for name, _ in startup.COMMANDS]
    assert all(row["runs"] == 1 and row["median_s"] > 0 for row in rows.values())
    assert rows["skfer --help"]["imports"] == dict.fromkeys(startup.HEAVY, False)
    # the bare interpreter imports the fewest modules
    assert rows["python -c pass"]["modules_imported"] == min(
        row["modules_imported"] for row in rows.values()
    )
    text = (tmp_path / "startup.md").read_text(encoding="utf-8")
    assert text == startup.markdown(result)  # --markdown-only gives it again
    lines = text.splitlines()
    assert lines[0].startswith("# ") and "| `skfer --help` |" in text
    assert [line.split(":")[0] for line in lines[-3:]] == [
        "- **Protocol**",
        "- **Command**",
        "- **Hardware**",
    ]


def test_multidataset_continues_a_shipped_model_on_either_labels():
    from multidataset import key_of, start_epochs, start_weights, training_set

    faces = np.zeros((4, 2304), np.uint8)
    photos = {
        "found": np.array([True, True, False, True]),
        "part": np.array(["validation", "test", "test", "validation"]),
        "X": faces,
        "y": np.array(["happy", "sad", "sad", "angry"]),
        "subjects": np.array(["a", "b", "b", "c"]),
    }
    data = {"base": (faces[:3], ["happy", "sad", "fear"]), "photos": {"jaffe": photos}}
    combined, seen = training_set(data, "without-ckplus", posed_share=0.2)
    assert seen == {"jaffe": 3}  # the face missed in one photo is left out
    assert combined.dataset.tolist() == ["base"] * 3 + ["jaffe"] * 3
    # FER2013's single labels are one-hot distributions
    assert combined.label_distribution[:3].max(axis=1).tolist() == [1.0] * 3
    share = combined.sample_weight[3:].sum() / combined.sample_weight.sum()
    assert share == pytest.approx(0.2)
    alone, seen = training_set(data, "none", posed_share=0.2)
    assert seen == {} and alone.sample_weight is None and len(alone.target) == 3

    shipped = {"weights": "fer2013-model3"}
    assert start_weights(shipped) == "fer2013-model3"
    assert start_epochs(shipped) == 100  # its registry recipe
    run = {"weights": "$SKFER_CACHE/runs/x/best.safetensors", "epochs": 80}
    assert start_weights(run).endswith("runs/x/best.safetensors")
    assert start_epochs(run) == 80
    args = argparse.Namespace(variant="without-jaffe", base="fer2013", quick=False)
    assert key_of(args) == "multi-without-jaffe-fer2013"
    args.base = "ferplus"
    assert key_of(args) == "multi-without-jaffe"


def test_photos_ready_made_crops_compare_default_and_never(monkeypatch):
    import _photos_runs as photos
    from _photos_tables import ready_made_table

    def fake_predict(args):
        never = "never" in args
        faces = [
            {"box": [0, 0, 48, 48], "found": "whole image", "emotion": "happy"},
            {"box": [4, 4, 30, 30], "found": "detected", "emotion": "sad"},
        ]
        return {
            "results": [
                {"file": "/f/a.png", "faces": faces[:1]},
                # the default cut a face out of the crop, and read it otherwise
                {"file": "/f/b.png", "faces": faces[:1] if never else faces[1:]},
                {"file": "/f/unlabelled.png", "faces": []},
            ]
        }

    monkeypatch.setattr(photos, "skfer_predict", fake_predict)
    files, labels = ["a.png", "/data/b.png"], ["happy", "happy"]
    out = photos.run_ready_made(["/f"], files, labels, print)
    assert out["n_images"] == 2
    assert out["detect_never"]["accuracy"] == 1.0
    assert out["default"]["accuracy"] == 0.5 and out["default"]["whole_image"] == 0.5
    out["left_out"] = {"no majority": 1}
    text = "\n".join(ready_made_table({"ready_made": out}))
    assert "| `--detect never` | 100.00 |" in text
    assert "difference -50.00 points" in text


def test_photos_speed_reports_the_median_of_interleaved_runs(tmp_path, monkeypatch):
    import _photos_runs as photos
    from _photos_tables import speed_table

    # (one photo, folder) per run: the run's detector, then the compared one
    seconds = iter([1.0, 10.0, 1.0, 40.0, 1.0, 8.0, 1.0, 50.0, 1.0, 12.0, 1.0, 45.0])
    order = []

    def fake_time(paths):
        order.append(paths[paths.index("--detector") + 1])
        return next(seconds), 0.5, [{"file": "x.jpg", "found": "detected"}]

    monkeypatch.setattr(photos, "time_command", fake_time)
    monkeypatch.setattr(photos, "make_scenes", lambda folder, images, n: None)
    monkeypatch.setattr(photos.Path, "iterdir", lambda self: iter([self / "x.jpg"]))
    compare = {"cascade": ["--detector", "cascade"]}
    speed = photos.run_speed(
        [], 100, tmp_path, print, ["--detector", "yunet"], repeats=3, compare=compare
    )
    assert (
        order
        == ["yunet"] * 2
        + ["cascade"] * 2
        + ["yunet"] * 2
        + ["cascade"] * 2
        + ["yunet"] * 2
        + ["cascade"] * 2
    )
    assert speed["photos_per_s"] == 10.0 and speed["photos_per_s_range"] == [8.33, 12.5]
    cascade = speed["compared"]["cascade"]
    assert cascade["photos_per_s"] == 2.22 and cascade["seconds"] == 45.0
    text = "\n".join(speed_table({"speed": speed, "detector": "yunet"}))
    assert "| yunet | " in text and "| cascade | " in text
    assert "detectors interleaved" in text


def test_multidataset_says_a_fer2013_network_was_continued_on_ferplus():
    from multidataset import trained_on

    args = argparse.Namespace(base="ferplus")
    fer2013 = {"trained_on": "FER2013 (single labels)"}
    expected = "FER2013 (single labels), then FER+ Training"
    assert trained_on(args, fer2013, []) == expected
    ferplus = {"trained_on": "FER+ Training"}
    assert trained_on(args, ferplus, ["CK+"]) == "FER+ Training + CK+"
    args.base = "fer2013"
    assert trained_on(args, fer2013, ["JAFFE"]) == "FER2013 Training + JAFFE"


def test_multidataset_vote_labels_are_the_mean_of_the_voters(monkeypatch):
    import multidataset

    from skfer import FERClassifier
    from skfer.datasets import make_faces

    X, y = make_faces(n_samples=30, classes=["happy", "sad"], return_X_y=True)
    fitted = {
        name: FERClassifier("small", max_epochs=1, random_state=seed).fit(X, y)
        for seed, name in enumerate(["a", "b"])
    }
    monkeypatch.setattr(multidataset, "load_pretrained", fitted.__getitem__)
    classes, dist = multidataset.vote(X[:5], ["a", "b"])
    assert classes == ["happy", "sad"]
    expected = (fitted["a"].predict_proba(X[:5]) + fitted["b"].predict_proba(X[:5])) / 2
    np.testing.assert_allclose(dist, expected, rtol=1e-6)
    args = argparse.Namespace(base="vote", voters=["a", "b"], variant="none")
    args.quick = False
    assert multidataset.key_of(args) == "multi-none-vote"
    text = multidataset.trained_on(args, {"trained_on": "FER2013 (single labels)"}, [])
    assert text == "FER2013 Training (soft labels: the vote of a + b)"


def test_ferplus_vote_row_evaluates_the_saved_vote_under_its_prior(
    tmp_path, monkeypatch
):
    import argparse

    from ferplus import vote_row

    from skfer import FERClassifier
    from skfer.datasets import make_faces

    X, y = make_faces(
        n_samples=60, classes=["happy", "sad"], random_state=0, return_X_y=True
    )
    members = []
    for i in (0, 1):
        clf = FERClassifier("small", max_epochs=1, random_state=i).fit(X, y)
        members.append(str(clf.save_weights(tmp_path / f"m{i}.safetensors")))
    monkeypatch.setenv("SKFER_CACHE", str(tmp_path / "cache"))
    data = {"public": (X[:20], y[:20]), "private": (X[20:40], y[20:40])}
    data["fer2013_private"] = (X[40:], y[40:])
    rows = {}
    for prior in (None, "uniform"):
        args = argparse.Namespace(class_prior=prior)
        rows[prior] = vote_row(members, args, data)
    row = rows["uniform"]
    assert row["members"] == ["m0", "m1"]
    assert row["trained_on"] == "the soft vote of m0, m1"
    assert row["weights"] == "$SKFER_CACHE/weights/vote-m0-m1.safetensors"
    assert row["class_prior"] == "uniform" and "class_prior" not in rows[None]
    assert row["tta"] in ("flip", "crops")
    vote = FERClassifier.from_weights(
        tmp_path / "cache" / "weights" / "vote-m0-m1.safetensors",
        tta=row["tta"],
        class_prior="uniform",
    )
    assert row["ferplus_test_accuracy"] == vote.score(X[20:40], y[20:40])
