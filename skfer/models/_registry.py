"""Name -> network constructor registry."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ._paper import PaperModel1, PaperModel2, PaperModel3
from ._small import SmallCNN
from ._vote import SoftVote

if TYPE_CHECKING:
    from torch import nn

__all__ = [
    "ARCHITECTURES",
    "build_model",
    "check_architecture",
    "count_parameters",
    "register_architecture",
]

#: What joins the members' names in a vote's architecture name.
VOTE_SEPARATOR = "+"

#: Registered architectures: name -> callable ``(n_classes) -> nn.Module``.
ARCHITECTURES: dict[str, Callable[..., nn.Module]] = {
    "model1": PaperModel1,
    "model2": PaperModel2,
    "model3": PaperModel3,
    "small": SmallCNN,
}


def register_architecture(
    name: str, factory: Callable[..., nn.Module], *, overwrite: bool = False
) -> None:
    """Register a network so ``FERClassifier(architecture=name)`` finds it.

    Parameters
    ----------
    name : str
        The name to register.
    factory : callable
        Called as ``factory(n_classes=k)``; must return a ``torch.nn.Module`` that maps
        ``(n, 1, 48, 48)`` float tensors to ``(n, k)`` logits and whose last layer,
        the one that depends on ``k``, is an ``nn.Linear`` attribute named ``head``.
    overwrite : bool, default=False
        Replace an existing entry of the same name.

    Examples
    --------
    >>> from torch import nn
    >>> from skfer.models import register_architecture, build_model
    >>> class Linear(nn.Module):
    ...     def __init__(self, n_classes=7):
    ...         super().__init__()
    ...         self.flat = nn.Flatten()
    ...         self.head = nn.Linear(48 * 48, n_classes)
    ...     def forward(self, x):
    ...         return self.head(self.flat(x))
    >>> register_architecture("linear-doc", Linear)
    >>> build_model("linear-doc", n_classes=3).head.out_features
    3
    """
    if not isinstance(name, str) or not name or VOTE_SEPARATOR in name:
        raise ValueError(
            f"Architecture name must be a non-empty string without "
            f"{VOTE_SEPARATOR!r} (which joins the members of a vote), got {name!r}."
        )
    if not callable(factory):
        raise TypeError(f"factory must be callable, got {type(factory).__name__}.")
    if name in ARCHITECTURES and not overwrite:
        raise ValueError(
            f"Architecture {name!r} is already registered; pass overwrite=True to "
            "replace it."
        )
    ARCHITECTURES[name] = factory


def check_architecture(name: str) -> str:
    """``name`` if it names an architecture, else a ValueError listing them.

    A registered name, or registered names joined by ``+``: the soft vote of
    those networks (:class:`SoftVote`), e.g. ``"model3+model3"``.

    Examples
    --------
    >>> from skfer.models import check_architecture
    >>> check_architecture("model3+model2")
    'model3+model2'
    """
    members = name.split(VOTE_SEPARATOR) if isinstance(name, str) else [name]
    if not all(isinstance(m, str) and m in ARCHITECTURES for m in members):
        raise ValueError(
            f"Unknown architecture {name!r}; expected one of {sorted(ARCHITECTURES)} "
            "(or register one with skfer.models.register_architecture), or several "
            "of them joined by '+' for their soft vote (e.g. 'model3+model3')."
        )
    return name


def build_model(name: str, n_classes: int = 7) -> nn.Module:
    """Instantiate the registered architecture ``name`` with ``n_classes`` outputs.

    Parameters
    ----------
    name : str
        One of ``ARCHITECTURES`` (``"model1"``, ``"model2"``, ``"model3"``,
        ``"small"`` and anything registered), or several joined by ``+``: a
        :class:`SoftVote` of one network of each.
    n_classes : int, default=7
        Number of output scores.

    Returns
    -------
    module : torch.nn.Module

    Examples
    --------
    >>> from skfer.models import build_model
    >>> type(build_model("model2")).__name__
    'PaperModel2'
    >>> len(build_model("model3+model2").members)
    2
    """
    members = check_architecture(name).split(VOTE_SEPARATOR)
    if len(members) > 1:
        return SoftVote([ARCHITECTURES[m](n_classes=n_classes) for m in members])
    return ARCHITECTURES[name](n_classes=n_classes)


def count_parameters(module: nn.Module) -> int:
    """Number of trainable parameters of a torch module.

    Parameters
    ----------
    module : torch.nn.Module
        The network.

    Returns
    -------
    n : int
        Total number of elements of the parameters with ``requires_grad``.

    Examples
    --------
    >>> from torch import nn
    >>> from skfer.models import count_parameters
    >>> count_parameters(nn.Linear(3, 2))
    8
    """
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
