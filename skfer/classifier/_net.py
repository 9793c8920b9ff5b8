"""The skorch net FERClassifier trains: autocast training steps and accuracy logs."""

import itertools
import math
import threading
import warnings

import torch
import torch.nn.functional as F
from skorch import NeuralNet
from skorch.callbacks import Callback
from skorch.dataset import unpack_data

from ..utils import autocast, reuse_large_allocations
from ._inference import inference_module

__all__ = [
    "DivergenceGuard",
    "EpochAccuracy",
    "FERNet",
    "TrainingDivergedError",
    "check_callbacks",
    "mix_batch",
    "soft_targets",
]

# A process-wide counter: each value names one state of some net's weights, so the
# inference cache keyed on it can never mistake the weights of one net for those of
# another, even if Python reuses an object id.
_WEIGHTS_TOKENS = itertools.count(1)
# Building an inference copy traces the network with torch.fx, which patches
# ``nn.Module.__call__`` for the whole process while it runs: copies are built one
# at a time, and threads asking for the same copy wait for it instead of tracing
# it again.
_BUILD_LOCK = threading.Lock()


class FERNet(NeuralNet):
    """skorch ``NeuralNet`` whose forward passes run under autocast when asked.

    Weights and optimizer state stay float32; only the forward computation uses
    ``autocast_dtype`` (e.g. bfloat16). Logits are returned as float32 so the loss
    is computed in full precision. Training steps mix batches (``mixup_alpha``,
    ``cutmix_alpha``, see :func:`mix_batch`), weight the loss by ``sample_weight``
    train towards each image's label distribution (``label_distribution_mode``) and
    blend a teacher's probabilities into the targets (``distillation_weight``)
    when the batches carry them (see :class:`~._batching.BatchIterator`).

    **The inference cache.** :meth:`inference_copy` gives the frozen copy of a
    module that prediction runs (:func:`~._inference.inference_module`: eval mode,
    batch norms folded, cast, channels-last) and keeps it on the net, in
    ``_inference_cache = (key, copy, tensors, versions)``. The key is the module's
    ``id``, the net's ``_weights_token``, the dtype and the device; ``versions``
    are the version counters of the module's tensors (``tensors``, listed when the
    copy was made), compared on every call. ``_weights_token`` is drawn anew
    (from a process-wide counter) by ``initialize_module``, ``load_params``, every
    training step and unpickling; the version counters catch ``load_state_dict``
    and in-place edits. Any change of weights therefore rebuilds the copy. Both
    attributes belong to this class alone: nothing else reads or writes them, and
    neither is pickled.
    """

    def __init__(
        self,
        *args,
        autocast_dtype=None,
        mixup_alpha=0.0,
        cutmix_alpha=0.0,
        distillation_weight=0.0,
        label_distribution_mode="crossentropy",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.autocast_dtype = autocast_dtype
        self.mixup_alpha = mixup_alpha
        self.cutmix_alpha = cutmix_alpha
        self.distillation_weight = distillation_weight
        self.label_distribution_mode = label_distribution_mode

    def _autocast(self):
        return autocast(self.device, self.autocast_dtype)

    def weights_changed(self):
        """Say that the module's weights were changed in place (by a callback,
        ``load_state_dict``...): the next inference copy is rebuilt."""
        self._weights_token = next(_WEIGHTS_TOKENS)

    def fit_loop(self, *args, **kwargs):
        # Keep freed activation/gradient blocks for the next step instead of
        # page-faulting them in again (see reuse_large_allocations).
        with reuse_large_allocations():
            try:
                return super().fit_loop(*args, **kwargs)
            except KeyboardInterrupt:
                # skorch's partial_fit swallows the interrupt and returns; the
                # history must then hold complete epochs only (see below).
                self._drop_unfinished_epoch()
                raise

    def _drop_unfinished_epoch(self):
        """Remove the history row of an epoch stopped before its training loss.

        Ctrl-C during an epoch leaves skorch's history with a row for it that has
        no ``train_loss``; a warm start or ``partial_fit`` would count it as an
        epoch (numbering, schedules). The row goes, with a warning saying what
        the weights hold. An epoch stopped after its loss was recorded (in an
        ``on_epoch_end`` callback) keeps its row: it was trained in full.
        """
        if not len(self.history) or "train_loss" in self.history[-1]:
            return
        row = self.history.pop()
        steps = sum(1 for b in row.get("batches", ()) if "train_loss" in b)
        done = len(self.history)
        warnings.warn(
            f"Training interrupted during epoch {done + 1} after {steps} training "
            f"batches; the history keeps the complete epochs ({done}), and the "
            "weights include the interrupted epoch's batches. A checkpointed fit "
            "resumes from its last complete epoch.",
            UserWarning,
            stacklevel=2,
        )

    def initialize_module(self):
        self.weights_changed()
        return super().initialize_module()

    def load_params(self, *args, **kwargs):
        self.weights_changed()
        return super().load_params(*args, **kwargs)

    def inference_copy(self, module, dtype, device):
        """The inference copy of ``module`` (a trained network on ``device``), cached.

        See the class docstring for when the cached copy is rebuilt.
        """
        key = (id(module), self._weights_token, dtype, str(device))
        fast = self._cached_copy(key)
        if fast is not None:
            return fast
        with _BUILD_LOCK:
            fast = self._cached_copy(key)  # built by another thread meanwhile
            if fast is not None:
                return fast
            # The module's tensors are listed once per copy: walking the module
            # tree (``state_dict``) on every call costs more than a single image's
            # forward.
            tensors = tuple(module.state_dict(keep_vars=True).values())
            fast = inference_module(module, dtype, device)
            versions = tuple(t._version for t in tensors)
            self._inference_cache = (key, fast, tensors, versions)
        return fast

    def _cached_copy(self, key):
        """The cached copy for ``key`` if its weights are unchanged, else None."""
        cached = getattr(self, "_inference_cache", None)
        if (
            cached is not None
            and cached[0] == key
            and tuple(t._version for t in cached[2]) == cached[3]
        ):
            return cached[1]
        return None

    def __getstate__(self):
        state = super().__getstate__()
        # The inference copy is derived data: never pickled, rebuilt on demand. The
        # token is only unique within one process: a loaded net draws a new one.
        state.pop("_inference_cache", None)
        state.pop("_weights_token", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        self.weights_changed()

    def run_single_epoch(self, iterator, training, *args, **kwargs):
        if not training:
            # Evaluate (and keep after the epoch) the averaged weights, if any.
            average = dict(getattr(self, "callbacks_", [])).get("weight_average")
            if average is not None:
                average.use_average(self)
        return super().run_single_epoch(iterator, training, *args, **kwargs)

    def _train_loss(self, y_pred, y_true, weight=None, teacher=None, distribution=None):
        """The batch's training loss: cross-entropy with the label-smoothed labels
        (or label ``distribution``), blended with ``teacher`` probabilities if
        given, weighted if given.

        With a ``distribution``, ``label_distribution_mode="crossentropy"`` trains
        towards it; ``"probability"`` draws one label per image from it (FER+'s
        two modes).
        """
        smoothing = float(getattr(self.criterion_, "label_smoothing", 0.0))
        if weight is None and teacher is None and distribution is None:
            return self.get_loss(y_pred, y_true, X=None, training=True)
        y_true = y_true.to(y_pred.device)
        if distribution is not None and self.label_distribution_mode == "probability":
            # torch's generator, seeded by the estimator and saved by checkpoints
            y_true = torch.multinomial(distribution.float().cpu(), 1)[:, 0]
            y_true = y_true.to(y_pred.device)
            distribution = None
        if teacher is None and distribution is None:
            per_sample = F.cross_entropy(
                y_pred, y_true, reduction="none", label_smoothing=smoothing
            )
        else:
            target = soft_targets(
                y_true,
                None if teacher is None else teacher.to(y_pred),
                smoothing,
                self.distillation_weight,
                None if distribution is None else distribution.to(y_pred),
            )
            per_sample = F.cross_entropy(y_pred, target, reduction="none")
        if weight is None:
            return per_sample.mean()
        return (per_sample * weight.to(y_pred)).mean()

    def train_step_single(self, batch, **fit_params):
        self.weights_changed()
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        # (labels, sample weights or None, teacher probabilities or None) when the
        # batches carry more than labels; mixing permutes all three alike.
        target = yi if isinstance(yi, (tuple, list)) else (yi, None, None)
        mixed = mix_batch(Xi, target, self.mixup_alpha, self.cutmix_alpha)
        with self._autocast():
            y_pred = self.infer(Xi if mixed is None else mixed[0], **fit_params)
        y_pred = y_pred.float()
        if mixed is None:
            loss = self._train_loss(y_pred, *target)
        else:
            _, (t_a, t_b, lam) = mixed
            loss = lam * self._train_loss(y_pred, *t_a)
            loss = loss + (1.0 - lam) * self._train_loss(y_pred, *t_b)
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}

    def validation_step(self, batch, **fit_params):
        self._set_training(False)
        Xi, yi = unpack_data(batch)
        with torch.no_grad(), self._autocast():
            y_pred = self.infer(Xi, **fit_params)
        y_pred = y_pred.float()
        with torch.no_grad():
            loss = self.get_loss(y_pred, yi, X=Xi, training=False)
        return {"loss": loss, "y_pred": y_pred}

    def evaluation_step(self, batch, training=False):
        self.check_is_fitted()
        Xi, _ = unpack_data(batch)
        with torch.set_grad_enabled(training), self._autocast():
            self._set_training(training)
            return self.infer(Xi).float()


class TrainingDivergedError(RuntimeError):
    """The training loss became non-finite or exploded: the weights are unusable."""


#: A batch's training loss above this multiple of an untrained network's loss
#: (``log(n_classes)``, the cross-entropy of uniform probabilities) counts as a
#: diverged training: a working network's loss stays near or below it.
DIVERGENCE_FACTOR = 100.0


class DivergenceGuard(Callback):
    """Stop the training when a batch's loss is NaN, infinite or exploding.

    A diverged training (too high a learning rate, an augmentation producing
    NaN) otherwise runs to its end and leaves weights that predict one class or
    NaN. The guard checks every training batch's loss: non-finite, or above
    :data:`DIVERGENCE_FACTOR` times ``log(n_classes)``, it puts back the weights
    the module had when this training started and raises
    :class:`TrainingDivergedError`, before any later callback of the epoch
    (checkpoints included) sees the epoch: nothing is saved.

    Parameters
    ----------
    n_classes : int
        Columns of the network's output.
    hint : str, default=""
        What to try instead, appended to the message.
    """

    def __init__(self, n_classes, hint=""):
        self.n_classes = n_classes
        self.hint = hint

    def on_train_begin(self, net, **kwargs):
        self.start_ = {
            k: v.detach().clone() for k, v in net.module_.state_dict().items()
        }

    def on_batch_end(self, net, batch=None, training=False, loss=None, **kwargs):
        if not training or loss is None:
            return
        value = float(loss.detach())
        limit = DIVERGENCE_FACTOR * math.log(max(int(self.n_classes), 2))
        if math.isfinite(value) and value <= limit:
            return
        epoch = len(net.history)
        step = len(net.history[-1]["batches"]) if epoch else 0
        start = getattr(self, "start_", None)
        if start is not None:
            with torch.no_grad():
                net.module_.load_state_dict(start)
            net.weights_changed()
        self.start_ = None
        what = "not finite" if not math.isfinite(value) else f"above {limit:.3g}"
        raise TrainingDivergedError(
            f"Training diverged at epoch {epoch}, batch {step}: the training loss "
            f"is {value:.3g} ({what}; an untrained network's is "
            f"{math.log(max(int(self.n_classes), 2)):.3g}). The fit is stopped and "
            "its weights are discarded (a warm start keeps the weights it started "
            f"from; no checkpoint of this epoch is written).{self.hint}"
        )

    def on_train_end(self, net, **kwargs):
        self.start_ = None

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("start_", None)  # a training-time copy of the weights
        return state


def check_callbacks(callbacks):
    """``callbacks`` as given if it is a list of skorch callbacks, else raise.

    Each item is a :class:`skorch.callbacks.Callback` (instance or class) or a
    ``(name, callback)`` pair with a string name.
    """
    if callbacks is None:
        return []
    if not isinstance(callbacks, (list, tuple)):
        raise TypeError(
            "callbacks must be a list of skorch callbacks or (name, callback) "
            f"pairs; got {callbacks!r} ({type(callbacks).__name__})."
        )

    def is_callback(cb):
        return isinstance(cb, Callback) or (
            isinstance(cb, type) and issubclass(cb, Callback)
        )

    for i, item in enumerate(callbacks):
        if isinstance(item, tuple) and len(item) == 2:
            name, cb = item
            if isinstance(name, str) and is_callback(cb):
                continue
        elif is_callback(item):
            continue
        raise TypeError(
            f"callbacks[{i}] is {item!r}; expected a skorch callback (an instance "
            "of skorch.callbacks.Callback) or a (name, callback) pair with a "
            "string name."
        )
    return list(callbacks)


def mix_batch(X, y, mixup_alpha, cutmix_alpha):
    """Mixup or CutMix of a training batch, or None when both are off.

    Each image is blended with (mixup) or has a box pasted from (CutMix) the image at
    the same place of a random permutation of the batch; ``lam``, drawn from
    ``Beta(alpha, alpha)``, is the share of the loss given to the image's own label
    (for CutMix, the share of its area left uncovered). When both are on, each batch
    uses one of them with equal probability. All draws come from torch's global
    generator, which the estimator seeds (and checkpoints save).

    Returns
    -------
    None or (X_mixed, (y, y_permuted, lam))
        ``y`` may be a tensor or a tuple of tensors (or ``None``), permuted alike.
    """
    mixup_alpha, cutmix_alpha = float(mixup_alpha or 0), float(cutmix_alpha or 0)
    if mixup_alpha <= 0 and cutmix_alpha <= 0 or len(X) < 2:
        return None
    use_cutmix = cutmix_alpha > 0
    if mixup_alpha > 0 and cutmix_alpha > 0:
        use_cutmix = bool(torch.rand(()) < 0.5)
    alpha = cutmix_alpha if use_cutmix else mixup_alpha
    lam = float(torch.distributions.Beta(alpha, alpha).sample())
    perm = torch.randperm(len(X))
    if isinstance(y, (tuple, list)):
        y_perm = tuple(None if t is None else t[perm.to(t.device)] for t in y)
    else:
        y_perm = y[perm.to(y.device)]
    if not use_cutmix:
        mixed = X.mul(lam).add_(X[perm], alpha=1.0 - lam)
        return mixed, (y, y_perm, lam)
    h, w = X.shape[-2:]
    cut = (1.0 - lam) ** 0.5
    ch, cw = int(round(h * cut)), int(round(w * cut))
    cy, cx = int(torch.randint(h, ())), int(torch.randint(w, ()))
    y0, y1 = max(cy - ch // 2, 0), min(cy + (ch - ch // 2), h)
    x0, x1 = max(cx - cw // 2, 0), min(cx + (cw - cw // 2), w)
    mixed = X.clone()
    mixed[..., y0:y1, x0:x1] = X[perm][..., y0:y1, x0:x1]
    lam = 1.0 - (y1 - y0) * (x1 - x0) / float(h * w)
    return mixed, (y, y_perm, lam)


def soft_targets(y, teacher, label_smoothing, distillation_weight, distribution=None):
    """Training targets blending the labels with a teacher's probabilities.

    ``(1 - w) * smoothed(labels) + w * teacher`` with ``w`` the
    ``distillation_weight``: knowledge distillation from probabilities computed
    once (e.g. an ensemble's), label smoothing applying to the labels' share only.
    ``labels`` are the one-hot labels ``y``, or each image's label
    ``distribution`` when given; without a ``teacher``, the smoothed labels.

    Parameters
    ----------
    y : tensor of int of shape (n,)
        Class indices.
    teacher : tensor of shape (n, n_classes) or None
        The teacher's probabilities (rows summing to 1).
    label_smoothing : float
        As in :func:`torch.nn.functional.cross_entropy`.
    distillation_weight : float
        Share of the teacher, in [0, 1].
    distribution : tensor of shape (n, n_classes), default=None
        Label distributions (rows summing to 1) used instead of ``y``.

    Returns
    -------
    targets : tensor of shape (n, n_classes)
        Rows summing to 1, for a cross-entropy with probability targets.

    Examples
    --------
    >>> import torch
    >>> from skfer.classifier._net import soft_targets
    >>> soft_targets(torch.tensor([0]), torch.tensor([[0.5, 0.5]]), 0.0, 0.5)
    tensor([[0.7500, 0.2500]])
    >>> soft_targets(torch.tensor([0]), None, 0.0, 0.5, torch.tensor([[0.6, 0.4]]))
    tensor([[0.6000, 0.4000]])
    """
    if distribution is None:
        n_classes = teacher.shape[1]
        labels = F.one_hot(y.long(), n_classes).to(teacher.dtype)
    else:
        n_classes = distribution.shape[1]
        labels = distribution
    labels = labels * (1.0 - label_smoothing) + label_smoothing / n_classes
    if teacher is None:
        return labels
    return labels * (1.0 - distillation_weight) + teacher * distillation_weight


class EpochAccuracy(Callback):
    """Record ``train_acc``, ``valid_acc`` and ``lr`` of every epoch.

    No extra forward pass: each batch's argmax is compared with its labels in
    ``on_batch_end`` and the counts are summed at the end of the epoch.
    """

    def on_batch_end(self, net, batch, training, y_pred=None, **kwargs):
        if y_pred is None:
            return
        _, yi = unpack_data(batch)
        if isinstance(yi, (tuple, list)):  # (labels, weights, teacher, distribution)
            yi = yi[0]
        correct = (y_pred.argmax(1).cpu() == yi.cpu()).sum().item()
        net.history.record_batch(
            "train_correct" if training else "valid_correct", correct
        )

    def on_epoch_end(self, net, **kwargs):
        groups = getattr(net, "optimizer_", None)
        if groups is not None and groups.param_groups:
            net.history.record("lr", float(groups.param_groups[0]["lr"]))
        batches = net.history[-1, "batches"]
        for prefix in ("train", "valid"):
            key = f"{prefix}_correct"
            rows = [b for b in batches if key in b]
            if rows:
                total = sum(b[f"{prefix}_batch_size"] for b in rows)
                net.history.record(f"{prefix}_acc", sum(b[key] for b in rows) / total)
