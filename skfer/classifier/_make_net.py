"""The skorch net of a FERClassifier: optimizer, callbacks, iterators.

:func:`make_net` reads the estimator's parameters (public constructor
arguments only) and returns an uninitialized :class:`~._net.FERNet`; the
classifier's initialize step calls ``initialize()`` on it.
"""

import re
import sys

import torch
from skorch.callbacks import EarlyStopping, GradientNormClipping, ProgressBar
from skorch.dataset import Dataset
from skorch.helper import predefined_split
from torch import nn

from ..augmentation import make_augmentation
from ..utils import fused_optimizer_kwargs
from ._batching import BatchIterator
from ._distributed import DistributedFERNet, process_group
from ._ema import WeightAverage
from ._net import DivergenceGuard, EpochAccuracy, FERNet, check_callbacks
from ._schedules import LRSchedule

__all__ = [
    "OPTIMIZERS",
    "make_net",
    "optimizer_spec",
    "print_plain_unless_tty",
    "silent",
]

#: The optimizers ``FERClassifier(optimizer=...)`` names.
OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
}

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def optimizer_spec(optimizer, weight_decay):
    """``(optimizer class, keyword arguments)`` for ``optimizer`` (name or class)."""
    if isinstance(optimizer, str):
        cls = OPTIMIZERS[optimizer]
        kwargs = {"weight_decay": weight_decay}
        if optimizer == "sgd":
            kwargs.update(momentum=0.9, nesterov=True)
        return cls, kwargs
    if not issubclass(optimizer, torch.optim.Optimizer):
        raise ValueError(
            f"optimizer must be one of {sorted(OPTIMIZERS)} or a subclass of "
            f"torch.optim.Optimizer; got the class {optimizer.__name__!r}."
        )
    return optimizer, {"weight_decay": weight_decay}


def make_net(
    estimator,
    module,
    device,
    autocast_dtype,
    scaling,
    images_va=None,
    y_va=None,
    *,
    n_train=0,
    schedule_origin=None,
    sample_weight=None,
    teacher_proba=None,
    label_distribution=None,
):
    """The skorch net training ``module`` as ``estimator``'s parameters say.

    ``images_va``/``y_va``: the validation set (None: no validation);
    ``n_train`` and ``schedule_origin``: the learning-rate schedule's length
    and first epoch (see :class:`~._schedules.LRSchedule`); the per-sample
    arrays ride along with the training batches (see
    :class:`~._batching.BatchIterator`).
    """
    opt_cls, opt_kwargs = optimizer_spec(estimator.optimizer, estimator.weight_decay)
    if isinstance(estimator.optimizer, str):
        # One vectorized kernel per step instead of a dozen elementwise passes
        # over every parameter (Model 1: 20 M of them).
        opt_kwargs.update(fused_optimizer_kwargs(opt_cls, device))
    callbacks = _callbacks(estimator, n_train, schedule_origin, images_va is not None)
    verbose = estimator.verbose
    # In a torch.distributed group, the fit is shared by its processes.
    net_class = FERNet if process_group() is None else DistributedFERNet
    return net_class(
        module=module,
        criterion=nn.CrossEntropyLoss,
        criterion__label_smoothing=float(estimator.label_smoothing),
        optimizer=opt_cls,
        lr=estimator.lr,
        max_epochs=estimator.max_epochs,
        batch_size=estimator.batch_size,
        iterator_train=BatchIterator,
        iterator_train__shuffle=True,
        iterator_train__scaling=scaling,
        iterator_train__transform=_augmentation(estimator.augment),
        iterator_train__sample_weight=_on_device(sample_weight, device),
        iterator_train__teacher_proba=_on_device(teacher_proba, device),
        iterator_train__label_distribution=_on_device(label_distribution, device),
        iterator_valid=BatchIterator,
        iterator_valid__scaling=scaling,
        train_split=_validation_split(images_va, y_va),
        callbacks=callbacks,
        warm_start=True,
        device=str(device),
        verbose=int(bool(verbose)),
        # skorch's PrintLog checks ``verbose`` only for the built-in print
        **({"callbacks__print_log__sink": print_plain_unless_tty} if verbose else {}),
        autocast_dtype=autocast_dtype,
        mixup_alpha=float(estimator.mixup_alpha),
        cutmix_alpha=float(estimator.cutmix_alpha),
        distillation_weight=float(estimator.distillation_weight),
        label_distribution_mode=estimator.label_distribution_mode,
        **{f"optimizer__{k}": v for k, v in opt_kwargs.items()},
    )


def _callbacks(estimator, n_train, schedule_origin, validation):
    """skfer's callbacks for ``estimator``'s parameters, then the user's."""
    hint = f" Try a lower lr (now {estimator.lr:g}) or set grad_clip (e.g. 1.0)"
    if estimator.augment is not None:
        hint += ", and check that augment gives finite images"
    callbacks = [
        ("accuracy", EpochAccuracy()),
        ("divergence", DivergenceGuard(len(estimator.classes_), hint + ".")),
    ]
    if estimator.lr_schedule is not None:
        steps = max(-(-int(n_train) // int(estimator.batch_size)), 1)
        schedule = LRSchedule(
            estimator.lr_schedule,
            estimator.lr,
            estimator.max_epochs,
            steps,
            schedule_origin,
        )
        callbacks.append(("lr_schedule", schedule))
    if estimator.grad_clip is not None:
        clipping = GradientNormClipping(float(estimator.grad_clip))
        callbacks.append(("grad_clip", clipping))
    if estimator.ema_decay is not None:
        average = WeightAverage(float(estimator.ema_decay))
        callbacks.append(("weight_average", average))
    if estimator.early_stopping and validation:  # not in partial_fit
        stopping = EarlyStopping(
            monitor="valid_loss",
            patience=estimator.n_iter_no_change,
            load_best=True,
            sink=print if estimator.verbose else silent,
        )
        callbacks.append(("early_stopping", stopping))
    if estimator.verbose and estimator.verbose >= 2:
        callbacks.append(("progress", ProgressBar()))
    callbacks.extend(check_callbacks(estimator.callbacks))
    return callbacks


def _validation_split(images_va, y_va):
    """skorch's ``train_split`` holding the validation set, or None."""
    if images_va is None:
        return None
    y_va = torch.as_tensor(y_va, dtype=torch.long, device=images_va.device)
    return predefined_split(Dataset(images_va, y_va))


def _augmentation(augment):
    return None if augment is None else make_augmentation(augment)


def _on_device(array, device):
    return None if array is None else torch.from_numpy(array).to(device)


def print_plain_unless_tty(text, **kwargs):
    """skorch's epoch table, without colour codes when stdout is not a terminal.

    skorch colours improved scores with ANSI codes, which end up as noise in log
    files and notebooks' saved outputs.
    """
    isatty = getattr(sys.stdout, "isatty", None)
    if not (isatty is not None and isatty()):
        text = _ANSI.sub("", str(text))
    print(text, **kwargs)


def silent(*args, **kwargs):
    """A message sink that drops everything (picklable, unlike a lambda)."""
