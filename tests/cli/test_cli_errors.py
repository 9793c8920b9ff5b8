"""Odd inputs to the command line: one ``skfer: error:`` line and status 2, or work.

Two runs into one ``--output``, a camera that is not there, full disks, file
names an ASCII terminal cannot show, a FIFO given as a photo, options that do
not apply.
"""

import contextlib
import errno
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from skfer.cli import main
from skfer.cli._common import LOCK_FILE, output_lock

ROOT = Path(__file__).resolve().parents[2]


def skfer_env(**extra):
    """The environment of a subprocess: this checkout first on PYTHONPATH."""
    path = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return dict(os.environ, PYTHONPATH=path, **extra)


ENOSPC = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # no file name: ours


def run_main(*argv):
    """``skfer ARGV`` in this process: (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def error_line(code, err):
    """The error line of a failed command, checked: status 2, one line, last."""
    assert code == 2, err
    assert "Traceback" not in err
    last = err.rstrip("\n").splitlines()[-1]
    assert last.startswith("skfer: error: "), err
    assert sum(line.startswith("skfer: error") for line in err.splitlines()) == 1
    return last


def train_args(data_dir, out, *extra):
    return [
        "train",
        "--dataset",
        "folder",
        "--data-dir",
        data_dir,
        "--model",
        "small",
        "--epochs",
        "1",
        "-q",
        "--output",
        out,
        *extra,
    ]


# ------------------------------------------------------------ --output lock
def test_train_refuses_an_output_folder_another_run_is_writing(face_folder, tmp_path):
    out = tmp_path / "run"
    with output_lock(out):
        code, _, err = run_main(*train_args(face_folder, out))
        line = error_line(code, err)
    assert f"--output '{out}' is being written by another skfer run" in line
    assert f"(process {os.getpid()})" in line
    assert not (out / "checkpoint").exists()  # refused before anything was done
    code, _, err = run_main(*train_args(face_folder, out))  # released: it works
    assert code == 0, err
    assert (out / "model.safetensors").is_file() and not (out / LOCK_FILE).exists()


HOLD = (
    "import sys; from skfer.cli._common import output_lock; "
    "lock = output_lock(sys.argv[1]); lock.__enter__(); "
    "print('held', flush=True); sys.stdin.read()"
)


def test_a_lock_dies_with_its_process_even_on_kill_9(face_folder, tmp_path):
    """Another process holds --output; killed with SIGKILL, it leaves no stale lock."""
    out = tmp_path / "run"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=skfer_env(),
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        code, _, err = run_main(*train_args(face_folder, out))
        assert f"(process {holder.pid})" in error_line(code, err)
    finally:
        holder.kill()
        holder.wait()
    code, _, err = run_main(*train_args(face_folder, out))
    assert code == 0, err


def test_a_refused_run_leaves_no_folder_it_made(tmp_path):
    out = tmp_path / "new"
    code, _, err = run_main(*train_args(tmp_path / "missing", out))
    assert "missing" in error_line(code, err)
    assert not out.exists()


# ------------------------------------------------------ options and values
@pytest.mark.parametrize("fraction", ["0.95", "0.99"])
def test_a_validation_fraction_leaving_too_few_images_is_our_error(
    face_folder, tmp_path, fraction
):
    code, _, err = run_main(
        *train_args(face_folder, tmp_path / "r", "--validation-fraction", fraction)
    )
    line = error_line(code, err)
    assert f"--validation-fraction {fraction} keeps" in line
    assert "of the 48 training images" in line and "3 classes" in line
    assert "train_size" not in line  # not scikit-learn's message


def test_a_dataset_too_small_for_its_split_is_refused_before_training(
    make_face_folder, tmp_path
):
    """Three files trained "on 1 image", scored 0.000 and saved a model, silently."""
    data = make_face_folder(tmp_path / "three", n=3)
    out = tmp_path / "r"
    code, _, err = run_main(*train_args(data, out))
    line = error_line(code, err)
    assert "keeps 1 of the 2 training images for training" in line
    assert not (out / "model.safetensors").exists()


def test_timeline_for_photos_is_an_error(photos, model_path, tmp_path):
    code, _, err = run_main(
        "predict",
        photos / "crop48.png",
        "--model",
        model_path,
        "--timeline",
        tmp_path / "t.png",
    )
    assert "--timeline is drawn for videos" in error_line(code, err)
    assert "--plot" in err and not (tmp_path / "t.png").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_given_as_a_photo_is_refused_and_one_in_a_folder_is_ignored(
    photos, model_path, tmp_path, skfer_cmd
):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "crop.png").write_bytes((photos / "crop48.png").read_bytes())
    os.mkfifo(folder / "x.png")
    # in a subprocess: a regression would block (a generous limit: loaded CIs)
    done = skfer_cmd("predict", folder / "x.png", "--model", model_path, timeout=1800)
    assert "x.png: not a regular file" in error_line(done.returncode, done.stderr)
    done = skfer_cmd(
        "predict", folder, "--no-detect", "--csv", "--model", model_path, timeout=1800
    )
    assert done.returncode == 0, done.stderr
    assert "crop.png" in done.stdout and "x.png" not in done.stdout


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.path.exists("/dev/video7"),
    reason="needs Linux without a camera 7",
)
def test_a_camera_that_is_not_there_is_an_error_line(model_path):
    pytest.importorskip("av")
    code, out, err = run_main("predict", "--camera", "7", "--model", model_path)
    line = error_line(code, err)
    assert line.startswith("skfer: error: --camera 7: no camera 7 on this system")
    assert "/dev/video7 does not exist" in line and out == ""


def test_an_error_of_several_lines_is_printed_on_one(photos, model_path, monkeypatch):
    import skfer.cli._predict as predict

    def fail(*args, **kwargs):
        raise ValueError("load: 2 file(s) cannot be used:\n  a.png: bad\n  b.png: bad")

    monkeypatch.setattr(predict, "analyse", fail)
    code, _, err = run_main("predict", photos / "crop48.png", "--model", model_path)
    line = error_line(code, err)
    assert (
        line == "skfer: error: load: 2 file(s) cannot be used: a.png: bad; b.png: bad"
    )


# ---------------------------------------------------------------- full disks
def test_export_on_a_full_disk_names_the_file(model_path, tmp_path, monkeypatch):
    onnx = pytest.importorskip("onnx")

    def full(*args, **kwargs):
        raise ENOSPC

    monkeypatch.setattr(onnx, "save", full)
    out = tmp_path / "m.onnx"
    code, _, err = run_main("export", model_path, out)
    line = error_line(code, err)
    assert f"cannot write '{out}'" in line and "No space left on device" in line
    assert list(tmp_path.iterdir()) == []  # no temporary file left


@pytest.fixture
def full_disk_figures(monkeypatch):
    """Every matplotlib figure written fails as on a full disk."""
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    def full(self, *args, **kwargs):
        raise ENOSPC

    monkeypatch.setattr(Figure, "savefig", full)


def test_predict_plot_on_a_full_disk_names_the_file(
    photos, model_path, tmp_path, full_disk_figures
):
    plot = tmp_path / "analysis.png"
    code, _, err = run_main(
        "predict",
        photos / "crop48.png",
        "--no-detect",
        "--model",
        model_path,
        "--plot",
        plot,
    )
    line = error_line(code, err)
    assert f"cannot write '{plot}' (--plot): No space left on device" in line


def test_evaluate_on_a_full_disk_names_the_file(
    face_folder, model_path, tmp_path, full_disk_figures
):
    out = tmp_path / "ev"
    code, _, err = run_main(
        "evaluate",
        "--model",
        model_path,
        "--dataset",
        "folder",
        "--data-dir",
        face_folder,
        "--output",
        out,
    )
    line = error_line(code, err)
    assert f"cannot write '{out / 'confusion_matrix.png'}'" in line
    assert "No space left on device" in line


# --------------------------------------------------- what a terminal can show
def test_names_an_ascii_terminal_cannot_show_do_not_lose_the_output(
    photos, model_path, tmp_path
):
    folder = tmp_path / "in"
    folder.mkdir()
    crop = (photos / "crop48.png").read_bytes()
    (folder / "café.png").write_bytes(crop)
    names = ["caf\\xe9.png"]
    try:
        with open(os.path.join(os.fsencode(folder), b"b\xe9.png"), "wb") as fh:
            fh.write(crop)
        names.append("b\\udce9.png")  # not UTF-8: Python's surrogate, escaped
    except (OSError, UnicodeError):
        pass  # a file system that takes UTF-8 names only
    env = skfer_env(PYTHONIOENCODING="ascii", LC_ALL="C")
    for fmt in ([], ["--csv"]):
        done = subprocess.run(
            [sys.executable, "-m", "skfer", "predict", str(folder), "--no-detect"]
            + ["--model", str(model_path), *fmt],
            capture_output=True,
            text=True,
            encoding="ascii",
            errors="strict",  # what came out is ASCII
            env=env,
        )
        assert done.returncode == 0, done.stderr
        rows = [line for line in done.stdout.splitlines() if str(folder) in line]
        assert len(rows) == len(names)
        for name in names:
            assert any(name in row for row in rows), done.stdout
        assert f"{len(names)} files, {len(names)} faces" in done.stderr


def test_the_terminal_setting_comes_back_after_main(model_path, monkeypatch):
    """main() tolerates what it cannot print only while it runs."""
    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="strict")
    monkeypatch.setattr(sys, "stdout", stream)
    assert main(["--version"]) == 0
    assert stream.errors == "strict"
    stream.flush()
    assert stream.buffer.getvalue().startswith(b"skfer ")


def test_tolerant_output_escapes_what_it_cannot_encode():
    """The tolerant stream writes escapes where it would have raised."""
    from skfer.cli._common import tolerant_output

    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii", errors="strict")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sys, "stdout", stream)
        with tolerant_output():
            print(Path("caf\xe9/b\udce9.png"))
        stream.flush()
    assert raw.getvalue() == b"caf\\xe9/b\\udce9.png\n"
