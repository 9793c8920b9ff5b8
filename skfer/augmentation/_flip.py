"""Random horizontal flip."""

from ._base import RandomTransform

__all__ = ["RandomHorizontalFlip"]


class RandomHorizontalFlip(RandomTransform):
    """Mirror each image left-right with probability ``p``.

    Faces are nearly symmetric, so a mirrored face keeps its expression: the
    cheapest way to double a FER training set.

    Parameters
    ----------
    p : float, default=0.5
        Probability that an image is flipped.

    See Also
    --------
    make_augmentation : The named recipes; every one of them starts with this flip.

    Examples
    --------
    >>> import torch
    >>> from skfer.augmentation import RandomHorizontalFlip
    >>> images = torch.rand(8, 1, 48, 48)
    >>> out = RandomHorizontalFlip(p=1.0)(images)
    >>> torch.equal(out, images.flip(-1))
    True
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__(p=p)

    def _sample(self, apply, generator, size):
        return {}

    def _apply(self, images, params):
        return images.flip(-1)
