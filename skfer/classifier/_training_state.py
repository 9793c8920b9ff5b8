"""What continuing a training needs beyond the weights, gathered and applied.

A training stopped after some epoch goes on exactly as if it had never stopped when
the next one starts with the same optimizer state, the same position in the
learning-rate schedule, the raw weights behind a weight average, and torch's random
generator where it was (shuffling, augmentation, dropout and mixup all draw from
it). Epoch checkpoints save this dict (:func:`skfer.weights.write_checkpoint`);
``partial_fit`` carries it from one call to the next (without the generator,
which each call seeds from ``random_state``).
"""

import torch
from skorch.callbacks import PassthroughScoring

__all__ = ["continue_training", "restore_best_scores", "training_state"]


def training_state(net, *, rng=True):
    """The state of ``net``'s training that is not in its module's weights.

    Returns
    -------
    state : dict
        ``optimizer`` (its ``state_dict``); ``schedule`` and ``ema`` when the net
        has those callbacks; ``torch_rng`` (torch's CPU generator state) when
        ``rng`` is true. Tensors, numbers and strings only, so that
        ``torch.load(weights_only=True)`` reads it back.
    """
    callbacks = dict(net.callbacks_)
    state = {"optimizer": net.optimizer_.state_dict()}
    schedule = callbacks.get("lr_schedule")
    if schedule is not None:
        state["schedule"] = schedule.training_state()
    average = callbacks.get("weight_average")
    if average is not None:
        ema = average.training_state()
        if ema is not None:
            state["ema"] = ema
    if rng:
        state["torch_rng"] = torch.get_rng_state()
    return state


def continue_training(net, state):
    """Make the initialized ``net`` continue the training ``state`` describes.

    Call after ``net.initialize()`` and before training; the generator state, if
    saved, is set at once. A state that does not fit the network (another
    architecture, a corrupt file) raises a ValueError before anything changes
    but the optimizer.
    """
    _load_optimizer(net.optimizer_, state["optimizer"])
    ema = state.get("ema")
    if ema is not None:
        _check_tensors(
            "the weight average's raw weights", ema["raw"], net.module_.state_dict()
        )
    callbacks = dict(net.callbacks_)
    for name, key in (("lr_schedule", "schedule"), ("weight_average", "ema")):
        callback = callbacks.get(name)
        if callback is not None and key in state:
            callback.continue_from(state[key])
    if "torch_rng" in state:
        torch.set_rng_state(state["torch_rng"])
    restore_best_scores(net)


def _mismatch(what, detail):
    return ValueError(
        f"The saved training state does not fit this training: {what} {detail} "
        "(a checkpoint of another model, or a corrupt optimizer file?)."
    )


def _load_optimizer(optimizer, saved):
    try:
        optimizer.load_state_dict(saved)
    except (ValueError, KeyError, TypeError, IndexError, RuntimeError) as exc:
        raise _mismatch("the optimizer state", f"cannot be loaded ({exc})") from exc
    for group in optimizer.param_groups:
        for param in group["params"]:
            for key, value in optimizer.state.get(param, {}).items():
                if (
                    isinstance(value, torch.Tensor)
                    and value.dim() > 0
                    and value.shape != param.shape
                ):
                    raise _mismatch(
                        "the optimizer state",
                        f"has {key!r} of shape {list(value.shape)} for a parameter "
                        f"of shape {list(param.shape)}",
                    )


def _check_tensors(what, saved, expected):
    missing = sorted(set(expected) - set(saved))
    if missing:
        raise _mismatch(what, f"lack {missing[:3]}")
    for name, tensor in expected.items():
        if tuple(saved[name].shape) != tuple(tensor.shape):
            raise _mismatch(
                what,
                f"have {name!r} of shape {list(saved[name].shape)}, not "
                f"{list(tensor.shape)}",
            )


def restore_best_scores(net):
    """Give the net's scoring callbacks the best scores of its earlier epochs.

    skorch's ``PassthroughScoring`` (``valid_loss``, ``train_loss``) starts from
    an infinite best score when initialized, so the first epoch after a resume
    would be flagged ``valid_loss_best`` whatever its loss; read the best so far
    from the history instead (``EpochScoring`` does so itself).
    """
    for _, callback in net.callbacks_:
        if not isinstance(callback, PassthroughScoring):
            continue
        scores = [row[callback.name] for row in net.history if callback.name in row]
        if scores:
            pick = min if callback.lower_is_better else max
            callback.best_score_ = pick(scores)
