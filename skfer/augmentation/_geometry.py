"""Batched affine warps (``affine_grid`` + ``grid_sample``) shared by the geometric
transforms."""

import functools
import math

import torch
import torch.nn.functional as F

from ._base import RandomTransform
from ._validation import check_option

__all__ = []

PADDING_MODES = ("border", "reflection", "zeros")


class RandomWarp(RandomTransform):
    """Base of the transforms that resample each image through an affine warp.

    Stores and checks ``padding_mode``, how the pixels that the warp uncovers are
    filled; a subclass builds its sampling matrices and calls :meth:`_warp`.
    """

    def __init__(self, padding_mode="border", p=0.5):
        super().__init__(p=p)
        self.padding_mode = padding_mode
        check_option(padding_mode, "padding_mode", PADDING_MODES)

    def _warp(self, images, theta):
        return warp_affine(images, theta, self.padding_mode)


def affine_theta(angle, scale, translate, size):
    """Sampling matrices ``(n, 2, 3)`` for ``grid_sample`` (output -> input coords).

    The forward map rotates the image by ``angle`` degrees about its centre, scales
    it by ``scale`` (> 1 zooms in) and shifts it by ``translate`` (fractions of the
    width and height); pixels stay square for non-square images.
    """
    height, width = size
    radians = angle * (math.pi / 180.0)
    cos, sin = torch.cos(radians), torch.sin(radians)
    inv_scale = 1.0 / scale
    # inverse rotation in pixel units, written in normalized [-1, 1] coordinates
    a = cos * inv_scale
    b = sin * (height / width) * inv_scale
    c = -sin * (width / height) * inv_scale
    d = cos * inv_scale
    tx, ty = 2.0 * translate[:, 0], 2.0 * translate[:, 1]
    theta = torch.stack(
        [
            torch.stack([a, b, -(a * tx + b * ty)], dim=1),
            torch.stack([c, d, -(c * tx + d * ty)], dim=1),
        ],
        dim=1,
    )
    return theta


def warp_affine(images, theta, padding_mode="border"):
    """Warp ``images`` (n, C, H, W) with the sampling matrices ``theta`` (n, 2, 3).

    Images whose matrix is exactly the identity are copied unchanged, so that a
    zero-magnitude transform is exactly the identity.
    """
    theta = theta.to(device=images.device, dtype=images.dtype)
    eye = torch.eye(2, 3, dtype=theta.dtype, device=theta.device)
    moving = (theta != eye).flatten(1).any(dim=1)
    if not bool(moving.any()):
        return images.clone()
    if bool(moving.all()):
        return _warp(images, theta, padding_mode)
    out = images.clone()
    out[moving] = _warp(images[moving], theta[moving], padding_mode)
    return out


@functools.lru_cache(maxsize=16)
def _grid_matrix(height, width, dtype, device):
    """Constant ``(H * W * 2, 6)`` matrix ``M`` with ``theta.reshape(n, 6) @ M.T``
    equal to ``F.affine_grid(theta, (n, C, H, W), align_corners=False)``, flattened.

    One small matrix product instead of ``affine_grid``'s per-call grid
    (``benchmarks/augmentation.py`` times the transforms).
    """
    xs = (torch.arange(width, dtype=torch.float64) * 2 + 1) / width - 1
    ys = (torch.arange(height, dtype=torch.float64) * 2 + 1) / height - 1
    yy, xx = torch.meshgrid(ys, xs, indexing="ij")
    base = torch.stack([xx, yy, torch.ones_like(xx)]).reshape(3, -1)  # rows x, y, 1
    matrix = torch.zeros(2, 3, height * width, 2, dtype=torch.float64)
    matrix[0, :, :, 0] = base
    matrix[1, :, :, 1] = base
    return matrix.reshape(6, -1).t().contiguous().to(dtype=dtype, device=device)


def _warp(images, theta, padding_mode):
    n, _, height, width = images.shape
    matrix = _grid_matrix(height, width, images.dtype, images.device)
    grid = F.linear(theta.reshape(n, 6), matrix).reshape(n, height, width, 2)
    return F.grid_sample(
        images, grid, mode="bilinear", padding_mode=padding_mode, align_corners=False
    )
