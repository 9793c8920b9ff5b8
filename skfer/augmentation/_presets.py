"""Named augmentation recipes and the factory that resolves an ``augmentation`` spec."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeAlias

import torch

from ._affine import RandomAffine
from ._base import BaseTransform
from ._blur import RandomGaussianBlur
from ._brightness_contrast import RandomBrightnessContrast
from ._compose import Compose, Identity
from ._crop import RandomResizedCrop
from ._erasing import RandomErasing
from ._flip import RandomHorizontalFlip
from ._noise import RandomGaussianNoise
from ._rotation import RandomRotation

__all__ = ["PRESETS", "make_augmentation"]

#: A transform: called as ``t(images, generator=None)`` on ``(n, C, H, W)`` tensors.
Transform: TypeAlias = Callable[..., torch.Tensor]
#: What :func:`make_augmentation` accepts.
AugmentationSpec: TypeAlias = str | Transform | Sequence[Transform] | None


def _paper():
    # The data generator of Borgalli & Surve (2022): flips, rotation, cropping,
    # blurring and noise.
    return Compose(
        [
            RandomHorizontalFlip(p=0.5),
            RandomRotation(degrees=10.0, p=0.5),
            RandomResizedCrop(scale=(0.8, 1.0), ratio=(0.9, 1.1), p=0.5),
            RandomGaussianBlur(sigma=(0.1, 1.0), kernel_size=5, p=0.3),
            RandomGaussianNoise(std=(0.0, 0.04), p=0.3),
        ]
    )


def _standard():
    # A strong FER2013 training recipe (after Khaireddin & Chen, 2021: rescale and
    # shift by up to 20 %, rotate by up to 10 degrees, flip, random erasing) plus a
    # mild photometric jitter.
    return Compose(
        [
            RandomHorizontalFlip(p=0.5),
            RandomAffine(degrees=10.0, translate=0.1, scale=(0.8, 1.2), p=0.8),
            RandomBrightnessContrast(brightness=0.2, contrast=0.2, p=0.5),
            RandomErasing(scale=(0.02, 0.15), ratio=(0.3, 3.3), p=0.5),
        ]
    )


def _light():
    return Compose(
        [
            RandomHorizontalFlip(p=0.5),
            RandomAffine(degrees=5.0, translate=0.05, scale=(0.95, 1.05), p=0.5),
        ]
    )


#: Preset name -> function making a fresh transform.
PRESETS = {
    "none": Identity,
    "light": _light,
    "paper": _paper,
    "standard": _standard,
}


def make_augmentation(spec: AugmentationSpec = "paper") -> Transform:
    """Return the transform described by ``spec``.

    Parameters
    ----------
    spec : None, str, transform or list of transforms, default="paper"
        - ``None`` or ``"none"``: :class:`Identity`;
        - ``"paper"``: the paper's data generator: horizontal flip, rotation up to
          10 degrees, resized crop of 80-100 % of the area, Gaussian blur and
          Gaussian noise;
        - ``"standard"``: a stronger recipe for training on FER2013: flip, affine
          warp (rotation up to 10 degrees, shift up to 10 %, zoom 0.8-1.2),
          brightness/contrast jitter and random erasing;
        - ``"light"``: flip and a small affine warp;
        - a transform object (any callable ``t(images, generator=None)``, such as the
          ``Random*`` classes or a :class:`Compose`): returned as is;
        - a list or tuple of transforms: wrapped in a :class:`Compose`.

    Returns
    -------
    transform : callable
        Called as ``transform(images, generator=None)`` on ``(n, 1, H, W)`` float
        tensors with values in [0, 1].

    Raises
    ------
    ValueError
        If ``spec`` is an unknown preset name.
    TypeError
        If ``spec`` is of another type.

    Examples
    --------
    >>> import torch
    >>> from skfer.augmentation import make_augmentation
    >>> make_augmentation("light")  # doctest: +NORMALIZE_WHITESPACE
    Compose([
        RandomHorizontalFlip(p=0.5),
        RandomAffine(degrees=5.0, translate=0.05, scale=(0.95, 1.05),
                     padding_mode='border', p=0.5),
    ])
    >>> make_augmentation(None)
    Identity()
    >>> augment = make_augmentation("standard")
    >>> augment(torch.rand(8, 1, 48, 48), torch.Generator().manual_seed(0)).shape
    torch.Size([8, 1, 48, 48])
    """
    if spec is None:
        return Identity()
    if isinstance(spec, str):
        try:
            factory = PRESETS[spec]
        except KeyError:
            raise ValueError(
                f"Unknown augmentation {spec!r}; expected one of {sorted(PRESETS)}, "
                "None, a transform object or a list of transforms."
            ) from None
        return factory()
    if isinstance(spec, BaseTransform) or callable(spec):
        return spec
    if isinstance(spec, (list, tuple)):
        return Compose(list(spec))
    raise TypeError(
        f"augmentation must be None, one of {sorted(PRESETS)}, a transform or a list "
        f"of transforms; got {type(spec).__name__}: {spec!r}."
    )
