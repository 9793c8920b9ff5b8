"""The skorch net FERClassifier trains: autocast training steps and accuracy logs."""

import itertools

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback
from skorch.dataset import unpack_data

from ._torch_utils import autocast, reuse_large_allocations

__all__ = ["EpochAccuracy", "FERNet"]

# A process-wide counter: each value names one state of some net's weights, so a
# cache keyed on it (the inference copy of ``skfer._inference``) can never mistake
# the weights of one net for those of another, even if Python reuses an object id.
_WEIGHTS_TOKENS = itertools.count(1)


class FERNet(NeuralNet):
    """skorch ``NeuralNet`` whose forward passes run under autocast when asked.

    Weights and optimizer state stay float32; only the forward computation uses
    ``autocast_dtype`` (e.g. bfloat16). Logits are returned as float32 so the loss
    is computed in full precision.
    """

    def __init__(self, *args, autocast_dtype=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.autocast_dtype = autocast_dtype

    def _autocast(self):
        return autocast(self.device, self.autocast_dtype)

    def _weights_changed(self):
        self._weights_token = next(_WEIGHTS_TOKENS)

    def fit_loop(self, *args, **kwargs):
        # Keep freed activation/gradient blocks for the next step instead of
        # page-faulting them in again (see reuse_large_allocations).
        with reuse_large_allocations():
            return super().fit_loop(*args, **kwargs)

    def initialize_module(self):
        self._weights_changed()
        return super().initialize_module()

    def load_params(self, *args, **kwargs):
        self._weights_changed()
        return super().load_params(*args, **kwargs)

    def __getstate__(self):
        state = super().__getstate__()
        # The inference copy is derived data: never pickled, rebuilt on demand. The
        # token is only unique within one process: a loaded net draws a new one.
        state.pop("_inference_cache", None)
        state.pop("_weights_token", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        self._weights_changed()

    def train_step_single(self, batch, **fit_params):
        self._weights_changed()
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        with self._autocast():
            y_pred = self.infer(Xi, **fit_params)
        y_pred = y_pred.float()
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
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


class EpochAccuracy(Callback):
    """Record ``train_acc`` and ``valid_acc`` from the batches already computed.

    No extra forward pass: each batch's argmax is compared with its labels in
    ``on_batch_end`` and the counts are summed at the end of the epoch.
    """

    def on_batch_end(self, net, batch, training, y_pred=None, **kwargs):
        if y_pred is None:
            return
        _, yi = unpack_data(batch)
        correct = (y_pred.argmax(1).cpu() == yi.cpu()).sum().item()
        net.history.record_batch(
            "train_correct" if training else "valid_correct", correct
        )

    def on_epoch_end(self, net, **kwargs):
        batches = net.history[-1, "batches"]
        for prefix in ("train", "valid"):
            key = f"{prefix}_correct"
            rows = [b for b in batches if key in b]
            if rows:
                total = sum(b[f"{prefix}_batch_size"] for b in rows)
                net.history.record(f"{prefix}_acc", sum(b[key] for b in rows) / total)
