"""Packaging: ``python -m build`` makes an sdist and a wheel that ship the weights
(``skfer/weights/registry.json`` and every ``skfer/weights/*.safetensors``) and
nothing of the repository's tests, benchmarks or docs.

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
    for extra in ("dask", "plot", "dev", "docs"):
        assert f"Provides-Extra: {extra}" in meta
