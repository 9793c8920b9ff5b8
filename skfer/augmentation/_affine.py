"""Random affine warp: rotation, shift and rescaling in one resampling."""

from typing import Literal

import torch

from ._base import uniform
from ._geometry import RandomWarp, affine_theta
from ._validation import check_range

__all__ = ["RandomAffine"]


class RandomAffine(RandomWarp):
    """Rotate, shift and rescale each image in one warp, with probability ``p``.

    One bilinear resampling instead of three keeps the image sharper and is three
    times cheaper than chaining :class:`RandomRotation`, a shift and a zoom.

    Parameters
    ----------
    degrees : float or (float, float), default=10.0
        Range of the rotation angle in degrees; ``d`` means ``(-d, d)``.
    translate : float or (float, float), default=0.1
        Largest shift as a fraction of the width and of the height: ``(tx, ty)``
        shifts by up to ``tx * W`` horizontally and ``ty * H`` vertically; a number
        is used for both. Each must be in [0, 1].
    scale : float or (float, float), default=(0.9, 1.1)
        Range of the zoom factor (> 1 zooms in); a number ``s`` means ``(s, s)``.
        Both ends must be positive.
    padding_mode : {"border", "reflection", "zeros"}, default="border"
        How the pixels uncovered by the warp are filled.
    p : float, default=0.5
        Probability that an image is warped.

    See Also
    --------
    RandomRotation : Rotation only.
    RandomResizedCrop : Crop a random part and resize it to the full image.

    Examples
    --------
    >>> import torch
    >>> from skfer.augmentation import RandomAffine
    >>> warp = RandomAffine(degrees=10, translate=0.1, scale=(0.9, 1.1), p=1.0)
    >>> params = warp.sample_params(3, torch.Generator().manual_seed(0))
    >>> sorted(params)
    ['angle', 'apply', 'scale', 'translate']
    >>> params["translate"].shape
    torch.Size([3, 2])
    >>> warp(torch.rand(3, 1, 48, 48)).shape
    torch.Size([3, 1, 48, 48])
    """

    def __init__(
        self,
        degrees: float | tuple[float, float] = 10.0,
        translate: float | tuple[float, float] = 0.1,
        scale: float | tuple[float, float] = (0.9, 1.1),
        padding_mode: Literal["border", "reflection", "zeros"] = "border",
        p: float = 0.5,
    ) -> None:
        super().__init__(padding_mode=padding_mode, p=p)
        self.degrees = degrees
        self.translate = translate
        self.scale = scale
        self._ranges()

    def _ranges(self):
        degrees = check_range(self.degrees, "degrees", upper=360.0)
        translate = self.translate
        if not isinstance(translate, (tuple, list)):
            translate = (translate, translate)
        try:
            tx, ty = translate
        except ValueError as exc:
            raise ValueError(
                "translate must be a number or a (tx, ty) pair, got "
                f"{self.translate!r}."
            ) from exc
        tx = check_range(tx, "translate", upper=1.0)
        ty = check_range(ty, "translate", upper=1.0)
        scale = check_range(self.scale, "scale", symmetric=False, lower=1e-3)
        return degrees, (tx, ty), scale

    def _sample(self, apply, generator, size):
        n = len(apply)
        degrees, (tx, ty), scale = self._ranges()
        angle = uniform(n, *degrees, generator)
        shift = torch.stack(
            [uniform(n, *tx, generator), uniform(n, *ty, generator)], dim=1
        )
        zoom = uniform(n, *scale, generator)
        return {"angle": angle, "translate": shift, "scale": zoom}

    def _apply(self, images, params):
        theta = affine_theta(
            params["angle"], params["scale"], params["translate"], images.shape[-2:]
        )
        return self._warp(images, theta)
