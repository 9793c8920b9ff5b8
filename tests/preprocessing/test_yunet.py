"""YuNet, the shipped CNN detector, and aligned crops from landmarks."""

import sys

import numpy as np
import pytest
from skimage import data

from skfer.preprocessing import (
    DETECTORS,
    FaceCropper,
    YuNetDetector,
    check_detector,
    extract_faces,
    find_faces,
)
from skfer.preprocessing._align import EYES_APART, EYES_ROW, PHOTO_SCALE, _landmark_box
from skfer.preprocessing._grayscale import _to_gray
from skfer.preprocessing._yunet import _decode, _nms, _session
from skfer.utils import resize_image


def _needs_onnxruntime():
    pytest.importorskip(
        "onnxruntime", reason="YuNet runs with onnxruntime (onnx extra)"
    )


def test_yunet_is_a_registered_detector():
    assert DETECTORS["yunet"] is YuNetDetector
    assert isinstance(check_detector("yunet"), YuNetDetector)


def test_outputs_are_decoded_as_opencv_decodes_them():
    # a 64x64 input: 8x8 cells of stride 8, 4x4 of 16, 2x2 of 32
    outputs = []
    for width in (1, 1, 4, 10):  # cls, obj, bbox, kps
        for stride in (8, 16, 32):
            outputs.append(np.zeros((1, (64 // stride) ** 2, width), np.float32))
    cls_16, obj_16, bbox_16, kps_16 = outputs[1], outputs[4], outputs[7], outputs[10]
    cell = 1 * 4 + 2  # row 1, column 2 of the stride-16 grid
    cls_16[0, cell], obj_16[0, cell] = 0.81, 1.0
    bbox_16[0, cell] = [0.5, 0.25, np.log(2.0), np.log(3.0)]
    kps_16[0, cell] = np.arange(10) / 10
    boxes, scores, points = _decode(outputs, (64, 64), min_score=0.5)
    np.testing.assert_allclose(scores, [0.9])
    # centre ((2 + 0.5) * 16, (1 + 0.25) * 16) = (40, 20), size (32, 48)
    np.testing.assert_allclose(boxes, [[24.0, -4.0, 32.0, 48.0]])
    np.testing.assert_allclose(points[0, :2], [(2 + 0.0) * 16, (1 + 0.1) * 16])


def test_non_maximum_suppression_keeps_the_best_of_overlapping_boxes():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [50, 50, 10, 10]], float)
    scores = np.array([0.6, 0.9, 0.7])
    assert _nms(boxes, scores, 0.3).tolist() == [1, 2]
    assert _nms(boxes, scores, 0.9).tolist() == [1, 2, 0]


@pytest.mark.parametrize(
    "params, match",
    [
        ({"max_side": 16}, "max_side must be an integer >= 32; got 16"),
        ({"min_score": 1.5}, "min_score must be a number in \\[0, 1\\]; got 1.5"),
        ({"nms_overlap": "x"}, "nms_overlap must be a number"),
    ],
)
def test_bad_parameters_are_named(params, match):
    with pytest.raises(ValueError, match=match):
        YuNetDetector(**params).detect(np.zeros((64, 64), np.uint8))


def test_without_onnxruntime_the_error_says_what_to_install(monkeypatch):
    _session.cache_clear()
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    try:
        with pytest.raises(ImportError, match="pip install onnxruntime"):
            find_faces(data.astronaut(), detector="yunet")
    finally:
        _session.cache_clear()


def test_yunet_finds_the_astronaut_and_her_landmarks():
    _needs_onnxruntime()
    gray = _to_gray(data.astronaut())
    boxes, scores, landmarks = YuNetDetector().detect(gray)
    assert len(boxes) == 1 and scores[0] > 0.9 and landmarks.shape == (1, 5, 2)
    row, col, height, width = boxes[0]
    assert 150 < col + width / 2 < 300 and 60 < row + height / 2 < 160
    (eye_l, eye_r, nose, mouth_l, mouth_r) = landmarks[0]
    assert eye_l[1] < eye_r[1] and mouth_l[1] < mouth_r[1]  # left one first
    assert max(eye_l[0], eye_r[0]) < nose[0] < min(mouth_l[0], mouth_r[0])


def test_yunet_finds_no_face_in_a_coffee_cup_or_noise():
    _needs_onnxruntime()
    noise = np.random.default_rng(0).integers(0, 256, (240, 320), dtype=np.uint8)
    assert find_faces(data.coffee(), detector="yunet") == ([], [])
    assert find_faces(noise, detector="yunet") == ([], [])


def test_a_face_crop_is_used_whole_with_yunet():
    _needs_onnxruntime()
    thumbnail = data.astronaut()[60:190:2, 160:290:2]
    assert find_faces(thumbnail, detector="yunet") == (
        [(0, 0, 65, 65)],
        ["whole image"],
    )


class Eyes:
    """Two dark eyes and a mouth drawn at an angle, and their landmarks."""

    def __init__(self, angle):
        self.angle = angle
        theta = np.radians(angle)
        centre = np.array([100.0, 100.0])
        turn = np.array(
            [[np.cos(theta), np.sin(theta)], [-np.sin(theta), np.cos(theta)]]
        )
        # (row, col) offsets of an upright face: eyes 40 apart, mouth 40 below
        upright = np.array([[0, -20], [0, 20], [20, 0], [40, -15], [40, 15]], float)
        # turned by ``angle`` (image rows point down: a positive angle lowers the
        # eye on the right)
        self.points = centre + (upright[:, ::-1] @ turn)[:, ::-1]
        image = np.full((220, 220), 200, np.uint8)
        rows, cols = np.mgrid[:220, :220]
        for row, col in self.points[:2]:
            image[(rows - row) ** 2 + (cols - col) ** 2 <= 16] = 0
        self.image = image

    def detect(self, image):
        return [(60, 60, 100, 100)], [0.9], self.points[None]


def test_the_landmark_box_is_fer2013s_framing():
    face = Eyes(0)
    box, angle = _landmark_box(face.points, 0.1, 220, 220)
    side = 40 / EYES_APART
    assert angle == pytest.approx(0)
    assert box[2] == round(side)
    assert abs(box[0] - (100 - EYES_ROW * side)) <= 1  # eyes at EYES_ROW of it
    assert abs(box[1] - (100 - side / 2)) <= 1  # and in the middle


@pytest.mark.parametrize("angle", [-20.0, 15.0])
def test_aligned_crops_have_level_eyes_where_fer2013_has_them(angle):
    face = Eyes(angle)
    (box,), rows = extract_faces(face.image, detector=face, align=True)
    crop = rows[0].reshape(48, 48)
    dark = np.argwhere(crop < 100)
    left, right = dark[dark[:, 1] < 24], dark[dark[:, 1] >= 24]
    eye_l, eye_r = left.mean(0), right.mean(0)
    assert abs(eye_l[0] - eye_r[0]) < 1.0  # level
    # FER2013's framing, the box grown PHOTO_SCALE times about its centre
    eyes_row = 24 - (0.5 - EYES_ROW) * 48 / PHOTO_SCALE
    assert eye_l[0] == pytest.approx(eyes_row - 0.5, abs=1.5)
    assert eye_r[1] - eye_l[1] == pytest.approx(EYES_APART * 48 / PHOTO_SCALE, abs=1.5)
    # without align: the same box, not turned (not the detector's own box)
    (plain,), plain_rows = extract_faces(face.image, detector=face)
    assert plain == box and plain != (50, 50, 120, 120)
    plain_crop = plain_rows[0].reshape(48, 48)
    dark = np.argwhere(plain_crop < 100)
    sides = dark[dark[:, 1] < 24].mean(0)[0] - dark[dark[:, 1] >= 24].mean(0)[0]
    assert abs(sides) > 2  # still tilted


@pytest.mark.parametrize("channels", [None, 3])
def test_the_cropper_frames_as_extract_faces_with_align(channels):
    # FaceCropper (training data) and extract_faces (prediction) give one framing
    face = Eyes(15.0)
    image = face.image if channels is None else np.dstack([face.image] * channels)
    cropper = FaceCropper(detector=face, align=True)
    (crop,) = cropper.fit_transform([image])
    (box,), rows = extract_faces(face.image, detector=face, align=True)
    assert cropper.boxes_.tolist() == [list(box)]
    assert crop.shape == (box[2], box[3]) + ((channels,) if channels else ())
    gray = crop if channels is None else crop[..., 0]
    small = resize_image(gray, (48, 48)).astype(int)
    assert np.abs(small - rows[0].reshape(48, 48)).mean() < 1.0
    dark = np.argwhere(gray < 100)  # the eyes, level once turned
    middle = gray.shape[1] / 2
    left, right = dark[dark[:, 1] < middle], dark[dark[:, 1] >= middle]
    assert abs(left.mean(0)[0] - right.mean(0)[0]) < 2.0
    # without align: the detector's box, not turned
    (plain,) = FaceCropper(detector=face).fit_transform([face.image])
    dark = np.argwhere(plain < 100)
    left, right = dark[dark[:, 1] < 60], dark[dark[:, 1] >= 60]
    assert abs(left.mean(0)[0] - right.mean(0)[0]) > 5.0


def test_align_is_checked():
    with pytest.raises(ValueError, match="align must be True or False; got 'yes'"):
        find_faces(np.zeros((50, 50), np.uint8), align="yes")


def test_detectors_without_landmarks_are_not_aligned():
    photo = data.astronaut()
    assert find_faces(photo, align=True) == find_faces(photo)


@pytest.mark.realdata
def test_yunet_finds_one_face_in_each_jaffe_photo(real_dataset):
    _needs_onnxruntime()
    from PIL import Image

    files = sorted(real_dataset("jaffe").glob("*.tiff"))[::20]
    for path in files:
        with Image.open(path) as image:
            gray = np.asarray(image.convert("L"))
        boxes, sources = find_faces(gray, detector="yunet", detect="always")
        assert sources == ["detected"], path.name
