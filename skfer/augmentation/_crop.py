"""Random resized crop: a random part of the image, resized to the full image."""

import math
from typing import Literal

import torch

from ._base import uniform
from ._geometry import RandomWarp
from ._validation import check_range

__all__ = ["RandomResizedCrop"]


class RandomResizedCrop(RandomWarp):
    """Crop a random rectangle of each image and resize it back to the full size.

    The crop covers a fraction of the image area drawn from ``scale``, with an aspect
    ratio (width / height) drawn log-uniformly from ``ratio``, at a random position
    inside the image. Resizing is bilinear, done with one warp for the whole batch.

    Parameters
    ----------
    scale : float or (float, float), default=(0.8, 1.0)
        Range of the crop area as a fraction of the image area, in (0, 1]. ``1``
        (with ``ratio=1``) is the identity.
    ratio : float or (float, float), default=(0.9, 1.1)
        Range of the crop aspect ratio, width over height (positive).
    padding_mode : {"border", "reflection", "zeros"}, default="border"
        Only matters for crops that a large ``ratio`` pushes past the border.
    p : float, default=0.5
        Probability that an image is cropped.

    See Also
    --------
    RandomAffine : Zoom without cutting off part of the face, with rotation and shift.
    RandomErasing : Hide part of the face instead of leaving it out of the frame.

    Examples
    --------
    >>> import torch
    >>> from skfer.augmentation import RandomResizedCrop
    >>> crop = RandomResizedCrop(scale=(0.7, 0.9), p=1.0)
    >>> params = crop.sample_params(2, torch.Generator().manual_seed(0))
    >>> sorted(params)
    ['apply', 'center', 'crop_size']
    >>> bool((params["crop_size"] <= 1).all())
    True
    >>> crop(torch.rand(2, 1, 48, 48)).shape
    torch.Size([2, 1, 48, 48])
    """

    def __init__(
        self,
        scale: float | tuple[float, float] = (0.8, 1.0),
        ratio: float | tuple[float, float] = (0.9, 1.1),
        padding_mode: Literal["border", "reflection", "zeros"] = "border",
        p: float = 0.5,
    ) -> None:
        super().__init__(padding_mode=padding_mode, p=p)
        self.scale = scale
        self.ratio = ratio
        self._ranges()

    def _ranges(self):
        scale = check_range(self.scale, "scale", symmetric=False, lower=1e-3, upper=1.0)
        ratio = check_range(self.ratio, "ratio", symmetric=False, lower=1e-3, upper=1e3)
        return scale, ratio

    def _sample(self, apply, generator, size):
        n = len(apply)
        (area_low, area_high), (ratio_low, ratio_high) = self._ranges()
        area = uniform(n, area_low, area_high, generator)
        log_ratio = uniform(n, math.log(ratio_low), math.log(ratio_high), generator)
        aspect = torch.exp(log_ratio)
        # width and height as fractions of the image side
        width = torch.sqrt(area * aspect).clamp(max=1.0)
        height = torch.sqrt(area / aspect).clamp(max=1.0)
        crop_size = torch.stack([width, height], dim=1)
        # centre in normalized [-1, 1] coordinates, the crop inside the image
        position = torch.rand(n, 2, generator=generator) * 2.0 - 1.0
        center = position * (1.0 - crop_size)
        return {"center": center, "crop_size": crop_size}

    def _apply(self, images, params):
        center, crop_size = params["center"], params["crop_size"]
        zero = torch.zeros_like(center[:, 0])
        theta = torch.stack(
            [
                torch.stack([crop_size[:, 0], zero, center[:, 0]], dim=1),
                torch.stack([zero, crop_size[:, 1], center[:, 1]], dim=1),
            ],
            dim=1,
        )
        return self._warp(images, theta)
