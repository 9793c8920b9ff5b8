"""Hostile result files: every value escaped, nothing read from outside the folder."""

import json
import os
import warnings

import numpy as np
import pytest
from PIL import Image

from skfer.report import make_report

SCRIPT = "<script>alert(1)</script>"


def _page(results, tmp_path, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        page = make_report(results, tmp_path / "out" / "r.html", **kwargs).read_text()
    return page, [str(w.message) for w in caught]


def _write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


def test_every_value_of_an_evaluation_is_escaped(tmp_path):
    """The audit's case: summary.n_samples was inserted as it was."""
    labels = [SCRIPT, "sad"]
    per_class = {label: 0.5 for label in labels}
    _write(
        tmp_path / "run" / "evaluation.json",
        {
            "kind": "skfer-evaluate",
            "model": SCRIPT,
            "dataset": SCRIPT,
            "command": SCRIPT,
            "date": SCRIPT,
            "summary": {
                "accuracy": 0.5,
                "macro_f1": 0.5,
                "n_samples": SCRIPT,
                "labels": labels,
                "per_class_precision": per_class,
                "per_class_recall": per_class,
                "per_class_f1": per_class,
                "support": {label: 1 for label in labels},
            },
        },
    )
    page, _ = _page([tmp_path / "run"], tmp_path, title=SCRIPT, command=SCRIPT)
    assert "<script" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 6


@pytest.mark.parametrize(
    "name, data",
    [
        (
            "card.json",
            {
                "kind": "skfer-train",
                "architecture": SCRIPT,
                "classes": [SCRIPT],
                "data": {SCRIPT: SCRIPT},
                "command": SCRIPT,
            },
        ),
        ("scores.json", {SCRIPT: SCRIPT, "rows": [{SCRIPT: SCRIPT}], "x": [[SCRIPT]]}),
        ("history.json", [{"epoch": 1, SCRIPT: SCRIPT, "train_loss": 1.0}]),
        (
            "video.json",
            {
                "kind": "skfer-video",
                "videos": [{"file": SCRIPT, "status": SCRIPT, "tracks": []}],
            },
        ),
    ],
)
def test_every_value_of_other_result_files_is_escaped(tmp_path, name, data):
    folder = tmp_path / f"<b>{name}"  # the folder name is shown too
    _write(folder / name, data)
    (folder / "notes.md").write_text(f"# {SCRIPT}\n\n{SCRIPT} [x](javascript:1)")
    page, _ = _page([folder], tmp_path)
    assert "<script" not in page and "<b>" not in page
    assert 'href="javascript' not in page
    assert "&lt;script&gt;" in page


def test_links_out_of_the_result_folder_are_left_out(tmp_path):
    """results/leak.md -> /etc/hostname was embedded; now left out, with a warning."""
    secret = tmp_path / "private"
    secret.mkdir()
    (secret / "secret.md").write_text("# SECRET-TEXT\n")
    (secret / "scores.json").write_text(json.dumps({"secret_score": 0.123}))
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(secret / "secret.png")
    results = tmp_path / "results"
    _write(results / "scores.json", {"accuracy": 0.9})
    (results / "leak.md").symlink_to(secret / "secret.md")
    (results / "leak.png").symlink_to(secret / "secret.png")
    (results / "leakdir").symlink_to(secret, target_is_directory=True)
    (results / "broken.json").symlink_to(tmp_path / "nowhere.json")
    (results / "inside.md").symlink_to(results / "notes.md")  # stays inside
    (results / "notes.md").write_text("# Inside notes\n")
    page, messages = _page([results], tmp_path)
    assert "SECRET-TEXT" not in page and "secret_score" not in page
    assert "data:image/png" not in page
    assert page.count("<h3>Inside notes</h3>") == 2  # the link inside is kept
    for name in ("leak.md", "leak.png", "leakdir"):  # a broken link: not a file
        assert any(
            f"{name}' is a link out of the result folder" in m for m in messages
        ), (name, messages)


def test_a_result_folder_given_as_a_link_is_followed(tmp_path):
    """The folder the user names may be a link (latest -> run-3); its files count."""
    run = tmp_path / "runs" / "run-3"
    _write(run / "scores.json", {"accuracy": 0.75})
    (tmp_path / "latest").symlink_to(run, target_is_directory=True)
    page, messages = _page([tmp_path / "latest"], tmp_path)
    assert "0.75" in page and not messages


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_among_the_results_is_not_read(tmp_path):
    results = tmp_path / "results"
    _write(results / "scores.json", {"accuracy": 0.9})
    os.mkfifo(results / "pipe.json")
    page, _ = _page([results], tmp_path)  # would block if the FIFO were read
    assert "0.9" in page
    with pytest.raises(ValueError, match=r"pipe\.json is neither a regular file"):
        make_report([results / "pipe.json"], tmp_path / "r.html")


def test_a_markdown_file_that_is_not_utf8_is_named(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    (results / "notes.md").write_bytes("# caf\xe9\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"notes\.md is not a UTF-8 text file"):
        make_report([results], tmp_path / "r.html")
