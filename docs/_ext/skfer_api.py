"""Write the API reference of skfer from the ``__all__`` of its public modules.

At ``config-inited`` (before Sphinx looks for source files) this extension writes
``docs/api/generated/``:

- one page per public module (``skfer`` and every importable subpackage whose name
  does not start with ``_``), listing its ``__all__`` in autosummary tables grouped
  as classes, functions, exceptions and warnings, and data;
- one page per public object (``autoclass``/``autofunction``/``py:data``);
- ``toc.rst.inc``, the toctree of the module pages, included by ``api/index.rst``.

A name exported by several modules (``skfer.load_pretrained`` and
``skfer.weights.load_pretrained``) gets one page, under the first module that exports
it (``skfer`` first); the other modules link to that page. New subpackages and new
names in ``__all__`` therefore get pages with no change to the docs.

The same functions are used by ``tests/test_docs.py`` (without Sphinx) to check that
every public name is in the reference, and by the ``skfer-cli`` directive, which
renders the ``--help`` of every ``skfer`` subcommand.
"""

import importlib
import inspect
import pkgutil
import pprint
from pathlib import Path

PACKAGE = "skfer"

#: Modules always tried (in this order) besides the auto-discovered subpackages.
KNOWN_MODULES = (
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

#: Inherited methods worth documenting on a class although a base class outside
#: skfer defines them (scikit-learn, imbalanced-learn).
INHERITED_API = frozenset(
    {"fit", "fit_resample", "fit_transform", "predict", "predict_proba", "transform"}
)

#: Descriptions of data objects that cannot carry a ``#:`` comment.
DATA_DOCS = {
    "__version__": "The version of the installed skfer, a :pep:`440` string.",
}

TITLES = {
    "class": "Classes",
    "function": "Functions",
    "exception": "Exceptions and warnings",
    "data": "Data",
}


# ----------------------------------------------------------------- discovery
def _exports(module):
    return [getattr(module, name) for name in getattr(module, "__all__", ())]


def public_modules():
    """Names of the public modules to document, ``skfer`` first.

    ``KNOWN_MODULES``, then every subpackage of skfer whose name has no leading
    underscore, then every public plain module (``skfer.ensemble``, and those
    inside subpackages such as ``skfer.report.schema``) that exports
    something no earlier module does (``skfer.classifier`` only re-exports
    ``FERClassifier``, documented under ``skfer``). Only modules with ``__all__``
    count; modules that cannot be imported yet (being written) are skipped.
    """
    package = importlib.import_module(PACKAGE)
    infos = [
        i for i in pkgutil.iter_modules(package.__path__) if not i.name.startswith("_")
    ]
    names = list(KNOWN_MODULES)
    names += [f"{PACKAGE}.{i.name}" for i in infos if i.ispkg]
    plain = [f"{PACKAGE}.{i.name}" for i in infos if not i.ispkg]
    plain += _public_submodules(names)
    modules, seen = [], set()
    for name in dict.fromkeys(names + plain):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if not hasattr(module, "__all__"):
            continue
        objects = {id(obj) for obj in _exports(module)}
        if name in plain and objects <= seen:
            continue
        seen |= objects
        modules.append(name)
    return modules


def _public_submodules(packages):
    """Public plain modules inside the subpackages (``skfer.report.schema``)."""
    found = []
    for name in packages:
        try:
            path = importlib.import_module(name).__path__
        except (ImportError, AttributeError):
            continue
        found += [
            f"{name}.{i.name}"
            for i in pkgutil.iter_modules(path)
            if not i.name.startswith("_") and not i.ispkg
        ]
    return found


def kind_of(obj):
    """``"class"``, ``"exception"``, ``"function"`` or ``"data"``."""
    if inspect.isclass(obj):
        return "exception" if issubclass(obj, BaseException) else "class"
    if inspect.isroutine(obj):
        return "function"
    return "data"


def api_entries(modules=None):
    """Every public name: a list of dicts, one per ``(module, name)`` pair.

    Keys: ``module``, ``name``, ``kind``, ``canonical`` (the full name of the page
    that documents the object: ``module.name`` for its first exporter) and ``page``
    (True for the entry that owns the page).
    """
    modules = public_modules() if modules is None else modules
    owners = {}  # id(object) -> full name of its page, for objects (not data)
    entries = []
    for modname in modules:
        module = importlib.import_module(modname)
        for name in sorted(module.__all__, key=lambda n: (n.startswith("_"), n)):
            obj = getattr(module, name)
            kind = kind_of(obj)
            full = f"{modname}.{name}"
            key = id(obj) if kind != "data" else (id(obj), name)
            canonical = owners.setdefault(key, full)
            entries.append(
                {
                    "module": modname,
                    "name": name,
                    "kind": kind,
                    "canonical": canonical,
                    "page": canonical == full,
                }
            )
    return entries


# ------------------------------------------------------------------- writing
def _underline(text, char="="):
    return f"{text}\n{char * len(text)}\n"


def _class_members(cls):
    """Public methods of ``cls`` to document: skfer's own and ``INHERITED_API``."""
    members = []
    for name in sorted(dir(cls)):
        if name.startswith("_") and name != "__call__":
            continue
        attr = inspect.getattr_static(cls, name, None)
        if isinstance(attr, (staticmethod, classmethod)):
            attr = attr.__func__
        if not inspect.isroutine(attr):
            continue
        # Where the function was written (scikit-learn adds ``set_*_request``
        # methods to every estimator subclass: they are not skfer's).
        origin = getattr(attr, "__module__", "") or ""
        if (
            origin.split(".")[0] == PACKAGE
            and not attr.__doc__
            and any(
                name in vars(base)
                for base in cls.__mro__[1:]
                if (base.__module__ or "").split(".")[0] != PACKAGE
            )
        ):
            # An undocumented override of a foreign method (``forward`` of a torch
            # module): autodoc would show the foreign docstring, which is not ours.
            continue
        if origin.split(".")[0] == PACKAGE or (
            name in INHERITED_API and origin.split(".")[0] != "builtins"
        ):
            members.append(name)
    return members


def _attr_docs(module):
    """``{name: text}`` of the ``#:`` comments above module-level assignments."""
    import ast

    try:
        source = inspect.getsource(module)
    except (OSError, TypeError):
        return {}
    lines = source.splitlines()
    docs = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets = [node.target.id]
        else:
            continue
        comment = []
        row = node.lineno - 2
        while row >= 0 and lines[row].lstrip().startswith("#:"):
            comment.insert(0, lines[row].lstrip()[2:].strip())
            row -= 1
        if comment:
            docs.update(dict.fromkeys(targets, "\n".join(comment)))
    return docs


def _data_doc(modname, name, obj):
    """The ``#:`` comment documenting a data object, searched where it is defined."""
    if name in DATA_DOCS:
        return DATA_DOCS[name]
    module = importlib.import_module(modname)
    candidates = [modname]
    if hasattr(module, "__path__"):
        candidates += [
            f"{modname}.{info.name}" for info in pkgutil.iter_modules(module.__path__)
        ]
    for candidate in candidates:
        try:
            source = importlib.import_module(candidate)
        except ImportError:
            continue
        for attr, text in _attr_docs(source).items():
            if getattr(source, attr, None) is obj:
                return text
    return ""


def _is_literal(value):
    if isinstance(value, (str, int, float, bool, type(None))):
        return True
    if isinstance(value, (tuple, list, frozenset, set)):
        return all(_is_literal(v) for v in value)
    return False


def _data_value(obj):
    """``(one-line value or None, extra rst lines)`` describing a data object."""
    from collections.abc import Mapping

    if isinstance(obj, Mapping):
        data = dict(obj)
        if all(_is_literal(k) and _is_literal(v) for k, v in data.items()):
            text = pprint.pformat(data, width=80, sort_dicts=False)
            if "\n" not in text and len(text) <= 100:
                return text, []
            block = [".. code-block:: python", ""]
            block += ["   " + line for line in text.splitlines()]
            return None, block
        keys = ", ".join(f"``{k}``" for k in data)
        return None, [f"Keys at build time: {keys}."]
    if _is_literal(obj):
        text = repr(obj)
        if len(text) <= 100:
            return text, []
        return None, [".. code-block:: python", "", "   " + text]
    return None, []


def object_page(entry):
    """rst text of the page of one public object."""
    modname, name, kind = entry["module"], entry["name"], entry["kind"]
    obj = getattr(importlib.import_module(modname), name)
    lines = [_underline(f"{modname}.{name}"), f".. currentmodule:: {modname}", ""]
    if kind == "class":
        members = _class_members(obj)
        lines.append(f".. autoclass:: {name}")
        if members:
            lines.append(f"   :members: {', '.join(members)}")
    elif kind == "exception":
        lines += [f".. autoclass:: {name}", "   :show-inheritance:"]
    elif kind == "function":
        lines.append(f".. autofunction:: {name}")
    else:
        value, extra = _data_value(obj)
        lines.append(f".. py:data:: {name}")
        if value is not None:
            lines.append(f"   :value: {value}")
        lines.append("")
        doc = _data_doc(modname, name, obj) or "Public data of this module."
        lines += ["   " + line if line else "" for line in doc.splitlines()]
        if extra:
            lines.append("")
            lines += ["   " + line if line else "" for line in extra]
    return "\n".join(lines).rstrip() + "\n"


_ALIAS_DIRECTIVE = {
    "class": "class",
    "exception": "exception",
    "function": "function",
    "data": "data",
}
_ROLE = {"class": "class", "exception": "exc", "function": "func", "data": "data"}


def _alias_lines(links):
    """Descriptions of re-exported names, so ``module.name`` references resolve."""
    lines = []
    for e in links:
        lines += [
            f".. py:{_ALIAS_DIRECTIVE[e['kind']]}:: {e['name']}",
            "   :no-index-entry:",
            "",
            f"   The same object as :{_ROLE[e['kind']]}:`{e['canonical']}`.",
            "",
        ]
    return lines


def module_page(modname, entries):
    """rst text of the page of one module: its docstring and tables of its names."""
    lines = [
        _underline(modname),
        f".. automodule:: {modname}",
        "",
        f".. currentmodule:: {modname}",
        "",
    ]
    own = [e for e in entries if e["module"] == modname]
    for kind in ("class", "function", "exception", "data"):
        group = [e for e in own if e["kind"] == kind]
        if not group:
            continue
        lines += [_underline(TITLES[kind], "-")]
        pages = [e for e in group if e["page"]]
        links = [e for e in group if not e["page"]]
        if kind == "data" and pages:
            lines += [".. list-table::", "   :widths: 30 70", ""]
            for e in pages:
                obj = getattr(importlib.import_module(modname), e["name"])
                doc = _data_doc(modname, e["name"], obj) or "Public data."
                summary = " ".join(doc.split("\n\n")[0].split())
                lines += [f"   * - :data:`{e['name']}`", f"     - {summary}"]
            lines += ["", ".. toctree::", "   :hidden:", ""]
            lines += [f"   {e['module']}.{e['name']}" for e in pages]
            lines.append("")
            pages = []
        if pages:
            lines += [".. autosummary::", "   :toctree: .", "   :nosignatures:", ""]
            lines += [f"   {e['name']}" for e in pages]
            lines.append("")
        if links:
            lines += ["Also exported here, documented once under another name:", ""]
            lines += _alias_lines(links)
    return "\n".join(lines).rstrip() + "\n"


def render_api(modules=None):
    """All generated files as a dict ``filename -> rst text``."""
    modules = public_modules() if modules is None else modules
    entries = api_entries(modules)
    files = {}
    toc = [".. toctree::", "   :maxdepth: 1", ""]
    for modname in modules:
        files[f"{modname}.rst"] = module_page(modname, entries)
        toc.append(f"   generated/{modname}")
    for entry in entries:
        if entry["page"]:
            files[f"{entry['module']}.{entry['name']}.rst"] = object_page(entry)
    files["toc.rst.inc"] = "\n".join(toc) + "\n"
    return files


def write_api(outdir):
    """Write the generated pages to ``outdir``; rewrite only files that changed.

    Stale files (objects removed from ``__all__``) are deleted. Returns the list of
    files written.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    files = render_api()
    written = []
    for old in outdir.iterdir():
        if old.is_file() and old.name not in files:
            old.unlink()
    for name, text in files.items():
        path = outdir / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


# -------------------------------------------------------------------- sphinx
def _on_config_inited(app, config):
    write_api(Path(app.srcdir) / "api" / "generated")


def _cli_help_directive():
    from docutils import nodes
    from sphinx.util.docutils import SphinxDirective

    class CLIHelp(SphinxDirective):
        """``.. skfer-cli::`` renders ``skfer --help`` and each subcommand's help.

        Its content lists planned subcommands, one ``name: description`` a line;
        those the installed ``skfer`` does not have yet are shown in a note as
        planned, the others are left out (their help is on the page).
        """

        has_content = True

        def run(self):
            import argparse
            import os
            from unittest import mock

            from docutils.statemachine import StringList

            from skfer.cli import build_parser

            parser = build_parser()
            result = []
            section = [("skfer", parser)]
            for action in parser._actions:
                if isinstance(action, argparse._SubParsersAction):
                    section += [
                        (f"skfer {name}", sub) for name, sub in action.choices.items()
                    ]
            existing = {title.split()[-1] for title, _ in section[1:]}
            planned = []
            for line in self.content:
                name, _, text = line.partition(":")
                if line.strip() and name.strip() not in existing:
                    planned.append(f"- ``skfer {name.strip()}``: {text.strip()}")
            if planned:
                note = nodes.note()
                lines = ["Planned, **not available** in this version:", "", *planned]
                self.state.nested_parse(StringList(lines), self.content_offset, note)
                result.append(note)
            for title, sub in section:
                # A fixed width, so the page does not depend on the terminal.
                with mock.patch.dict(os.environ, {"COLUMNS": "80"}):
                    text = sub.format_help()
                rubric = nodes.rubric(text=title)
                block = nodes.literal_block(text, text)
                block["language"] = "text"
                result += [rubric, block]
            return result

    return CLIHelp


def _optional_figure_directive():
    from docutils import nodes
    from docutils.parsers.rst import directives
    from docutils.parsers.rst.directives.images import Figure
    from docutils.statemachine import StringList

    class OptionalFigure(Figure):
        """A figure drawn by a script that needs data the docs build may not have.

        ``.. skfer-optional-figure:: /_static/jaffe_faces.png`` with the usual figure
        options, plus ``:missing:`` (text shown instead while the file is absent).
        """

        option_spec = {**Figure.option_spec, "missing": directives.unchanged}

        def run(self):
            missing = self.options.pop("missing", "")
            env = self.state.document.settings.env
            _, path = env.relfn2path(self.arguments[0])
            if Path(path).is_file():
                return super().run()
            text = missing or f"Figure {self.arguments[0]} not generated yet."
            note = nodes.note()
            self.state.nested_parse(StringList([text]), self.content_offset, note)
            return [note]

    return OptionalFigure


def _resolve_short_names(app, env, node, contnode):
    """Resolve ``:class:`FaceCropper``` written in another skfer module.

    A Python reference that did not resolve is matched against the skfer objects
    whose full name ends with ``.<target>``; the shortest match wins when it is the
    only one of its length (``skfer.load_pretrained`` over its alias
    ``skfer.weights.load_pretrained``). Anything else stays unresolved (and fails
    the nitpicky build).
    """
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "").lstrip(".")
    if not target or target.startswith(PACKAGE + "."):
        return None
    from sphinx.util.nodes import make_refnode

    domain = env.get_domain("py")
    matches = sorted(
        (
            name
            for name in domain.objects
            if name.startswith(PACKAGE + ".") and name.endswith("." + target)
        ),
        key=len,
    )
    if not matches or (len(matches) > 1 and len(matches[0]) == len(matches[1])):
        return None
    entry = domain.objects[matches[0]]
    return make_refnode(
        app.builder,
        node["refdoc"],
        entry.docname,
        entry.node_id,
        contnode,
        matches[0],
    )


def setup(app):
    import skfer_results

    skfer_results.setup(app)
    app.connect("config-inited", _on_config_inited)
    app.connect("missing-reference", _resolve_short_names)
    app.add_directive("skfer-cli", _cli_help_directive())
    app.add_directive("skfer-optional-figure", _optional_figure_directive())
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}


# ------------------------------------------------------------ validation report
def validation_report(ignore=("ES01", "SA01", "RT02", "RT03")):
    """numpydoc's findings on every documented object and method, as text lines.

    Run ``python docs/_ext/skfer_api.py`` (needs numpydoc). The build itself checks
    only the rules listed in ``numpydoc_validation_checks`` of ``docs/conf.py``.
    """
    from numpydoc.validate import validate

    lines = []
    for entry in api_entries():
        if not entry["page"] or entry["kind"] == "data":
            continue
        obj = getattr(importlib.import_module(entry["module"]), entry["name"])
        names = [entry["canonical"]]
        if entry["kind"] == "class":
            names += [f"{entry['canonical']}.{m}" for m in _class_members(obj)]
        for name in names:
            for code, message in validate(name)["errors"]:
                if code not in ignore:
                    lines.append(f"{name}: {code} {message}")
    return lines


if __name__ == "__main__":
    import sys

    report = validation_report()
    print("\n".join(report) or "no findings")
    sys.exit(0)
