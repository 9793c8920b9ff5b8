"""Image transforms on batches of grayscale faces, and the named augmentation recipes.

Every transform takes a float tensor of shape ``(n, 1, H, W)`` with values in [0, 1]
and an optional CPU ``torch.Generator``: ``transform(images, generator=None)``. The
random parameters are drawn by ``sample_params`` and applied by ``apply``, so a result
can be replayed exactly. :func:`augment_images` does the same on numpy arrays.
"""

from ._affine import RandomAffine
from ._base import BaseTransform, RandomTransform
from ._blur import RandomGaussianBlur
from ._brightness_contrast import RandomBrightnessContrast
from ._compose import Compose, Identity
from ._crop import RandomResizedCrop
from ._erasing import RandomErasing
from ._flip import RandomHorizontalFlip
from ._noise import RandomGaussianNoise
from ._numpy import augment_array, augment_images
from ._presets import PRESETS, make_augmentation
from ._rotation import RandomRotation
from ._salt_and_pepper import RandomSaltAndPepper

__all__ = [
    "PRESETS",
    "BaseTransform",
    "Compose",
    "Identity",
    "RandomAffine",
    "RandomBrightnessContrast",
    "RandomErasing",
    "RandomGaussianBlur",
    "RandomGaussianNoise",
    "RandomHorizontalFlip",
    "RandomResizedCrop",
    "RandomRotation",
    "RandomSaltAndPepper",
    "RandomTransform",
    "augment_array",
    "augment_images",
    "make_augmentation",
]
