"""What a pickled FERClassifier leaves out of its skorch net, and puts back.

skorch pickles a net's module, criterion and optimizer together, and every other
attribute apart. Two things make a fitted net pickle at four times its weights:
the ``module`` parameter (the module instance the net was built around, the same
object as ``module_``) is pickled a second time, apart; and the optimizer holds
Adam's two moment estimates per weight. :func:`net_for_pickle` gives a light copy
without them, and :func:`restore_net` rebuilds them after loading: ``module`` is
``module_`` again, and the optimizer is a fresh one with the saved parameter
groups (learning rates and settings, no tensors), unless the optimizer was kept.
"""

__all__ = ["net_for_pickle", "restore_net"]


def net_for_pickle(net, *, keep_optimizer_state):
    """A shallow copy of the skorch ``net`` to pickle, and what restores it.

    The fitted net is left as it is: the copy shares its other attributes, and
    making it does not go through skorch's pickling (which serializes the module).

    Returns
    -------
    light : skorch.NeuralNet
        The copy (or ``net`` itself when there is nothing to leave out).
    extras : dict
        ``module_is_module_`` (bool) and ``optimizer_groups`` (the optimizer's
        ``param_groups`` of its ``state_dict``, or None when it is kept), for
        :func:`restore_net`.
    """
    state = net.__dict__
    shared = state.get("module") is not None and state.get("module") is state.get(
        "module_"
    )
    drop_optimizer = not keep_optimizer_state and state.get("optimizer_") is not None
    extras = {"module_is_module_": shared, "optimizer_groups": None}
    if not (shared or drop_optimizer):
        return net, extras
    light = object.__new__(type(net))
    light.__dict__.update(state)
    if shared:
        light.__dict__["module"] = None
    if drop_optimizer:
        optimizer = light.__dict__.pop("optimizer_")
        extras["optimizer_groups"] = optimizer.state_dict()["param_groups"]
    return light, extras


def restore_net(net, extras):
    """Put back into a loaded ``net`` what :func:`net_for_pickle` left out."""
    if extras["module_is_module_"]:
        net.module = net.module_
    groups = extras["optimizer_groups"]
    if groups is not None:
        net.initialize_optimizer()
        net.optimizer_.load_state_dict({"state": {}, "param_groups": groups})
