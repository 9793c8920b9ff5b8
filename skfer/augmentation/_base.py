"""Base classes: random parameter sampling kept apart from deterministic application."""

from __future__ import annotations

import abc
import contextlib
import inspect
from typing import TYPE_CHECKING, Any

import torch

from ._validation import check_images, check_n, check_probability, check_size

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["BaseTransform", "RandomTransform"]


class BaseTransform(abc.ABC):
    """Base class of the image transforms of :mod:`skfer.augmentation`.

    A transform works on a batch of images, a float tensor of shape ``(n, C, H, W)``
    with values in [0, 1], in two separate steps:

    - :meth:`sample_params` draws the random parameters of ``n`` images from a
      ``torch.Generator`` and returns them as a dict of tensors whose first dimension
      is ``n``;
    - :meth:`apply` applies given parameters, deterministically.

    Calling the transform, ``t(images, generator=None)``, does both and returns a new
    tensor of the same shape and dtype, clamped to [0, 1]. Keeping the halves apart
    lets a result be replayed exactly and each half be tested alone.

    ``__call__`` and ``apply`` run on a single intra-op thread (the thread count is
    restored after): on batches of small images that is faster than waking the
    thread pool, much faster on a busy machine, and it keeps a replay bitwise equal
    to the original call.

    Subclasses store their constructor arguments under the same names (as
    scikit-learn estimators do), which gives them :meth:`get_params`, a readable
    ``repr``, and lets them be deep-copied and pickled.

    Examples
    --------
    >>> import torch
    >>> from skfer.augmentation import RandomHorizontalFlip
    >>> flip = RandomHorizontalFlip(p=1.0)
    >>> images = torch.rand(4, 1, 48, 48)
    >>> params = flip.sample_params(4, torch.Generator().manual_seed(0))
    >>> sorted(params)
    ['apply']
    >>> torch.equal(flip.apply(images, params), images.flip(-1))
    True
    """

    @classmethod
    def _get_param_names(cls):
        if cls.__init__ is object.__init__:
            return []
        signature = inspect.signature(cls.__init__)
        return [
            name
            for name, parameter in signature.parameters.items()
            if name != "self"
            and parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL)
        ]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor arguments of this transform, as a dict ``name -> value``.

        As for scikit-learn estimators, so that :func:`sklearn.base.clone` rebuilds a
        transform stored in an estimator parameter, and a grid search can tune its
        magnitudes (``"sampler__augmentation__degrees"``).

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of parameters that have ``get_params``, as
            ``"<name>__<parameter>"``.

        Returns
        -------
        params : dict
        """
        params: dict[str, Any] = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                params.update(
                    (f"{name}__{key}", sub) for key, sub in value.get_params().items()
                )
            params[name] = value
        return params

    def set_params(self, **params: Any) -> Self:
        """Set constructor arguments (``"<name>__<parameter>"`` for nested ones).

        The new values are validated as in the constructor.

        Returns
        -------
        self : transform
        """
        valid = self._get_param_names()
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for {type(self).__name__}; valid "
                    f"parameters are {valid}."
                )
            if sub:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)
        type(self)(**self.get_params(deep=False))  # validates the new values
        return self

    def __repr__(self):
        params = self.get_params(deep=False)
        args = ", ".join(f"{name}={value!r}" for name, value in params.items())
        return f"{type(self).__name__}({args})"

    @abc.abstractmethod
    def sample_params(
        self,
        n: int,
        generator: torch.Generator | None = None,
        *,
        size: tuple[int, int] = (48, 48),
    ) -> dict[str, torch.Tensor]:
        """Draw the random parameters of ``n`` images.

        Parameters
        ----------
        n : int
            Number of images.
        generator : torch.Generator or None, default=None
            CPU generator to draw from; ``None`` draws from the global torch RNG.
        size : (int, int), default=(48, 48)
            Height and width of the images (used by per-pixel transforms).

        Returns
        -------
        params : dict of str -> torch.Tensor
            Tensors whose first dimension is ``n``.
        """

    @abc.abstractmethod
    def apply(
        self, images: torch.Tensor, params: dict[str, torch.Tensor]
    ) -> torch.Tensor:
        """Apply the parameters ``params`` to ``images`` (deterministic).

        Parameters
        ----------
        images : torch.Tensor of shape (n, C, H, W)
            Floating point images with values in [0, 1].
        params : dict of str -> torch.Tensor
            As returned by :meth:`sample_params` for ``n`` images.

        Returns
        -------
        images : torch.Tensor of shape (n, C, H, W)
            A new tensor, same dtype and device, values clamped to [0, 1].
        """

    def __call__(
        self, images: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Augment ``images`` with fresh random parameters drawn from ``generator``.

        Parameters
        ----------
        images : torch.Tensor of shape (n, C, H, W)
            Floating point images with values in [0, 1].
        generator : torch.Generator or None, default=None
            CPU generator to draw from; ``None`` draws from the global torch RNG.

        Returns
        -------
        images : torch.Tensor of shape (n, C, H, W)
            A new tensor, same dtype and device, values clamped to [0, 1].
        """
        check_images(images)
        with _one_thread(images):
            params = self.sample_params(
                images.shape[0], generator, size=(images.shape[-2], images.shape[-1])
            )
            return self.apply(images, params)


@contextlib.contextmanager
def _one_thread(images):
    """Run CPU work on one intra-op thread, restoring the thread count after.

    The ops on a batch of small images last tens of microseconds: waking the
    intra-op pool costs more than it saves, and on a busy machine a pool thread that
    is not scheduled stalls every op (``benchmarks/augmentation.py`` measures
    it). ``DataLoader`` workers run single-threaded for the same reason.
    """
    threads = torch.get_num_threads()
    if images.device.type != "cpu" or threads == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _check_params(images, params, keys):
    n = images.shape[0]
    missing = [key for key in keys if key not in params]
    if missing:
        raise ValueError(
            f"params lacks {missing}; expected the keys {sorted(keys)} returned by "
            "sample_params."
        )
    for key in keys:
        value = params[key]
        if not isinstance(value, torch.Tensor) or value.shape[:1] != (n,):
            shape = tuple(value.shape) if isinstance(value, torch.Tensor) else value
            raise ValueError(
                f"params[{key!r}] must be a tensor with first dimension {n} (the "
                f"number of images), got {shape!r}."
            )


class RandomTransform(BaseTransform):
    """Base class of the transforms applied to each image with probability ``p``.

    A subclass implements two methods:

    - ``_sample(apply, generator, size) -> dict``: its own random parameters for the
      ``n = len(apply)`` images, drawn for every image (or, for costly per-pixel
      draws, only where the boolean mask ``apply`` is set);
    - ``_apply(images, params) -> images``: called on the images selected by the
      mask only, with their parameters already selected and on their device.

    The base class draws the ``"apply"`` mask, validates the parameters, copies the
    unselected images unchanged and clamps the result to [0, 1].

    Parameters
    ----------
    p : float, default=0.5
        Probability that an image is transformed.

    See Also
    --------
    RandomHorizontalFlip : The shortest subclass, a model for new transforms.

    Examples
    --------
    >>> import torch
    >>> from skfer.augmentation import RandomTransform
    >>> class RandomInvert(RandomTransform):
    ...     def _sample(self, apply, generator, size):
    ...         return {}
    ...     def _apply(self, images, params):
    ...         return 1.0 - images
    >>> invert = RandomInvert(p=1.0)
    >>> invert
    RandomInvert(p=1.0)
    >>> images = torch.rand(2, 1, 48, 48)
    >>> torch.allclose(invert(images), 1.0 - images)
    True
    """

    def __init__(self, p: float = 0.5) -> None:
        self.p = p
        check_probability(p)

    @abc.abstractmethod
    def _sample(self, apply, generator, size):
        """Parameters for the images selected by the bool mask ``apply``."""

    @abc.abstractmethod
    def _apply(self, images, params):
        """Apply ``params`` to the selected ``images``."""

    def sample_params(
        self,
        n: int,
        generator: torch.Generator | None = None,
        *,
        size: tuple[int, int] = (48, 48),
    ) -> dict[str, torch.Tensor]:
        n = check_n(n)
        size = check_size(size)
        p = check_probability(self.p)
        params = {"apply": torch.rand(n, generator=generator) < p}
        params.update(self._sample(params["apply"], generator, size))
        return params

    sample_params.__doc__ = BaseTransform.sample_params.__doc__

    def apply(
        self, images: torch.Tensor, params: dict[str, torch.Tensor]
    ) -> torch.Tensor:
        check_images(images)
        _check_params(images, params, list(params) + ["apply"])
        with _one_thread(images):
            return self._apply_selected(images, params)

    apply.__doc__ = BaseTransform.apply.__doc__

    def _apply_selected(self, images, params):
        mask = params["apply"].to(device=images.device, dtype=torch.bool)
        own = {
            key: value.to(images.device)
            for key, value in params.items()
            if key != "apply"
        }
        n = images.shape[0]
        index = mask.nonzero().squeeze(1)
        if n and len(index) == n:
            out = self._apply(images, own)
            if _shares_memory(out, images):
                return out.clamp(0.0, 1.0)
        else:
            out = images.clone()
            if len(index):
                selected = {
                    key: value.index_select(0, index) for key, value in own.items()
                }
                result = self._apply(images.index_select(0, index), selected)
                out.index_copy_(0, index, result.to(out.dtype))
        return out.clamp_(0.0, 1.0)  # ``out`` is a new tensor here


def _shares_memory(a, b):
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


def uniform(n, low, high, generator):
    """``n`` float32 draws, uniform in ``[low, high]`` (exactly ``low`` if equal)."""
    draws = torch.rand(n, generator=generator)
    if low == high:
        return torch.full((n,), float(low))
    return low + (high - low) * draws


def per_pixel(draw, apply, size, fill, generator):
    """Per-pixel draws ``(n, 1, H, W)``, made only where the mask ``apply`` is set.

    ``draw`` is ``torch.rand`` or ``torch.randn``; a per-pixel draw costs more than
    the rest of a transform, so the other images get the constant ``fill`` (the
    value that leaves them unchanged) instead.
    """
    n = len(apply)
    selected = apply.nonzero().squeeze(1)
    drawn = draw(len(selected), 1, *size, generator=generator)
    if len(selected) == n:
        return drawn
    out = torch.full((n, 1, *size), fill)
    out[selected] = drawn
    return out
