"""Data-parallel training: one fit shared by the processes of a torch.distributed group.

When a process group of two or more processes is initialized (``torchrun``
launches the processes and ``torch.distributed.init_process_group()`` joins
them), :class:`FERClassifier`'s fit is a collective: every process calls it with
the same data and parameters, and together they train one network as a single
process would with the same (global) ``batch_size``:

- the seed drawn from ``random_state`` is the first process's (:func:`shared_seed`),
  so every process splits the same validation set and builds the same network;
- every batch is drawn by the first process (order, augmentation seed) exactly as a
  single process draws it, prepared whole, and each process trains on its own
  contiguous rows of it (:class:`Shard`, used by ``BatchIterator``);
- the module runs inside :class:`~torch.nn.parallel.DistributedDataParallel`,
  which averages the gradients; a process whose share of a batch is not
  ``1 / world_size`` (the last, uneven batch) scales its gradient by its share,
  so the step is that of the batch's mean loss;
- batch norms compute their statistics over the whole batch, across processes
  (:class:`SyncedBatchNorm`, built on ``all_reduce``, so it runs on gloo (CPU)
  as on NCCL (GPUs));
- each batch's training loss is the mean over the whole batch, and at the end of
  an epoch the per-batch counts (rows, correct predictions, validation loss) are
  summed over the processes: the history, which early stopping and schedules
  read, is the same in every process and is that of one process;
- processes other than the first reseed their random generator (dropout and
  mixup then differ per process), print nothing and write no checkpoint.
"""

import numpy as np
import torch
import torch.distributed as dist
from skorch.callbacks import PrintLog, ProgressBar
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from ._net import FERNet

__all__ = [
    "DistributedFERNet",
    "Shard",
    "SyncedBatchNorm",
    "is_main_process",
    "process_group",
    "shared_seed",
]


def process_group():
    """``(rank, world_size)`` of the default process group, or None.

    None unless torch.distributed is initialized with two processes or more:
    training is then data-parallel.
    """
    if not (dist.is_available() and dist.is_initialized()):
        return None
    world_size = dist.get_world_size()
    return None if world_size < 2 else (dist.get_rank(), world_size)


def is_main_process():
    """Whether this process writes files: the first of its group, or the only one."""
    group = process_group()
    return group is None or group[0] == 0


def shared_seed(seed, device):
    """The first process's ``seed`` in every process of the group (``seed`` alone)."""
    if process_group() is None:
        return seed
    value = torch.tensor([seed], dtype=torch.int64, device=device)
    dist.broadcast(value, src=0)
    return int(value.item())


class Shard:
    """This process's part of every batch in data-parallel training.

    Parameters
    ----------
    rank, world_size : int
        This process and the number of processes.
    device : torch.device
        Where the tensors of collectives live (the training device: NCCL needs
        GPU tensors, gloo takes both).
    """

    def __init__(self, rank, world_size, device):
        self.rank = rank
        self.world_size = world_size
        self.device = device

    def bounds(self, size):
        """Rows ``[lo, hi)`` of a batch of ``size`` rows that this process trains on.

        Contiguous parts, in process order, whose sizes differ by one at most.

        Examples
        --------
        >>> from skfer.classifier._distributed import Shard
        >>> [Shard(r, 2, "cpu").bounds(5) for r in range(2)]
        [(0, 3), (3, 5)]
        """
        base, extra = divmod(int(size), self.world_size)
        lo = self.rank * base + min(self.rank, extra)
        return lo, lo + base + int(self.rank < extra)

    def from_main(self, seed, order):
        """The first process's ``seed`` (int or None) and ``order`` (tensor or None)."""
        head = torch.tensor([-1 if seed is None else seed], dtype=torch.int64)
        tail = torch.empty(0, dtype=torch.int64) if order is None else order
        values = torch.cat([head, tail.to(torch.int64)]).to(self.device)
        dist.broadcast(values, src=0)
        values = values.cpu()
        return (
            None if seed is None else int(values[0]),
            None if order is None else values[1:],
        )

    def sum(self, values):
        """``values`` (a tensor) summed over the processes, in place."""
        values = values.to(self.device)
        dist.all_reduce(values)
        return values


class _AllReduceSum(torch.autograd.Function):
    """A sum over the processes that gradients flow through (the same sum back)."""

    @staticmethod
    def forward(ctx, tensor):
        tensor = tensor.clone(memory_format=torch.contiguous_format)
        dist.all_reduce(tensor)
        return tensor

    @staticmethod
    def backward(ctx, grad):
        grad = grad.clone(memory_format=torch.contiguous_format)
        dist.all_reduce(grad)
        return grad


class SyncedBatchNorm(nn.Module):
    """Batch norm whose training statistics span the batch of every process.

    A mixin of ``nn.BatchNorm1d/2d/3d`` that data-parallel training gives the
    network's batch norms for the length of a fit (:func:`sync_batch_norms`):
    parameters, buffers and ``state_dict`` are those of the batch norm. In
    training, the mean and the (biased) variance normalizing each process's rows
    are those of the whole batch, computed in two passes with a differentiable
    ``all_reduce``, and the running statistics are updated with them (variance
    unbiased over the whole batch), as one process with the whole batch would.
    torch's ``nn.SyncBatchNorm`` does the same on GPUs but refuses CPU tensors;
    this one runs on every backend, so the CPU tests cover the code GPUs run.
    """

    def forward(self, x):
        if not self.training and self.running_mean is not None:
            return super().forward(x)
        self._check_input_dim(x)
        dims = [0, *range(2, x.dim())]
        shape = [1, -1] + [1] * (x.dim() - 2)
        xf = x.float()
        rows = torch.tensor(
            [xf.numel() // max(xf.shape[1], 1)], dtype=xf.dtype, device=xf.device
        )
        sums = _AllReduceSum.apply(torch.cat([xf.sum(dims), rows]))
        count = sums[-1]
        mean = sums[:-1] / count
        centered = xf - mean.view(shape)
        var = _AllReduceSum.apply(centered.square().sum(dims)) / count
        y = centered * torch.rsqrt(var + self.eps).view(shape)
        if self.affine:
            y = y * self.weight.view(shape) + self.bias.view(shape)
        if self.training and self.track_running_stats:
            self._update_running_stats(mean, var, count)
        return y.to(x.dtype)

    @torch.no_grad()
    def _update_running_stats(self, mean, var, count):
        self.num_batches_tracked.add_(1)
        if self.momentum is None:  # cumulative average, as nn.BatchNorm
            factor = 1.0 / float(self.num_batches_tracked)
        else:
            factor = float(self.momentum)
        unbiased = var * (count / (count - 1).clamp(min=1))
        self.running_mean.mul_(1 - factor).add_(
            mean.to(self.running_mean), alpha=factor
        )
        self.running_var.mul_(1 - factor).add_(
            unbiased.to(self.running_var), alpha=factor
        )


_SYNCED = {
    cls: type(f"Synced{cls.__name__}", (SyncedBatchNorm, cls), {})
    for cls in (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)
}
_PLAIN = {synced: plain for plain, synced in _SYNCED.items()}


def sync_batch_norms(module):
    """Make ``module``'s batch norms :class:`SyncedBatchNorm`; returns them.

    The layers change class in place, so the optimizer, weight averages and
    checkpoints keep the very same parameters and buffers; :func:`unsync`
    gives them their class back. Only the exact ``nn.BatchNorm1d/2d/3d``
    classes are changed (other norms are per image already).
    """
    changed = []
    for layer in module.modules():
        synced = _SYNCED.get(type(layer))
        if synced is not None:
            layer.__class__ = synced
            changed.append(layer)
    return changed


def unsync(layers):
    """Give the layers of :func:`sync_batch_norms` their batch-norm class back."""
    for layer in layers:
        layer.__class__ = _PLAIN[type(layer)]


class _Session:
    """What a data-parallel fit holds while it runs (never a torch module, so
    that skorch does not register it; never pickled)."""

    def __init__(self, shard, ddp, synced, muted):
        self.shard = shard
        self.ddp = ddp
        self.synced = synced
        self.muted = muted
        self.batches = None  # the training iterator of the epoch


class DistributedFERNet(FERNet):
    """:class:`~._net.FERNet` whose fits are shared by a torch.distributed group.

    Outside a process group of two or more processes it is a plain ``FERNet``.
    During ``partial_fit`` (which every fit of ``FERClassifier`` runs), it
    trains through ``DistributedDataParallel`` with the batches of
    :class:`Shard`, the batch norms of :func:`sync_batch_norms` and the history
    summed over the processes, as the module docstring describes. That state
    lives in ``_session`` for the length of the fit only, so the fitted net
    pickles and predicts as a ``FERNet``.
    """

    _session = None

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        group = process_group()
        if group is None:
            return super().partial_fit(X, y, classes, **fit_params)
        try:
            self._session = self._start_session(X, y, *group)
            super().partial_fit(X, y, classes, **fit_params)
        finally:
            self._stop_session()
        # Every process returns once the first one has written its checkpoints.
        dist.barrier()
        return self

    def _start_session(self, X, y, rank, world_size):
        device = next(self.module_.parameters()).device
        shard = Shard(rank, world_size, device)
        _check_same_data(X, y, shard)
        synced = sync_batch_norms(self.module_)
        ddp = DistributedDataParallel(
            self.module_,
            device_ids=[device.index] if device.type == "cuda" else None,
            # rank 0's buffers at the start; then the synced batch norms keep
            # them equal, with no copy before every forward pass
            forward_sync_buffers=False,
        )
        muted = None
        if rank:
            # dropout, mixup and CutMix draw from torch's generator, which the
            # fit seeded alike in every process: the other processes draw
            # their own numbers (the first keeps those of a single process)
            base = int(torch.randint(0, 2**62, (1,)).item())
            seed = np.random.SeedSequence([base, rank]).generate_state(1)[0]
            torch.manual_seed(int(seed))
            muted = self._mute()
        return _Session(shard, ddp, synced, muted)

    def _mute(self):
        """Remove the callbacks that print (epoch table, progress bar); the
        callbacks as they were."""
        printing = (PrintLog, ProgressBar)
        callbacks = list(self.callbacks_)
        self.callbacks_ = [
            (name, cb) for name, cb in callbacks if not isinstance(cb, printing)
        ]
        return callbacks

    def _stop_session(self):
        session = self.__dict__.pop("_session", None)
        if session is None:
            return
        unsync(session.synced)
        if session.muted is not None:
            self.callbacks_ = session.muted

    def get_iterator(self, dataset, training=False):
        iterator = super().get_iterator(dataset, training=training)
        session = self._session
        if session is not None:
            iterator.shard = session.shard
            if training:
                session.batches = iterator
        return iterator

    def infer(self, x, **fit_params):
        session = self._session
        if session is None or not torch.is_grad_enabled():
            return super().infer(x, **fit_params)
        y_pred = session.ddp(x, **fit_params)
        # DistributedDataParallel averages the processes' gradients: a process
        # holding ``share / world_size`` of the batch weighs its mean loss by
        # ``share``, so that the step is that of the batch's mean loss.
        share = session.batches.share
        if share != 1.0 and y_pred.requires_grad:
            y_pred.register_hook(lambda grad: grad * share)
        return y_pred

    def train_step_single(self, batch, **fit_params):
        step = super().train_step_single(batch, **fit_params)
        if self._session is None:
            return step
        # The batch's loss over every process: what the history records, and what
        # the divergence guard checks, alike in every process.
        n = len(batch[0])
        loss = step["loss"].detach().float()
        local = torch.stack(
            [loss * n if n else torch.zeros_like(loss), loss.new_tensor(float(n))]
        )
        total = self._session.shard.sum(local)
        step["loss"] = total[0] / total[1]
        return step

    def on_epoch_end(self, net, **kwargs):
        super().on_epoch_end(net, **kwargs)
        if self._session is not None:  # before any callback reads the batches
            _sum_batches(self.history[-1]["batches"], self._session.shard)

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_session", None)
        return state


def _sum_batches(rows, shard):
    """Make each batch row of an epoch count the whole batch, not this process's part.

    Rows, correct predictions and the validation loss are summed over the
    processes (every process has one row per batch); the training loss is the
    batch's already (``train_step_single``).
    """
    entries = []
    values = []
    for row in rows:
        for prefix in ("train", "valid"):
            n = row.get(f"{prefix}_batch_size")
            if n is None:
                continue
            loss = row.get(f"{prefix}_loss", 0.0) if prefix == "valid" and n else 0.0
            entries.append((row, prefix))
            values.append([loss * n, n, row.get(f"{prefix}_correct", 0)])
    if not values:
        return
    totals = shard.sum(torch.tensor(values, dtype=torch.float64)).cpu().tolist()
    for (row, prefix), (loss_sum, n, correct) in zip(entries, totals):
        row[f"{prefix}_batch_size"] = int(n)
        if f"{prefix}_correct" in row:
            row[f"{prefix}_correct"] = int(correct)
        if prefix == "valid" and n:
            row["valid_loss"] = loss_sum / n


def _check_same_data(X, y, shard):
    """Raise in every process if the processes were given different training data."""
    n = len(X)
    rows = X.reshape(n, -1)[:: max(1, n // 256)]
    digest = torch.tensor(
        [
            float(n),
            float(rows.double().sum()) if n else 0.0,
            float(y.double().sum()) if y is not None and n else 0.0,
        ],
        dtype=torch.float64,
        device=shard.device,
    )
    high, low = digest.clone(), digest.clone()
    dist.all_reduce(high, op=dist.ReduceOp.MAX)
    dist.all_reduce(low, op=dist.ReduceOp.MIN)
    if not torch.equal(high, low):
        raise ValueError(
            "Data-parallel fit: the processes of the group were given different "
            f"training data (process {shard.rank} has {n} images); expected the same "
            "X and y (and parameters) in every process: each trains on its own share "
            "of every batch."
        )
