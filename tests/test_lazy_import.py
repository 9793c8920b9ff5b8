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


def test_finding_faces_and_the_cli_parser_import_no_torch_or_sklearn():
    # What the torch-free install runs: find a face, build the parser.
    code = (
        "import sys\n"
        "from skimage import data\n"
        "from skfer.cli import build_parser\n"
        "from skfer.preprocessing import extract_faces\n"
        "build_parser()\n"
        "boxes, rows = extract_faces(data.astronaut())\n"
        "assert rows.shape == (1, 2304) and rows.dtype.name == 'uint8', rows.shape\n"
        "heavy = [m for m in ('torch', 'skorch', 'sklearn', 'matplotlib')\n"
        "         if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr


def test_a_name_needing_a_missing_extra_says_what_to_install():
    code = (
        "import sys\n"
        "sys.modules['skorch'] = None  # as in the torch-free install\n"
        "import skfer\n"
        "try:\n"
        "    skfer.ensemble_from_fitted\n"
        "except ModuleNotFoundError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "skfer.ensemble_from_fitted needs skfer's `torch` extra" in done.stdout
