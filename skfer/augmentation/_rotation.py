"""Random rotation about the image centre."""

from typing import Literal

import torch

from ._base import uniform
from ._geometry import RandomWarp, affine_theta
from ._validation import check_range

__all__ = ["RandomRotation"]


class RandomRotation(RandomWarp):
    """Rotate each image by a random angle about its centre, with probability ``p``.

    Parameters
    ----------
    degrees : float or (float, float), default=10.0
        Range of the angle in degrees: a number ``d >= 0`` means ``(-d, d)``.
        ``0`` is the identity.
    padding_mode : {"border", "reflection", "zeros"}, default="border"
        How the corners uncovered by the rotation are filled: with the nearest edge
        pixel, the mirrored image, or black.
    p : float, default=0.5
        Probability that an image is rotated.

    See Also
    --------
    RandomAffine : A rotation, a shift and a rescaling resampled once, cheaper than
        chaining them.

    Examples
    --------
    >>> import torch
    >>> from skfer.augmentation import RandomRotation
    >>> rotate = RandomRotation(degrees=15, p=1.0)
    >>> params = rotate.sample_params(4, torch.Generator().manual_seed(0))
    >>> bool(params["angle"].abs().max() <= 15)
    True
    >>> rotate(torch.rand(4, 1, 48, 48)).shape
    torch.Size([4, 1, 48, 48])
    """

    def __init__(
        self,
        degrees: float | tuple[float, float] = 10.0,
        padding_mode: Literal["border", "reflection", "zeros"] = "border",
        p: float = 0.5,
    ) -> None:
        super().__init__(padding_mode=padding_mode, p=p)
        self.degrees = degrees
        check_range(degrees, "degrees", upper=360.0)

    def _sample(self, apply, generator, size):
        n = len(apply)
        low, high = check_range(self.degrees, "degrees", upper=360.0)
        return {"angle": uniform(n, low, high, generator)}

    def _apply(self, images, params):
        angle = params["angle"]
        n = angle.shape[0]
        theta = affine_theta(
            angle,
            torch.ones_like(angle),
            torch.zeros(n, 2, dtype=angle.dtype, device=angle.device),
            images.shape[-2:],
        )
        return self._warp(images, theta)
