"""Doctest setup for skfer.plotting: a non-interactive backend, figures closed.

It lives at the repository root so that it is not installed with the package.
"""

import pytest


@pytest.fixture(autouse=True)
def _agg_backend_and_close_figures(request):
    if not request.node.nodeid.startswith("skfer/plotting/"):
        yield
        return
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
