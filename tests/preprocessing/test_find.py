"""find_faces and extract_faces(detect=...): a face on every framing, and how."""

import numpy as np
import pytest
from skimage import data

from skfer.preprocessing import detect_faces, extract_faces, find_faces


@pytest.fixture(scope="module")
def astronaut():
    return data.astronaut()


def _inside(box, shape):
    row, col, height, width = box
    return min(row, col) >= 0 and row + height <= shape[0] and col + width <= shape[1]


def test_a_tight_crop_is_found_in_the_padded_copy(astronaut):
    tight = astronaut[70:180, 170:280]  # the face fills the frame
    assert detect_faces(tight) == []  # what the cascade alone does
    boxes, sources = find_faces(tight)
    assert sources == ["detected"] and len(boxes) == 1
    assert _inside(boxes[0], tight.shape) and boxes[0][2] >= 80


def test_a_part_of_a_face_that_fills_the_frame_gives_way_to_the_face(astronaut):
    tight = astronaut[60:170, 180:290]  # the cascade alone finds eyes and nose
    (part,) = detect_faces(tight)
    assert part[0] + part[2] < 0.75 * 110  # above the mouth
    boxes, sources = find_faces(tight, margin=0.0)
    assert sources == ["detected"] and len(boxes) == 1
    assert boxes[0][2] >= 0.8 * 110 and boxes[0][0] + boxes[0][2] >= 0.9 * 110


def test_a_face_in_a_scene_is_not_replaced(astronaut):
    # small beside the photo, so checked; a face is not a part of a larger box
    scene = np.pad(astronaut[40:220, 140:320], ((150, 150), (200, 200), (0, 0)))
    boxes, _ = find_faces(scene, margin=0.0)
    assert boxes == detect_faces(scene)


@pytest.mark.parametrize("step", [2, 3, 4])
def test_a_thumbnail_is_found(astronaut, step):
    small = astronaut[70:180:step, 170:280:step]  # 55, 37 and 28 pixels
    assert detect_faces(small) == []
    boxes, sources = find_faces(small)
    assert sources == ["detected"] and _inside(boxes[0], small.shape)


def test_a_photo_with_room_is_searched_as_before(astronaut):
    boxes, sources = find_faces(astronaut, margin=0.0)
    assert boxes == detect_faces(astronaut) and sources == ["detected"]


def test_auto_takes_a_plausible_face_whole_and_always_does_not():
    camera = data.camera()  # 512x512, a man in profile: no frontal face
    assert find_faces(camera, detect="always") == ([], [])
    assert find_faces(camera) == ([(0, 0, 512, 512)], ["whole image"])
    wide = np.tile(camera, (1, 2))  # 512x1024: a scene, not a face crop
    assert find_faces(wide) == ([], [])
    flat = np.full((100, 100), 128, np.uint8)  # no contrast: not a face
    assert find_faces(flat) == ([], [])


def test_never_is_the_centre_square(astronaut):
    assert find_faces(astronaut[:300, :500], detect="never") == (
        [(0, 100, 300, 300)],
        ["whole image"],
    )


def test_extract_faces_crops_what_find_faces_boxes(astronaut):
    tight = astronaut[70:180, 170:280]
    boxes, rows, sources = extract_faces(tight, return_sources=True)
    assert (boxes, sources) == find_faces(tight)
    assert rows.shape == (1, 48 * 48) and rows.dtype == np.uint8
    assert len(extract_faces(tight)) == 2
    assert extract_faces(data.camera(), detect="always")[1].shape == (0, 48 * 48)


def test_tiny_images_do_not_crash():
    for shape in [(1, 1), (3, 200), (24, 24, 3)]:
        boxes, sources = find_faces(np.random.default_rng(0).integers(0, 255, shape))
        assert all(_inside(box, shape) for box in boxes)


def test_bad_detect_is_named():
    with pytest.raises(ValueError, match="detect must be one of"):
        find_faces(np.zeros((50, 50), np.uint8), detect="yes")
