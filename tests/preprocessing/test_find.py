"""find_faces and extract_faces(detect=...): a face on every framing, and how."""

import numpy as np
import pytest
from skimage import data
from skimage.transform import resize

from skfer.preprocessing import detect_faces, extract_faces, find_faces
from skfer.preprocessing._find import HEAD_SHOT_MIN_SCORE, HEAD_SHOT_SHARE


@pytest.fixture(scope="module")
def astronaut():
    return data.astronaut()


def _inside(box, shape):
    row, col, height, width = box
    return min(row, col) >= 0 and row + height <= shape[0] and col + width <= shape[1]


def test_a_tight_crop_is_found_in_the_padded_copy(astronaut):
    tight = astronaut[70:180, 170:280]  # the face fills the frame
    assert detect_faces(tight) == []  # what the cascade alone does
    boxes, sources = find_faces(tight, detect="always")
    assert sources == ["detected"] and len(boxes) == 1
    assert _inside(boxes[0], tight.shape) and boxes[0][2] >= 80


def test_a_part_of_a_face_that_fills_the_frame_gives_way_to_the_face(astronaut):
    tight = astronaut[60:170, 180:290]  # the cascade alone finds eyes and nose
    (part,) = detect_faces(tight)
    assert part[0] + part[2] < 0.75 * 110  # above the mouth
    boxes, sources = find_faces(tight, margin=0.0, detect="always")
    assert sources == ["detected"] and len(boxes) == 1
    assert boxes[0][2] >= 0.8 * 110 and boxes[0][0] + boxes[0][2] >= 0.9 * 110


def test_a_face_in_a_scene_is_not_replaced(astronaut):
    # small beside the photo, so checked; a face is not a part of a larger box
    scene = np.pad(astronaut[40:220, 140:320], ((150, 150), (200, 200), (0, 0)))
    boxes, _ = find_faces(scene, margin=0.0, detector="cascade")
    assert boxes == detect_faces(scene)


@pytest.mark.parametrize("step", [2, 3, 4])
def test_a_thumbnail_is_found(astronaut, step):
    small = astronaut[70:180:step, 170:280:step]  # 55, 37 and 28 pixels
    assert detect_faces(small) == []
    boxes, sources = find_faces(small, detect="always")
    assert sources == ["detected"] and _inside(boxes[0], small.shape)
    # with "auto", a thumbnail of one face is a face crop: used as it is
    side = min(small.shape[:2])
    assert find_faces(small) == ([(0, 0, side, side)], ["whole image"])


def test_a_head_shot_thumbnail_is_cropped_to_its_face(astronaut):
    # 96x96, the head with room around it (as the photo benchmark's "small" JAFFE
    # photos): a face of 0.7 of the side, detected with a high score, is cut out
    # (the shares were set on the cascade's boxes)
    crop = astronaut[40:220, 150:330]
    small = (resize(crop, (96, 96), anti_aliasing=True) * 255).astype(np.uint8)
    (box,), sources, (score,) = find_faces(
        small, return_scores=True, detector="cascade"
    )
    low, high = HEAD_SHOT_SHARE
    assert sources == ["detected"] and score >= HEAD_SHOT_MIN_SCORE
    assert low * 96 <= box[2] < high * 96
    # at 64x64 the box found is 0.67 of the side, scored lower: like a part of a
    # FER-style crop's face, so the thumbnail is taken whole
    smaller = (resize(crop, (64, 64), anti_aliasing=True) * 255).astype(np.uint8)
    (box,), _ = find_faces(smaller, detect="always", detector="cascade")
    assert box[2] < low * 64
    assert find_faces(smaller, detector="cascade") == (
        [(0, 0, 64, 64)],
        ["whole image"],
    )


def test_a_photo_with_room_is_searched_as_before(astronaut):
    boxes, sources = find_faces(astronaut, margin=0.0, detector="cascade")
    assert boxes == detect_faces(astronaut) and sources == ["detected"]


def test_auto_takes_a_face_crop_whole_and_always_does_not():
    # A smooth blob: a thumbnail the cascade misses even padded.
    grid = np.linspace(-1, 1, 64)
    blob = (np.exp(-(grid[:, None] ** 2 + grid[None, :] ** 2) * 2) * 200 + 20).astype(
        np.uint8
    )
    assert find_faces(blob, detect="always") == ([], [])
    boxes, sources, scores = find_faces(blob, return_scores=True)
    assert (boxes, sources) == ([(0, 0, 64, 64)], ["whole image"])
    assert scores == [0.0]  # taken as a thumbnail, with no support from the detector
    flat = np.full((100, 100), 128, np.uint8)  # no contrast: not a face
    assert find_faces(flat) == ([], [])
    wide = np.tile(blob, (1, 2))  # 64x128: not the shape of a face crop
    assert find_faces(wide) == ([], [])


@pytest.mark.parametrize(
    "name, crop",
    [
        ("coffee", None),  # 400x600
        ("chelsea", None),  # the cat, 300x451
        ("rocket", None),  # a landscape with a rocket, 427x640
        ("coffee", (slice(0, 400), slice(100, 500))),  # the cup, squared
        ("chelsea", (slice(0, 300), slice(75, 375))),  # the cat, squared
        ("grass", None),  # 512x512 texture
    ],
)
def test_no_face_in_a_cup_a_cat_or_a_landscape(name, crop):
    image = getattr(data, name)()
    if crop is not None:
        image = image[crop]
    assert find_faces(image, return_scores=True) == ([], [], [])
    assert extract_faces(image)[1].shape == (0, 48 * 48)


def test_a_face_the_cascade_misses_is_found_by_the_default():
    # skimage's camera: a man turned three quarters away, his face in the upper
    # middle; the cascade finds none, YuNet (the default) finds it
    camera = data.camera()
    assert find_faces(camera, detector="cascade") == ([], [])
    ((row, col, height, width),), sources = find_faces(camera)
    assert sources == ["detected"] and 60 <= height <= 140
    assert 60 <= row + height / 2 <= 220 and 190 <= col + width / 2 <= 300


def test_a_detected_face_that_fills_the_frame_is_the_whole_image(astronaut):
    # 240x240 (not a thumbnail): the detector's box is 197 pixels, over 0.8
    tight = np.repeat(np.repeat(astronaut[60:180, 170:290], 2, 0), 2, 1)
    boxes, sources, scores = find_faces(tight, return_scores=True)
    assert (boxes, sources) == ([(0, 0, 240, 240)], ["whole image"])
    assert scores[0] >= 0.5  # the detected face's score
    ((_, _, side, _),), sources = find_faces(tight, detect="always")
    assert sources == ["detected"] and 0.8 * 240 <= side <= 240


def test_scores_of_detected_faces(astronaut):
    boxes, sources, scores = find_faces(astronaut, return_scores=True)
    assert sources == ["detected"] and 0.5 <= scores[0] <= 1
    assert np.isnan(find_faces(astronaut, detect="never", return_scores=True)[2][0])


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
    *_, scores = extract_faces(tight, return_sources=True, return_scores=True)
    assert scores == find_faces(tight, return_scores=True)[2]
    assert extract_faces(data.coffee(), detect="always")[1].shape == (0, 48 * 48)


def test_tiny_images_do_not_crash():
    for shape in [(1, 1), (3, 200), (24, 24, 3)]:
        boxes, sources = find_faces(np.random.default_rng(0).integers(0, 255, shape))
        assert all(_inside(box, shape) for box in boxes)


def test_bad_detect_is_named():
    with pytest.raises(ValueError, match="detect must be one of"):
        find_faces(np.zeros((50, 50), np.uint8), detect="yes")


@pytest.mark.parametrize("max_side", [0, -1, 1.5, True, 23])
def test_max_side_too_small_to_search_is_refused(max_side):
    with pytest.raises(ValueError, match="max_side must be an integer of at least 24"):
        find_faces(np.full((64, 64), 120, np.uint8), max_side=max_side)


@pytest.mark.parametrize("shape", [(3, 30000), (2, 40000), (65000, 1)])
def test_thin_strips_are_not_blown_up_by_the_second_search(shape):
    # 192 / 2 = 96x the long side would be gigabytes; capped, a strip has no face.
    assert find_faces(np.full(shape, 120, np.uint8)) == ([], [])
