"""Fixtures of the dataset tests: a private cache folder and image writers."""

import numpy as np
import pytest
from PIL import Image


@pytest.fixture(autouse=True)
def cache_home(tmp_path_factory, monkeypatch):
    """Every test caches into its own empty folder (SKFER_CACHE), never ~/.cache."""
    folder = tmp_path_factory.mktemp("skfer-cache")
    monkeypatch.setenv("SKFER_CACHE", str(folder))
    return folder


@pytest.fixture
def write_image():
    """``write_image(path, array=None, value=0, size=48)``: save an image file."""

    def write(path, array=None, *, value=0, size=48):
        path.parent.mkdir(parents=True, exist_ok=True)
        if array is None:
            array = np.full((size, size), value, dtype=np.uint8)
        Image.fromarray(np.asarray(array, dtype=np.uint8)).save(path)
        return path

    return write


@pytest.fixture(scope="session")
def face_photo():
    """A 160x160 gray photo with one frontal face (from scikit-image's astronaut)."""
    from skimage import data

    from skfer.preprocessing import Grayscale

    photo = Grayscale().fit_transform([data.astronaut()])[0]
    return np.ascontiguousarray(photo[30:190, 140:300])
