"""A small CNN for quick experiments, demos and tests."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["SmallCNN"]


class SmallCNN(nn.Module):
    """A small CNN (23,863 parameters with 7 classes) that trains in seconds on a CPU.

    Not one of the paper's networks: it exists for smoke tests, documentation
    examples and quick looks at a new dataset. Three conv-bn-relu-maxpool blocks
    (16, 32, 64 channels) followed by global average pooling and a linear head.

    Parameters
    ----------
    n_classes : int, default=7
        Number of output scores.
    dropout : float, default=0.1
        Dropout probability before the head.

    Examples
    --------
    >>> from skfer.models import SmallCNN, count_parameters
    >>> count_parameters(SmallCNN())  # the paper's Model 2 has 1,485,831
    23863
    """

    def __init__(self, n_classes: int = 7, dropout: float = 0.1) -> None:
        super().__init__()
        layers = []
        c_in = 1
        for c_out in (16, 32, 64):
            layers += [
                nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
                nn.BatchNorm2d(c_out),
                nn.MaxPool2d(2),  # before the ReLU: the same, on fewer values
                nn.ReLU(inplace=True),
            ]
            c_in = c_out
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout)
        )
        self.head = nn.Linear(c_in, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.classifier(self.features(x)))
