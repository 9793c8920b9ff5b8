"""The skorch net FERClassifier trains: autocast training steps and accuracy logs."""

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback
from skorch.dataset import unpack_data

from ._torch_utils import autocast

__all__ = ["EpochAccuracy", "FERNet"]


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

    def train_step_single(self, batch, **fit_params):
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
        net.history.record_batch("train_correct" if training else "valid_correct", correct)

    def on_epoch_end(self, net, **kwargs):
        batches = net.history[-1, "batches"]
        for prefix in ("train", "valid"):
            key = f"{prefix}_correct"
            rows = [b for b in batches if key in b]
            if rows:
                total = sum(b[f"{prefix}_batch_size"] for b in rows)
                net.history.record(f"{prefix}_acc", sum(b[key] for b in rows) / total)
