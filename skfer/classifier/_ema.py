"""Exponential moving average of the weights, for validation and prediction.

During training the optimizer updates the *raw* weights; after every step the
average moves towards them (``avg += (1 - d) * (raw - avg)``, with the decay ramped
up over the first steps as in timm's ``ModelEmaV2``: ``d = min(decay, (1 + n) /
(10 + n))``). Batch-norm running statistics are averaged the same way; integer
buffers are copied.

The module holds the averaged weights whenever it is evaluated: from the end of
each epoch's training pass (so validation scores, early stopping, epoch checkpoints
and the weights left after ``fit`` are the average) until the next epoch's training
pass starts, when the raw weights are swapped back in place (same tensors, so the
optimizer state keeps pointing at them).
"""

import torch
from skorch.callbacks import Callback

__all__ = ["WeightAverage"]

#: Steps over which the effective decay ramps up to ``decay``.
_RAMP = 10


class WeightAverage(Callback):
    """skorch callback keeping an exponential moving average of the weights.

    Parameters
    ----------
    decay : float
        Weight of the old average at each step, in (0, 1).
    """

    def __init__(self, decay):
        self.decay = decay

    def initialize(self):
        self.average_ = None
        self.raw_ = None
        self.n_updates_ = 0
        self.swapped_ = False
        self.pending_ = None
        return self

    def continue_from(self, state):
        """Continue an earlier training when this one starts (see
        :meth:`training_state`): the module holds that training's average, and
        ``state`` its raw weights and step count."""
        self.pending_ = state

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _tensors(module):
        return dict(module.state_dict(keep_vars=False))

    def _swap(self, net):
        """Exchange the module's weights with the stashed ones, in place."""
        current = self._tensors(net.module_)
        stash = self.raw_ if self.swapped_ else self.average_
        with torch.no_grad():
            keep = {k: v.detach().clone() for k, v in current.items()}
            for name, tensor in current.items():
                tensor.copy_(stash[name])
        if self.swapped_:
            self.raw_ = None
        else:
            self.raw_ = keep
        self.swapped_ = not self.swapped_
        net.weights_changed()

    def training_state(self):
        """What a checkpoint needs to resume: raw weights and the step count."""
        if self.average_ is None:
            return None
        if self.swapped_:
            raw = {k: v.detach().clone() for k, v in self.raw_.items()}
        else:
            raw = {k: v.detach().clone() for k, v in self._tensors(self._net).items()}
        return {"raw": raw, "n_updates": int(self.n_updates_)}

    # ---------------------------------------------------------------- callbacks
    def on_train_begin(self, net, **kwargs):
        self._net = net
        tensors = self._tensors(net.module_)
        self.average_ = {k: v.detach().clone() for k, v in tensors.items()}
        self.swapped_ = False
        if self.pending_ is not None:
            # Continuing: the module holds the average; train on from the raw weights.
            state, self.pending_ = self.pending_, None
            self.n_updates_ = int(state["n_updates"])
            with torch.no_grad():
                for name, tensor in tensors.items():
                    tensor.copy_(state["raw"][name])
            net.weights_changed()
        else:
            self.n_updates_ = 0

    def on_epoch_begin(self, net, **kwargs):
        if self.swapped_:
            self._swap(net)

    def on_batch_end(self, net, training=False, **kwargs):
        if not training:
            return
        self.n_updates_ += 1
        n = self.n_updates_
        decay = min(float(self.decay), (1.0 + n) / (_RAMP + n))
        with torch.no_grad():
            for name, tensor in self._tensors(net.module_).items():
                avg = self.average_[name]
                if avg.is_floating_point():
                    avg.lerp_(tensor.to(avg.dtype), 1.0 - decay)
                else:
                    avg.copy_(tensor)

    def use_average(self, net):
        """Put the averaged weights in the module (before evaluation)."""
        if self.average_ is not None and not self.swapped_:
            self._swap(net)

    def on_train_end(self, net, **kwargs):
        self.use_average(net)

    def __getstate__(self):
        state = dict(self.__dict__)
        # Training-time copies: the fitted module already holds the average.
        for key in ("average_", "raw_", "_net"):
            state.pop(key, None)
        return state
