"""Checks of transform parameters and image batches, shared by every transform."""

import math
from numbers import Integral, Real

import torch

__all__ = []


def _is_number(value):
    return isinstance(value, Real) and not isinstance(value, bool)


def check_probability(p, name="p"):
    """Return ``p`` as a float in [0, 1], or raise a ValueError naming ``name``."""
    if not _is_number(p) or not 0.0 <= float(p) <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1], got {p!r}.")
    return float(p)


def check_range(value, name, *, symmetric=True, lower=0.0, upper=math.inf):
    """Turn a magnitude into a ``(low, high)`` range of floats.

    A single number ``m`` means ``(-m, m)`` when ``symmetric`` (``m >= 0`` required)
    and ``(m, m)`` otherwise; a pair is taken as is. With ``symmetric=False`` both
    ends must lie in ``[lower, upper]``; ``low <= high`` always.
    """
    if _is_number(value):
        value = float(value)
        if symmetric:
            if not 0.0 <= value <= upper:
                raise ValueError(
                    f"{name} must be a non-negative number (at most {upper}) or a "
                    f"(low, high) pair, got {value!r}."
                )
            return (-value, value)
        low = high = value
    else:
        try:
            low, high = value
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"{name} must be a number or a (low, high) pair of numbers, "
                f"got {value!r}."
            ) from exc
        if not (_is_number(low) and _is_number(high)):
            raise ValueError(
                f"{name} must be a number or a (low, high) pair of numbers, "
                f"got {value!r}."
            )
        low, high = float(low), float(high)
    if not (math.isfinite(low) and math.isfinite(high)) or low > high:
        raise ValueError(
            f"{name} must be a finite range with low <= high, got {value!r}."
        )
    bound_low = -upper if symmetric else lower
    if low < bound_low or high > upper:
        raise ValueError(
            f"{name} must lie within [{bound_low}, {upper}], got {value!r}."
        )
    return (low, high)


def check_kernel_size(kernel_size, name="kernel_size"):
    """Return an odd positive int, or raise."""
    if (
        not isinstance(kernel_size, Integral)
        or isinstance(kernel_size, bool)
        or kernel_size < 1
        or kernel_size % 2 == 0
    ):
        raise ValueError(
            f"{name} must be an odd positive integer, got {kernel_size!r}."
        )
    return int(kernel_size)


def check_option(value, name, options):
    """Return ``value`` if it is one of ``options``, else raise a ValueError."""
    if value not in options:
        raise ValueError(f"{name} must be one of {sorted(options)}, got {value!r}.")
    return value


def check_images(images):
    """Check that ``images`` is a floating ``(n, C, H, W)`` torch tensor."""
    if not isinstance(images, torch.Tensor):
        raise TypeError(
            "images must be a torch.Tensor of shape (n, 1, H, W) with values in [0, 1]"
            f", got {type(images).__name__}; for numpy arrays use "
            "skfer.augmentation.augment_images(X, transform, random_state=...)."
        )
    if images.ndim != 4:
        raise ValueError(
            f"images must have shape (n, 1, H, W), got shape {tuple(images.shape)}."
        )
    if not images.is_floating_point():
        raise TypeError(
            f"images must be a floating point tensor (float32), got {images.dtype}."
        )
    return images


def check_n(n):
    """Return the batch size ``n`` as a non-negative int."""
    if not isinstance(n, Integral) or isinstance(n, bool) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}.")
    return int(n)


def check_size(size):
    """Return ``size`` as an ``(H, W)`` pair of positive ints."""
    try:
        height, width = size
        ok = all(isinstance(s, Integral) and s > 0 for s in (height, width))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(
            f"size must be a pair (H, W) of positive integers, got {size!r}."
        )
    return int(height), int(width)


def pixel_params(params, key, images):
    """``params[key]``, per-pixel parameters, in the dtype of ``images``; checked to
    have been drawn for images of this size."""
    values = params[key].to(images.dtype)
    if values.shape[-2:] != images.shape[-2:]:
        raise ValueError(
            f"params[{key!r}] was drawn for images of size {tuple(values.shape[-2:])}, "
            f"got images of size {tuple(images.shape[-2:])}; pass size=(H, W) to "
            "sample_params."
        )
    return values
