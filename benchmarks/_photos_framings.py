"""Photo benchmark, the photos: every image of JAFFE and CK+ in each framing users
meet, and 640x480 scenes for the speed measurement.

Used by ``photos.py``.
"""

import numpy as np

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
SEED = 0


def face_boxes(images):
    """The cascade's box of each image (margin 0); the median one where none."""
    from skfer.preprocessing import detect_faces

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
    from PIL import Image

    return np.asarray(Image.fromarray(image).resize(shape[::-1], Image.BILINEAR))


def _background(shape, rng):
    """A smooth random texture: a plausible out-of-focus background."""
    from scipy.ndimage import gaussian_filter

    noise = gaussian_filter(rng.normal(size=shape), sigma=min(shape) / 20)
    noise = (noise - noise.mean()) / (noise.std() + 1e-9)
    return np.clip(rng.uniform(60, 190) + 35 * noise, 0, 255).astype(np.uint8)


def frame(image, box, framing, rng):
    """One image in one framing; returns the array and the file suffix."""
    from skimage.transform import rotate

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
    raise ValueError(f"unknown framing {framing!r}")


def write_framing(folder, images, boxes, framing, seed):
    from PIL import Image

    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    paths = []
    for index, (image, box) in enumerate(zip(images, boxes)):
        array, suffix = frame(image, box, framing, rng)
        path = folder / f"{index:05d}{suffix}"
        options = {"quality": 30} if suffix == ".jpg" else {}
        Image.fromarray(array).save(path, **options)
        paths.append(path)
    return paths


def write_framings(datasets, framings, tmp):
    """Every image of each dataset in each framing, written once to ``tmp``:
    ``{dataset: {framing: folder}}`` (files named by the image's index)."""
    folders = {}
    for name, (images, _, _) in datasets.items():
        boxes = face_boxes(images)
        folders[name] = {}
        for k, framing in enumerate(framings):
            folder = tmp / name / framing.replace(" ", "_")
            write_framing(folder, images, boxes, framing, seed=SEED + k)
            folders[name][framing] = folder
    return folders


def make_scenes(folder, images, n, seed=SEED):
    """``n`` 640x480 JPEG photos, each a face pasted into a textured background."""
    from PIL import Image

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
