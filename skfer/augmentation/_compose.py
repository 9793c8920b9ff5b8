"""Containers: the identity and a sequence of transforms."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ._base import BaseTransform, _check_params, _one_thread
from ._validation import check_images, check_n, check_size

__all__ = ["Compose", "Identity"]


def _is_transform(obj):
    return all(
        callable(getattr(obj, name, None)) for name in ("sample_params", "apply")
    )


class Identity(BaseTransform):
    """The transform that changes nothing (a copy of the images, clamped to [0, 1]).

    ``make_augmentation(None)`` returns it.

    Examples
    --------
    >>> import torch
    >>> from skfer.augmentation import Identity
    >>> images = torch.rand(2, 1, 48, 48)
    >>> out = Identity()(images)
    >>> torch.equal(out, images), out is images
    (True, False)
    """

    def sample_params(
        self,
        n: int,
        generator: torch.Generator | None = None,
        *,
        size: tuple[int, int] = (48, 48),
    ) -> dict[str, torch.Tensor]:
        check_n(n)
        check_size(size)
        return {}

    sample_params.__doc__ = BaseTransform.sample_params.__doc__

    def apply(
        self, images: torch.Tensor, params: dict[str, torch.Tensor]
    ) -> torch.Tensor:
        check_images(images)
        return images.clamp(0.0, 1.0)

    apply.__doc__ = BaseTransform.apply.__doc__


class Compose(BaseTransform):
    """Apply a sequence of transforms, one after the other.

    The parameters of every transform are drawn up front by :meth:`sample_params`
    and returned in one flat dict whose keys are prefixed with the transform's
    position (``"0.apply"``, ``"1.angle"``, ...), so a composed result can be
    replayed exactly like a single transform.

    Parameters
    ----------
    transforms : list of transforms
        Objects with ``sample_params`` and ``apply`` methods, such as the ``Random*``
        transforms of this module or another :class:`Compose`.

    See Also
    --------
    make_augmentation : The preset recipes, as Compose objects.

    Examples
    --------
    >>> import torch
    >>> from skfer.augmentation import Compose, RandomHorizontalFlip, RandomRotation
    >>> augment = Compose([RandomHorizontalFlip(p=0.5), RandomRotation(degrees=10)])
    >>> augment
    Compose([
        RandomHorizontalFlip(p=0.5),
        RandomRotation(degrees=10, padding_mode='border', p=0.5),
    ])
    >>> params = augment.sample_params(4, torch.Generator().manual_seed(0))
    >>> sorted(params)
    ['0.apply', '1.angle', '1.apply']
    >>> images = torch.rand(4, 1, 48, 48)
    >>> torch.equal(augment.apply(images, params), augment.apply(images, params))
    True
    """

    def __init__(self, transforms: Sequence[BaseTransform]) -> None:
        self.transforms = transforms
        self._checked()

    def _checked(self):
        transforms = self.transforms
        if isinstance(transforms, (str, bytes)) or not hasattr(transforms, "__iter__"):
            raise TypeError(
                "transforms must be a list of transforms, got "
                f"{type(transforms).__name__}."
            )
        transforms = list(transforms)
        for i, transform in enumerate(transforms):
            if not _is_transform(transform):
                raise TypeError(
                    f"transforms[{i}] must be a transform with sample_params and apply "
                    f"methods, got {transform!r}."
                )
        return transforms

    def __len__(self) -> int:
        return len(self.transforms)

    def __getitem__(self, index: int) -> BaseTransform:
        return self.transforms[index]

    def __repr__(self):
        if not self.transforms:
            return "Compose([])"
        lines = "".join(
            "    " + repr(t).replace("\n", "\n    ") + ",\n" for t in self.transforms
        )
        return f"Compose([\n{lines}])"

    def sample_params(
        self,
        n: int,
        generator: torch.Generator | None = None,
        *,
        size: tuple[int, int] = (48, 48),
    ) -> dict[str, torch.Tensor]:
        params = {}
        for i, transform in enumerate(self._checked()):
            own = transform.sample_params(n, generator, size=size)
            params.update({f"{i}.{key}": value for key, value in own.items()})
        return params

    sample_params.__doc__ = BaseTransform.sample_params.__doc__

    def apply(
        self, images: torch.Tensor, params: dict[str, torch.Tensor]
    ) -> torch.Tensor:
        check_images(images)
        _check_params(images, params, list(params))
        with _one_thread(images):
            return self._apply_all(images, params)

    apply.__doc__ = BaseTransform.apply.__doc__

    def _apply_all(self, images, params):
        out = images
        for i, transform in enumerate(self._checked()):
            prefix = f"{i}."
            own = {
                key[len(prefix) :]: value
                for key, value in params.items()
                if key.startswith(prefix)
            }
            out = transform.apply(out, own)
        if out is images:  # no transforms
            out = images.clamp(0.0, 1.0)
        return out
