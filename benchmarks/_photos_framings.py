"""Photo benchmark, the photos: every image of JAFFE and CK+ in each framing users
meet, and 640x480 scenes for the speed measurement.

Used by ``photos.py``. The photos of ``two faces`` hold the labelled face and a
face of another subject of the same part; where the labelled face's centre lies
is written beside the folder (:func:`face_positions`).
"""

import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image
from scipy.ndimage import gaussian_filter
from skimage.transform import rotate

from skfer.preprocessing import detect_faces

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import split_subjects  # noqa: E402

FRAMINGS = (
    "as is",
    "tight",
    "small",
    "padded",
    "rotated",
    "low contrast",
    "jpeg q30",
    "mirrored",
)
# The framings of issue #31, after those above (their seeds follow this order);
# ``FRAMINGS`` alone keeps the framings that ``frame`` gave before them, as
# ``detectors.py`` reads them. ``two faces`` is drawn by ``write_framing``.
ALL_FRAMINGS = (*FRAMINGS, "48x48 crop", "web crop", "two faces")
SEED = 0
MARGIN = 0.1  # skfer's margin around a detected face: FER2013's framing
JPEG_QUALITY = {"jpeg q30": 30, "web crop": 75}


def face_boxes(images):
    """The cascade's box of each image (margin 0); the median one where none."""
    boxes = [detect_faces(image)[:1] for image in images]
    found = [
        np.array(b[0]) / np.array(im.shape * 2) for b, im in zip(boxes, images) if b
    ]
    typical = np.median(found, axis=0) if found else np.array([0.1, 0.1, 0.8, 0.8])
    return [
        tuple(b[0]) if b else tuple(np.rint(typical * (im.shape * 2)).astype(int))
        for b, im in zip(boxes, images)
    ]


def _resize(image, shape):
    return np.asarray(Image.fromarray(image).resize(shape[::-1], Image.BILINEAR))


def _background(shape, rng):
    """A smooth random texture: a plausible out-of-focus background."""
    noise = gaussian_filter(rng.normal(size=shape), sigma=min(shape) / 20)
    noise = (noise - noise.mean()) / (noise.std() + 1e-9)
    return np.clip(rng.uniform(60, 190) + 35 * noise, 0, 255).astype(np.uint8)


def fer_crop(image, box):
    """FER2013's framing: the box grown by ``MARGIN`` on each side, made square
    and kept inside the image, resized to 48x48 (the image is gray)."""
    r, c, h, w = box
    side = min(int(round(max(h, w) * (1 + 2 * MARGIN))), *image.shape)
    top = int(np.clip(round(r + h / 2 - side / 2), 0, image.shape[0] - side))
    left = int(np.clip(round(c + w / 2 - side / 2), 0, image.shape[1] - side))
    return _resize(image[top : top + side, left : left + side], (48, 48))


def web_crop(image, box, rng):
    """A face thumbnail as saved from the web: the box with a small random margin
    on each side (not square), its height 100-250 pixels (saved as JPEG q75)."""
    r, c, h, w = box
    top, bottom = rng.uniform(0.05, 0.3) * h, rng.uniform(0.0, 0.25) * h
    side_l, side_r = rng.uniform(0.0, 0.2, size=2) * w
    r0, r1 = max(0, int(r - top)), min(image.shape[0], int(r + h + bottom))
    c0, c1 = max(0, int(c - side_l)), min(image.shape[1], int(c + w + side_r))
    height = int(rng.integers(100, 251))
    width = max(1, round(height * (c1 - c0) / (r1 - r0)))
    return _resize(image[r0:r1, c0:c1], (height, width))


def two_faces(images, index, partners, rng):
    """The image beside another subject's image of the same size, on a random
    side; the photo and the (row, col) centre of the labelled face."""
    image = images[index]
    other = _resize(images[int(rng.choice(partners))], image.shape)
    left = bool(rng.integers(2))
    photo = np.hstack([image, other] if left else [other, image])
    height, width = image.shape
    return photo, [height / 2, width / 2 if left else width * 1.5]


def _partners(subjects):
    """For each image, the images of other subjects in its part (failing that,
    of any other subject: a --quick part may hold one subject)."""
    parts = split_subjects(subjects)
    pairs = list(enumerate(zip(subjects, parts)))
    return [
        [j for j, (s, p) in pairs if p == part and s != me]
        or [j for j, (s, _) in pairs if s != me]
        or [i]
        for i, (me, part) in pairs
    ]


def face_positions(folder):
    """``{index: (row, col)}`` of the labelled face in each photo of ``folder``,
    or None when its photos hold one face each."""
    path = Path(folder).with_suffix(".json")
    if not path.is_file():
        return None
    return {int(k): v for k, v in json.loads(path.read_text()).items()}


def frame(image, box, framing, rng):
    """One image in one framing; returns the array and the file suffix."""
    if framing == "as is":
        return image, ".png"
    if framing == "tight":
        r, c, h, w = box
        return image[r : r + h, c : c + w], ".png"
    if framing == "small":
        side = int(rng.integers(48, 97))
        return _resize(image, (side, side * image.shape[1] // image.shape[0])), ".png"
    if framing == "padded":
        height, width = image.shape
        canvas = _background(
            (int(height * rng.uniform(2, 2.5)), int(width * rng.uniform(2, 2.5))), rng
        )
        top = int(rng.integers(0, canvas.shape[0] - height + 1))
        left = int(rng.integers(0, canvas.shape[1] - width + 1))
        canvas[top : top + height, left : left + width] = image
        return canvas, ".png"
    if framing == "rotated":
        angle = 15.0 * rng.choice([-1, 1])
        out = rotate(image, angle, mode="edge", preserve_range=True)
        return np.clip(np.rint(out), 0, 255).astype(np.uint8), ".png"
    if framing == "low contrast":
        mean = image.mean()
        return np.clip(np.rint(mean + 0.4 * (image - mean)), 0, 255).astype(
            np.uint8
        ), ".png"
    if framing == "jpeg q30":
        return image, ".jpg"
    if framing == "mirrored":
        return image[:, ::-1].copy(), ".png"
    if framing == "48x48 crop":
        return fer_crop(image, box), ".png"
    if framing == "web crop":
        return web_crop(image, box, rng), ".jpg"
    raise ValueError(f"unknown framing {framing!r}")


def write_framing(folder, images, boxes, framing, seed, subjects=None):
    """The images in one framing, written to ``folder``; for ``two faces`` (with
    ``subjects``), also where each labelled face is (``folder.json``)."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    partners = _partners(subjects) if framing == "two faces" else None
    paths, positions = [], {}
    for index, (image, box) in enumerate(zip(images, boxes)):
        if partners is not None:
            array, positions[index] = two_faces(images, index, partners[index], rng)
            suffix = ".png"
        else:
            array, suffix = frame(image, box, framing, rng)
        path = folder / f"{index:05d}{suffix}"
        options = {"quality": JPEG_QUALITY[framing]} if suffix == ".jpg" else {}
        Image.fromarray(array).save(path, **options)
        paths.append(path)
    if positions:
        folder.with_suffix(".json").write_text(json.dumps(positions))
    return paths


def write_framings(datasets, framings, tmp):
    """Every image of each dataset in each framing, written once to ``tmp``:
    ``{dataset: {framing: folder}}`` (files named by the image's index)."""
    folders = {}
    for name, (images, _, subjects) in datasets.items():
        boxes = face_boxes(images)
        folders[name] = {}
        for framing in framings:
            folder = tmp / name / framing.replace(" ", "_")
            seed = SEED + ALL_FRAMINGS.index(framing)  # whichever framings run
            write_framing(folder, images, boxes, framing, seed, subjects)
            folders[name][framing] = folder
    return folders


def make_scenes(folder, images, n, seed=SEED):
    """``n`` 640x480 JPEG photos, each a face pasted into a textured background."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for k in range(n):
        image = images[int(rng.integers(len(images)))]
        side = int(rng.integers(140, 300))
        face = _resize(image, (side, side * image.shape[1] // image.shape[0]))
        canvas = _background((480, 640), rng)
        top = int(rng.integers(0, 480 - face.shape[0] + 1))
        left = int(rng.integers(0, 640 - face.shape[1] + 1))
        canvas[top : top + face.shape[0], left : left + face.shape[1]] = face
        Image.fromarray(canvas).convert("RGB").save(folder / f"{k:05d}.jpg", quality=90)
