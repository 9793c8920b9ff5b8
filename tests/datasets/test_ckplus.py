import collections

import numpy as np
import pytest

from skfer.datasets import SkippedFileWarning, load_ckplus
from skfer.preprocessing import FaceCropper, NoFaceWarning

# (sequence, peak label folder, peak frame) of the labelled sequences
_LABELLED = [
    ("S010_001", "happiness", 15),
    ("S010_002", "anger", 12),
    ("S011_001", "contempt", 20),
    ("S012_004", "surprise", 9),
]
_UNLABELLED = ["S010_003", "S013_001"]  # neutral first frame only


@pytest.fixture
def manifest_tree(tmp_path, write_image):
    root = tmp_path / "ckplus"
    lines = ["file,label,subject,sequence,frame,seq_has_official_emotion_label"]
    for seq, label, frame in _LABELLED:
        rel = f"{label}/{seq}_{frame:08d}.png"
        write_image(root / rel, value=frame, size=128)
        lines.append(f"{rel},{label},{seq[:4]},{seq},{frame},1")
    for seq, flag in [(s, 1) for s, *_ in _LABELLED] + [(s, 0) for s in _UNLABELLED]:
        rel = f"neutral/{seq}_00000001.png"
        write_image(root / rel, value=1, size=128)
        lines.append(f"{rel},neutral,{seq[:4]},{seq},1,{flag}")
    (root / "manifest.csv").write_text("\n".join(lines) + "\n")
    (root / "SOURCE.txt").write_text("about")
    return root


def test_manifest_paper_set_by_default(manifest_tree):
    faces = load_ckplus(manifest_tree)
    counts = collections.Counter(faces.target.tolist())
    assert counts == {"neutral": 4, "happy": 1, "angry": 1, "disgust": 1, "surprise": 1}
    assert sorted(set(faces.groups)) == ["S010", "S011", "S012"]
    assert faces.data.shape == (8, 2304)
    assert faces.usage is None and faces.face_found is None
    peak = faces.filenames.tolist().index(
        str(manifest_tree / "surprise/S012_004_00000009.png")
    )
    assert (faces.data[peak] == 9).all()  # 128x128 constant image resized to 48x48


@pytest.mark.parametrize(
    "contempt, neutral, n_images, has_contempt",
    [
        ("merge", "all", 10, False),
        ("keep", "all", 10, True),
        ("drop", "labelled", 7, False),
        ("keep", "none", 4, True),
    ],
)
def test_manifest_options(manifest_tree, contempt, neutral, n_images, has_contempt):
    faces = load_ckplus(manifest_tree, contempt=contempt, neutral=neutral)
    assert len(faces.data) == n_images
    assert ("contempt" in faces.target) == has_contempt
    assert ("neutral" in faces.target) == (neutral != "none")


def test_manifest_mismatch_with_disk_is_reported(manifest_tree, write_image):
    (manifest_tree / "anger/S010_002_00000012.png").unlink()
    write_image(manifest_tree / "fear/S014_001_00000010.png")
    with pytest.warns(SkippedFileWarning, match="2 file") as record:
        faces = load_ckplus(manifest_tree)
    message = str(record[0].message)
    assert (
        "anger/S010_002_00000012.png: listed in manifest.csv but not found" in message
    )
    assert "fear/S014_001_00000010.png: not listed in manifest.csv" in message
    assert "angry" not in faces.target and "fear" not in faces.target


def test_manifest_missing_columns(manifest_tree):
    (manifest_tree / "manifest.csv").write_text("file,label\nanger/x.png,anger\n")
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['subject'"):
        load_ckplus(manifest_tree)


@pytest.fixture
def ck48_tree(tmp_path, write_image):
    root = tmp_path / "ckplus48"
    for seq, label, frame in _LABELLED:
        folder = "happy" if label == "happiness" else label
        for offset in range(3):
            write_image(root / f"{folder}/{seq}_{frame - offset:08d}.png")
    return root


def test_ckplus48_layout(ck48_tree):
    faces = load_ckplus(ck48_tree)
    assert len(faces.data) == 12
    assert collections.Counter(faces.target.tolist()) == {
        "happy": 3,
        "angry": 3,
        "disgust": 3,
        "surprise": 3,
    }
    assert collections.Counter(faces.groups.tolist()) == {
        "S010": 6,
        "S011": 3,
        "S012": 3,
    }


def test_folders_with_neutral_infer_labelled_sequences(manifest_tree):
    (manifest_tree / "manifest.csv").unlink()
    faces = load_ckplus(manifest_tree)  # same tree as class folders only
    assert len(faces.data) == 8
    assert len(load_ckplus(manifest_tree, neutral="all").data) == 10


def test_folder_file_without_subject_is_reported(ck48_tree, write_image):
    write_image(ck48_tree / "fear/face.png")
    with pytest.warns(SkippedFileWarning, match="fear/face.png: file name does not"):
        faces = load_ckplus(ck48_tree)
    assert len(faces.data) == 12


def test_folder_unknown_class(ck48_tree, write_image):
    write_image(ck48_tree / "boredom/S010_001_00000001.png")
    with pytest.raises(ValueError, match=r"\['boredom'\]"):
        load_ckplus(ck48_tree)


def _original_tree(root, write_image, *, size=64, image=None):
    """cohn-kanade-images/S###/###/*.png + Emotion/S###/###/*_emotion.txt."""
    sequences = {"S005/001": 3.0, "S005/002": None, "S010/001": 7.0, "S011/003": 2.0}
    for seq, code in sequences.items():
        subject, number = seq.split("/")
        for frame in range(1, 4):
            name = f"{subject}_{number}_{frame:08d}.png"
            write_image(
                root / "cohn-kanade-images" / seq / name,
                image,
                value=10 * frame,
                size=size,
            )
        if code is not None:
            label = root / "Emotion" / seq / f"{subject}_{number}_00000003_emotion.txt"
            label.parent.mkdir(parents=True, exist_ok=True)
            label.write_text(f"   {code:.7e}\n")
    return root


def test_original_distribution(tmp_path, write_image):
    root = _original_tree(tmp_path / "CK+", write_image)
    faces = load_ckplus(root, crop_faces=False)
    by_file = dict(
        zip([f.split("cohn-kanade-images/")[1] for f in faces.filenames], faces.target)
    )
    assert by_file == {
        "S005/001/S005_001_00000003.png": "disgust",
        "S005/001/S005_001_00000001.png": "neutral",
        "S010/001/S010_001_00000003.png": "surprise",
        "S010/001/S010_001_00000001.png": "neutral",
        "S011/003/S011_003_00000003.png": "disgust",  # contempt merged
        "S011/003/S011_003_00000001.png": "neutral",
    }
    assert set(faces.groups) == {"S005", "S010", "S011"}
    peaks = faces.target != "neutral"
    assert (faces.data[peaks] == 30).all() and (faces.data[~peaks] == 10).all()
    assert len(load_ckplus(root, neutral="all", crop_faces=False).data) == 7
    kept = load_ckplus(root, contempt="keep", crop_faces=False)
    assert "contempt" in kept.target


def test_original_distribution_one_folder_down_crops_faces(
    tmp_path, write_image, face_photo
):
    _original_tree(tmp_path / "CK+", write_image, image=face_photo)
    faces = load_ckplus(tmp_path)  # the folder holding CK+/
    assert faces.face_found is not None and faces.face_found.all()
    blank = _original_tree(tmp_path / "blank", write_image, size=64)
    with pytest.warns(NoFaceWarning, match="no face found in 6 of 6 images"):
        faces = load_ckplus(blank, crop_faces=FaceCropper(margin=0.2))
    assert not faces.face_found.any()


def test_original_distribution_malformed_label_file(tmp_path, write_image):
    root = _original_tree(tmp_path, write_image)
    label = root / "Emotion/S010/001/S010_001_00000003_emotion.txt"
    label.write_text("9.0\n")
    with pytest.warns(SkippedFileWarning, match="S010_001_00000003_emotion.txt"):
        faces = load_ckplus(root, crop_faces=False)
    assert "surprise" not in faces.target
    assert len(faces.data) == 4  # S010/001 now counts as unlabelled


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"contempt": "disgust"}, "contempt must be one of"),
        ({"neutral": "first"}, "neutral must be one of"),
        ({"crop_faces": "yes"}, "crop_faces must be True, False or a FaceCropper"),
    ],
)
def test_bad_arguments(ck48_tree, kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        load_ckplus(ck48_tree, **kwargs)


def test_every_row_is_model_ready(ck48_tree):
    X, y = load_ckplus(ck48_tree, return_X_y=True)
    assert X.shape == (12, 2304) and X.dtype == np.uint8 and len(y) == 12
