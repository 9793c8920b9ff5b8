"""Synthetic cartoon faces with learnable expressions, for tests, demos and docs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.utils import Bunch, check_random_state

from ._vocabulary import EMOTIONS

__all__ = ["make_faces"]

# Per emotion: brow tilt, brow height, eye openness, mouth curve, mouth opening,
# nose wrinkle.  Positive curve = smile.
_SHAPES = {
    "angry": (0.9, -0.05, 0.55, -0.1, 0.0, 0.0),
    "disgust": (0.4, -0.02, 0.6, -0.45, 0.05, 1.0),
    "fear": (-0.5, 0.12, 1.35, -0.15, 0.35, 0.0),
    "happy": (0.0, 0.0, 0.9, 0.9, 0.15, 0.0),
    "sad": (-0.8, 0.04, 0.8, -0.8, 0.0, 0.0),
    "surprise": (0.0, 0.18, 1.5, 0.0, 0.8, 0.0),
    "neutral": (0.0, 0.0, 1.0, 0.0, 0.0, 0.0),
    "contempt": (0.2, 0.0, 0.85, 0.35, 0.0, 0.0),
}


def _draw(shape, size, rng, noise):
    tilt, brow_h, eye_open, curve, mouth_open, wrinkle = shape
    jitter = rng.normal(0.0, 0.08, size=6)
    tilt, brow_h = tilt + jitter[0], brow_h + 0.3 * jitter[1]
    eye_open = max(0.25, eye_open + jitter[2])
    curve, mouth_open = curve + jitter[3], max(0.0, mouth_open + 0.5 * jitter[4])
    cx, cy = rng.normal(0.0, 0.04, size=2)
    scale = 1.0 + rng.normal(0.0, 0.05)
    grid = (np.arange(size) + 0.5) / size * 2.0 - 1.0
    yy, xx = np.meshgrid(grid, grid, indexing="ij")
    x, y = (xx - cx) / scale, (yy - cy) / scale

    background = rng.uniform(0.05, 0.35)
    skin = rng.uniform(0.55, 0.85)
    img = np.full((size, size), background)
    img[(x / 0.72) ** 2 + (y / 0.9) ** 2 <= 1.0] = skin
    dark = skin * 0.25
    for side in (-1.0, 1.0):
        ex, ey = 0.32 * side, -0.2
        img[((x - ex) / 0.13) ** 2 + ((y - ey) / (0.07 * eye_open)) ** 2 <= 1.0] = dark
        # brow: a thick line whose inner end is lowered by ``tilt``
        bx = x - ex
        brow_y = ey - 0.2 - brow_h + tilt * 0.12 * (-side * bx / 0.16)
        img[(np.abs(bx) <= 0.17) & (np.abs(y - brow_y) <= 0.035)] = dark
    if wrinkle:
        img[(np.abs(x) <= 0.1) & (np.abs(y - 0.12) <= 0.025)] = dark
    # mouth: parabola whose middle drops for a smile (image y grows downwards)
    mx = np.clip(x / 0.3, -1.0, 1.0)
    centre = 0.4 + curve * 0.12 * (1.0 - mx**2)
    half = 0.03 + 0.12 * mouth_open * (1.0 - mx**2)
    img[(np.abs(x) <= 0.3) & (np.abs(y - centre) <= half)] = dark
    img = img + rng.normal(0.0, noise, size=img.shape)
    return np.clip(img, 0.0, 1.0)


def make_faces(
    n_samples: int = 140,
    *,
    classes: Sequence[str] | None = None,
    n_subjects: int = 10,
    image_size: int = 48,
    noise: float = 0.05,
    random_state: int | np.random.RandomState | None = None,
    return_X_y: bool = False,
) -> Bunch | tuple[np.ndarray, np.ndarray]:
    """Make synthetic grayscale cartoon faces whose expression can be learned.

    Each image is an oval face with eyes, brows and a mouth whose shapes depend on
    the emotion (a smile for happy, an open mouth for surprise, lowered brows for
    angry, ...), with random position, scale, brightness and pixel noise. The data
    exist for tests, documentation examples and demos: a small CNN separates the
    classes in a few epochs, so pipelines can be checked end to end without a real
    dataset.

    Parameters
    ----------
    n_samples : int, default=140
        Number of images, spread as evenly as possible over the classes.
    classes : sequence of str, default=None
        Emotions to draw, from the seven of :data:`EMOTIONS` plus ``"contempt"``.
        ``None`` means the seven basic emotions.
    n_subjects : int, default=10
        Number of synthetic "subjects"; each image gets one in ``groups`` so that
        group-aware splitters can be exercised.
    image_size : int, default=48
        Side of the square images.
    noise : float, default=0.05
        Standard deviation of the Gaussian pixel noise (image values in [0, 1]).
    random_state : int, RandomState instance or None, default=None
        Controls the drawing; an int gives the same images every call.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : Bunch
        ``data`` (n_samples, image_size**2) uint8, ``images`` (n_samples, image_size,
        image_size) uint8, ``target`` (n_samples,) emotion names, ``target_names``,
        ``groups`` (n_samples,) subject ids, ``DESCR``.
    (X, y) : tuple
        If ``return_X_y`` is True.

    Examples
    --------
    >>> from skfer.datasets import make_faces
    >>> X, y = make_faces(n_samples=14, random_state=0, return_X_y=True)
    >>> X.shape, X.dtype
    ((14, 2304), dtype('uint8'))
    >>> sorted(set(y.tolist()))
    ['angry', 'disgust', 'fear', 'happy', 'neutral', 'sad', 'surprise']
    """
    classes = tuple(EMOTIONS if classes is None else classes)
    unknown = [c for c in classes if c not in _SHAPES]
    if unknown or not classes:
        raise ValueError(
            f"classes must be a non-empty subset of {sorted(_SHAPES)}; got {classes!r}."
        )
    if int(n_samples) != n_samples or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
    if int(image_size) != image_size or image_size < 8:
        raise ValueError(f"image_size must be an integer >= 8, got {image_size!r}.")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}.")
    rng = check_random_state(random_state)
    n_samples, image_size = int(n_samples), int(image_size)
    target = np.array([classes[i % len(classes)] for i in range(n_samples)])
    target = target[rng.permutation(n_samples)]
    images = np.stack([_draw(_SHAPES[c], image_size, rng, noise) for c in target])
    images = np.round(images * 255.0).astype(np.uint8)
    groups = rng.randint(0, max(1, int(n_subjects)), size=n_samples)
    data = images.reshape(n_samples, -1)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        images=images,
        target=target,
        target_names=np.array(classes),
        groups=groups,
        DESCR="Synthetic cartoon faces made by skfer.datasets.make_faces.",
    )
