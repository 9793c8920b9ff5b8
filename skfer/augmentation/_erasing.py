"""Random erasing: blank out a random rectangle (cutout)."""

import math

import torch

from ._base import RandomTransform, uniform
from ._validation import check_range

__all__ = ["RandomErasing"]


class RandomErasing(RandomTransform):
    """Fill a random rectangle of each image with a constant, with probability ``p``.

    Erasing part of the face (an eye, the mouth) forces a network to use the whole
    face; it is part of the strongest published FER2013 training recipes.

    Parameters
    ----------
    scale : float or (float, float), default=(0.02, 0.15)
        Range of the rectangle's area as a fraction of the image area, in [0, 1].
        ``0`` is the identity.
    ratio : float or (float, float), default=(0.3, 3.3)
        Range of the rectangle's aspect ratio (width / height), drawn log-uniformly.
    value : float, default=0.0
        Intensity written into the rectangle, in [0, 1].
    p : float, default=0.5
        Probability that an image gets a rectangle.

    See Also
    --------
    RandomResizedCrop : Leaves part of the face out of the frame instead.

    Examples
    --------
    >>> import torch
    >>> from skfer.augmentation import RandomErasing
    >>> erase = RandomErasing(scale=(0.1, 0.1), ratio=1.0, value=0.0, p=1.0)
    >>> out = erase(torch.ones(2, 1, 48, 48))
    >>> [round(float(f), 2) for f in (out == 0).float().mean(dim=(1, 2, 3))]
    [0.1, 0.1]
    """

    def __init__(
        self,
        scale: float | tuple[float, float] = (0.02, 0.15),
        ratio: float | tuple[float, float] = (0.3, 3.3),
        value: float = 0.0,
        p: float = 0.5,
    ) -> None:
        super().__init__(p=p)
        self.scale = scale
        self.ratio = ratio
        self.value = value
        self._ranges()

    def _ranges(self):
        scale = check_range(self.scale, "scale", symmetric=False, upper=1.0)
        ratio = check_range(self.ratio, "ratio", symmetric=False, lower=1e-3, upper=1e3)
        value = check_range(self.value, "value", symmetric=False, upper=1.0)[0]
        return scale, ratio, value

    def _sample(self, apply, generator, size):
        n = len(apply)
        (area_low, area_high), (ratio_low, ratio_high), _ = self._ranges()
        area = uniform(n, area_low, area_high, generator)
        aspect = torch.exp(
            uniform(n, math.log(ratio_low), math.log(ratio_high), generator)
        )
        width = torch.sqrt(area * aspect).clamp(max=1.0)
        height = torch.sqrt(area / aspect).clamp(max=1.0)
        box_size = torch.stack([width, height], dim=1)
        # top-left corner, as a fraction of the side, the box inside the image
        corner = torch.rand(n, 2, generator=generator) * (1.0 - box_size)
        return {"corner": corner, "box_size": box_size}

    def _apply(self, images, params):
        _, _, value = self._ranges()
        height, width = images.shape[-2:]
        corner = params["corner"].to(images.dtype)
        box_size = params["box_size"].to(images.dtype)
        extent = torch.tensor([width, height], dtype=images.dtype, device=images.device)
        start = torch.round(corner * extent)
        stop = start + torch.round(box_size * extent)
        cols = torch.arange(width, device=images.device, dtype=images.dtype)
        rows = torch.arange(height, device=images.device, dtype=images.dtype)
        inside_x = (cols[None, :] >= start[:, :1]) & (cols[None, :] < stop[:, :1])
        inside_y = (rows[None, :] >= start[:, 1:]) & (rows[None, :] < stop[:, 1:])
        box = inside_y[:, None, :, None] & inside_x[:, None, None, :]
        return images.masked_fill(box, value)
