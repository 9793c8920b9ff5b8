"""Learning-rate schedules of FERClassifier, computed from the epoch history.

Each schedule is a closed-form function of where training stands (epoch and batch
within the run) or, for ``"plateau"``, of the validation scores recorded in the
skorch history. Nothing is kept between epochs but the history itself, so a fit
resumed from a checkpoint (history restored) follows exactly the learning rates of
an uninterrupted one, and ``warm_start`` fits never meet a torch scheduler whose
state belongs to another optimizer.
"""

import math
import warnings

from skorch.callbacks import Callback

__all__ = ["SCHEDULES", "LRSchedule", "lr_factor", "plateau_reductions"]

SCHEDULES = ("cosine", "warmup_cosine", "onecycle", "plateau")

#: Linear warm-up share of the steps for ``"warmup_cosine"``.
WARMUP_FRACTION = 0.05
#: ``"onecycle"``: PyTorch's ``OneCycleLR`` defaults (rise over 30 % of the steps
#: from lr / 25 to lr, cosine fall to lr / 25 / 1e4).
ONECYCLE_PCT_START = 0.3
ONECYCLE_DIV = 25.0
ONECYCLE_FINAL_DIV = 1e4
#: ``"plateau"``: multiply the rate by 0.75 after 5 epochs without a better
#: validation accuracy (the FER2013 recipes of Khaireddin & Chen, 2021).
PLATEAU_FACTOR = 0.75
PLATEAU_PATIENCE = 5


def _cosine(t):
    """1 at t=0, 0 at t=1."""
    return 0.5 * (1.0 + math.cos(math.pi * min(max(t, 0.0), 1.0)))


def plateau_reductions(scores, *, higher_is_better=True):
    """Number of plateau reductions after the epochs whose ``scores`` are given.

    Replays ``torch.optim.lr_scheduler.ReduceLROnPlateau`` (threshold 0, no
    cooldown) with :data:`PLATEAU_PATIENCE` over a list of per-epoch scores.
    """
    best, bad, reductions = None, 0, 0
    for score in scores:
        better = best is None or (score > best if higher_is_better else score < best)
        if better:
            best, bad = score, 0
        else:
            bad += 1
            if bad > PLATEAU_PATIENCE:
                reductions, bad = reductions + 1, 0
    return reductions


def lr_factor(kind, epoch, batch, steps_per_epoch, epochs):
    """Multiplier of the base learning rate for a step-based schedule.

    Parameters
    ----------
    kind : {"cosine", "warmup_cosine", "onecycle"}
        ``"cosine"`` is set once per epoch (``CosineAnnealingLR`` with ``T_max`` =
        ``epochs``); the others change every batch.
    epoch, batch : int
        0-based epoch of the schedule and batch within the epoch.
    steps_per_epoch, epochs : int
        Batches per epoch and epochs of the whole schedule.

    Examples
    --------
    >>> from skfer.classifier._schedules import lr_factor
    >>> [round(lr_factor("cosine", e, 0, 10, 4), 3) for e in range(4)]
    [1.0, 0.854, 0.5, 0.146]
    >>> lr_factor("warmup_cosine", 0, 0, 10, 10)  # 1 of 5 warm-up steps
    0.2
    """
    if kind == "cosine":
        return _cosine(epoch / max(epochs, 1))
    total = max(steps_per_epoch * epochs, 1)
    step = epoch * steps_per_epoch + batch
    if kind == "warmup_cosine":
        warm = max(int(round(WARMUP_FRACTION * total)), 1)
        if step < warm:
            return (step + 1) / warm
        return _cosine((step - warm) / max(total - warm, 1))
    if kind == "onecycle":
        start = 1.0 / ONECYCLE_DIV
        end = start / ONECYCLE_FINAL_DIV
        rise = max(ONECYCLE_PCT_START * total - 1, 1.0)
        if step <= rise:
            return start + (1.0 - start) * (1.0 - _cosine(step / rise))
        fall = max(total - 1 - rise, 1.0)
        return end + (1.0 - end) * _cosine((step - rise) / fall)
    raise ValueError(f"Unknown learning-rate schedule {kind!r}.")


class LRSchedule(Callback):
    """skorch callback setting the learning rate before every training batch.

    Parameters
    ----------
    kind : str
        One of :data:`SCHEDULES`.
    base_lr : float
        The rate the schedule scales.
    epochs : int
        Length of the schedule in epochs.
    steps_per_epoch : int
        Training batches per epoch.
    origin : int or None, default=None
        Length of the history when the schedule started; ``None`` means at the
        start of this training (a resumed fit passes 0 to carry on).
    """

    def __init__(self, kind, base_lr, epochs, steps_per_epoch, origin=None):
        self.kind = kind
        self.base_lr = base_lr
        self.epochs = epochs
        self.steps_per_epoch = steps_per_epoch
        self.origin = origin

    def initialize(self):
        self.origin_ = self.origin
        self.epochs_ = self.epochs
        return self

    def training_state(self):
        """Where the schedule started and how long it is (for checkpoints)."""
        return {"origin": self.origin_, "epochs": int(self.epochs_)}

    def continue_from(self, state):
        """Follow the schedule of an earlier training (see :meth:`training_state`)."""
        self.origin_ = int(state["origin"])
        self.epochs_ = int(state["epochs"])

    def on_train_begin(self, net, **kwargs):
        if self.origin_ is None:
            self.origin_ = len(net.history)

    def on_epoch_begin(self, net, **kwargs):
        # the history already holds this epoch's row
        epoch = len(net.history) - 1 - self.origin_
        if self.kind == "plateau" or epoch < self.epochs_:
            return
        final = self.base_lr * lr_factor(
            self.kind, self.epochs_, 0, self.steps_per_epoch, self.epochs_
        )
        warnings.warn(
            f"The {self.kind!r} learning-rate schedule spans {self.epochs_} epochs "
            f"(max_epochs) and has ended: epoch {epoch + 1} of it trains at learning "
            f"rate {final:.3g}, which changes (almost) nothing. Raise max_epochs "
            "before the first partial_fit to lengthen the schedule, or use "
            "lr_schedule=None for open-ended partial_fit.",
            UserWarning,
            stacklevel=2,
        )

    def _factor(self, net):
        epoch = len(net.history) - 1 - self.origin_
        if self.kind == "plateau":
            rows = net.history[self.origin_ : len(net.history) - 1]
            key = "valid_acc" if rows and "valid_acc" in rows[0] else "train_loss"
            scores = [row[key] for row in rows if key in row]
            n = plateau_reductions(scores, higher_is_better=key == "valid_acc")
            return PLATEAU_FACTOR**n
        batch = len(net.history[-1]["batches"]) - 1
        return lr_factor(self.kind, epoch, batch, self.steps_per_epoch, self.epochs_)

    def on_batch_begin(self, net, training=False, **kwargs):
        if not training:
            return
        lr = self.base_lr * self._factor(net)
        for group in net.optimizer_.param_groups:
            group["lr"] = lr
