"""The model-parameter randomization test of saliency maps (Adebayo et al., 2018).

A saliency map that explains the model must change when the model's learnt
weights are replaced by random ones; a map that stays the same shows the image
(edges, contrast) rather than what the network has learnt. The test re-draws
the weights layer by layer, from the output down, and measures how much each
face's map still agrees with the trained model's map (Spearman rank correlation).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from ._saliency import saliency_map

if TYPE_CHECKING:
    from sklearn.utils import Bunch

__all__ = ["saliency_sanity"]

#: Layers re-initialized together with the layer they follow (their running
#: statistics and scales belong to it).
_NORMALIZATION = ("BatchNorm1d", "BatchNorm2d", "GroupNorm", "LayerNorm")


def _layer_groups(module):
    """``[(name, [layers])]``: each layer with parameters and its normalization.

    In registration (forward) order; a normalization layer joins the group of
    the layer before it.
    """
    groups = []
    for name, layer in module.named_modules():
        if not hasattr(layer, "reset_parameters"):
            continue
        if not any(True for _ in layer.parameters(recurse=False)):
            continue
        if type(layer).__name__ in _NORMALIZATION and groups:
            groups[-1][1].append(layer)
        else:
            groups.append((name, [layer]))
    return groups


def _rank_correlations(maps, others):
    """Spearman correlation of each map with its counterpart; 0 for a flat map."""
    # lazy: scipy.stats is slow to import; skfer.inspection loads only numpy
    from scipy.stats import rankdata

    a = rankdata(maps.reshape(len(maps), -1), axis=1)
    b = rankdata(others.reshape(len(others), -1), axis=1)
    a -= a.mean(axis=1, keepdims=True)
    b -= b.mean(axis=1, keepdims=True)
    norm = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    dot = (a * b).sum(axis=1)
    return np.divide(dot, norm, out=np.zeros(len(a)), where=norm > 0)


def saliency_sanity(
    estimator: Any,
    X: ArrayLike,
    *,
    randomization: Literal["cascading", "independent"] = "cascading",
    method: Literal["auto", "gradcam", "occlusion"] = "auto",
    target: Any = None,
    random_state: int | np.random.RandomState | None = None,
    **params: Any,
) -> Bunch:
    """Check that saliency maps depend on the learnt weights (Adebayo et al., 2018).

    The model-parameter randomization test: the weights of the network's layers
    are re-drawn from their initialization, from the output layer down, and
    each face's map is compared with the trained model's map by Spearman rank
    correlation. Maps that explain the model decorrelate (correlations near 0)
    once the layers that tell the classes apart are random; maps that stay
    correlated with the trained ones show the image, not the model. The
    trained model is left untouched (the randomized ones are copies).

    Parameters
    ----------
    estimator : FERClassifier
        A fitted classifier (a torch network whose weights can be re-drawn).
    X : array-like of shape (n_samples, n_pixels) or (n_samples, h, w)
        Faces, as for :func:`saliency_map`; a few dozen are enough.
    randomization : {"cascading", "independent"}, default="cascading"
        ``"cascading"``: step ``k`` re-draws the ``k + 1`` layers nearest the
        output (the last step has every weight random). ``"independent"``: step
        ``k`` re-draws only the ``k``-th layer from the output, the others keep
        their learnt weights.
    method : {"auto", "gradcam", "occlusion"}, default="auto"
        The saliency method tested (see :func:`saliency_map`; ``"auto"`` is
        Grad-CAM, or occlusion for Model 2).
    target : label, array-like of labels or None, default=None
        The class explained for each face, the same for every model; ``None``
        means the class the trained model predicts.
    random_state : int, RandomState instance or None, default=None
        Seeds the re-drawn weights.
    **params
        Other parameters of :func:`saliency_map` (``layer``, ``patch``,
        ``stride``).

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``layers`` : list of str
            The layer (with the normalization after it) re-drawn at each step,
            from the output down.
        ``correlations`` : ndarray of shape (n_layers, n_samples)
            Spearman rank correlation of each face's map under the step's
            weights with its map under the trained weights, in [-1, 1]; a map
            that is zero everywhere (nothing supports the class) counts as 0.
        ``correlations_mean`` : ndarray of shape (n_layers,)
            Their mean over the faces.

    See Also
    --------
    saliency_map : The maps compared.

    References
    ----------
    J. Adebayo, J. Gilmer, M. Muelly, I. Goodfellow, M. Hardt and B. Kim,
    "Sanity Checks for Saliency Maps", NeurIPS 2018.

    Examples
    --------
    >>> from skfer import load_pretrained
    >>> from skfer.datasets import make_faces
    >>> from skfer.inspection import saliency_sanity
    >>> clf = load_pretrained("fer2013-model3")
    >>> X, _ = make_faces(n_samples=4, random_state=0, return_X_y=True)
    >>> result = saliency_sanity(clf, X, random_state=0)
    >>> result.layers[:2]
    ['head', 'classifier.8']
    >>> result.correlations.shape
    (10, 4)
    """
    if randomization not in ("cascading", "independent"):
        raise ValueError(
            "randomization must be 'cascading' or 'independent'; got "
            f"{randomization!r}."
        )
    if not hasattr(estimator, "net_"):
        raise ValueError(
            "saliency_sanity re-draws a network's weights: it needs a fitted "
            f"FERClassifier; got {type(estimator).__name__}."
        )
    # lazy: scikit-learn and torch: the torch extra (as the FERClassifier it needs)
    from sklearn.utils import Bunch, check_random_state

    from ..utils import seeded

    if target is None:
        target = estimator.predict(X)
    trained = saliency_map(estimator, X, method=method, target=target, **params)
    rng = check_random_state(random_state)
    names = [name for name, _ in _layer_groups(estimator.net_.module_)][::-1]
    model = None
    steps = []
    for step in range(len(names)):
        if model is None or randomization == "independent":
            model = copy.deepcopy(estimator)
        groups = dict(_layer_groups(model.net_.module_))
        device = next(model.net_.module_.parameters()).device
        with seeded(int(rng.randint(np.iinfo(np.int32).max)), device):
            for layer in groups[names[step]]:
                layer.reset_parameters()
        maps = saliency_map(model, X, method=method, target=target, **params)
        steps.append(_rank_correlations(trained, maps))
    correlations = np.asarray(steps)
    return Bunch(
        layers=names,
        correlations=correlations,
        correlations_mean=correlations.mean(axis=1),
    )
