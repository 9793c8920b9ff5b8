"""Random additive Gaussian noise."""

import torch

from ._base import RandomTransform, per_pixel, uniform
from ._validation import check_range, pixel_params

__all__ = ["RandomGaussianNoise"]


class RandomGaussianNoise(RandomTransform):
    """Add zero-mean Gaussian pixel noise of random strength, with probability ``p``.

    Parameters
    ----------
    std : float or (float, float), default=(0.0, 0.05)
        Range of the noise standard deviation, in units of the [0, 1] intensity
        scale (non-negative); a number ``s`` means ``(s, s)``. ``0`` is the
        identity.
    p : float, default=0.5
        Probability that noise is added to an image.

    See Also
    --------
    RandomSaltAndPepper : Impulse noise.
    RandomGaussianBlur : Gaussian blur.

    Examples
    --------
    >>> import torch
    >>> from skfer.augmentation import RandomGaussianNoise
    >>> noise = RandomGaussianNoise(std=0.1, p=1.0)
    >>> params = noise.sample_params(2, torch.Generator().manual_seed(0), size=(48, 48))
    >>> params["noise"].shape
    torch.Size([2, 1, 48, 48])
    >>> images = torch.full((2, 1, 48, 48), 0.5)
    >>> out = noise.apply(images, params)
    >>> round(float((out - images).std()), 1)
    0.1
    """

    def __init__(
        self, std: float | tuple[float, float] = (0.0, 0.05), p: float = 0.5
    ) -> None:
        super().__init__(p=p)
        self.std = std
        check_range(std, "std", symmetric=False, lower=0.0)

    def _sample(self, apply, generator, size):
        low, high = check_range(self.std, "std", symmetric=False, lower=0.0)
        std = uniform(len(apply), low, high, generator)
        # zero noise for the images that get none
        noise = per_pixel(torch.randn, apply, size, 0.0, generator)
        return {"std": std, "noise": noise}

    def _apply(self, images, params):
        noise = pixel_params(params, "noise", images)
        std = params["std"].to(images.dtype)[:, None, None, None]
        return images + std * noise
