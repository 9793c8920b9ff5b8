"""The ``skfer`` command: the demo end to end, the ``python -m skfer`` entry point,
the parser (light imports, help on every option) and checks made before work.

The subcommands are tested one by one in ``tests/cli/``.
"""

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from skfer.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]
DEMO_OUTPUT = "skfer-demo"  # the --output of the demo quoted in the docs


def _quoted_demo(path):
    """The ``$ skfer demo --output skfer-demo`` block quoted in ``path``, or None."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(
        (i for i, line in enumerate(lines) if line.strip().startswith("$ skfer demo")),
        None,
    )
    if start is None:
        return None
    indent = len(lines[start]) - len(lines[start].lstrip())
    block = []
    for line in lines[start + 1 :]:
        if not line.strip() or line.strip().startswith("$ "):
            break
        block.append(line[indent:])
    return lines[start].strip(), block


def _mismatches(quoted, printed, output):
    """Quoted lines that printed ones do not match, ``...`` standing for any text."""
    if len(quoted) != len(printed):
        return [f"{len(quoted)} lines quoted, {len(printed)} printed"]
    wrong = []
    for want, got in zip(quoted, printed):
        pattern = re.escape(want.replace(DEMO_OUTPUT, str(output)))
        if not re.fullmatch(pattern.replace(re.escape("..."), ".*"), got):
            wrong.append((want, got))
    return wrong


def test_demo_runs_end_to_end(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SKFER_DATA", raising=False)  # synthetic data
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # The defaults, except fewer source images and target epochs (neither is
    # printed): the output has the lines of the sample quoted in the docs.
    code = main(
        [
            "demo",
            "--n-source",
            "140",
            "--target-epochs",
            "2",
            "--output",
            str(tmp_path),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    for doc in (ROOT / "README.md", ROOT / "docs" / "user_guide" / "cli.rst"):
        quoted = _quoted_demo(doc)
        if quoted is None:
            continue
        command, block = quoted
        assert command == f"$ skfer demo --output {DEMO_OUTPUT}", doc
        assert _mismatches(block, out.splitlines(), tmp_path) == [], doc
    assert "scratch" in out and "fine-tuned" in out and "report" in out
    assert "0. the shipped model" in out and "(detected)" in out  # the astronaut
    assert (tmp_path / "photo" / "emotion_analysis.png").is_file()
    assert (tmp_path / "source" / "model.safetensors").is_file()
    for name in ("scratch", "fine-tuned"):
        assert (tmp_path / name / "evaluation.json").is_file()
    page = (tmp_path / "report.html").read_text()
    images = re.findall(r'<img [^>]*src="(data:image/png;base64,)', page)
    # the photo's and the target's emotion analyses; 3 learning curves; 2
    # confusion matrices
    assert len(images) == 7
    assert "A real photo" in page
    assert "fine-tuned" in page and "test accuracy" in page


def test_python_dash_m_entry_point_and_usage_errors():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    run = [sys.executable, "-m", "skfer"]
    res = subprocess.run([*run, "--help"], capture_output=True, text=True, env=env)
    assert res.returncode == 0
    for command in ("predict", "train", "evaluate", "report", "demo"):
        assert command in res.stdout
    res = subprocess.run([*run, "nope"], capture_output=True, text=True, env=env)
    assert res.returncode == 2 and "invalid choice" in res.stderr


def test_demo_writes_to_the_cache_folder_unless_told(monkeypatch, tmp_path):
    from skfer.cli import _demo

    monkeypatch.setenv("SKFER_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(["demo"])
    assert _demo.output_folder(args) == tmp_path / "cache" / "demo"
    args = build_parser().parse_args(["demo", "--output", "mine"])
    assert _demo.output_folder(args) == Path("mine")


def _subparsers(parser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def test_every_option_of_every_command_has_help():
    parser = build_parser()
    commands = dict(_subparsers(parser))
    assert set(commands) >= {"predict", "train", "transfer", "report", "demo"}
    missing = [
        f"skfer {name} {'/'.join(action.option_strings) or action.dest}"
        for name, sub in commands.items()
        for action in sub._actions
        if not isinstance(action, argparse._HelpAction)
        and (action.help is None or not action.help.strip())
    ]
    assert missing == []


def test_the_parser_does_not_import_torch_sklearn_or_matplotlib():
    code = (
        "import sys\n"
        "from skfer.cli import main\n"
        "for argv in (['--help'], ['--version'], ['predict', '--help'],\n"
        "             ['transfer', '--help'], ['train', '--help']):\n"
        "    assert main(argv) == 0\n"
        "heavy = [m for m in ('torch', 'sklearn', 'skorch', 'matplotlib')\n"
        "         if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage: skfer" in done.stdout


def test_choices_written_in_the_parser_are_the_library_s():
    from skfer.augmentation import PRESETS
    from skfer.cli import _train, _transfer
    from skfer.models import ARCHITECTURES
    from skfer.transfer import METHODS, TARGETS

    assert set(_train.ARCHITECTURES) == set(ARCHITECTURES)
    assert set(_train.AUGMENT_PRESETS) == set(PRESETS)
    assert _transfer.METHODS == METHODS and _transfer.TARGETS == TARGETS


def test_plot_without_matplotlib_fails_before_the_work(
    photos, model_path, tmp_path, monkeypatch, capsys
):
    import skfer.cli._common as common

    def no_model(*args, **kwargs):
        raise AssertionError("the model was loaded before matplotlib was checked")

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setattr(common, "load_model", no_model)
    code = main(
        ["predict", str(photos / "two_faces.jpg"), "--model", str(model_path)]
        + ["--plot", str(tmp_path / "out.png")]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "--plot needs matplotlib" in err and "pip install matplotlib" in err
    assert "skfer[" not in err  # no command naming a package on no index


def test_a_missing_torch_says_what_to_install(monkeypatch, capsys):
    from skfer.cli import _main

    error = ModuleNotFoundError("No module named 'torch'", name="torch")
    text = _main._describe(error)
    assert "needs skfer's `torch` extra (torch is not installed" in text
    assert 'pip install -e ".[torch]"' in text
    assert "download.pytorch.org/whl/cpu" in text
    assert _main._describe(ValueError("plain")) == "plain"


@pytest.mark.parametrize("option", ["--tta"])
def test_tta_help_names_no_setting_the_registry_could_contradict(option):
    parser = dict(_subparsers(build_parser()))["predict"]
    (action,) = [a for a in parser._actions if option in a.option_strings]
    # The default is the model's own registry setting; the help must not claim
    # a value for the shipped models (it said crops while the registry says flip).
    assert "registry" in action.help and "shipped models" not in action.help


def test_best_pretrained_is_public_and_the_registry_s_default():
    from skfer.cli import best_pretrained
    from skfer.weights import default_pretrained

    assert best_pretrained() == default_pretrained() is not None


def test_no_message_tells_users_to_run_what_they_cannot_have():
    """Hints said ``pip install skfer[plot]`` (skfer is on no index) and ``python
    benchmarks/fer2013.py`` (a wheel holds no benchmarks/)."""
    import re

    offenders = [
        f"{path.relative_to(ROOT)}: {found}"
        for path in sorted((ROOT / "skfer").rglob("*.py"))
        for found in re.findall(
            r"pip install ['\"]?skfer\[|python benchmarks/",
            path.read_text(encoding="utf-8"),
        )
    ]
    assert offenders == []
