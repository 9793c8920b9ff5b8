"""Fixtures of the command-line tests: synthetic photos, image folders, a tiny model.

Everything is made here from :func:`skfer.datasets.make_faces`; no real dataset is
needed (the ``realdata`` test skips without ``SKFER_DATA``).
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def cli_env(tmp_path_factory, monkeypatch):
    """A private dataset cache, no SKFER_DATA (the demo stays synthetic), Agg."""
    monkeypatch.setenv("SKFER_CACHE", str(tmp_path_factory.mktemp("skfer-cache")))
    monkeypatch.delenv("SKFER_DATA", raising=False)
    monkeypatch.setenv("MPLBACKEND", "Agg")


def skfer_env():
    """The environment of a subprocess: this checkout first on PYTHONPATH."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [env.get("PYTHONPATH")])]
    )
    return env


def _default_sigint():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_skfer(*args, cwd=None, timeout=None, popen=False, log=None):
    """``python -m skfer ARGS`` in a subprocess (the package from this checkout).

    Returns the finished ``CompletedProcess``, waiting as long as it takes (no
    ``timeout`` unless asked: a loaded machine is slow, not wrong), or, with
    ``popen=True``, the running ``Popen``. Its stdout and stderr then go to the files
    ``log.out`` and ``log.err`` beside the path ``log``: a pipe nobody reads while
    the process runs would fill up and block it.
    """
    cmd = [sys.executable, "-m", "skfer", *map(str, args)]
    if popen:
        log = Path(log)
        with open(f"{log}.out", "w") as out, open(f"{log}.err", "w") as err:
            return subprocess.Popen(
                cmd,
                stdout=out,
                stderr=err,
                text=True,
                cwd=cwd,
                env=skfer_env(),
                # a suite started in the background (`pytest &` in a script) runs
                # with Ctrl-C ignored, which its children inherit: tests that send
                # SIGINT need the default disposition back
                preexec_fn=_default_sigint,
            )
    return subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=skfer_env(),
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def faces128():
    """Seven 128x128 synthetic faces; the cascade finds faces 3 and 4 (checked)."""
    from skfer.datasets import make_faces

    return make_faces(7, image_size=128, random_state=0).images


@pytest.fixture(scope="session")
def photos(tmp_path_factory, faces128):
    """A folder of test inputs, each a case ``skfer predict`` must handle.

    - ``two_faces.jpg``: a 240x400 colour photo with two synthetic faces;
    - ``blank.png``: a photo without a face;
    - ``corrupt.png``: a truncated PNG;
    - ``notes.txt``: not an image;
    - ``crop48.png``: an already-cropped 48x48 face (for ``--no-detect``).
    """
    folder = tmp_path_factory.mktemp("photos")
    canvas = np.full((240, 400), 90, np.uint8)
    canvas[40:168, 20:148] = faces128[3]
    canvas[60:188, 240:368] = faces128[4]
    Image.fromarray(canvas).convert("RGB").save(folder / "two_faces.jpg", quality=95)
    Image.fromarray(np.full((200, 300), 128, np.uint8)).save(folder / "blank.png")
    png = (folder / "blank.png").read_bytes()
    (folder / "corrupt.png").write_bytes(png[: len(png) // 2])
    (folder / "notes.txt").write_text("not an image\n")
    crop = np.asarray(Image.fromarray(faces128[3]).resize((48, 48)))
    Image.fromarray(crop).save(folder / "crop48.png")
    return folder


@pytest.fixture(scope="session")
def model_path(tmp_path_factory):
    """Weights of a tiny model (1 epoch on 70 synthetic faces, 7 emotions)."""
    from skfer import FERClassifier
    from skfer.datasets import make_faces

    X, y = make_faces(70, random_state=0, return_X_y=True)
    clf = FERClassifier(architecture="small", max_epochs=1, random_state=0)
    path = tmp_path_factory.mktemp("model") / "tiny.safetensors"
    return clf.fit(X, y).save_weights(path)


def write_face_folder(root, n=60, classes=("happy", "sad", "surprise"), size=64):
    """A ``<class>/<image>.png`` tree of synthetic faces (``--dataset folder``)."""
    from skfer.datasets import make_faces

    faces = make_faces(n, classes=classes, image_size=size, random_state=0)
    for i, (image, label) in enumerate(zip(faces.images, faces.target)):
        (root / label).mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(root / label / f"{i:03d}.png")
    return root


@pytest.fixture(scope="session")
def make_face_folder():
    """The function :func:`write_face_folder`."""
    return write_face_folder


@pytest.fixture(scope="session")
def face_folder(tmp_path_factory):
    """60 synthetic 64x64 faces in happy/, sad/ and surprise/."""
    return write_face_folder(tmp_path_factory.mktemp("faces"))


@pytest.fixture(scope="session")
def skfer_cmd():
    """The function :func:`run_skfer`: ``python -m skfer ...`` in a subprocess."""
    return run_skfer


@pytest.fixture(scope="session")
def train_run(tmp_path_factory, face_folder):
    """Output folder of ``skfer train`` (2 epochs), with its stdout and stderr."""
    import contextlib
    import io

    from skfer.cli import main

    out = tmp_path_factory.mktemp("run") / "run"
    stdout, stderr = io.StringIO(), io.StringIO()
    args = "train --dataset folder --model small --epochs 2 --batch-size 16".split()
    args += ["--data-dir", str(face_folder), "--output", str(out)]
    with (
        pytest.MonkeyPatch.context() as mp,
        contextlib.redirect_stdout(stdout),
        contextlib.redirect_stderr(stderr),
    ):
        # Session fixtures come before the autouse cli_env: set the cache here.
        mp.setenv("SKFER_CACHE", str(tmp_path_factory.mktemp("skfer-cache")))
        code = main(args)
    return out, code, stdout.getvalue(), stderr.getvalue()
