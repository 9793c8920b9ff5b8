"""Whole-tensor batching: no per-sample Python work, no collate."""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["BatchIterator", "Scaling"]


class Scaling:
    """Bring raw pixels to the network's input scale, batch by batch.

    ``x -> ((x - lo) / (hi - lo) - mean) / std``: first to [0, 1] using the units of
    the training data (``input_range``), then standardized with the training pixel
    mean and standard deviation. Augmentation happens in between, on [0, 1] images.
    :meth:`of` gives a fitted classifier's scaling: its network's input.

    Parameters
    ----------
    input_range : tuple of (float, float)
        The units of the training data: ``(0, 255)`` or ``(0, 1)``.
    mean, std : float
        The training pixels' mean and standard deviation, on [0, 1].

    Examples
    --------
    >>> import torch
    >>> from skfer.classifier import Scaling
    >>> scaling = Scaling((0, 255), mean=0.5, std=0.25)
    >>> scaling(torch.tensor([0, 255], dtype=torch.uint8)).tolist()
    [-2.0, 2.0]
    """

    def __init__(
        self, input_range: tuple[float, float], mean: float, std: float
    ) -> None:
        self.input_range = (float(input_range[0]), float(input_range[1]))
        self.mean = float(mean)
        self.std = float(std)

    @classmethod
    def of(cls, estimator: Any) -> Scaling:
        """The scaling of a fitted classifier (``input_range_``, ``pixel_mean_``,
        ``pixel_std_``): what its network takes as input."""
        return cls(estimator.input_range_, estimator.pixel_mean_, estimator.pixel_std_)

    def to_unit(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` brought from ``input_range`` to [0, 1], as float32.

        Parameters
        ----------
        x : torch.Tensor
            Raw pixels.

        Returns
        -------
        unit : torch.Tensor
        """
        lo, hi = self.input_range
        return (x.float() - lo) * (1.0 / (hi - lo))

    def standardize(self, x: torch.Tensor) -> torch.Tensor:
        """[0, 1] pixels standardized with the training mean and deviation.

        Parameters
        ----------
        x : torch.Tensor
            Pixels on [0, 1] (the output of :meth:`to_unit`, augmented or not).

        Returns
        -------
        standardized : torch.Tensor
        """
        return (x - self.mean) * (1.0 / self.std)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """Raw pixels to the network's input: :meth:`to_unit`, then
        :meth:`standardize`, in one multiply-add.

        Parameters
        ----------
        x : torch.Tensor
            Raw pixels (uint8 or float).

        Returns
        -------
        scaled : torch.Tensor
            float32, a new tensor.
        """
        # both steps as one multiply-add (never in place: ``x`` may be the user's)
        lo, hi = self.input_range
        gain = 1.0 / ((hi - lo) * self.std)
        if x.dtype not in (torch.uint8, torch.float32):
            x = x.float()
        # a uint8 tensor times a float is float32: no separate conversion
        return torch.mul(x, gain).add_(-(lo / (hi - lo) + self.mean) / self.std)

    def __repr__(self):
        return (
            f"Scaling(input_range={self.input_range}, mean={self.mean:.4f}, "
            f"std={self.std:.4f})"
        )


class BatchIterator:
    """Iterate over a skorch ``Dataset`` holding whole tensors, slicing batches.

    Used as skorch's ``iterator_train`` / ``iterator_valid``: images are kept as one
    ``(n, 1, 48, 48)`` tensor (uint8 or float32) and each batch is a slice (or an
    index gather when shuffling), scaled, optionally augmented, and laid out
    channels-last, on the device the images are on (a GPU fit keeps them there).
    Shuffling and augmentation draw from torch's global CPU generator, which the
    estimator seeds for reproducibility. With ``sample_weight`` (one
    weight per image), ``teacher_proba`` (a teacher's probabilities, one row per
    image) or ``label_distribution`` (each image's label distribution, e.g. FER+'s
    votes), each batch's target is ``(labels, weights, teacher, distribution)``,
    ``None`` for whichever is not given.

    With ``shard`` (set by data-parallel training, see
    :mod:`~skfer.classifier._distributed`), each process of a group yields its own
    share of every batch: the order and the augmentation seed are drawn by the
    first process (as a single process would draw them) and sent to the others,
    each batch is prepared whole, and each process keeps its rows
    (``shard.bounds``); ``share`` is then the process's rows times the number of
    processes over the batch's rows (1 when the batch splits evenly).
    """

    def __init__(
        self,
        dataset,
        batch_size=128,
        shuffle=False,
        scaling=None,
        transform=None,
        channels_last=True,
        sample_weight=None,
        teacher_proba=None,
        label_distribution=None,
        shard=None,
        **kwargs,
    ):
        self.X = dataset.X if hasattr(dataset, "X") else dataset
        self.y = getattr(dataset, "y", None)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.scaling = scaling
        self.transform = transform
        self.channels_last = channels_last
        self.sample_weight = sample_weight
        self.teacher_proba = teacher_proba
        self.label_distribution = label_distribution
        self.shard = shard
        self.share = 1.0

    def __len__(self):
        n = len(self.X)
        return (n + self.batch_size - 1) // self.batch_size

    def _prepare(self, xb, generator):
        if self.scaling is None:
            xb = xb.float()
        elif self.transform is None:
            xb = self.scaling(xb)
        else:
            xb = self.scaling.to_unit(xb)
            xb = self.transform(xb, generator=generator)
            xb = self.scaling.standardize(xb)
        if self.channels_last:
            xb = xb.contiguous(memory_format=torch.channels_last)
        return xb

    def __iter__(self):
        n = len(self.X)
        seed = None
        if self.transform is not None:
            seed = int(torch.randint(0, 2**62, (1,)).item())
        # Drawn on the CPU (the same order whatever the device), used where X is.
        order = torch.randperm(n) if self.shuffle else None
        if self.shard is not None:  # the first process's draws, for every process
            seed, order = self.shard.from_main(seed, order)
        generator = None if seed is None else torch.Generator().manual_seed(seed)
        if order is not None:
            order = order.to(self.X.device)
        extras = (self.sample_weight, self.teacher_proba, self.label_distribution)
        carried = any(e is not None for e in extras)
        for start in range(0, n, self.batch_size):
            if order is None:
                idx = slice(start, start + self.batch_size)
            else:
                idx = order[start : start + self.batch_size]
            xb = self.X[idx]
            yb = None if self.y is None else self.y[idx]
            if carried and yb is not None:
                yb = (yb, *(None if e is None else e[idx] for e in extras))
            xb = self._prepare(xb, generator)
            if self.shard is not None:
                xb, yb = self._own_rows(xb, yb)
            yield xb, yb

    def _own_rows(self, xb, yb):
        """This process's rows of a prepared batch, and its ``share``."""
        size = len(xb)
        lo, hi = self.shard.bounds(size)
        self.share = (hi - lo) * self.shard.world_size / size
        if isinstance(yb, tuple):
            yb = tuple(None if t is None else t[lo:hi] for t in yb)
        elif yb is not None:
            yb = yb[lo:hi]
        return xb[lo:hi], yb
