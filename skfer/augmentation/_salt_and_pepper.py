"""Random salt-and-pepper (impulse) noise."""

import torch

from ._base import RandomTransform, per_pixel, uniform
from ._validation import check_probability, check_range, pixel_params

__all__ = ["RandomSaltAndPepper"]


class RandomSaltAndPepper(RandomTransform):
    """Set a random fraction of the pixels to white (salt) or black (pepper).

    Parameters
    ----------
    amount : float or (float, float), default=(0.0, 0.03)
        Range of the fraction of pixels replaced, in [0, 1]; a number ``a`` means
        ``(a, a)``. ``0`` is the identity.
    salt_vs_pepper : float, default=0.5
        Fraction of the replaced pixels that become white, in [0, 1].
    p : float, default=0.5
        Probability that an image gets the noise.

    See Also
    --------
    RandomGaussianNoise : Noise on every pixel rather than on a few.
    RandomErasing : Blanks a whole rectangle rather than scattered pixels.

    Examples
    --------
    >>> import torch
    >>> from skfer.augmentation import RandomSaltAndPepper
    >>> images = torch.full((1, 1, 48, 48), 0.5)
    >>> out = RandomSaltAndPepper(amount=0.1, p=1.0)(images)
    >>> changed = (out != 0.5).float().mean()
    >>> 0.05 < float(changed) < 0.15
    True
    >>> sorted(set(out.unique().tolist()))
    [0.0, 0.5, 1.0]
    """

    def __init__(
        self,
        amount: float | tuple[float, float] = (0.0, 0.03),
        salt_vs_pepper: float = 0.5,
        p: float = 0.5,
    ) -> None:
        super().__init__(p=p)
        self.amount = amount
        self.salt_vs_pepper = salt_vs_pepper
        check_range(amount, "amount", symmetric=False, lower=0.0, upper=1.0)
        check_probability(salt_vs_pepper, "salt_vs_pepper")

    def _sample(self, apply, generator, size):
        low, high = check_range(
            self.amount, "amount", symmetric=False, lower=0.0, upper=1.0
        )
        amount = uniform(len(apply), low, high, generator)
        # one draw per pixel: below amount * salt_vs_pepper -> salt, below amount ->
        # pepper, otherwise unchanged (1, no change, for the images not selected)
        draws = per_pixel(torch.rand, apply, size, 1.0, generator)
        return {"amount": amount, "draws": draws}

    def _apply(self, images, params):
        draws = pixel_params(params, "draws", images)
        ratio = check_probability(self.salt_vs_pepper, "salt_vs_pepper")
        amount = params["amount"].to(images.dtype)[:, None, None, None]
        salt = draws < amount * ratio
        pepper = (draws < amount) & ~salt
        out = images.masked_fill(salt, 1.0)
        return out.masked_fill(pepper, 0.0)
