"""``import skfer`` loads its public names on first use (PEP 562)."""

import subprocess
import sys
from pathlib import Path

import pytest

import skfer

ROOT = Path(__file__).resolve().parents[1]


def test_every_public_name_resolves_and_is_listed():
    for name in skfer.__all__:
        assert getattr(skfer, name) is not None
        assert name in dir(skfer)
    assert skfer.FERClassifier.__module__ == "skfer.classifier._classifier"
    assert skfer.models.build_model  # subpackages as attributes, as before
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        skfer.nope  # noqa: B018


def test_import_skfer_and_its_light_subpackages_imports_no_torch():
    # Only the light modules: importing torch itself is tested in-process above.
    code = (
        "import sys, skfer, skfer.onnx, skfer.inspection; "
        "heavy = [m for m in ('torch', 'skorch', 'sklearn') if m in sys.modules]; "
        "assert not heavy, heavy; print(skfer.__version__)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
