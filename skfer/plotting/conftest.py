"""Doctest setup for skfer.plotting: a non-interactive backend, figures closed."""

import pytest


@pytest.fixture(autouse=True)
def _agg_backend_and_close_figures():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
