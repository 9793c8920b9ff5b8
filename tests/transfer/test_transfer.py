import json

import numpy as np
import pytest
from imblearn.pipeline import Pipeline
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut

from skfer import FERClassifier
from skfer.datasets import make_faces
from skfer.transfer import (
    PretrainedClassifier,
    make_protocol,
    make_transfer_estimator,
    run_transfer,
    transfer_benchmark,
)

FAST = {"max_epochs": 2, "batch_size": 16, "n_iter_no_change": 2}


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    X, y = make_faces(140, random_state=0, return_X_y=True)
    clf = FERClassifier("small", max_epochs=3, lr=3e-3, random_state=0).fit(X, y)
    path = tmp_path_factory.mktemp("src") / "small.safetensors"
    clf.save_weights(path)
    return clf, path


def test_protocols_follow_the_paper_ratios_and_subjects():
    cv, val = make_protocol("ckplus", "paper", n_repeats=5)
    assert cv.get_n_splits() == 5 and cv.test_size == 0.2
    assert val == pytest.approx(0.1 / 0.8)
    assert isinstance(make_protocol("ckplus", "subject")[0], GroupKFold)
    assert isinstance(make_protocol("jaffe", "subject")[0], LeaveOneGroupOut)
    with pytest.raises(ValueError, match="Unknown protocol"):
        make_protocol("jaffe", "random")
    with pytest.raises(ValueError, match="Unknown target"):
        make_protocol("affectnet", "paper")


def test_subject_folds_never_share_a_person():
    data = make_faces(60, n_subjects=10, random_state=0)
    cv, _ = make_protocol("jaffe", "subject")
    for train, test in cv.split(data.data, data.target, data.groups):
        assert not set(data.groups[train]) & set(data.groups[test])


def test_estimators_of_each_method(source):
    _, path = source
    assert isinstance(
        make_transfer_estimator("zero-shot", "small", path), PretrainedClassifier
    )
    scratch = make_transfer_estimator("scratch", "small")
    assert scratch.pretrained is None and scratch.architecture == "small"
    tuned = make_transfer_estimator("fine-tuned", "small", path)
    assert tuned.pretrained == path and tuned.lr < scratch.lr
    pipe = make_transfer_estimator("fine-tuned+oversampling", "small", path)
    assert isinstance(pipe, Pipeline) and pipe[-1].pretrained == path
    with pytest.raises(ValueError, match="needs source weights"):
        make_transfer_estimator("fine-tuned", "small")
    with pytest.raises(ValueError, match="not a 'model2'"):
        make_transfer_estimator("fine-tuned", "model2", path)


def test_zero_shot_predicts_like_the_source(source):
    clf, path = source
    X, y = make_faces(30, random_state=3, return_X_y=True)
    zero = PretrainedClassifier(path).fit(X, y)
    np.testing.assert_array_equal(zero.predict(X), clf.predict(X))


def test_benchmark_rows_and_same_folds_for_every_method(source):
    _, path = source
    data = make_faces(70, n_subjects=5, random_state=4)
    rows, histories = transfer_benchmark(
        {"jaffe": data},
        {"small": path},
        models=["small"],
        methods=["zero-shot", "scratch", "fine-tuned"],
        n_repeats=2,
        max_splits=2,
        params=FAST,
        log=None,
    )
    assert len(rows) == 2 * 3  # protocols x methods
    for row in rows:
        assert row["n_splits"] == 2 and len(row["scores"]) == 2
        assert 0 <= row["mean"] <= 1
        cm = np.asarray(row["confusion_matrix"])
        # each fold's test images counted once
        assert cm.sum() > 0 and cm.shape == (len(row["labels"]),) * 2
    paper = [r for r in rows if r["protocol"] == "paper"]
    assert len({np.asarray(r["confusion_matrix"]).sum() for r in paper}) == 1
    assert histories[("jaffe", "paper", "small", "fine-tuned")]


@pytest.mark.realdata
def test_quick_run_on_real_data_has_every_row(real_data_home, source, tmp_path):
    _, path = source
    results = run_transfer(
        real_data_home,
        output=tmp_path,
        models=["small"],
        weights={"small": path},
        quick=True,
        log=None,
    )
    saved = json.loads((tmp_path / "transfer.json").read_text())
    keys = {
        (r["target"], r["protocol"], r["model"], r["method"]) for r in saved["rows"]
    }
    expected = {
        (t, p, "small", m)
        for t in ("ckplus", "jaffe")
        for p in ("paper", "subject")
        for m in ("zero-shot", "scratch", "fine-tuned")
    }
    assert keys == expected
    assert results["quick"] is True
    assert (tmp_path / "transfer.md").is_file()
    assert any(name.startswith("transfer_confusion_") for name in saved["figures"])


@pytest.fixture
def synthetic_targets(monkeypatch):
    """run_transfer on a small synthetic JAFFE instead of the real folders."""
    from skfer.transfer import _run

    data = make_faces(70, n_subjects=5, random_state=4)
    monkeypatch.setattr(_run, "_load_targets", lambda home, targets: {"jaffe": data})


def _keys(results):
    return {(r["protocol"], r["method"]) for r in results["rows"]}


def test_run_saves_every_row_and_resumes(source, synthetic_targets, tmp_path):
    _, path = source
    common = dict(
        output=tmp_path,
        models=["small"],
        weights={"small": path},
        quick=True,
        targets=["jaffe"],
    )
    first = run_transfer(None, methods=["zero-shot", "scratch"], log=None, **common)
    assert first["complete"] is True and len(first["rows"]) == 4
    messages = []
    second = run_transfer(
        None,
        methods=["zero-shot", "scratch", "fine-tuned"],
        log=messages.append,
        **common,
    )
    assert any("resuming: 4 rows kept" in m for m in messages)
    # only the fine-tuned rows were run: two new result lines
    assert sum(" fine-tuned:" in m for m in messages) == 2
    assert not any(" scratch:" in m for m in messages)
    assert _keys(second) == {
        (p, m)
        for p in ("paper", "subject")
        for m in ("zero-shot", "scratch", "fine-tuned")
    }
    old = {(r["protocol"], r["method"]): r["scores"] for r in first["rows"]}
    for row in second["rows"]:
        if (row["protocol"], row["method"]) in old:
            assert row["scores"] == old[(row["protocol"], row["method"])]
    assert len(second["runs"]) == 2
    saved = json.loads((tmp_path / "transfer.json").read_text())
    assert saved["rows"] == second["rows"]
    assert "Made in several runs" in (tmp_path / "transfer.md").read_text()
    # a fresh run ignores the earlier file
    fresh = run_transfer(None, methods=["scratch"], log=None, resume=False, **common)
    assert _keys(fresh) == {("paper", "scratch"), ("subject", "scratch")}


def test_device_is_checked_first_and_recorded(source, synthetic_targets, tmp_path):
    import torch

    _, path = source
    common = dict(
        output=tmp_path,
        models=["small"],
        weights={"small": path},
        quick=True,
        targets=["jaffe"],
        protocols=["paper"],
        methods=["scratch"],
        log=None,
    )
    with pytest.raises(ValueError, match="not a valid torch device"):
        run_transfer(None, device="gpu0", **common)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA GPU is available"):
            run_transfer(None, device="cuda", **common)
    assert not (tmp_path / "transfer.json").exists()  # failed before any row
    results = run_transfer(None, device="cpu", **common)
    assert results["runs"][0]["machine"]["device"] == "cpu"


def test_new_source_weights_make_transferred_rows_stale(
    source, synthetic_targets, tmp_path
):
    clf, path = source
    common = dict(
        output=tmp_path,
        models=["small"],
        quick=True,
        targets=["jaffe"],
        protocols=["paper"],
        log=None,
    )
    run_transfer(
        None, weights={"small": path}, methods=["zero-shot", "scratch"], **common
    )
    other = tmp_path / "other.safetensors"
    clf.set_params(max_epochs=1, random_state=1).fit(
        *make_faces(70, random_state=9, return_X_y=True)
    ).save_weights(other)
    messages = []
    common["log"] = messages.append
    again = run_transfer(
        None, weights={"small": other}, methods=["zero-shot", "scratch"], **common
    )
    assert any("dropped (new weights)" in m for m in messages)
    assert any(" zero-shot:" in m for m in messages)  # re-run
    assert not any(" scratch:" in m for m in messages)  # kept
    assert _keys(again) == {("paper", "zero-shot"), ("paper", "scratch")}


def test_run_of_one_protocol_is_complete_and_logs_each_fold(
    source, synthetic_targets, tmp_path
):
    _, path = source
    messages = []
    results = run_transfer(
        None,
        output=tmp_path,
        models=["small"],
        weights={"small": path},
        quick=True,
        targets=["jaffe"],
        protocols=["subject"],
        methods=["scratch"],
        log=messages.append,
        verbose=2,
    )
    # Only the subject protocol was asked for: no paper row is "missing".
    assert results["complete"] is True and results["missing_rows"] == []
    assert "Incomplete" not in (tmp_path / "transfer.md").read_text()
    folds = [m for m in messages if ": fold " in m]
    assert [m.split(": fold ")[1].split()[0] for m in folds] == ["1/2", "2/2"]
    assert all("jaffe subject small scratch" in m for m in folds)


def test_interrupted_run_keeps_finished_rows(source, synthetic_targets, tmp_path):
    _, path = source

    def interrupt_after_first_row(message):
        if message.strip().startswith("jaffe"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_transfer(
            None,
            output=tmp_path,
            models=["small"],
            weights={"small": path},
            quick=True,
            targets=["jaffe"],
            methods=["zero-shot", "scratch"],
            log=interrupt_after_first_row,
        )
    saved = json.loads((tmp_path / "transfer.json").read_text())
    assert saved["complete"] is False
    assert len(saved["rows"]) == 1
    resumed = run_transfer(
        None,
        output=tmp_path,
        models=["small"],
        weights={"small": path},
        quick=True,
        targets=["jaffe"],
        methods=["zero-shot", "scratch"],
        log=None,
    )
    assert resumed["complete"] is True and len(resumed["rows"]) == 4


def test_report_lists_missing_rows(source, synthetic_targets, tmp_path, monkeypatch):
    from skfer.transfer import write_results

    _, path = source
    # results name no folder of this machine: cached weights are $SKFER_CACHE/...
    monkeypatch.setenv("SKFER_CACHE", str(path.parent.parent))
    results = run_transfer(
        None,
        output=tmp_path,
        models=["small"],
        weights={"small": path},
        quick=True,
        targets=["jaffe"],
        methods=["zero-shot", "scratch"],
        log=None,
    )
    assert results["complete"] is True and results["missing_rows"] == []
    shown = f"$SKFER_CACHE/{path.parent.name}/{path.name}"
    assert results["weights"] == {"small": shown}
    partial = {**results, "rows": results["rows"][1:]}
    out = write_results(partial, tmp_path / "partial")
    assert out["complete"] is False
    assert out["missing_rows"] == [_key(results["rows"][0])]
    text = (tmp_path / "partial" / "transfer.md").read_text()
    assert "**Incomplete**: 1 rows" in text
    write_results({**results, "complete": False}, tmp_path / "stopped")
    text = (tmp_path / "stopped" / "transfer.md").read_text()
    assert "**Incomplete**: the run stopped before its last row" in text


def test_merge_of_runs_is_complete_when_no_row_is_missing(
    source, synthetic_targets, tmp_path
):
    from skfer.transfer import merge_results, write_results

    _, path = source
    common = dict(
        models=["small"],
        weights={"small": path},
        quick=True,
        targets=["jaffe"],
        methods=["zero-shot", "scratch"],
    )

    def stop_after_first_row(message):
        if message.strip().startswith("jaffe"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_transfer(None, output=tmp_path / "a", log=stop_after_first_row, **common)
    full = run_transfer(None, output=tmp_path / "b", log=None, resume=False, **common)
    a, b = tmp_path / "a" / "transfer.json", tmp_path / "b" / "transfer.json"
    assert json.loads(a.read_text())["complete"] is False

    alone = write_results(merge_results([a]), tmp_path / "alone")
    assert alone["complete"] is False
    assert "**Incomplete**" in (tmp_path / "alone" / "transfer.md").read_text()

    merged = write_results(merge_results([a, b]), tmp_path / "merged")
    assert merged["complete"] is True and merged["missing_rows"] == []
    assert len(merged["rows"]) == len(full["rows"]) == 4
    assert len(merged["runs"]) == 2
    assert "Incomplete" not in (tmp_path / "merged" / "transfer.md").read_text()

    other = json.loads(b.read_text())
    other["n_repeats"] += 1
    (tmp_path / "other.json").write_text(json.dumps(other))
    with pytest.raises(ValueError, match="other settings"):
        merge_results([a, tmp_path / "other.json"])
    with pytest.raises(ValueError, match="at least one"):
        merge_results([])


def _key(row):
    return [row["target"], row["protocol"], row["model"], row["method"]]


def test_zero_shot_uses_the_registered_predict_params_unless_overridden():
    from skfer import list_pretrained

    entries = [e for e in list_pretrained() if e.get("predict_params", {}).get("tta")]
    if not entries:
        pytest.skip("no shipped model with a registered tta")
    name, tta = entries[0]["name"], entries[0]["predict_params"]["tta"]
    X, y = make_faces(4, random_state=0, return_X_y=True)
    assert PretrainedClassifier(name).fit(X, y).classifier_.tta == tta
    assert PretrainedClassifier(name, tta=None).fit(X, y).classifier_.tta is None


def test_training_length_gives_a_small_dataset_enough_steps():
    from skfer.transfer import training_length

    # CK+ (paper protocol): 15 batches an epoch, the default 40 epochs suffice
    assert training_length(523, 1 / 8) == {"max_epochs": 40, "n_iter_no_change": 10}
    # JAFFE: 4 batches an epoch, so the epochs and the patience grow alike
    small = training_length(128, 0.0)
    assert small["max_epochs"] * 4 >= 500 and small["n_iter_no_change"] > 10
    # larger batches mean fewer steps an epoch: more epochs
    assert training_length(128, 0.0, {"batch_size": 64})["max_epochs"] == 250
    # explicit values win
    assert training_length(128, 0.0, {"max_epochs": 7})["max_epochs"] == 7
