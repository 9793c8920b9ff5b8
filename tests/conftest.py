"""Shared fixtures: small synthetic faces made by the tests themselves, and the
location of the real datasets (tests marked ``realdata`` skip when it is absent)."""

import os
from pathlib import Path

import pytest


def _real_data_home():
    value = os.environ.get("SKFER_DATA")
    if not value:
        return None
    path = Path(value).expanduser()
    return path if path.is_dir() else None


@pytest.fixture(scope="session")
def real_data_home():
    """Folder holding the real datasets (``fer2013/``, ``ckplus/``, ...).

    Skips the test with a clear reason when ``SKFER_DATA`` is unset or not a folder.
    """
    path = _real_data_home()
    if path is None:
        pytest.skip(
            "real datasets not available: set SKFER_DATA to the folder holding "
            "fer2013/, ckplus/, ckplus48/ and jaffe/ (e.g. ../shared/datasets)"
        )
    return path


@pytest.fixture(scope="session")
def real_dataset(real_data_home):
    """Factory: ``real_dataset("jaffe")`` -> its folder, or skip if it is missing."""

    def get(name):
        path = real_data_home / name
        if not path.is_dir():
            pytest.skip(
                f"real dataset {name!r} not found under SKFER_DATA={real_data_home}"
            )
        return path

    return get


@pytest.fixture(scope="session")
def faces():
    """(X, y): 140 synthetic 48x48 faces, 7 emotions, uint8 rows of 2304 pixels."""
    from skfer.datasets import make_faces

    return make_faces(n_samples=140, random_state=0, return_X_y=True)


@pytest.fixture(scope="session")
def faces3():
    """(X, y): 90 synthetic faces of 3 emotions (happy, sad, surprise)."""
    from skfer.datasets import make_faces

    return make_faces(
        n_samples=90,
        classes=("happy", "sad", "surprise"),
        random_state=1,
        return_X_y=True,
    )


#: Defaults of the ``small`` fixture's classifiers: the tiny CNN, a few epochs.
SMALL_DEFAULTS = dict(
    architecture="small",
    max_epochs=2,
    batch_size=32,
    lr=3e-3,
    validation_fraction=None,
    random_state=0,
)


@pytest.fixture(scope="module")
def small(request):
    """Factory of small, fast :class:`~skfer.FERClassifier` s for the tests.

    ``small(**params)`` overrides :data:`SMALL_DEFAULTS`; a test module may set
    ``SMALL_PARAMS`` (a dict) to change the defaults for all its tests.
    """
    from skfer import FERClassifier

    base = {**SMALL_DEFAULTS, **getattr(request.module, "SMALL_PARAMS", {})}

    def make(**params):
        return FERClassifier(**{**base, **params})

    return make


@pytest.fixture(scope="session")
def png_bomb():
    """``png_bomb(path, width, height)``: write a real gray PNG of zeros.

    Written by chunks of rows: a 12000x12000 one (144 MB once decoded) takes
    about 140 KB on disk and little memory to write; a 2x40000 one, 163 bytes.
    """
    import struct
    import zlib

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    def write(path, width, height):
        packer = zlib.compressobj(9)
        row = b"\0" * (width + 1)  # the filter byte, then the pixels
        idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
        header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
        path.write_bytes(
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", idat)
            + chunk(b"IEND", b"")
        )
        return path

    return write
