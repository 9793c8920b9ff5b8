"""Learning-rate schedules: closed forms against torch's own schedulers, and in fits."""

import numpy as np
import pytest
import torch

from skfer import FERClassifier
from skfer.classifier._schedules import lr_factor, plateau_reductions


def _torch_rates(scheduler_cls, steps, per_batch, **kwargs):
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=1.0)
    sched = scheduler_cls(opt, **kwargs)
    rates = []
    for _ in range(steps):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(rates)


def test_cosine_matches_torch_cosine_annealing():
    ours = [lr_factor("cosine", e, 0, 7, 10) for e in range(10)]
    theirs = _torch_rates(
        torch.optim.lr_scheduler.CosineAnnealingLR, 10, False, T_max=10
    )
    np.testing.assert_allclose(ours, theirs, atol=1e-12)


def test_onecycle_matches_torch_onecycle():
    steps_per_epoch, epochs = 9, 5
    total = steps_per_epoch * epochs
    ours = [
        lr_factor("onecycle", s // steps_per_epoch, s % steps_per_epoch, 9, epochs)
        for s in range(total)
    ]
    theirs = _torch_rates(
        torch.optim.lr_scheduler.OneCycleLR,
        total,
        True,
        max_lr=1.0,
        total_steps=total,
        cycle_momentum=False,
    )
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_warmup_cosine_rises_then_falls_to_zero():
    steps = [lr_factor("warmup_cosine", s // 10, s % 10, 10, 20) for s in range(200)]
    peak = int(np.argmax(steps))
    assert peak == 9  # 5 % of 200 steps
    assert steps[0] == pytest.approx(0.1)
    assert np.all(np.diff(steps[: peak + 1]) > 0)
    assert np.all(np.diff(steps[peak:]) <= 0)
    assert steps[-1] < 1e-3


def test_plateau_replays_torch_reduce_on_plateau():
    rng = np.random.RandomState(0)
    scores = list(np.round(rng.rand(40), 1))  # many ties and plateaus
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=1.0)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(
        opt, mode="max", factor=0.75, patience=5, threshold=0.0
    )
    for i, score in enumerate(scores):
        sched.step(score)
        assert 0.75 ** plateau_reductions(scores[: i + 1]) == pytest.approx(
            opt.param_groups[0]["lr"]
        )


def test_fit_records_the_schedule_in_history(faces3):
    X, y = faces3
    clf = FERClassifier(
        "small", max_epochs=4, lr=0.01, lr_schedule="cosine", random_state=0
    ).fit(X, y)
    rates = [row["lr"] for row in clf.history_]
    np.testing.assert_allclose(
        rates, [0.01 * lr_factor("cosine", e, 0, 1, 4) for e in range(4)]
    )


@pytest.mark.parametrize("schedule", ["cosine", "warmup_cosine", "onecycle", "plateau"])
def test_warm_start_refits_with_every_schedule(faces3, schedule):
    X, y = faces3
    clf = FERClassifier(
        "small", max_epochs=2, lr_schedule=schedule, warm_start=True, random_state=0
    )
    clf.fit(X, y).fit(X, y)
    assert len(clf.history_) == 4


def test_partial_fit_walks_down_the_schedule(faces3):
    X, y = faces3
    clf = FERClassifier("small", max_epochs=3, lr=0.1, lr_schedule="cosine")
    for _ in range(3):
        clf.partial_fit(X, y)
    rates = [row["lr"] for row in clf.history_]
    np.testing.assert_allclose(rates, [0.1, 0.075, 0.025])
