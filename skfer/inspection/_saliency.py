"""Saliency maps: Grad-CAM on a convolutional block, and occlusion.

Grad-CAM (Selvaraju et al., 2017) weights each channel of a convolutional block's
activation by the mean gradient of the target class's score, sums, keeps the
positive part and upsamples it to the image. Occlusion (Zeiler & Fergus, 2014)
slides a grey patch over the face and records how much the target class's
probability drops: slower, but it needs nothing but ``predict_proba``, which makes
it a model-agnostic check of Grad-CAM.

Which method and layer by default (measured on 18 FER2013 PrivateTest faces, three
per emotion but disgust, with the shipped weights): Model 3's last block has a
6x6 grid whose maps, with every weight re-drawn, still correlate up to 0.66 with
the trained ones (Spearman, per face); its 12x12 block's stay below 0.25 at every
step of the cascading randomization test (:func:`saliency_sanity`) while putting
1.4 times their share of mass on eyes and mouth. Model 2 has no such block: its
last one is a 3x3 grid whose mass sits on the border as much as on the face, and
the Grad-CAM of its 16x16 block neither concentrates on eyes and mouth (1.1 times
their share, occlusion 1.9) nor agrees with occlusion (rank correlation 0.08), so
its default is occlusion.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["last_conv_block", "saliency_map"]

#: Side of the images the maps are computed on and returned at.
SIZE = 48

#: Architectures whose Grad-CAM fails the checks above at every layer: their
#: default method is occlusion.
_OCCLUSION_BY_DEFAULT = frozenset({"model2"})

#: Layers that may follow a convolution inside its block (same spatial grid).
_BLOCK_TAIL = ("BatchNorm2d", "ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Identity")


#: Default of Grad-CAM's layer: the last block whose grid is at least this fine
#: (Model 1: 24x24, Model 2: 16x16, Model 3 and "small": 12x12).
GRADCAM_MIN_SIZE = 12


def _block_end(modules, module, name):
    """``name`` (a convolution) extended over the layers of its block's tail."""
    from torch import nn  # lazy: torch is the torch extra (occlusion maps need none)

    parent_name, _, child = name.rpartition(".")
    parent = modules[parent_name] if parent_name else module
    if isinstance(parent, nn.Sequential):
        children = dict(parent.named_children())
        names = list(children)
        for after in names[names.index(child) + 1 :]:
            if type(children[after]).__name__ not in _BLOCK_TAIL:
                break
            name = f"{parent_name}.{after}" if parent_name else after
    return name


def _grid_sizes(module, names):
    """Side of the (smaller) output grid of each named layer for a 48x48 face."""
    import torch  # lazy: torch is the torch extra (occlusion maps need none)

    modules = dict(module.named_modules())
    sizes = {}

    def record(name):
        def hook(_, __, output):
            sizes[name] = min(output.shape[-2:])

        return hook

    hooks = [modules[name].register_forward_hook(record(name)) for name in names]
    parameter = next(module.parameters())
    training = module.training
    try:
        module.eval()
        with torch.no_grad():
            module(torch.zeros(1, 1, SIZE, SIZE, device=parameter.device))
    finally:
        module.train(training)
        for hook in hooks:
            hook.remove()
    return [sizes.get(name, 0) for name in names]


def last_conv_block(module: Any, min_size: int | None = None) -> str:
    """Name of the layer ending the last convolutional block of a network.

    The last ``nn.Conv2d`` (in registration order), extended over the batch norm
    and activation that follow it in the same ``nn.Sequential``: Grad-CAM is
    taken on that layer's output. Works for every registered architecture and
    any network whose last convolution sits in an ``nn.Sequential``.

    Parameters
    ----------
    module : torch.nn.Module
    min_size : int or None, default=None
        Only blocks whose output grid, for a 48x48 face, is at least ``min_size``
        x ``min_size`` (one forward pass of a blank image measures them); the
        block with the finest grid when none is. ``None``: the last block,
        whatever its grid. Grad-CAM's maps are as coarse as the grid: Model 2's
        last block has a 3x3 grid, too coarse to tell eyes from mouth.

    Returns
    -------
    name : str
        A name of ``module.named_modules()``.

    Examples
    --------
    >>> from skfer.inspection import last_conv_block
    >>> from skfer.models import build_model
    >>> last_conv_block(build_model("model2"))  # conv, ReLU: a 3x3 grid
    'features.11'
    >>> last_conv_block(build_model("model2"), min_size=12)  # 16x16
    'features.6'
    """
    from torch import nn  # lazy: torch is the torch extra (occlusion maps need none)

    modules = dict(module.named_modules())
    convs = [name for name, m in modules.items() if isinstance(m, nn.Conv2d)]
    if not convs:
        raise ValueError(
            f"{type(module).__name__} has no nn.Conv2d layer; Grad-CAM needs a "
            "convolutional network (use method='occlusion')."
        )
    blocks = [_block_end(modules, module, name) for name in convs]
    if min_size is None:
        return blocks[-1]
    sizes = _grid_sizes(module, blocks)
    fine = [name for name, side in zip(blocks, sizes) if side >= min_size]
    return fine[-1] if fine else blocks[int(np.argmax(sizes))]


def _normalise(maps):
    """Each map scaled to [0, 1] by its maximum (all zeros stay zeros)."""
    maps = np.maximum(np.asarray(maps, dtype=np.float64), 0.0)
    top = maps.reshape(len(maps), -1).max(axis=1)
    top[top == 0] = 1.0
    return maps / top[:, None, None]


def _targets(estimator, proba, target):
    """Column index of the class explained for each image."""
    if target is None:
        return np.argmax(proba, axis=1)
    classes = list(np.asarray(estimator.classes_).tolist())
    labels = np.broadcast_to(np.asarray(target, dtype=object), (len(proba),))
    try:
        return np.array([classes.index(label) for label in labels])
    except ValueError:
        raise ValueError(
            f"target must be None or labels of classes_ {classes!r}; got {target!r}."
        ) from None


def _gradcam(estimator, X, target, layer):
    # lazy: torch and scikit-learn are the torch extra; occlusion needs neither
    import torch

    from ..classifier import Scaling
    from ..models import relu_before_pooling
    from ..utils import (
        SINGLE_THREAD_MAX_IMAGES,
        check_units,
        intra_op_threads,
        rows_to_images,
        validate_images,
    )

    if not hasattr(estimator, "net_"):
        raise ValueError(
            f"method='gradcam' needs a fitted FERClassifier (a torch network); got "
            f"{type(estimator).__name__}. Use method='occlusion', which works with "
            "any classifier."
        )
    X = validate_images(estimator, X, reset=False)
    # the units rule of predict_proba: X / 255 and X give the same map
    scale = check_units(X, estimator.input_range_, stacklevel=3)
    images = rows_to_images(X, estimator.input_range_, scale=scale)
    # A copy in the usual ReLU -> max pool order, so that the rectified block
    # output exists at full size (see relu_before_pooling); the fitted net is
    # left untouched.
    if layer is None and _is_vote(estimator):
        raise ValueError(
            f"method='gradcam' on a vote ({estimator.architecture_!r}) would show "
            "the last member's evidence alone; use method='occlusion', or name a "
            "member's layer (layer='members.0.<name>')."
        )
    module = relu_before_pooling(estimator.net_.module_).eval()
    device = next(module.parameters()).device
    name = last_conv_block(module, GRADCAM_MIN_SIZE) if layer is None else layer
    try:
        hooked = dict(module.named_modules())[name]
    except KeyError:
        raise ValueError(f"layer {name!r} is not a layer of the network.") from None
    store = {}

    def keep(_, __, output):
        store["activation"] = output
        return output.clone()  # later in-place layers must not overwrite it

    hooked.register_forward_hook(keep)
    # A few faces on one thread, as predict_proba (see skfer.classifier._inference).
    few = device.type == "cpu" and len(images) <= SINGLE_THREAD_MAX_IMAGES
    with torch.enable_grad(), intra_op_threads(1 if few else None):
        x = Scaling.of(estimator)(images).to(device)
        logits = module(x.contiguous())
        proba = torch.softmax(logits.detach().float(), dim=1).cpu().numpy()
        cols = _targets(estimator, proba, target)
        score = logits[torch.arange(len(cols)), torch.as_tensor(cols)].sum()
        act = store["activation"]
        (grad,) = torch.autograd.grad(score, act)
    weights = grad.mean(dim=(2, 3), keepdim=True)
    cam = torch.relu((weights * act.detach()).sum(dim=1, keepdim=True)).float()
    cam = torch.nn.functional.interpolate(
        cam, size=(SIZE, SIZE), mode="bilinear", align_corners=False
    )
    return cam[:, 0].cpu().numpy()


def _occlusion(estimator, X, target, patch, stride):
    X = np.asarray(X)
    n = len(X)
    flat = X.reshape(n, -1)
    side = math.isqrt(flat.shape[1])
    if side * side != flat.shape[1]:
        raise ValueError(
            f"method='occlusion' needs square images; got {flat.shape[1]} pixels "
            "per row."
        )
    if patch > side:
        raise ValueError(f"patch={patch} is larger than the images ({side} pixels).")
    images = flat.reshape(n, side, side).astype(np.float32)
    proba = estimator.predict_proba(flat)
    cols = _targets(estimator, proba, target)
    base = proba[np.arange(n), cols]
    starts = list(range(0, side - patch + 1, stride))
    if starts[-1] != side - patch:
        starts.append(side - patch)
    boxes = [(r, c) for r in starts for c in starts]
    heat = np.zeros((n, side, side))
    count = np.zeros((side, side))
    for r, c in boxes:
        count[r : r + patch, c : c + patch] += 1
    for i in range(n):
        batch = np.repeat(images[i][None], len(boxes), axis=0)
        fill = images[i].mean()
        for k, (r, c) in enumerate(boxes):
            batch[k, r : r + patch, c : c + patch] = fill
        occluded = estimator.predict_proba(
            batch.reshape(len(boxes), -1).astype(X.dtype)
        )
        drops = base[i] - occluded[:, cols[i]]
        for drop, (r, c) in zip(drops, boxes):
            heat[i, r : r + patch, c : c + patch] += drop
    heat /= count
    if side != SIZE:
        # lazy: Pillow, only to resize a map (import skfer.inspection stays light)
        from PIL import Image

        heat = np.stack(
            [
                np.asarray(
                    Image.fromarray(h.astype(np.float32), mode="F").resize(
                        (SIZE, SIZE), Image.Resampling.BILINEAR
                    )
                )
                for h in heat
            ]
        )
    return heat


def _default_method(estimator):
    """What ``method="auto"`` means for ``estimator`` (see the module docstring)."""
    if not hasattr(estimator, "net_"):
        return "occlusion"  # not a fitted torch network
    if getattr(estimator, "architecture_", None) in _OCCLUSION_BY_DEFAULT:
        return "occlusion"
    if _is_vote(estimator):
        return "occlusion"  # Grad-CAM would see one member's block
    return "gradcam"


def _is_vote(estimator):
    """Whether ``estimator``'s network is a :class:`~skfer.models.SoftVote`."""
    from ..models import SoftVote  # lazy: torch is the torch extra

    net = getattr(estimator, "net_", None)
    return isinstance(getattr(net, "module_", None), SoftVote)


def saliency_map(
    estimator: Any,
    X: ArrayLike,
    *,
    method: Literal["auto", "gradcam", "occlusion"] = "auto",
    target: Any = None,
    layer: str | None = None,
    patch: int = 8,
    stride: int = 4,
) -> np.ndarray:
    """Where on each face the evidence for a class lies, as maps in [0, 1].

    Parameters
    ----------
    estimator : FERClassifier or classifier with ``predict_proba`` and ``classes_``
        A fitted classifier of faces. Grad-CAM needs a
        :class:`~skfer.FERClassifier`; occlusion works with any classifier taking
        the same rows (e.g. :class:`~skfer.onnx.ONNXClassifier`).
    X : array-like of shape (n_samples, n_pixels) or (n_samples, h, w)
        Faces, as for the estimator's ``predict``.
    method : {"auto", "gradcam", "occlusion"}, default="auto"
        ``"gradcam"``: gradient-weighted activation of the last convolutional
        block with a grid of at least 12x12 (:func:`last_conv_block`: 24x24 for
        Model 1, 16x16 for Model 2, 12x12 for Model 3 and ``"small"``), one
        forward and one backward pass; the map is upsampled bilinearly.
        ``"occlusion"``:
        the drop of the target class's probability when a ``patch`` x ``patch``
        square of the face is set to the face's mean pixel, averaged over the
        squares covering each pixel (about ``(side / stride) ** 2`` predictions
        per face). ``"auto"``: Grad-CAM, except for Model 2 (whose Grad-CAM
        fails the sanity checks at every layer, see :func:`saliency_sanity`),
        for a vote (:func:`skfer.save_vote`: Grad-CAM sees one member's block)
        and for classifiers that are not a :class:`~skfer.FERClassifier`,
        which get occlusion.
    target : label, array-like of labels or None, default=None
        The class explained for each face; ``None`` means the predicted class.
    layer : str, default=None
        Grad-CAM: the layer whose output is used, a name of ``named_modules()``
        of the network in the usual ReLU-before-pooling order
        (:func:`skfer.models.relu_before_pooling`; convolution and batch norm
        names are the network's own); ``None`` means
        ``last_conv_block(network, min_size=12)`` (a vote needs a member's
        layer, ``"members.<i>.<name>"``).
    patch, stride : int, default=8, 4
        Occlusion: side of the grey square and its step, in pixels of the input.

    Returns
    -------
    maps : ndarray of shape (n_samples, 48, 48)
        One map per face, float64, each scaled so that its maximum is 1 (0 where
        nothing supports the class); at the network's input size of 48x48.

    Examples
    --------
    >>> from skfer import load_pretrained
    >>> from skfer.datasets import make_faces
    >>> from skfer.inspection import saliency_map
    >>> clf = load_pretrained("fer2013-model2")
    >>> X, _ = make_faces(n_samples=2, random_state=0, return_X_y=True)
    >>> maps = saliency_map(clf, X)  # Model 2: occlusion
    >>> maps.shape, float(maps.max()) <= 1.0
    ((2, 48, 48), True)
    >>> saliency_map(clf, X, method="gradcam").shape  # its 16x16 block
    (2, 48, 48)
    >>> saliency_map(clf, X[:1], method="occlusion", target="happy").shape
    (1, 48, 48)
    """
    if method == "auto":
        method = _default_method(estimator)
    if method == "gradcam":
        maps = _gradcam(estimator, X, target, layer)
    elif method == "occlusion":
        for value, name in ((patch, "patch"), (stride, "stride")):
            if not (isinstance(value, (int, np.integer)) and value >= 1):
                raise ValueError(f"{name} must be a positive integer; got {value!r}.")
        maps = _occlusion(estimator, X, target, int(patch), int(stride))
    else:
        raise ValueError(
            f"method must be 'auto', 'gradcam' or 'occlusion'; got {method!r}."
        )
    return _normalise(maps)
