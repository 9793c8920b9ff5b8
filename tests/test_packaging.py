"""Packaging: ``python -m build`` makes an sdist and a wheel that ship the weights
(``skfer/weights/registry.json`` and every ``skfer/weights/*.safetensors``), the
licence and ``py.typed``, and nothing of the repository's tests, benchmarks or docs;
the metadata keeps torch out of the base requirements (the torch-free install).

The build runs on a temporary copy of the sources with a dummy weights file added,
so that the package-data rule for ``*.safetensors`` is checked even while no real
weights are shipped. Installing the wheel and running it is ``.ci/wheel``'s job.
"""

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

pytest.importorskip(
    "build", reason="the 'build' package is not installed: pip install build"
)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
DUMMY = "skfer/weights/zz-packaging-test.safetensors"
IGNORED = shutil.ignore_patterns(
    ".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", "*.pyc",
    "_build", ".pytest_cache", ".ruff_cache", ".hypothesis",
)  # fmt: skip


def _copy_sources(dest):
    """The working tree as git sees it (tracked, and untracked but not ignored)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout.decode()
    except (OSError, subprocess.CalledProcessError):
        shutil.copytree(ROOT, dest, ignore=IGNORED)
        return
    for name in filter(None, listed.split("\0")):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


@pytest.fixture(scope="module")
def archives(tmp_path_factory):
    """(wheel path, its names, sdist names without the top folder, the sources)."""
    tmp = tmp_path_factory.mktemp("packaging")
    src, out = tmp / "src", tmp / "dist"
    _copy_sources(src)
    (src / DUMMY).write_bytes(b"not real weights, only a packaging check")
    # sdist first, then the wheel built from it, as `python -m build` does.
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(src)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (wheel,) = out.glob("skfer-*.whl")
    (sdist,) = out.glob("skfer-*.tar.gz")
    with zipfile.ZipFile(wheel) as whl:
        in_wheel = whl.namelist()
    with tarfile.open(sdist) as tar:
        in_sdist = [n.split("/", 1)[1] for n in tar.getnames() if "/" in n]
    return wheel, in_wheel, in_sdist, src


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_shipped_weights_are_packaged(archives, kind):
    _, in_wheel, in_sdist, src = archives
    files = in_wheel if kind == "wheel" else in_sdist
    weights = sorted(
        p.relative_to(src).as_posix()
        for p in (src / "skfer/weights").iterdir()
        if p.suffix in (".json", ".safetensors")
    )
    assert "skfer/weights/registry.json" in weights and DUMMY in weights
    assert [f for f in weights if f not in files] == []


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_no_tests_benchmarks_or_docs_are_packaged(archives, kind):
    _, in_wheel, in_sdist, _ = archives
    files = in_wheel if kind == "wheel" else in_sdist
    unwanted = [
        f
        for f in files
        if f.split("/")[0] in ("tests", "benchmarks", "docs")
        or f.rsplit("/", 1)[-1] == "conftest.py"
        or f.endswith((".pyc", ".pyo"))
    ]
    assert unwanted == []


def test_wheel_has_the_package_and_the_console_script(archives):
    wheel, in_wheel, _, src = archives
    modules = sorted(
        p.relative_to(src).as_posix()
        for p in (src / "skfer").rglob("*.py")
        if p.name != "conftest.py"
    )
    assert [m for m in modules if m not in in_wheel] == []
    (entry_points,) = [f for f in in_wheel if f.endswith(".dist-info/entry_points.txt")]
    (metadata,) = [f for f in in_wheel if f.endswith(".dist-info/METADATA")]
    with zipfile.ZipFile(wheel) as whl:
        assert "skfer = skfer.cli:main" in whl.read(entry_points).decode()
        meta = whl.read(metadata).decode()
    for extra in ("torch", "onnx", "export", "plot", "video", "dask", "all", "dev"):
        assert f"Provides-Extra: {extra}" in meta
    assert "Provides-Extra: docs" in meta


def _metadata(wheel, in_wheel):
    (metadata,) = [f for f in in_wheel if f.endswith(".dist-info/METADATA")]
    with zipfile.ZipFile(wheel) as whl:
        return whl.read(metadata).decode()


def test_wheel_and_sdist_hold_the_licence_and_py_typed(archives):
    wheel, in_wheel, in_sdist, src = archives
    assert "LICENSE" in in_sdist and "skfer/py.typed" in in_sdist
    assert "skfer/py.typed" in in_wheel
    (licence,) = [f for f in in_wheel if f.endswith(".dist-info/licenses/LICENSE")]
    with zipfile.ZipFile(wheel) as whl:
        text = whl.read(licence).decode()
    assert text == (src / "LICENSE").read_text()
    assert "BSD 3-Clause License" in text and "skfer developers" in text
    meta = _metadata(wheel, in_wheel)
    assert "License-Expression: BSD-3-Clause AND Apache-2.0" in meta
    assert "License-File: LICENSE" in meta


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_the_yunet_network_ships_with_its_licence(archives, kind):
    _, in_wheel, in_sdist, _ = archives
    files = in_wheel if kind == "wheel" else in_sdist
    for name in ("yunet_s.onnx", "yunet_s.LICENSE"):
        assert f"skfer/preprocessing/{name}" in files


def test_metadata_classifiers_urls_and_a_torch_free_base(archives):
    wheel, in_wheel, _, _ = archives
    meta = _metadata(wheel, in_wheel)
    fields = [line.split(": ", 1) for line in meta.splitlines() if ": " in line]
    classifiers = [value for key, value in fields if key == "Classifier"]
    for version in ("3.10", "3.11", "3.12", "3.13"):
        assert f"Programming Language :: Python :: {version}" in classifiers
    assert "Operating System :: OS Independent" in classifiers
    assert any(c.startswith("Development Status :: ") for c in classifiers)
    assert "Requires-Python: >=3.10" in meta
    assert "example.invalid" not in meta and "Project-URL" not in meta
    requires = [value for key, value in fields if key == "Requires-Dist"]
    base = [req for req in requires if "extra ==" not in req]
    names = {req.split(">")[0].split("=")[0].split("<")[0].strip() for req in base}
    assert names == {
        "numpy",
        "pillow",
        "scikit-image",
        "onnxruntime",
        "tqdm",
        "markdown-it-py",
    }
    onnx = [line for line in meta.splitlines() if 'extra == "onnx"' in line]
    assert onnx and all("onnxruntime" in line for line in onnx)
