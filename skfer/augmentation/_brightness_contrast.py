"""Random brightness and contrast jitter."""

from ._base import RandomTransform, uniform
from ._validation import check_range

__all__ = ["RandomBrightnessContrast"]


class RandomBrightnessContrast(RandomTransform):
    """Shift the brightness and scale the contrast of images, with probability ``p``.

    The result is ``(x - m) * c + m + b`` where ``m`` is the image's mean intensity,
    ``c`` the contrast factor and ``b`` the brightness shift, clamped to [0, 1].

    Parameters
    ----------
    brightness : float or (float, float), default=0.2
        Range of the shift ``b`` on the [0, 1] intensity scale; a number ``d >= 0``
        means ``(-d, d)``. Must lie within [-1, 1].
    contrast : float or (float, float), default=0.2
        Range of ``c - 1``; a number ``d`` in [0, 1] means factors in
        ``(1 - d, 1 + d)``. A pair ``(low, high)`` gives the factors directly.
    p : float, default=0.5
        Probability that an image is changed.

    See Also
    --------
    skfer.preprocessing.HistogramEqualization : Evens out the contrast that this
        transform varies, at prediction time as well.

    Examples
    --------
    >>> import torch
    >>> from skfer.augmentation import RandomBrightnessContrast
    >>> jitter = RandomBrightnessContrast(brightness=(0.1, 0.1), contrast=0, p=1.0)
    >>> images = torch.full((2, 1, 48, 48), 0.5)
    >>> jitter(images).unique().tolist()
    [0.6000000238418579]
    """

    def __init__(
        self,
        brightness: float | tuple[float, float] = 0.2,
        contrast: float | tuple[float, float] = 0.2,
        p: float = 0.5,
    ) -> None:
        super().__init__(p=p)
        self.brightness = brightness
        self.contrast = contrast
        self._ranges()

    def _ranges(self):
        brightness = check_range(self.brightness, "brightness", upper=1.0)
        if isinstance(self.contrast, (tuple, list)):
            contrast = check_range(self.contrast, "contrast", symmetric=False)
        else:
            low, high = check_range(self.contrast, "contrast", upper=1.0)
            contrast = (1.0 + low, 1.0 + high)
        return brightness, contrast

    def _sample(self, apply, generator, size):
        n = len(apply)
        brightness, contrast = self._ranges()
        return {
            "brightness": uniform(n, *brightness, generator),
            "contrast": uniform(n, *contrast, generator),
        }

    def _apply(self, images, params):
        shape = (-1,) + (1,) * (images.ndim - 1)
        brightness = params["brightness"].to(images.dtype).reshape(shape)
        contrast = params["contrast"].to(images.dtype).reshape(shape)
        mean = images.mean(dim=(1, 2, 3), keepdim=True)
        # written so that c = 1, b = 0 gives back the images exactly
        return images * contrast + (mean * (1.0 - contrast) + brightness)
