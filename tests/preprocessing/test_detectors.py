"""The detector protocol: names, objects, 'module:attribute', and what they return."""

import numpy as np
import pytest
from skimage import data

from skfer.preprocessing import (
    CascadeDetector,
    FaceCropper,
    FaceDetector,
    check_detector,
    detect_faces,
    extract_faces,
    find_faces,
)
from skfer.preprocessing._grayscale import _to_gray


class Fixed:
    """One face at a fixed place, with landmarks that cannot frame it (ignored)."""

    def detect(self, image):
        return np.array([[20, 30, 50, 50]]), np.array([0.8]), np.zeros((1, 5, 2))


def test_the_cascade_detector_is_detect_faces_with_scores():
    gray = _to_gray(data.astronaut())
    boxes, scores = CascadeDetector().detect(gray)
    assert [tuple(b) for b in boxes.tolist()] == detect_faces(gray)
    assert np.all((scores >= 0.5) & (scores < 1))
    weak_boxes, weak_scores = CascadeDetector(return_weak=True).detect(gray)
    assert len(weak_boxes) >= len(boxes) and np.all(weak_scores[len(boxes) :] < 0.5)


def test_any_object_with_detect_is_used_everywhere():
    image = np.full((120, 160), 100, np.uint8)
    assert isinstance(Fixed(), FaceDetector)
    boxes, sources, scores = find_faces(
        image, detector=Fixed(), margin=0, return_scores=True
    )
    assert (boxes, sources, scores) == ([(20, 30, 50, 50)], ["detected"], [0.8])
    assert extract_faces(image, detector=Fixed(), margin=0)[0] == boxes
    cropper = FaceCropper(detector=Fixed(), margin=0).fit([image])
    crops = cropper.transform([image])
    assert np.shape(crops[0]) == (50, 50) and cropper.scores_.tolist() == [0.8]


def test_low_scores_are_not_faces():
    class Unsure:
        def detect(self, image):
            return [(20, 30, 50, 50)], [0.3]

    image = np.random.default_rng(0).integers(0, 255, (300, 450), dtype=np.uint8)
    assert find_faces(image, detector=Unsure()) == ([], [])


def test_a_detector_by_module_and_name():
    detector = check_detector("skfer.preprocessing:CascadeDetector")
    assert isinstance(detector, CascadeDetector)


@pytest.mark.parametrize(
    "detector, error, match",
    [
        ("retina", ValueError, "detector must be one of"),
        ("no.such.module:Detector", ValueError, "cannot be imported"),
        (object(), TypeError, "detect\\(image\\) method"),
    ],
)
def test_bad_detectors_are_named(detector, error, match):
    with pytest.raises(error, match=match):
        find_faces(np.zeros((50, 50), np.uint8), detector=detector)


def test_a_detector_returning_the_wrong_shape_is_named():
    class Bad:
        def detect(self, image):
            return [(0, 0, 10, 10)], [0.9, 0.8]

    with pytest.raises(ValueError, match="2 scores"):
        find_faces(np.zeros((50, 50), np.uint8), detector=Bad())

    class Worse:
        def detect(self, image):
            return [(0, 0, 10, 10)]

    with pytest.raises(TypeError, match="must return"):
        find_faces(np.zeros((50, 50), np.uint8), detector=Worse())


def test_face_cropper_frames_as_find_faces():
    # the crop of the dataset loaders is the framing of skfer predict
    photos = [data.astronaut(), data.astronaut()[60:190:2, 160:290:2]]
    cropper = FaceCropper().fit(photos)
    cropper.transform(photos)
    assert [tuple(b) for b in cropper.boxes_.tolist()] == [
        find_faces(photo)[0][0] for photo in photos
    ]


def test_a_detectors_face_score_sets_what_is_a_face():
    class Strict:
        face_score = 0.7

        def __init__(self, score):
            self.score = score

        def detect(self, image):
            return [(20, 30, 50, 50)], [self.score]

    image = np.random.default_rng(0).integers(0, 255, (300, 450), dtype=np.uint8)
    assert find_faces(image, detector=Strict(0.65)) == ([], [])
    assert find_faces(image, detector=Strict(0.75), margin=0)[0] == [(20, 30, 50, 50)]
    bad = Strict(0.9)
    bad.face_score = "high"
    with pytest.raises(ValueError, match="face_score must be a number"):
        find_faces(image, detector=bad)
