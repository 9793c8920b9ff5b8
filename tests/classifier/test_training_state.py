"""A stopped and resumed checkpointed fit equals an uninterrupted one, bit for bit."""

import pytest
import torch
from skorch.callbacks import Callback

from skfer import FERClassifier
from skfer.classifier import fit_with_checkpoints
from skfer.weights import BEST_FILE, read_checkpoint


class StopAfter(Callback):
    """Ctrl-C after ``epochs`` epochs (skorch ends the fit, keeping what is done)."""

    def __init__(self, epochs):
        self.epochs = epochs

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epochs:
            raise KeyboardInterrupt


RECIPES = {
    "everything": dict(
        optimizer="sgd",
        lr=0.05,
        lr_schedule="warmup_cosine",
        mixup_alpha=0.4,
        cutmix_alpha=1.0,
        ema_decay=0.9,
        grad_clip=1.0,
        augment="light",
        label_smoothing=0.1,
    ),
    "plateau-adam": dict(lr_schedule="plateau", augment="standard", ema_decay=0.95),
}


def _clf(recipe, callbacks=None):
    return FERClassifier(
        "small",
        max_epochs=4,
        batch_size=32,
        random_state=0,
        callbacks=callbacks,
        **RECIPES[recipe],
    )


@pytest.fixture
def one_thread():
    """Bit-for-bit equality holds for a fixed thread count."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.usefixtures("one_thread")
@pytest.mark.parametrize("recipe", sorted(RECIPES))
def test_resumed_fit_equals_uninterrupted_fit(tmp_path, faces3, recipe):
    X, y = faces3
    whole = fit_with_checkpoints(
        _clf(recipe), X, y, tmp_path / "a", keep_best="valid_acc"
    )
    stopped = fit_with_checkpoints(
        _clf(recipe, [("stop", StopAfter(3))]), X, y, tmp_path / "b"
    )
    # stopped at the end of epoch 3, before its checkpoint: 2 epochs are saved
    assert len(stopped.history_) == 3
    assert read_checkpoint(tmp_path / "b")["epoch"] == 2
    resumed = fit_with_checkpoints(
        _clf(recipe), X, y, tmp_path / "b", resume=True, keep_best="valid_acc"
    )
    a, b = whole.net_.module_.state_dict(), resumed.net_.module_.state_dict()
    for name in a:
        assert torch.equal(a[name], b[name]), name
    for row_a, row_b in zip(whole.history_, resumed.history_, strict=True):
        for key in ("train_loss", "valid_loss", "valid_acc", "lr"):
            assert row_a[key] == row_b[key], key
    assert (tmp_path / "a" / BEST_FILE).is_file()


def test_best_checkpoint_holds_the_best_validation_epoch(tmp_path, faces3):
    X, y = faces3
    clf = fit_with_checkpoints(
        _clf("plateau-adam"), X, y, tmp_path, keep_best="valid_loss"
    )
    losses = [row["valid_loss"] for row in clf.history_]
    best = FERClassifier.from_weights(tmp_path / BEST_FILE)
    from skfer.weights import read_weights_meta as _read_meta

    card = _read_meta(tmp_path / BEST_FILE)["card"]
    assert card["epoch"] == losses.index(min(losses)) + 1
    assert best.classes_.tolist() == clf.classes_.tolist()


def test_training_state_of_earlier_versions_is_read_as_optimizer_only(tmp_path):
    from skfer.weights import read_training_state

    param = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.Adam([param])
    torch.save(opt.state_dict(), tmp_path / "old.pt")
    assert set(read_training_state(tmp_path / "old.pt")) == {"optimizer"}
    torch.save({"something": 1}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="training state"):
        read_training_state(tmp_path / "other.pt")
