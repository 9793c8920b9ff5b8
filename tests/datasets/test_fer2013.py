import numpy as np
import pytest

from skfer.datasets import SkippedFileWarning, load_fer2013


def _pixels(value):
    return " ".join([str(value)] * 2304)


def _write_csv(path, rows, header="emotion,pixels,Usage"):
    path.write_text(header + "\n" + "".join(row + "\n" for row in rows))
    return path


@pytest.fixture
def fer_csv(tmp_path):
    rows = [
        f"0,{_pixels(10)},Training",
        f"3,{_pixels(20)},Training",
        f"6,{_pixels(30)},PublicTest",
        f"5,{_pixels(40)},PrivateTest",
    ]
    return _write_csv(tmp_path / "fer2013.csv", rows)


def test_csv_bunch(fer_csv):
    faces = load_fer2013(fer_csv.parent)
    assert faces.data.shape == (4, 2304) and faces.data.dtype == np.uint8
    assert faces.data[:, 0].tolist() == [10, 20, 30, 40]
    assert faces.target.tolist() == ["angry", "happy", "neutral", "surprise"]
    assert faces.usage.tolist() == ["Training", "Training", "PublicTest", "PrivateTest"]
    assert faces.target_names.tolist() == ["angry", "happy", "surprise", "neutral"]
    assert faces.filenames[0].endswith("fer2013.csv:2")
    assert faces.groups is None and faces.face_found is None
    assert "Goodfellow" in faces.DESCR
    assert faces.images.shape == (4, 48, 48)
    assert np.shares_memory(faces.images, faces.data)


def test_csv_file_path_subset_and_return_X_y(fer_csv):
    X, y = load_fer2013(fer_csv, subset="Training", return_X_y=True)
    assert X.shape == (2, 2304) and y.tolist() == ["angry", "happy"]
    faces = load_fer2013(fer_csv, subset=["PrivateTest", "PublicTest"])
    assert faces.usage.tolist() == ["PublicTest", "PrivateTest"]


@pytest.mark.parametrize("subset", ["Train", ["Training", "Val"], [], 3])
def test_bad_subset(fer_csv, subset):
    with pytest.raises(ValueError, match="subset must be None, one of"):
        load_fer2013(fer_csv, subset=subset)


def test_csv_malformed_rows_are_named(tmp_path):
    rows = [
        f"0,{_pixels(1)},Training",
        f"7,{_pixels(1)},Training",  # emotion code out of range
        f"2,{' '.join(['1'] * 2303)},Training",  # 2303 pixels
        f"2,{_pixels(300)},Training",  # value out of range
        f"2,{_pixels(1)},Validation",  # unknown usage
        f"2,{_pixels(1).replace('1', 'x', 1)},Training",  # not a number
        f"2,{_pixels(1)}",  # missing field
    ]
    path = _write_csv(tmp_path / "fer2013.csv", rows)
    with pytest.warns(SkippedFileWarning, match="6 file") as record:
        faces = load_fer2013(path)
    assert len(faces.data) == 1
    message = str(record[0].message)
    for line in range(3, 9):
        assert f"fer2013.csv:{line}" in message
    assert "emotion '7'" in message and "2303 values" in message
    with pytest.raises(ValueError, match="fer2013.csv:3"):
        load_fer2013(path, on_error="raise", cache=False)


def test_csv_missing_columns(tmp_path):
    path = _write_csv(tmp_path / "fer2013.csv", [_pixels(1)], header="pixels")
    with pytest.raises(ValueError, match="expected emotion, pixels and Usage"):
        load_fer2013(path)


def test_csv_without_usage(tmp_path):
    path = _write_csv(tmp_path / "fer2013.csv", [f"1,{_pixels(5)}"], "emotion,pixels")
    faces = load_fer2013(path)
    assert faces.usage is None and faces.target.tolist() == ["disgust"]
    with pytest.raises(ValueError, match="needs the Usage column"):
        load_fer2013(path, subset="Training")


@pytest.fixture
def fer_folders(tmp_path, write_image):
    root = tmp_path / "fer2013"
    write_image(root / "train/angry/Training_1.png", value=1)
    write_image(root / "train/angry/Training_2.png", value=2)
    write_image(root / "train/happy/Training_3.jpg", value=3)
    write_image(root / "test/happy/PublicTest_4.png", value=4)
    write_image(root / "test/Surprise/PrivateTest_5.png", value=5)
    write_image(root / "test/sad/img6.png", value=6)  # no split prefix
    (root / "SOURCE.txt").write_text("not a sample")
    return root


def test_image_folder_layout(fer_folders):
    faces = load_fer2013(fer_folders)
    order = np.argsort([f.rsplit("_", 1)[-1] for f in faces.filenames])
    assert len(faces.data) == 6
    assert faces.target[order].tolist() == [
        "angry",
        "angry",
        "happy",
        "happy",
        "surprise",
        "sad",
    ]
    assert faces.usage[order].tolist() == [
        "Training",
        "Training",
        "Training",
        "PublicTest",
        "PrivateTest",
        "Test",
    ]
    assert faces.data[order[:2], 0].tolist() == [1, 2]
    assert faces.groups is None
    assert all(str(fer_folders) in f for f in faces.filenames)


def test_image_folder_subset(fer_folders):
    faces = load_fer2013(fer_folders, subset="PublicTest")
    assert faces.target.tolist() == ["happy"]
    assert faces.data[0, 0] == 4


def test_unknown_class_folder_is_named(fer_folders, write_image):
    write_image(fer_folders / "train/joy/Training_9.png")
    with pytest.raises(ValueError, match=r"unknown class folder\(s\) \['joy'\]"):
        load_fer2013(fer_folders)


def test_corrupted_and_non_image_files_are_named(fer_folders):
    (fer_folders / "train/angry/Training_8.jpg").write_bytes(b"not a jpeg")
    (fer_folders / "train/angry/notes.txt").write_text("hello")
    (fer_folders / "train/angry/.DS_Store").write_bytes(b"\0")  # ignored
    with pytest.warns(SkippedFileWarning, match="2 file") as record:
        faces = load_fer2013(fer_folders)
    assert len(faces.data) == 6
    message = str(record[0].message)
    assert "train/angry/Training_8.jpg: cannot be read" in message
    assert "train/angry/notes.txt: not an image" in message
    assert ".DS_Store" not in message
    with pytest.raises(ValueError, match="notes.txt"):
        load_fer2013(fer_folders, on_error="raise", cache=False)


def test_not_a_fer_folder(tmp_path):
    (tmp_path / "other").mkdir()
    with pytest.raises(ValueError, match="is not a FER2013 folder"):
        load_fer2013(tmp_path)


def test_empty_folders(tmp_path):
    (tmp_path / "train/angry").mkdir(parents=True)
    with pytest.raises(ValueError, match="no images found"):
        load_fer2013(tmp_path)


def test_missing_path_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere' does not exist"):
        load_fer2013(tmp_path / "nowhere")


def test_default_path_from_skfer_data(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "fer2013").mkdir(parents=True)
    _write_csv(home / "fer2013/fer2013.csv", [f"4,{_pixels(7)},Training"])
    monkeypatch.setenv("SKFER_DATA", str(home))
    assert load_fer2013().target.tolist() == ["sad"]
    monkeypatch.setenv("SKFER_DATA", str(tmp_path / "void"))
    with pytest.raises(FileNotFoundError, match="set SKFER_DATA"):
        load_fer2013()


def test_bad_arguments(fer_csv):
    with pytest.raises(ValueError, match="on_error must be one of"):
        load_fer2013(fer_csv, on_error="ignore")
    with pytest.raises(TypeError, match="return_X_y must be True or False"):
        load_fer2013(fer_csv, return_X_y="yes")
    with pytest.raises(TypeError, match="cache must be True, False or a folder"):
        load_fer2013(fer_csv, cache=3.5)
