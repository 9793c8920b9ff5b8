"""A soft vote of networks as one network."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["SoftVote"]


class SoftVote(nn.Module):
    """Networks voting as one: the logarithm of the weighted mean of their softmax.

    Its output is a log-probability per class, so a softmax of it gives the
    members' averaged probabilities and a cross-entropy loss on it trains the vote
    as a whole. The architecture name of a vote is its members' names joined by
    ``+`` (``build_model("model3+model3")``); :func:`skfer.save_vote` writes
    fitted classifiers as one.

    Each member may have been trained on other pixel units: member ``i`` reads
    ``x * input_scale[i] + input_shift[i]`` (ones and zeros for members trained
    with the vote's scaling). The vote weights are ``log_weights`` (the logarithm
    of weights that sum to one; equal weights by default). All three are buffers:
    stored in weights files, never trained.

    Parameters
    ----------
    members : sequence of nn.Module
        Networks mapping the same ``(n, 1, 48, 48)`` input to logits over the same
        classes, in the same order.

    Examples
    --------
    >>> import torch
    >>> from skfer.models import SoftVote, SmallCNN
    >>> a, b = SmallCNN(n_classes=3).eval(), SmallCNN(n_classes=3).eval()
    >>> x = torch.rand(2, 1, 48, 48)
    >>> mean = (a(x).softmax(1) + b(x).softmax(1)) / 2
    >>> torch.allclose(SoftVote([a, b]).eval()(x).softmax(1), mean, atol=1e-6)
    True
    """

    def __init__(self, members: Sequence[nn.Module]) -> None:
        super().__init__()
        if len(members) < 2:
            raise ValueError(f"A vote needs at least 2 members; got {len(members)}.")
        self.members = nn.ModuleList(members)
        k = len(members)
        self.register_buffer("log_weights", torch.full((k,), -math.log(k)))
        self.register_buffer("input_scale", torch.ones(k))
        self.register_buffer("input_shift", torch.zeros(k))

    log_weights: torch.Tensor
    input_scale: torch.Tensor
    input_shift: torch.Tensor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        votes = []
        for i, member in enumerate(self.members):
            x_i = (x * self.input_scale[i] + self.input_shift[i]).to(x.dtype)
            # in float32 whatever the members compute in: the vote is a few sums
            log_proba = F.log_softmax(member(x_i).float(), dim=1)
            votes.append(log_proba + self.log_weights[i])
        return torch.logsumexp(torch.stack(votes), dim=0)
