"""Hostile image files (issue 32): bounded memory, no hang, a clear answer.

The audit's worst cases: PNGs of a few hundred bytes that declare huge or
absurdly thin images, and FIFOs named like photos. Memory is bounded for real:
each case runs in a subprocess whose address space is capped with
``resource.setrlimit(RLIMIT_AS)`` (2 GB), so a regression ends in a
``MemoryError`` there instead of the kernel killing the test run. No wall-clock
limit: a slow machine is not a failure.
"""

import csv
import io
import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("resource")  # Unix only

ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT = 2 << 30  # bytes of address space of the subprocess


def run_capped(code, *args, env=None):
    """Run Python ``code`` in a subprocess limited to ``MEMORY_LIMIT`` bytes."""
    prologue = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT}, {MEMORY_LIMIT}))\n"
    )
    path = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return subprocess.run(
        [sys.executable, "-c", prologue + textwrap.dedent(code), *map(str, args)],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=path, OMP_NUM_THREADS="1", **(env or {})),
    )


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, png_bomb):
    """The audit's PNGs, each a few hundred bytes (the bomb ~140 KB)."""
    root = tmp_path_factory.mktemp("hostile")
    files = {
        "tall": png_bomb(root / "tall.png", 2, 40000),  # 2 wide, 40000 high
        "wide": png_bomb(root / "wide.png", 65000, 1),
        "bomb": png_bomb(root / "bomb.png", 12000, 12000),
    }
    assert files["tall"].stat().st_size < 1000
    assert files["bomb"].stat().st_size < 1_000_000
    return files


def test_decoding_hostile_pngs_stays_within_memory(hostile):
    done = run_capped(
        """
        import json
        from skfer.utils import read_gray_image
        out = {}
        for path in sys.argv[1:]:
            try:
                out[path] = list(read_gray_image(path).shape)
            except ValueError as exc:
                out[path] = str(exc)
        print(json.dumps(out))
        """,
        hostile["tall"],
        hostile["wide"],
        hostile["bomb"],
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out[str(hostile["tall"])] == [40000, 2]
    assert out[str(hostile["wide"])] == [1, 65000]
    assert "is 12000x12000 pixels" in out[str(hostile["bomb"])]


def test_a_folder_of_hostile_pngs_loads_within_memory(hostile, tmp_path):
    for label in ("happy", "sad"):
        (tmp_path / label).mkdir()
        for name, path in hostile.items():
            (tmp_path / label / f"{name}.png").write_bytes(path.read_bytes())
        Image.fromarray(np.full((48, 48), 9, np.uint8)).save(tmp_path / label / "a.png")
    done = run_capped(
        """
        import warnings
        from skfer.datasets import load_image_folder
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            X, y = load_image_folder(sys.argv[1], return_X_y=True, cache=False)
        print(len(y), X.shape[1])
        print(caught[0].message)
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    first, message = done.stdout.split("\n", 1)
    assert first == "6 2304"  # a.png, tall.png and wide.png of each class
    assert message.count("bomb.png: cannot be read as an image") == 2
    assert "12000x12000 pixels" in message


PREDICT = """
from skfer.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_predict_on_hostile_pngs_stays_within_memory(hostile, tmp_path):
    from skfer import FERClassifier
    from skfer.datasets import make_faces

    X, y = make_faces(21, random_state=0, return_X_y=True)
    model = FERClassifier("small", max_epochs=1, random_state=0).fit(X, y)
    weights = model.save_weights(tmp_path / "m.safetensors")
    done = run_capped(
        PREDICT,
        "predict",
        *hostile.values(),
        "--no-detect",
        "--csv",
        "--model",
        weights,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr
    rows = {row["file"]: row for row in csv.DictReader(io.StringIO(done.stdout))}
    for name in ("tall", "wide"):
        row = rows[str(hostile[name])]
        assert (row["status"], row["found"]) == ("ok", "whole image")
    assert rows[str(hostile["bomb"])]["found"] == "not an image"
    assert "12000x12000 pixels" in done.stderr
    assert "decompression bomb DOS" not in done.stderr  # Pillow's warning: ours


def test_predict_with_face_search_on_a_thin_png_stays_within_memory(hostile, tmp_path):
    from skfer import FERClassifier
    from skfer.datasets import make_faces

    X, y = make_faces(21, random_state=0, return_X_y=True)
    model = FERClassifier("small", max_epochs=1, random_state=0).fit(X, y)
    weights = model.save_weights(tmp_path / "m.safetensors")
    done = run_capped(PREDICT, "predict", hostile["tall"], "--model", weights)
    assert "MemoryError" not in done.stderr and "allocate" not in done.stderr
    assert done.returncode in (0, 1), done.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifos_named_like_images_never_block(tmp_path):
    from skfer.datasets import load_image_folder
    from skfer.utils import read_gray_image

    (tmp_path / "happy").mkdir()
    (tmp_path / "sad").mkdir()
    for label in ("happy", "sad"):
        Image.fromarray(np.full((48, 48), 5, np.uint8)).save(tmp_path / label / "a.png")
        os.mkfifo(tmp_path / label / "pipe.png")
    results = []

    def work():
        try:
            read_gray_image(tmp_path / "happy" / "pipe.png")
        except ValueError as exc:
            results.append(str(exc))
        import warnings

        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            results.append(load_image_folder(tmp_path, return_X_y=True, cache=False))

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(120)
    assert not thread.is_alive(), "a FIFO blocked the read"
    message, (X, y) = results
    assert "pipe.png' is a FIFO (named pipe), not a regular file" in message
    assert y.tolist() == ["happy", "sad"]
