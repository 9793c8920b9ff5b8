"""Over-sampling with augmented copies of real images of the same class."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import Substitution
from imblearn.utils._docstring import _random_state_docstring
from scipy import sparse
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils._param_validation import StrOptions

from ..augmentation import PRESETS, augment_array, make_augmentation
from ..utils import image_side, intensity_scale

__all__ = ["AugmentationOverSampler"]


@Substitution(
    sampling_strategy=BaseOverSampler._sampling_strategy_docstring,
    random_state=_random_state_docstring,
)
class AugmentationOverSampler(BaseOverSampler):
    """Over-sample classes with augmented copies of their own images.

    Each new sample is a real image of the class, picked at random with
    replacement, passed through random image transforms (flips, rotations, crops,
    blur, noise, ...): the data generator of Borgalli & Surve (2022) used to balance
    FER2013, as an imbalanced-learn sampler. Inside an
    :class:`imblearn.pipeline.Pipeline` it acts only during ``fit``, never at
    predict time.

    Parameters
    ----------
    {sampling_strategy}

    augmentation : str, transform, list of transforms or None, default="paper"
        The transforms making the new images; anything
        :func:`skfer.augmentation.make_augmentation` accepts: a preset name
        (``"paper"``, ``"standard"``, ``"light"``, ``"none"``), a transform such as
        ``RandomRotation(degrees=20, p=1.0)`` (its magnitudes set the strength), a
        list of transforms, or ``None`` (plain random over-sampling).

    {random_state}

    Attributes
    ----------
    sampling_strategy_ : dict
        Class label -> number of samples added.

    augmentation_ : callable
        The transform used, as returned by ``make_augmentation(augmentation)``.

    sample_indices_ : ndarray of shape (n_samples_new,)
        For each returned sample, the index of the original image it comes from
        (the first ``n_samples`` are the originals themselves).

    n_features_in_ : int
        Number of features (pixels) in the input.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during `fit`. Defined only when `X` has feature
        names that are all strings.

    See Also
    --------
    imblearn.over_sampling.RandomOverSampler : Plain copies instead of augmented ones.
    skfer.augmentation.make_augmentation : The transforms and preset recipes.

    Notes
    -----
    ``X`` holds one square grayscale image per row (48 x 48 = 2304 pixels for
    FER data; any ``side * side`` works); ``fit_resample`` raises a ValueError for
    other widths. Integer data (uint8) are read on the 0-255 scale and floats on
    [0, 1], or on 0-255 when at least 1 % of the values exceed 1; floats mostly in
    [0, 1] with a few values above 1 are ambiguous and raise a ValueError (see
    :ref:`input-units`). The output keeps the input dtype,
    so uint8 stays uint8. The original samples come first, unchanged, followed by
    the new ones class by class. Sparse input is accepted (and returned sparse),
    though images are rarely sparse. ``fit`` only validates ``X`` and ``y``, as for
    every imbalanced-learn sampler; the image checks happen in ``fit_resample``.

    Examples
    --------
    >>> from collections import Counter
    >>> from skfer.datasets import make_faces
    >>> from skfer.over_sampling import AugmentationOverSampler
    >>> X, y = make_faces(n_samples=70, random_state=0, return_X_y=True)
    >>> keep = (y != "disgust") | (X.sum(axis=1) % 3 == 0)  # fewer disgust faces
    >>> X, y = X[keep], y[keep]
    >>> Counter(y)["disgust"] < Counter(y)["happy"]
    True
    >>> sampler = AugmentationOverSampler(augmentation="paper", random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> sorted(set(Counter(y_res).values()))
    [10]
    >>> X_res.dtype, bool((X_res[: len(X)] == X).all())
    (dtype('uint8'), True)

    In a pipeline, before a classifier (the sampler acts only in ``fit``):

    >>> from imblearn.pipeline import make_pipeline
    >>> from sklearn.linear_model import RidgeClassifier
    >>> model = make_pipeline(
    ...     AugmentationOverSampler(random_state=0), RidgeClassifier()
    ... )
    >>> model.fit(X, y).predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "augmentation": [StrOptions(set(PRESETS)), list, tuple, callable, None],
    }

    def __init__(
        self,
        *,
        sampling_strategy: float
        | str
        | Mapping[Any, int]
        | Callable[..., Mapping[Any, int]] = "auto",
        augmentation: str
        | Callable[..., Any]
        | Sequence[Callable[..., Any]]
        | None = "paper",
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        super().__init__(sampling_strategy=sampling_strategy)
        self.augmentation = augmentation
        self.random_state = random_state

    def _fit_resample(self, X, y):
        random_state = check_random_state(self.random_state)
        self.augmentation_ = make_augmentation(self.augmentation)
        side = image_side(X.shape[1])
        scale = intensity_scale(X.data if sparse.issparse(X) else X, "X")

        new_indices = [
            random_state.choice(
                np.flatnonzero(y == klass), size=n_samples, replace=True
            )
            for klass, n_samples in self.sampling_strategy_.items()
        ]
        new_indices = np.concatenate([np.empty(0, dtype=np.intp), *new_indices])
        self.sample_indices_ = np.concatenate([np.arange(X.shape[0]), new_indices])

        X_source = _safe_indexing(X, new_indices)
        if sparse.issparse(X_source):
            X_source = X_source.toarray()
        X_new = augment_array(
            X_source, self.augmentation_, random_state, scale, (side, side)
        )
        if sparse.issparse(X):
            X_resampled = sparse.vstack([X, sparse.csr_matrix(X_new)], format=X.format)
        else:
            X_resampled = np.vstack([X, X_new])
        y_resampled = np.hstack([y, _safe_indexing(y, new_indices)])
        return X_resampled, y_resampled

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.sampler_tags.sample_indices = True
        return tags
