import os

import numpy as np
import pytest

from skfer.datasets import SkippedFileWarning, load_image_folder
from skfer.preprocessing import FaceCropper


@pytest.fixture
def tree(tmp_path, write_image):
    write_image(tmp_path / "Happiness/a.png", size=100)
    write_image(tmp_path / "Happiness/b.jpg", size=30)
    rgb = np.zeros((40, 60, 3), dtype=np.uint8)
    rgb[..., 1] = 255
    write_image(tmp_path / "AN/c.png", rgb)
    write_image(tmp_path / "joy/d.png")
    return tmp_path


def test_aliases_colour_and_sizes(tree):
    faces = load_image_folder(tree, aliases={"joy": "happy"})
    assert faces.target.tolist() == ["angry", "happy", "happy", "happy"]
    assert faces.data.shape == (4, 2304) and faces.data.dtype == np.uint8
    assert (faces.data[0] == 150).all()  # green -> 0.587 * 255
    assert faces.groups is None and faces.usage is None


def test_unknown_class_folder_error_or_kept(tree):
    with pytest.raises(ValueError, match=r"unknown class folder\(s\) \['joy'\]"):
        load_image_folder(tree)
    faces = load_image_folder(tree, keep_unknown=True)
    assert faces.target_names.tolist() == ["angry", "happy", "joy"]


def test_group_pattern(tree, write_image):
    write_image(tree / "joy/S010_e.png")
    with pytest.warns(SkippedFileWarning, match="4 file"):
        faces = load_image_folder(tree, keep_unknown=True, group_pattern=r"^(S\d+)_")
    assert faces.groups.tolist() == ["S010"]
    with pytest.raises(ValueError, match="group_pattern must be a regular expression"):
        load_image_folder(tree, keep_unknown=True, group_pattern="(")


def test_nested_folder_is_reported(tree, write_image):
    write_image(tree / "AN/deeper/e.png")
    with pytest.warns(SkippedFileWarning, match="AN/deeper: is a folder"):
        load_image_folder(tree, keep_unknown=True)


def test_crop_faces(tmp_path, write_image, face_photo):
    write_image(tmp_path / "happy/face.png", face_photo)
    faces = load_image_folder(tmp_path, crop_faces=FaceCropper(margin=0.0))
    assert faces.face_found.tolist() == [True]


def test_no_class_folder_and_empty(tmp_path, write_image):
    write_image(tmp_path / "loose.png")
    with pytest.raises(ValueError, match="no class folders"):
        load_image_folder(tmp_path)
    (tmp_path / "sad").mkdir()
    with pytest.raises(ValueError, match="no images found"):
        load_image_folder(tmp_path)


def test_bad_aliases(tree):
    with pytest.raises(TypeError, match="aliases must be a dict"):
        load_image_folder(tree, aliases=["joy"])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_in_the_folder_is_skipped_without_blocking(tmp_path, write_image):
    import threading
    import warnings

    for i, label in enumerate(["happy", "sad"]):
        write_image(tmp_path / label / f"{i}.png", value=i)
    os.mkfifo(tmp_path / "happy" / "pipe.png")
    result = []

    def load():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            X, y = load_image_folder(tmp_path, return_X_y=True, cache=False)
        result.append((y.tolist(), [str(w.message) for w in caught]))

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "load_image_folder blocked on a FIFO"
    labels, messages = result[0]
    assert labels == ["happy", "sad"]
    assert any("happy/pipe.png: not a regular file" in m for m in messages)
