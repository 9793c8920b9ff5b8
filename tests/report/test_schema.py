"""The result-file schema shared by the CLI and the report."""

import json

import pytest

from skfer.report import schema


def test_weights_file_name_is_the_checkpoint_format_s():
    from skfer.weights import WEIGHTS_FILE

    assert schema.WEIGHTS_FILE == WEIGHTS_FILE


@pytest.mark.parametrize(
    "name, data, kind",
    [
        ("card.json", {"kind": schema.KIND_TRAIN}, "skfer-train"),
        ("evaluation.json", {"kind": schema.KIND_EVALUATE}, "skfer-evaluate"),
        ("run.json", {"kind": schema.KIND_VIDEO}, "skfer-video"),
        (schema.HISTORY_JSON, [{"epoch": 1}], "history"),
        ("history.json", {"epochs": 1}, "generic"),
        ("scores.json", {"kind": "other"}, "generic"),
    ],
)
def test_result_kind(tmp_path, name, data, kind):
    assert schema.result_kind(tmp_path / name, data) == kind


def test_check_result_names_the_file_and_field(tmp_path):
    bad = {"kind": schema.KIND_EVALUATE, "summary": {"accuracy": "0.9"}}
    with pytest.raises(ValueError, match=r"e\.json: field 'summary.accuracy'"):
        schema.check_result(tmp_path / "e.json", bad, schema.KIND_EVALUATE)


def test_read_result_names_an_unreadable_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{")
    with pytest.raises(ValueError, match="broken.json is not a readable JSON"):
        schema.read_result(path)
    path.write_text(json.dumps({"a": 1}))
    assert schema.read_result(path) == {"a": 1}
