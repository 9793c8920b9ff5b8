"""The package layout contributors rely on (docs/architecture.rst).

Checked from the source, by reading every ``import`` statement of ``skfer/``
(module level and inside functions alike):

- no import cycle between skfer's modules (packages count as their
  ``__init__``);
- no module imports a private module (``_name``) of another package: packages
  talk through what their ``__init__`` exports;
- the top level of ``skfer/`` holds public modules and packages only;
- the layers run one way: models <- weights <- classifier <- {ensemble,
  transfer, report, cli};
- the benchmark scripts (``benchmarks/*.py``) use skfer's public API only: no
  private module or name imported, no private attribute used.
- an import inside a function (of ``skfer/`` or ``benchmarks/``) says why in
  a ``# lazy: <reason>`` comment (an optional dependency, start-up time).
"""

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "skfer"


def _module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules():
    return {
        _module_name(p): p
        for p in PACKAGE.rglob("*.py")
        if "__pycache__" not in p.parts
    }


def _resolve(module, is_package, node):
    if node.level == 0:
        return node.module
    base = module.split(".")
    if not is_package:
        base.pop()
    if node.level > 1:
        base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(modules):
    """``{module: {imported skfer module, ...}}`` from the import statements."""
    graph = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, is_package, node)
                candidates = [f"{base}.{alias.name}" for alias in node.names]
                candidates = [c if c in modules else base for c in candidates]
            else:
                continue
            for target in candidates:
                while target and target not in modules:  # skfer.x.attr -> skfer.x
                    target = target.rpartition(".")[0]
                if target and target.startswith("skfer") and target != name:
                    targets.add(target)
        graph[name] = targets
    return graph


GRAPH = _imports(_modules())


def _package_of(module):
    path = _modules()[module]
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_import_graph_is_read():
    # guards the checks below against reading nothing
    assert "skfer.weights._format" in GRAPH["skfer.weights"]
    assert "skfer.weights" in GRAPH["skfer.classifier._classifier"]
    assert "skfer.models" in GRAPH["skfer.weights._format"]


def test_no_import_cycles():
    assert _cycles(GRAPH) == []


def test_cycle_detection_finds_a_planted_cycle():
    graph = {k: set(v) for k, v in GRAPH.items()}
    graph["skfer.models._paper"].add("skfer.classifier._classifier")
    assert _cycles(graph)


def _private_imports_across_packages():
    """Imports of a ``_private`` module that lies outside the importer's package."""
    bad = []
    for module, targets in GRAPH.items():
        for target in targets:
            parent, _, leaf = target.rpartition(".")
            private = leaf.startswith("_") and not leaf.startswith("__")
            if private and parent != _package_of(module):
                bad.append(f"{module} -> {target}")
    return sorted(bad)


def test_private_import_check_finds_a_planted_one():
    GRAPH["skfer.models._paper"].add("skfer.weights._format")
    try:
        found = _private_imports_across_packages()
        assert "skfer.models._paper -> skfer.weights._format" in found
    finally:
        GRAPH["skfer.models._paper"].discard("skfer.weights._format")


def test_no_private_module_imported_across_packages():
    assert _private_imports_across_packages() == []


def test_top_level_holds_public_modules_and_packages_only():
    private = [
        p.name
        for p in PACKAGE.iterdir()
        if p.name.startswith("_")
        and p.name not in ("__init__.py", "__main__.py", "__pycache__")
        and (p.suffix == ".py" or (p / "__init__.py").exists())
    ]
    assert private == []


# Lower layers never import upper ones.
LAYERS = [
    ("skfer.utils", ["skfer.models", "skfer.weights", "skfer.classifier"]),
    ("skfer.models", ["skfer.weights", "skfer.classifier"]),
    ("skfer.weights", ["skfer.classifier", "skfer.ensemble", "skfer.transfer"]),
    ("skfer.classifier", ["skfer.ensemble", "skfer.transfer", "skfer.report"]),
]


@pytest.mark.parametrize("lower, uppers", LAYERS)
def test_dependencies_run_one_way(lower, uppers):
    wrong = sorted(
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        if module == lower or module.startswith(lower + ".")
        for target in targets
        for upper in uppers
        if target == upper or target.startswith(upper + ".")
    )
    assert wrong == []


# ----------------------------------------------------------------- benchmarks
# The benchmark scripts only read the package, through its public API: no
# private module (``skfer.cli._common``), no private name imported
# (``from skfer.x import _name``) or used as an attribute (``clf._scaling()``).
# Their own helpers (``benchmarks/_common.py``, ...) are theirs to share.
BENCHMARKS = PACKAGE.parent / "benchmarks"


def _private(name):
    return name.startswith("_") and not name.startswith("__")


def _private_uses(source):
    """``(line, what)`` of each private skfer module or name ``source`` uses."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "skfer" and any(map(_private, parts)):
                    found.append((node.lineno, alias.name))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            parts = node.module.split(".")
            if parts[0] != "skfer":
                continue
            if any(map(_private, parts)):
                found.append((node.lineno, node.module))
            found += [
                (node.lineno, f"{node.module}.{alias.name}")
                for alias in node.names
                if _private(alias.name)
            ]
        elif isinstance(node, ast.Attribute) and _private(node.attr):
            owner = node.value
            if not (isinstance(owner, ast.Name) and owner.id in ("self", "cls")):
                found.append((node.lineno, f"._{node.attr[1:]}"))
    return found


def _benchmark_private_uses():
    return sorted(
        f"{path.name}:{line}: {what}"
        for path in sorted(BENCHMARKS.glob("*.py"))
        for line, what in _private_uses(path.read_text(encoding="utf-8"))
    )


def test_benchmarks_are_read():
    # guards the check below against reading nothing
    names = {p.name for p in BENCHMARKS.glob("*.py")}
    assert {"_common.py", "fer2013.py", "speed.py", "photos.py"} <= names


def test_benchmarks_use_only_the_public_api():
    assert _benchmark_private_uses() == []


@pytest.mark.parametrize(
    "source, what",
    [
        ("from skfer.cli._common import best_pretrained", "skfer.cli._common"),
        ("import skfer.transfer._benchmark", "skfer.transfer._benchmark"),
        ("from skfer.weights import _registry", "skfer.weights._registry"),
        ("from skfer.classifier import _LR", "skfer.classifier._LR"),
        ("def f(clf):\n    return clf._scaling()", "._scaling"),
    ],
)
def test_private_use_check_finds_a_planted_one(source, what):
    assert [w for _, w in _private_uses(source)] == [what]


def test_private_use_check_allows_public_names_and_own_state():
    source = (
        "import os\n"
        "from _common import machine_info\n"
        "from skfer.weights import read_weights_meta\n"
        "class Engine:\n"
        "    def run(self):\n"
        "        self._start = os.getpid()\n"
        "        return self.__class__\n"
    )
    assert _private_uses(source) == []


# ------------------------------------------------------- private names, owned
# No module uses a private attribute (``obj._name``, or ``getattr(obj,
# "_name")``) that it does not own: one it defines itself (``def _name``,
# ``class _Name``, ``x._name = ...``). ``self._name`` and ``cls._name`` are the
# object's own (inherited ones included). Checked over skfer/ and benchmarks/.
ALLOWED_FOREIGN_PRIVATE = {
    # the oneDNN seam: the one module allowed torch's private internals
    # (issue #30; its docstring lists them, tests/classifier/test_onednn.py
    # fails when a torch release changes them)
    ("skfer/classifier/_onednn.py", "_C"),
    ("skfer/classifier/_onednn.py", "_nn"),
    ("skfer/classifier/_onednn.py", "_convolution_pointwise"),
    ("skfer/classifier/_onednn.py", "_linear_pointwise"),
    ("skfer/classifier/_onednn.py", "_is_mkldnn_bf16_supported"),
    # torch has no public version counter of a tensor's in-place changes; the
    # inference cache compares it as torch's autograd does
    ("skfer/classifier/_net.py", "_version"),
    # imbalanced-learn's documented way for a sampler to share the docstring
    # of sampling_strategy (its own samplers use it)
    (
        "skfer/over_sampling/_augmentation_over_sampler.py",
        "_sampling_strategy_docstring",
    ),
}


def _owned_private_names(tree):
    owned = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            owned.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Attribute):
                        owned.add(sub.attr)
                    elif isinstance(sub, ast.Name):
                        owned.add(sub.id)
    return {name for name in owned if _private(name)}


def _foreign_private_attributes(source):
    """``(line, name)`` of each private attribute ``source`` uses but does not own."""
    tree = ast.parse(source)
    owned = _owned_private_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            owner, name = node.value, node.attr
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr", "setattr", "delattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            owner, name = node.args[0], node.args[1].value
        else:
            continue
        if not _private(name) or name in owned:
            continue
        if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
            continue
        found.append((node.lineno, name))
    return found


def _sources():
    root = PACKAGE.parent
    paths = sorted(PACKAGE.rglob("*.py")) + sorted(BENCHMARKS.glob("*.py"))
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in paths
        if "__pycache__" not in p.parts
    }


def test_sources_are_read():
    # guards the checks below against reading nothing
    sources = _sources()
    assert "skfer/classifier/_classifier.py" in sources
    assert "benchmarks/_common.py" in sources


def test_no_module_uses_a_private_attribute_it_does_not_own():
    found = sorted(
        f"{path}:{line}: ._{name[1:]}"
        for path, source in _sources().items()
        for line, name in _foreign_private_attributes(source)
        if (path, name) not in ALLOWED_FOREIGN_PRIVATE
    )
    assert found == []


def test_the_private_attribute_allow_list_is_still_needed():
    used = {
        (path, name)
        for path, source in _sources().items()
        for _, name in _foreign_private_attributes(source)
    }
    assert ALLOWED_FOREIGN_PRIVATE - used == set()


@pytest.mark.parametrize(
    "source, name",
    [
        ("def f(clf):\n    return clf._weights_meta()", "_weights_meta"),
        ("def f(clf, X):\n    return clf._fit(X, warm=True)", "_fit"),
        (
            "def f(e):\n    return getattr(e, '_fitted_pretrained', None)",
            "_fitted_pretrained",
        ),
        ("import torch\nx = torch._C._nn", "_C"),
    ],
)
def test_foreign_private_check_finds_a_planted_one(source, name):
    assert name in [n for _, n in _foreign_private_attributes(source)]


def test_foreign_private_check_allows_what_a_module_owns():
    source = (
        "class Net:\n"
        "    def _changed(self):\n"
        "        self._token = 1\n"
        "def _helper(net, other):\n"
        "    net._changed()\n"
        "    other._token = net._token\n"
        "    return cls_or_self(net)._changed\n"
        "def cls_or_self(x):\n"
        "    return x\n"
    )
    assert _foreign_private_attributes(source) == []


# ------------------------------------------------------------ function length
# No function of skfer/ runs over 80 lines of code (docstring, comments and
# blank lines aside) unless a ``# long:`` comment inside it says why.
MAX_FUNCTION_LINES = 80


def _code_lines(node, lines):
    """Lines of code of function ``node``; and whether it holds a ``# long:``."""
    body = node.body
    doc = None
    first = body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        if isinstance(first.value.value, str):
            doc = range(first.lineno, first.end_lineno + 1)
    count, excused = 0, False
    for number in range(node.lineno, node.end_lineno + 1):
        text = lines[number - 1].strip()
        if text.startswith("# long:"):
            excused = True
        if not text or text.startswith("#") or (doc and number in doc):
            continue
        count += 1
    return count, excused


def _long_functions(source, name="<source>"):
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            count, excused = _code_lines(node, lines)
            if count > MAX_FUNCTION_LINES and not excused:
                found.append(f"{name}:{node.lineno} {node.name} ({count} lines)")
    return found


def test_no_function_is_over_80_lines_without_a_reason():
    found = [
        long
        for path, source in _sources().items()
        if path.startswith("skfer/")
        for long in _long_functions(source, path)
    ]
    assert found == []


def test_long_function_check_finds_a_planted_one_and_its_excuse():
    body = "".join(f"    x{i} = {i}\n" for i in range(81))
    planted = f'def f():\n    """Doc.\n\n    More.\n    """\n{body}'
    assert [s.split()[1] for s in _long_functions(planted)] == ["f"]
    excused = (
        f"def f():\n    # long: one table of constants, read top to bottom\n{body}"
    )
    assert _long_functions(excused) == []
    short = "def f():\n" + "".join(f"    x{i} = {i}\n" for i in range(79))
    assert _long_functions(short) == []


# ----------------------------------------------------------- lazy imports
# Imports sit at the module top (issue #30). One inside a function (or a
# lambda) says why it waits, in a ``# lazy: <reason>`` comment: at the end of
# its first line, or on the line just above the run of consecutive import
# statements it belongs to (blank lines and comments may separate them, any
# other statement ends the run). Checked over skfer/ and benchmarks/.
_LAZY_COMMENT = re.compile(r"#\s*lazy:\s*\S")
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_IMPORTS = (ast.Import, ast.ImportFrom)


def _unexplained_lazy_imports(source):
    """Lines of the imports inside functions that carry no ``# lazy:`` reason."""
    lines = source.splitlines()

    def comment_above(stmt):
        above = lines[stmt.lineno - 2].strip() if stmt.lineno > 1 else ""
        return above.startswith("#") and _LAZY_COMMENT.match(above) is not None

    def explained(body, i):
        if _LAZY_COMMENT.search(lines[body[i].lineno - 1]):
            return True
        while i >= 0 and isinstance(body[i], _IMPORTS):  # back to the run's start
            if comment_above(body[i]):
                return True
            i -= 1
        return False

    found = []

    def visit(node, in_function):
        for value in ast.iter_fields(node):
            children = value[1] if isinstance(value[1], list) else [value[1]]
            for i, child in enumerate(children):
                if not isinstance(child, ast.AST):
                    continue
                if in_function and isinstance(child, _IMPORTS):
                    if not explained(children, i):
                        found.append(child.lineno)
                visit(child, in_function or isinstance(child, _FUNCTIONS))

    visit(ast.parse(source), False)
    return found


def test_every_import_inside_a_function_says_why():
    found = [
        f"{path}:{line}"
        for path, source in _sources().items()
        for line in _unexplained_lazy_imports(source)
    ]
    assert found == []


@pytest.mark.parametrize(
    "source, lines",
    [
        ("def f():\n    import torch\n", [2]),
        ("class C:\n    def m(self):\n        from . import x\n", [3]),
        ("def f():\n    if True:\n        import json\n", [3]),
        ("def f():\n    # lazy:\n    import torch\n", [3]),  # no reason given
        ("def f():\n    import torch  # lazy:\n", [2]),
        # the comment covers its run only: a statement ends the run
        (
            "def f():\n    # lazy: extra\n    import a\n    x = 1\n    import b\n",
            [5],
        ),
        # a comment above the function is not one above the import
        ("# lazy: torch extra\ndef f():\n    import torch\n", [3]),
    ],
)
def test_lazy_import_check_finds_a_planted_one(source, lines):
    assert _unexplained_lazy_imports(source) == lines


def test_lazy_import_check_allows_explained_and_module_level_imports():
    source = (
        "import os\n"
        "try:\n"
        "    import onnx\n"
        "except ImportError:\n"
        "    onnx = None\n"
        "def f():\n"
        "    import torch  # lazy: torch is the torch extra\n"
        "def g():\n"
        "    # lazy: torch stays out of `skfer --help` start-up\n"
        "    import torch\n"
        "\n"
        "    from .. import FERClassifier\n"
        "    from ..weights import read_weights  # an ordinary comment\n"
        "    return torch\n"
        "def h():\n"
        "    try:\n"
        "        # lazy: POSIX only\n"
        "        import fcntl\n"
        "    except ImportError:\n"
        "        import msvcrt  # lazy: Windows only\n"
    )
    assert _unexplained_lazy_imports(source) == []
