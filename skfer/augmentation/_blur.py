"""Random Gaussian blur, a separable depthwise convolution over the batch."""

import torch
import torch.nn.functional as F

from ._base import RandomTransform, uniform
from ._validation import check_kernel_size, check_range

__all__ = ["RandomGaussianBlur"]


class RandomGaussianBlur(RandomTransform):
    """Blur each image with a Gaussian kernel of random width, with probability ``p``.

    Each image gets its own standard deviation; the whole batch is blurred by two
    grouped 1-D convolutions (one kernel per image), with reflected borders.

    Parameters
    ----------
    sigma : float or (float, float), default=(0.1, 1.0)
        Range of the kernel's standard deviation in pixels (non-negative); a number
        ``s`` means ``(s, s)``. ``0`` is the identity.
    kernel_size : int, default=5
        Odd size of the (truncated) kernel.
    p : float, default=0.5
        Probability that an image is blurred.

    See Also
    --------
    skfer.preprocessing.Resize : Downscaling, which also removes fine detail.

    Examples
    --------
    >>> import torch
    >>> from skfer.augmentation import RandomGaussianBlur
    >>> blur = RandomGaussianBlur(sigma=1.0, p=1.0)
    >>> images = torch.rand(4, 1, 48, 48)
    >>> bool(blur(images).std() < images.std())
    True
    """

    def __init__(
        self,
        sigma: float | tuple[float, float] = (0.1, 1.0),
        kernel_size: int = 5,
        p: float = 0.5,
    ) -> None:
        super().__init__(p=p)
        self.sigma = sigma
        self.kernel_size = kernel_size
        check_range(sigma, "sigma", symmetric=False, lower=0.0)
        check_kernel_size(kernel_size)

    def _sample(self, apply, generator, size):
        n = len(apply)
        low, high = check_range(self.sigma, "sigma", symmetric=False, lower=0.0)
        return {"sigma": uniform(n, low, high, generator)}

    def _apply(self, images, params):
        size = check_kernel_size(self.kernel_size)
        n, channels, height, width = images.shape
        half = size // 2
        offsets = torch.arange(
            -half, half + 1, dtype=images.dtype, device=images.device
        )
        sigma = params["sigma"].to(images.dtype).clamp(min=1e-3)
        kernel = torch.exp(-0.5 * (offsets[None, :] / sigma[:, None]) ** 2)
        kernel = kernel / kernel.sum(dim=1, keepdim=True)
        kernel = kernel.repeat_interleave(channels, dim=0)  # (n * C, size)
        x = images.reshape(1, n * channels, height, width)
        mode = "reflect" if min(height, width) > half else "replicate"
        x = F.pad(x, (half, half, half, half), mode=mode)
        x = F.conv2d(x, kernel[:, None, None, :], groups=n * channels)
        x = F.conv2d(x, kernel[:, None, :, None], groups=n * channels)
        return x.reshape(n, channels, height, width)
