import numpy as np
import pytest
from PIL import Image

from skfer.datasets import SkippedFileWarning, load_jaffe
from skfer.preprocessing import NoFaceWarning


@pytest.fixture
def jaffe_tree(tmp_path, write_image):
    root = tmp_path / "jaffe"
    for subject, number in (("KA", 1), ("KL", 20), ("YM", 40)):
        for offset, emotion in enumerate(("AN", "HA", "SU")):
            write_image(root / f"{subject}.{emotion}1.{number + offset}.tiff", size=48)
    (root / "README.txt").write_text("JAFFE")
    return root


def test_labels_and_subjects_from_file_names(jaffe_tree):
    faces = load_jaffe(jaffe_tree, crop_faces=False)
    assert faces.data.shape == (9, 2304)
    assert faces.target.tolist() == ["angry", "happy", "surprise"] * 3
    assert faces.groups.tolist() == ["KA"] * 3 + ["KL"] * 3 + ["YM"] * 3
    assert faces.target_names.tolist() == ["angry", "happy", "surprise"]
    assert faces.usage is None and faces.face_found is None
    assert "Lyons" in faces.DESCR


def test_palette_tiff_is_converted_through_its_palette(jaffe_tree):
    indices = np.arange(48 * 48, dtype=np.uint8).reshape(48, 48) % 4
    image = Image.fromarray(indices).convert("P")
    palette = [0, 0, 0, 80, 80, 80, 160, 160, 160, 240, 240, 240]
    image.putpalette(palette + [0] * (768 - len(palette)))
    image.save(jaffe_tree / "KA.NE1.99.tiff")
    faces = load_jaffe(jaffe_tree, crop_faces=False)
    row = faces.data[faces.filenames.tolist().index(str(jaffe_tree / "KA.NE1.99.tiff"))]
    np.testing.assert_array_equal(row, (indices * 80).ravel())


def test_faces_are_cropped(jaffe_tree, write_image, face_photo):
    write_image(jaffe_tree / "UY.FE2.7.tiff", face_photo)
    with pytest.warns(NoFaceWarning, match="no face found in 9 of 10") as record:
        faces = load_jaffe(jaffe_tree)
    found = dict(zip(faces.groups.tolist(), faces.face_found.tolist()))
    assert found["UY"] and faces.face_found.sum() == 1
    assert "KA.AN1.1.tiff" in str(record[0].message)


def test_bad_names_and_corrupted_files_are_named(jaffe_tree, write_image):
    write_image(jaffe_tree / "portrait.tiff")
    (jaffe_tree / "KA.DI1.5.tiff").write_bytes(b"II*\0broken")
    with pytest.warns(SkippedFileWarning, match="2 file") as record:
        faces = load_jaffe(jaffe_tree, crop_faces=False)
    message = str(record[0].message)
    assert "portrait.tiff: not a JAFFE file name" in message
    assert "KA.DI1.5.tiff: cannot be read" in message
    assert "README" not in message
    assert len(faces.data) == 9


def test_empty_and_missing_folders(tmp_path):
    with pytest.raises(ValueError, match="no images found"):
        load_jaffe(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_jaffe(tmp_path / "jaffe")
    (tmp_path / "file.tiff").write_bytes(b"")
    with pytest.raises(NotADirectoryError, match="is not a folder"):
        load_jaffe(tmp_path / "file.tiff")
