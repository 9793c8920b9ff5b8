import warnings

import numpy as np
import pytest
from skimage import data

from skfer.preprocessing import FaceCropper, NoFaceWarning, detect_faces
from skfer.preprocessing._detect import _merge, _square_box


@pytest.fixture(scope="module")
def astronaut():
    return data.astronaut()


def test_detect_faces_finds_the_astronaut(astronaut):
    boxes = detect_faces(astronaut)
    assert len(boxes) == 1
    row, col, height, width = boxes[0]
    assert all(isinstance(v, int) for v in boxes[0])
    # her face: rows ~70-160, columns ~175-265 of the 512x512 photo
    assert 50 < row < 100 and 150 < col < 200 and 70 < height < 130
    assert detect_faces(astronaut[..., 0] * 0 + data.camera()[:512, :512]) == []


def test_detect_faces_gray_equals_colour(astronaut):
    from skfer.preprocessing import Grayscale

    gray = Grayscale().fit_transform([astronaut])[0]
    assert detect_faces(gray) == detect_faces(astronaut)


def test_detect_faces_in_a_group_photo(astronaut):
    face = astronaut[40:200, 140:300]
    group = np.zeros((200, 420, 3), dtype=np.uint8)
    group[20:180, :160] = face
    group[20:180, 240:400] = face[:, ::-1]
    boxes = detect_faces(group)
    centres = sorted(c + w / 2 for _, c, _, w in boxes if w > 50)
    assert len(centres) == 2 and centres[0] < 160 < 240 < centres[1]


def test_detect_faces_on_tiny_image_and_bad_input():
    assert detect_faces(np.zeros((10, 10), np.uint8)) == []
    with pytest.raises(ValueError, match="image"):
        detect_faces(np.zeros(5))
    with pytest.raises(ValueError, match="min_size must be"):
        detect_faces(np.zeros((64, 64)), min_size=-2)


def test_merge_overlapping_boxes():
    boxes = [(10, 10, 100, 100), (14, 12, 90, 90), (300, 300, 30, 30)]
    merged = _merge(boxes, 0.5)
    assert merged == [(12, 11, 95, 95), (300, 300, 30, 30)]


def test_square_box_is_grown_and_kept_inside():
    assert _square_box((10, 10, 20, 20), 0.5, 100, 100) == (0, 0, 40, 40)
    assert _square_box((80, 80, 20, 20), 0.0, 100, 100) == (80, 80, 20, 20)
    assert _square_box((0, 0, 80, 80), 1.0, 60, 100) == (0, 10, 60, 60)


def test_cropper_crops_the_face_square(astronaut):
    cropper = FaceCropper(margin=0.0, detector="cascade")
    (crop,) = cropper.fit_transform([astronaut])
    row, col, height, width = detect_faces(astronaut)[0]
    assert crop.shape == (height, width, 3)
    np.testing.assert_array_equal(
        crop, astronaut[row : row + height, col : col + width]
    )
    assert cropper.n_no_face_ == 0 and cropper.face_found_.tolist() == [True]
    wider = FaceCropper(margin=0.25, detector="cascade").fit_transform([astronaut])
    wider = wider[0]
    assert wider.shape[0] == round(height * 1.5)


def test_cropper_fallback_centre_crop_and_count():
    blank = np.zeros((60, 100), np.uint8)
    blank[:, 20:80] = 200  # the centre square
    cropper = FaceCropper()
    with pytest.warns(
        NoFaceWarning, match=r"no face in 2 of 2 images \(indices \[0, 1\]"
    ):
        crops = cropper.fit_transform(np.stack([blank, blank]))
    assert crops.shape == (2, 60, 60) and (crops == 200).all()
    assert cropper.n_no_face_ == 2 and cropper.boxes_.tolist()[0] == [0, 20, 60, 60]


def test_cropper_fallback_error(astronaut):
    with pytest.raises(ValueError, match=r"indices \[1\]\) and fallback=\"error\""):
        FaceCropper(fallback="error").fit_transform([astronaut, np.zeros((50, 50))])


def test_cropper_crop_checks_align_as_transform_does():
    # crop is the dataset loaders' path: a wrong align must not pass as truthy
    with pytest.raises(ValueError, match="'align' parameter of FaceCropper"):
        FaceCropper(align="no").crop([np.zeros((50, 50), np.uint8)])


def test_cropper_align_with_the_cascade_frames_as_without(astronaut):
    # the cascade gives no landmarks: find_faces' documented behaviour
    plain = FaceCropper(detector="cascade")
    aligned = FaceCropper(detector="cascade", align=True)
    np.testing.assert_array_equal(
        aligned.fit_transform([astronaut])[0], plain.fit_transform([astronaut])[0]
    )
    assert aligned.boxes_.tolist() == plain.boxes_.tolist()


def test_cropper_attributes_follow_the_last_batch(astronaut):
    cropper = FaceCropper()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NoFaceWarning)
        cropper.transform([np.zeros((50, 50))])
    assert cropper.n_no_face_ == 1
    cropper.transform([astronaut])
    assert cropper.n_no_face_ == 0


@pytest.mark.parametrize(
    "params, match",
    [
        ({"margin": -0.1}, "'margin' parameter of FaceCropper"),
        ({"fallback": "skip"}, "'fallback' parameter of FaceCropper"),
        ({"scale_factor": 1.0}, "'scale_factor' parameter of FaceCropper"),
        ({"min_size": (0, 3)}, "min_size must be"),
        ({"align": "yes"}, "'align' parameter of FaceCropper"),
    ],
)
def test_cropper_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        FaceCropper(**params).fit_transform([np.zeros((50, 50))])


def test_cascade_settings_with_another_detector_warn_that_they_do_nothing():
    image = [np.zeros((50, 50), np.uint8)]
    with pytest.warns(UserWarning, match="min_size, min_neighbors set the cascade"):
        FaceCropper(min_neighbors=6, min_size=(30, 30)).crop(image)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the defaults, or the cascade: no warning
        FaceCropper(min_size=None).crop(image)
        FaceCropper(detector="cascade", min_neighbors=6, min_size=30).crop(image)
