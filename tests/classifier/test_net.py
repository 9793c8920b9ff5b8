"""The skorch net: mixup / CutMix batches and gradient clipping."""

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from skfer import FERClassifier
from skfer.classifier._net import mix_batch, soft_targets


def _batch(n=16):
    X = torch.rand(n, 1, 48, 48)
    y = torch.arange(n) % 3
    return X, y


def test_no_mixing_when_both_alphas_are_zero():
    X, y = _batch()
    assert mix_batch(X, y, 0.0, 0.0) is None


def test_mixup_blends_each_image_with_its_partner():
    X, y = _batch()
    torch.manual_seed(0)
    mixed, (y_a, y_b, lam) = mix_batch(X, y, 0.4, 0.0)
    torch.manual_seed(0)
    torch.distributions.Beta(0.4, 0.4).sample()
    perm = torch.randperm(len(X))
    assert 0.0 <= lam <= 1.0
    torch.testing.assert_close(mixed, lam * X + (1 - lam) * X[perm])
    torch.testing.assert_close(y_b, y[perm])
    torch.testing.assert_close(y_a, y)


def test_mixing_permutes_every_target_alike():
    X, y = _batch()
    weights, teacher = torch.rand(len(y)), torch.rand(len(y), 3)
    torch.manual_seed(0)
    _, (t_a, t_b, _) = mix_batch(X, (y, weights, None), 0.0, 1.0)
    assert t_a == (y, weights, None) and t_b[2] is None
    # The partner of image i is the same in every target.
    partner = [int(torch.nonzero(weights == w)[0]) for w in t_b[1]]
    torch.testing.assert_close(t_b[0], y[partner])
    torch.manual_seed(0)
    _, (_, (y_b, _, q_b), _) = mix_batch(X, (y, None, teacher), 0.0, 1.0)
    torch.testing.assert_close(y_b, t_b[0])
    torch.testing.assert_close(q_b, teacher[partner])


def test_soft_targets_blend_smoothed_labels_with_the_teacher():
    y = torch.tensor([0, 2])
    teacher = torch.tensor([[0.2, 0.8, 0.0], [0.0, 0.0, 1.0]])
    targets = soft_targets(y, teacher, 0.3, 0.25)
    smoothed = torch.tensor([[0.8, 0.1, 0.1], [0.1, 0.1, 0.8]])
    torch.testing.assert_close(targets, 0.75 * smoothed + 0.25 * teacher)
    torch.testing.assert_close(targets.sum(1), torch.ones(2))


def test_cutmix_pastes_a_box_whose_area_sets_lambda():
    X, y = _batch()
    torch.manual_seed(3)
    mixed, (_, y_b, lam) = mix_batch(X, y, 0.0, 1.0)
    changed = (mixed != X).any(dim=0)[0]  # pixels taken from the partner image
    rows, cols = np.nonzero(changed.numpy())
    box = (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)
    assert lam == pytest.approx(1 - box / (48 * 48))


def test_mixup_changes_training(faces3):
    X, y = faces3
    plain = FERClassifier("small", max_epochs=1, random_state=0).fit(X, y)
    mixed = FERClassifier("small", max_epochs=1, mixup_alpha=1.0, random_state=0)
    mixed.fit(X, y)
    assert plain.history_[0]["train_loss"] != mixed.history_[0]["train_loss"]


class GradNorms(Callback):
    def on_train_begin(self, net, **kwargs):
        self.norms = []

    def on_grad_computed(self, net, named_parameters, **kwargs):
        grads = [
            p.grad.detach().flatten() for _, p in named_parameters if p.grad is not None
        ]
        self.norms.append(float(torch.cat(grads).norm()))


@pytest.mark.parametrize("clip, bounded", [(1e-3, True), (None, False)])
def test_grad_clip_bounds_the_gradient_norm(faces3, clip, bounded):
    X, y = faces3
    norms = GradNorms()
    FERClassifier(
        "small",
        max_epochs=1,
        grad_clip=clip,
        random_state=0,
        callbacks=[("norms", norms)],
    ).fit(X, y)
    assert (max(norms.norms) <= 1e-3 * 1.001) == bounded
