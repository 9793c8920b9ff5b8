"""skfer.analyze: photos to a table of faces; no face for a cup, a cat, a landscape."""

import json

import numpy as np
import pytest
from PIL import Image
from skimage import data

from skfer import analyze

# A coffee cup, a cat and a landscape (a rocket on its pad): no face in any.
NOT_FACES = ["coffee", "chelsea", "rocket"]


@pytest.fixture(scope="module")
def clf():
    from skfer import FERClassifier
    from skfer.datasets import make_faces

    X, y = make_faces(70, random_state=0, return_X_y=True)
    return FERClassifier(architecture="small", max_epochs=1, random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("photos")
    Image.fromarray(data.astronaut()).save(root / "astronaut.png")
    for name in NOT_FACES:
        Image.fromarray(getattr(data, name)()).save(root / f"{name}.png")
    (root / "notes.txt").write_text("not an image")
    return root


def test_one_row_per_face_and_one_per_photo_without(clf):
    rows = analyze([data.astronaut(), data.coffee()], clf, as_frame=False)
    face, cup = rows
    assert face["found"] == "detected" and face["face"] == 1
    assert 0.5 <= face["score"] <= 1 and face["status"] == "ok"
    proba = [face[c] for c in clf.classes_]
    assert sum(proba) == pytest.approx(1, abs=1e-4)
    assert face["emotion"] == clf.classes_[int(np.argmax(proba))]
    assert cup["found"] == cup["status"] == "no face" and cup["face"] == 0
    assert cup["emotion"] is None and cup["row"] is None


def test_a_cup_a_cat_and_a_landscape_have_no_face(clf, folder):
    frame = analyze(folder, clf)  # a folder, read through the loaders' decoder
    pd = pytest.importorskip("pandas")
    assert isinstance(frame, pd.DataFrame)
    found = dict(zip(frame.file.map(lambda f: f.rsplit("/", 1)[-1]), frame.found))
    assert found == {
        "astronaut.png": "detected",
        "chelsea.png": "no face",
        "coffee.png": "no face",
        "notes.txt": "not an image",
        "rocket.png": "no face",
    }
    columns = ["file", "face", "row", "col", "height", "width", "found", "score"]
    columns += ["emotion", *clf.classes_, "status", "kind", "frame", "time", "track"]
    assert list(frame.columns) == columns
    assert set(frame.kind) == {"photo"} and frame.frame.isna().all()
    assert frame.loc[frame.found == "no face", "emotion"].isna().all()


def test_pil_images_arrays_and_paths_give_the_same_faces(clf, folder):
    path = folder / "astronaut.png"
    by_path, by_pil, by_array = analyze(
        [path, Image.open(path), data.astronaut()], clf, as_frame=False
    )
    for row in (by_pil, by_array):
        assert [row[k] for k in ("row", "col", "height", "width")] == [
            by_path[k] for k in ("row", "col", "height", "width")
        ]
    assert by_pil["file"] == str(path)  # a PIL image opened from a file


def test_a_folder_of_photos_and_videos_is_one_table(clf, folder, tmp_path):
    pytest.importorskip("av")
    from skfer.video import make_face_video

    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "astronaut.png").write_bytes((folder / "astronaut.png").read_bytes())
    make_face_video(
        mixed / "clip.mp4",
        n_faces=1,
        seconds=1,
        fps=10,
        frame_size=(160, 200),
        face_size=96,
    )
    pytest.importorskip("pandas")
    frame = analyze(mixed, clf, detector="cascade")  # the video's faces are drawn
    photo, video = frame[frame.kind == "photo"], frame[frame.kind == "video"]
    assert photo.file.str.endswith("astronaut.png").all() and len(photo) == 1
    assert photo.frame.isna().all() and photo.found.tolist() == ["detected"]
    assert video.file.str.endswith("clip.mp4").all() and len(video) >= 8
    assert video.frame.tolist() == sorted(video.frame) and (video.track >= 1).all()
    assert video.time.tolist() == pytest.approx((video.frame / 10).tolist())
    assert video.found.isna().all() and video.score.isna().all()
    assert str(frame.frame.dtype) == "Int64" and (video.face == 1).all()
    proba = video[list(clf.classes_)].sum(axis=1)
    assert proba.tolist() == pytest.approx([1.0] * len(video), abs=1e-4)


def test_detector_and_detect_are_passed_on(clf):
    class Fixed:
        def detect(self, image):
            return [(10, 20, 60, 60)], [0.75]

    (row,) = analyze(
        np.zeros((200, 200), np.uint8), clf, detector=Fixed(), as_frame=False
    )
    assert (row["row"], row["col"], row["height"], row["score"]) == (4, 14, 72, 0.75)
    (row,) = analyze(data.coffee(), clf, detect="never", as_frame=False)
    assert row["found"] == "whole image" and row["height"] == 400


class _TiltedEyes:
    """A detector that sees one face with eyes 40 px apart, 15 degrees tilted."""

    points = [[90, 80], [100.7, 118.6], [115, 100], [130, 85], [135, 115]]

    def detect(self, image):
        return [(60, 60, 100, 100)], [0.9], [self.points]


def test_align_is_passed_on(clf):
    from skfer.preprocessing import find_faces

    photo = np.zeros((220, 220), np.uint8)
    for align in (False, True):
        (row,) = analyze(
            photo, clf, detector=_TiltedEyes(), align=align, as_frame=False
        )
        (box,), _ = find_faces(photo, detector=_TiltedEyes(), align=align)
        assert [row[k] for k in ("row", "col", "height", "width")] == list(box)
    assert box != (50, 50, 120, 120)  # the aligned box is not the grown one


def test_bad_arguments_are_named(clf):
    with pytest.raises(ValueError, match="as_frame"):
        analyze(data.astronaut(), clf, as_frame="yes")
    with pytest.raises(ValueError, match="detect must be"):
        analyze(data.astronaut(), clf, detect="sometimes")
    with pytest.raises(ValueError, match="align must be True or False; got 'yes'"):
        analyze(data.astronaut(), clf, align="yes")
    with pytest.raises(TypeError, match="model must be"):
        analyze(data.astronaut(), object())
    with pytest.raises(ValueError, match="detector must be one of"):
        analyze(data.astronaut(), clf, detector="retina")


def test_a_photo_given_to_the_estimator_points_to_analyze(clf):
    with pytest.raises(
        ValueError, match=r"expecting 2304.*skfer\.analyze.*extract_faces"
    ):
        clf.predict(data.coffee()[np.newaxis])


def test_the_cli_says_no_face_for_them_too(clf, folder, tmp_path, capsys):
    from skfer.cli import main

    model = clf.save_weights(tmp_path / "tiny.safetensors")
    files = [str(folder / f"{name}.png") for name in NOT_FACES]
    assert main(["predict", *files, "--model", str(model), "--json"]) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    assert [r["status"] for r in results] == ["no face"] * 3
    assert all(r["faces"] == [] for r in results)


@pytest.mark.realdata
def test_faces_of_real_photos_are_found(real_dataset):
    """JAFFE photos (256x256, a face with room) are detected; CK+ 128x128 crops
    are face crops, used whole; cut to the detector's box, both still have a face."""
    from skfer.preprocessing import detect_faces, find_faces
    from skfer.utils import read_gray_image

    jaffe = sorted(real_dataset("jaffe").glob("*.tiff"))[::10]
    ckplus = sorted(real_dataset("ckplus").glob("*/*.png"))[::40]
    assert len(jaffe) >= 20 and len(ckplus) >= 20
    for path in jaffe:
        gray = read_gray_image(path)
        assert find_faces(gray)[1] == ["detected"], path
        row, col, height, width = detect_faces(gray)[0]
        assert len(find_faces(gray[row : row + height, col : col + width])[0]) >= 1
    for path in ckplus:
        assert find_faces(read_gray_image(path))[1] == ["whole image"], path
