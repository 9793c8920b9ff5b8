"""The documentation: API reference coverage, runnable examples, and the build.

The API pages are written by ``docs/_ext/skfer_api.py`` from each public module's
``__all__``; the fast tests here check its output without running Sphinx. The full
Sphinx build (warnings are errors) is marked ``slow`` and skipped when Sphinx is not
installed (``pip install -e ".[docs]"``).
"""

import doctest
import importlib
import importlib.util
import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import skfer

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXPECTED_MODULES = (
    "skfer",
    "skfer.models",
    "skfer.datasets",
    "skfer.preprocessing",
    "skfer.augmentation",
    "skfer.over_sampling",
    "skfer.metrics",
    "skfer.plotting",
    "skfer.weights",
)


def _load(name):
    spec = importlib.util.spec_from_file_location(name, DOCS / "_ext" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def api():
    return _load("skfer_api")


@pytest.fixture(scope="module")
def rendered(api):
    return api.render_api()


def _public_modules():
    """Every importable public module of skfer with an ``__all__``, found without
    the docs extension: the listed subpackages, any other subpackage, and plain
    modules such as ``skfer.report``."""
    names = set(EXPECTED_MODULES)
    for info in pkgutil.iter_modules(skfer.__path__):
        if not info.name.startswith("_"):
            names.add(f"skfer.{info.name}")
    modules = []
    for name in sorted(names):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "__all__"):
            modules.append(module)
    return modules


def test_every_listed_subpackage_that_exists_is_documented(api):
    documented = api.public_modules()
    assert documented[0] == "skfer"
    for name in EXPECTED_MODULES:
        if importlib.util.find_spec(name) is not None:
            assert name in documented


def test_every_public_name_is_in_the_api_reference(api, rendered):
    """Each name of each public ``__all__`` has a page, and is listed on its
    module's page when that module has one."""
    documented = {}
    for e in api.api_entries():
        if e["page"]:
            obj = getattr(importlib.import_module(e["module"]), e["name"])
            documented.setdefault(id(obj), e["canonical"])
    missing = []
    for module in _public_modules():
        page = rendered.get(f"{module.__name__}.rst")
        for name in module.__all__:
            canonical = documented.get(id(getattr(module, name)))
            if canonical is None or f"{canonical}.rst" not in rendered:
                missing.append(f"{module.__name__}.{name}")
            elif page is not None and not any(
                mark in page
                for mark in (f"   {name}\n", f":: {name}\n", f":data:`{name}`")
            ):
                missing.append(f"{module.__name__}.{name} (not on its module page)")
    assert not missing, f"public names missing from the API reference: {missing}"


def test_every_public_object_has_exactly_one_page(api, rendered):
    entries = api.api_entries()
    pages = {e["canonical"] for e in entries}
    for canonical in pages:
        assert f"{canonical}.rst" in rendered
    # Each page title is the object's full name.
    for canonical in pages:
        assert rendered[f"{canonical}.rst"].startswith(f"{canonical}\n")
    # A re-exported object links to the page of its first exporter.
    by_name = {(e["module"], e["name"]): e for e in entries}
    entry = by_name["skfer.classifier", "load_pretrained"]
    assert entry["canonical"] == "skfer.load_pretrained" and not entry["page"]
    assert ":func:`skfer.load_pretrained`" in rendered["skfer.classifier.rst"]


def test_api_toc_lists_every_module_page(api, rendered):
    toc = rendered["toc.rst.inc"]
    for modname in api.public_modules():
        assert f"generated/{modname}\n" in toc
        assert f"{modname}.rst" in rendered


def test_class_pages_document_own_methods_only(api, rendered):
    page = rendered["skfer.FERClassifier.rst"]
    assert ".. autoclass:: FERClassifier" in page
    for method in ("fit", "partial_fit", "predict_proba", "save_weights"):
        assert method in page
    # scikit-learn's generated metadata-routing setters are not skfer's API.
    assert "set_fit_request" not in page


def test_write_api_removes_stale_pages(api, tmp_path):
    (tmp_path / "skfer.Removed.rst").write_text("old")
    api.write_api(tmp_path)
    assert not (tmp_path / "skfer.Removed.rst").exists()
    assert (tmp_path / "skfer.FERClassifier.rst").is_file()
    assert api.write_api(tmp_path) == []  # unchanged files are not rewritten


def test_paper_tables_never_invent_numbers(tmp_path):
    results = _load("skfer_results")
    lines = "\n".join(results.table_lines("fer2013", results_dir=tmp_path))
    assert "61.19" in lines and "61.58" in lines and "61.62" in lines
    assert lines.count("*pending*") == 4
    transfer = "\n".join(
        results.table_lines("transfer", target="ckplus", results_dir=tmp_path)
    )
    for figure in ("46.89", "50.73", "60.90", "50.96", "68.81", "61.45"):
        assert figure in transfer
    assert transfer.count("*pending*") == 6
    (tmp_path / "fer2013.json").write_text(
        '{"models": {"model2": {"private_test_accuracy": 0.6789}}}'
    )
    lines = "\n".join(results.table_lines("fer2013", results_dir=tmp_path))
    assert "67.89" in lines and lines.count("*pending*") == 3


# ------------------------------------------------------------------ examples
RST_WITH_EXAMPLES = sorted(
    p.relative_to(DOCS).as_posix()
    for p in DOCS.rglob("*.rst")
    if "_build" not in p.parts
    and "generated" not in p.parts
    and ">>>" in p.read_text(encoding="utf-8")
)


@pytest.mark.parametrize("page", RST_WITH_EXAMPLES)
def test_examples_in_docs_run(page, tmp_path, monkeypatch):
    """The ``>>>`` examples of the user guide pages give the output they show."""
    pytest.importorskip("matplotlib")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("SKFER_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    # Examples may register architectures: leave the registry as it was.
    from skfer.models import ARCHITECTURES

    saved = dict(ARCHITECTURES)
    try:
        failures, tried = _run_doctests(page)
    finally:
        ARCHITECTURES.clear()
        ARCHITECTURES.update(saved)
    assert tried > 0
    assert failures == 0, f"{failures} example(s) of docs/{page} failed (see above)"


def _run_doctests(page):
    return doctest.testfile(
        str(DOCS / page),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        verbose=False,
        report=True,
    )


# ---------------------------------------------------------------------- build
@pytest.mark.slow
def test_docs_build_without_warnings(tmp_path):
    pytest.importorskip("sphinx", reason="install the docs extra to build the docs")
    pytest.importorskip("numpydoc", reason="install the docs extra to build the docs")
    pytest.importorskip("matplotlib", reason="install the docs extra to build the docs")
    env = dict(os.environ, MPLBACKEND="Agg")
    cmd = [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        "html",
        "-W",
        "--keep-going",
        "-n",
        "-q",
        "-d",
        str(tmp_path / "doctrees"),
        str(DOCS),
        str(tmp_path / "html"),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-10000:]
    generated = tmp_path / "html" / "api" / "generated"
    assert (generated / "skfer.FERClassifier.html").is_file()


def _registry_tta():
    """The ``tta`` of every shipped model's ``predict_params`` (read as JSON)."""
    import json

    registry = json.loads((ROOT / "skfer" / "weights" / "registry.json").read_text())
    return {
        entry.get("predict_params", {}).get("tta")
        for entry in registry["weights"].values()
    }


@pytest.mark.parametrize(
    "page",
    ["docs/user_guide/onnx.rst", "docs/user_guide/cli.rst", "README.md"],
)
def test_tta_claimed_for_the_shipped_models_is_the_registry_s(page):
    import re

    shipped = _registry_tta()
    text = (ROOT / page).read_text(encoding="utf-8")
    claims = [
        value
        for paragraph in re.split(r"\n\s*\n", text)
        if re.search(r"shipped|registry", paragraph)
        for value in re.findall(r'tta="(\w+)"', paragraph)
    ]
    assert all(value in shipped for value in claims), (page, claims, shipped)
    for paragraph in re.split(r"\n\s*\n", text):  # "every shipped model": all
        if re.search(r"every\s+shipped\s+model", paragraph):
            for value in re.findall(r'tta="(\w+)"', paragraph):
                assert set(shipped) == {value}, (page, value, shipped)
    if page != "README.md":  # the guides state it
        assert claims, f"{page} no longer says which tta the shipped models use"


# ------------------------------------------------- words that match the code
def _requirement_name(requirement):
    """``"dask[distributed]>=2024.1"`` -> ``"dask"``; ``"skfer[torch]"`` -> None."""
    import re

    name = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0)
    return None if name == "skfer" else name.lower()


def _extras_table():
    """``{extra: text of its "Installs" cell}`` of install.rst's table."""
    import re

    text = (DOCS / "install.rst").read_text(encoding="utf-8")
    rows = re.findall(r"^   \* - ``(\w+)``\n     - (.*)$", text, flags=re.M)
    return {extra: installs.lower() for extra, installs in rows}, text


def test_install_guide_lists_every_extra_and_base_dependency_of_pyproject():
    """It omitted the onnx extra, Pillow and tqdm; now checked against pyproject."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    table, text = _extras_table()
    assert set(table) == set(extras)
    for extra, requirements in extras.items():
        names = {_requirement_name(r) for r in requirements} - {None}
        missing = [n for n in names if n not in table[extra]]
        assert not missing, f"install.rst: extra {extra!r} does not name {missing}"
    core = text.split("alone installs the light core:", 1)[1].split(".", 1)[0]
    for requirement in project["dependencies"]:
        assert _requirement_name(requirement) in core.lower(), requirement


def _readme_python_blocks():
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_readme_speaks_to_users_not_about_the_project_history():
    """It spoke of "the issue's 1.2x goal", seeds and shipping dates."""
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    internal = re.findall(
        r"\bissues? ?#?\d*\b|\bgoals?\b|\bseeds?\b|shipped (?:on|in) \d", text, re.I
    )
    assert internal == []


def test_readme_examples_that_train_long_show_progress():
    """The CK+ cross_validate example ran 21 minutes in silence (verbose not shown)."""
    import re

    real = r"load_(?:fer2013|ferplus|ckplus|jaffe|image_folder)\("
    trained = [
        block
        for block in _readme_python_blocks()
        if "FERClassifier(" in block and re.search(real, block)
    ]
    assert trained  # the CK+ example is still there
    for block in trained:
        assert "verbose=" in block, block


def test_quickstart_loads_the_model_the_command_line_uses():
    """It loaded ``list_pretrained()[0]`` (Model 2) while ``skfer predict`` and
    :func:`skfer.analyze` use the registry's default (Model 3)."""
    import re

    from skfer.weights import default_pretrained

    text = (DOCS / "quickstart.rst").read_text(encoding="utf-8")
    names = re.findall(r'load_pretrained\("([\w-]+)"\)', text)
    assert "list_pretrained()[0]" not in text and names
    assert set(names) == {default_pretrained()}


def test_install_guide_gives_the_cpu_torch_route_without_the_constraints_file():
    """It asked for constraints.txt (shipped in neither sdist nor wheel) and a
    plain install pulled a CUDA torch of several GB."""
    import re

    text = (DOCS / "install.rst").read_text(encoding="utf-8")
    usual, _, pinned = text.partition("The pinned install of the project's machines")
    assert pinned and "constraints.txt" not in usual
    commands = re.findall(r"^\s+(\S*pip install .*)$", usual, flags=re.M)
    assert any("download.pytorch.org/whl/cpu" in c for c in commands)


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
def test_make_html_runs_sphinx_with_a_python_that_has_it():
    """``make -C docs html`` failed unless the virtual environment was active."""
    done = subprocess.run(
        ["make", "-n", "-C", str(DOCS), "html"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    venv = ROOT / ".venv" / "bin" / "python"
    python = "../.venv/bin/python" if venv.is_file() else "python3"
    assert f"{python} -m sphinx -M html" in done.stdout
