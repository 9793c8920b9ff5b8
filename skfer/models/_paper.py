"""The three CNNs of Borgalli & Surve (2022) as plain torch modules.

All three take a batch of 48x48 grayscale images, shape ``(n, 1, 48, 48)``, and return
unnormalized class scores (logits), shape ``(n, n_classes)``.

Where a ReLU is followed by max pooling, the pooling comes first: the two commute
(the maximum of rectified values is the rectified maximum, and the gradients agree
too), and the ReLU then runs on a quarter (Models 1 and 3) or a fifth (Model 2) of
the values, forward and backward. ``state_dict`` keys are unchanged: only layers
without parameters trade places.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["PaperModel1", "PaperModel2", "PaperModel3"]


def _wide_dense(n_in, dropout):
    """Models 1 and 2's dense layers: flatten - dense1024 - dropout - dense1024 -
    dropout.

    The layer order fixes the ``state_dict`` keys (``classifier.1``,
    ``classifier.4``) that the shipped weights are saved under.
    """
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(n_in, 1024),
        nn.ReLU(inplace=True),
        nn.Dropout(dropout),
        nn.Linear(1024, 1024),
        nn.ReLU(inplace=True),
        nn.Dropout(dropout),
    )


class PaperModel1(nn.Module):
    """Paper Model 1: two convolution blocks and two wide dense layers.

    conv64(5x5, same) - maxpool(2) - conv128(3x3, same) - maxpool(2) - dense1024 -
    dropout - dense1024 - dropout - dense(n_classes). With 7 classes it has exactly
    20,007,687 trainable parameters, as in the paper.

    Parameters
    ----------
    n_classes : int, default=7
        Number of output scores.
    dropout : float, default=0.5
        Dropout probability after each hidden dense layer.

    Examples
    --------
    >>> import torch
    >>> from skfer.models import PaperModel1, count_parameters
    >>> count_parameters(PaperModel1())
    20007687
    >>> PaperModel1()(torch.zeros(2, 1, 48, 48)).shape
    torch.Size([2, 7])
    """

    def __init__(self, n_classes: int = 7, dropout: float = 0.5) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 64, 5, padding=2),
            nn.MaxPool2d(2),
            nn.ReLU(inplace=True),
            nn.Conv2d(64, 128, 3, padding=1),
            nn.MaxPool2d(2),
            nn.ReLU(inplace=True),
        )
        self.classifier = _wide_dense(128 * 12 * 12, dropout)
        self.head = nn.Linear(1024, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.classifier(self.features(x)))


class PaperModel2(nn.Module):
    """Paper Model 2: five convolutions with max and average pooling.

    conv64(5x5, valid) - maxpool(5, stride 2) - conv64(3x3) - conv64(3x3) -
    avgpool(3, stride 2) - conv128(3x3) - conv128(3x3) - avgpool(3, stride 2) -
    dense1024 - dropout - dense1024 - dropout - dense(n_classes), all convolutions
    "valid". With 7 classes it has exactly 1,485,831 trainable parameters.

    Parameters
    ----------
    n_classes : int, default=7
        Number of output scores.
    dropout : float, default=0.2
        Dropout probability after each hidden dense layer.

    Examples
    --------
    >>> from skfer.models import PaperModel2, count_parameters
    >>> count_parameters(PaperModel2())
    1485831
    """

    def __init__(self, n_classes: int = 7, dropout: float = 0.2) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 64, 5),
            nn.MaxPool2d(5, stride=2),
            nn.ReLU(inplace=True),
            nn.Conv2d(64, 64, 3),
            nn.ReLU(inplace=True),
            nn.Conv2d(64, 64, 3),
            nn.ReLU(inplace=True),
            nn.AvgPool2d(3, stride=2),
            nn.Conv2d(64, 128, 3),
            nn.ReLU(inplace=True),
            nn.Conv2d(128, 128, 3),
            nn.ReLU(inplace=True),
            nn.AvgPool2d(3, stride=2),
        )
        self.classifier = _wide_dense(128, dropout)
        self.head = nn.Linear(1024, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.classifier(self.features(x)))


def _conv_bn_relu(c_in, c_out):
    return [
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    ]


def _conv_bn_pool_relu(c_in, c_out):
    """conv - bn - relu - maxpool(2), computed with the pooling before the ReLU."""
    conv, bn, relu = _conv_bn_relu(c_in, c_out)
    return [conv, bn, nn.MaxPool2d(2), relu]


class PaperModel3(nn.Module):
    """Paper Model 3: six conv + batch-norm layers, four max-pools, four dense layers.

    The paper fixes the structure but not the widths; ours were chosen so that a
    training epoch costs about as much as Model 1 on a CPU (bfloat16, batch 128;
    narrow at 48x48 where convolutions are dearest, wide where they are cheap)::

        [conv-bn-relu x2] - maxpool - dropout      48 -> 24
        [conv-bn-relu x2] - maxpool - dropout      24 -> 12
        [conv-bn-relu]    - maxpool - dropout      12 -> 6
        [conv-bn-relu]    - maxpool - dropout       6 -> 3
        dense - bn - relu - dropout (x3) - dense(n_classes)

    Parameters
    ----------
    n_classes : int, default=7
        Number of output scores.
    widths : tuple of 6 int, default=(16, 32, 64, 128, 128, 256)
        Output channels of the six convolutions.
    dense_widths : tuple of 3 int, default=(512, 256, 128)
        Widths of the three hidden dense layers.
    conv_dropout : float, default=0.2
        Dropout probability after each convolution block.
    dropout : float, default=0.4
        Dropout probability after each hidden dense layer.

    Examples
    --------
    >>> import torch
    >>> from skfer.models import PaperModel3
    >>> PaperModel3(n_classes=3).eval()(torch.zeros(2, 1, 48, 48)).shape
    torch.Size([2, 3])
    """

    def __init__(
        self,
        n_classes: int = 7,
        widths: Sequence[int] = (16, 32, 64, 128, 128, 256),
        dense_widths: Sequence[int] = (512, 256, 128),
        conv_dropout: float = 0.2,
        dropout: float = 0.4,
    ) -> None:
        super().__init__()
        w = list(widths)
        if len(w) != 6 or len(dense_widths) != 3:
            raise ValueError(
                "PaperModel3 needs 6 convolution widths and 3 dense widths, got "
                f"widths={widths!r}, dense_widths={dense_widths!r}."
            )
        self.features = nn.Sequential(
            *_conv_bn_relu(1, w[0]),
            *_conv_bn_pool_relu(w[0], w[1]),
            nn.Dropout(conv_dropout),
            *_conv_bn_relu(w[1], w[2]),
            *_conv_bn_pool_relu(w[2], w[3]),
            nn.Dropout(conv_dropout),
            *_conv_bn_pool_relu(w[3], w[4]),
            nn.Dropout(conv_dropout),
            *_conv_bn_pool_relu(w[4], w[5]),
            nn.Dropout(conv_dropout),
        )
        layers: list[nn.Module] = [nn.Flatten()]
        n_in = w[5] * 3 * 3
        for width in dense_widths:
            layers += [
                nn.Linear(n_in, width, bias=False),
                nn.BatchNorm1d(width),
                nn.ReLU(inplace=True),
                nn.Dropout(dropout),
            ]
            n_in = width
        self.classifier = nn.Sequential(*layers)
        self.head = nn.Linear(n_in, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.classifier(self.features(x)))
