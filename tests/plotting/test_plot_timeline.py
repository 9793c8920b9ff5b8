import numpy as np
import pytest

from skfer.plotting import plot_emotion_timeline

pytest.importorskip("matplotlib")


def test_one_panel_per_face_with_a_line_per_emotion():
    time = np.r_[np.arange(10), np.arange(4)] / 10
    happy = np.r_[np.linspace(0, 1, 10), np.full(4, 0.9)]
    fig = plot_emotion_timeline(
        time, np.c_[happy, 1 - happy], ["happy", "sad"], tracks=[1] * 10 + [4] * 4
    )
    assert len(fig.axes) == 2
    first, second = fig.axes
    assert [line.get_label() for line in first.lines] == ["happy", "sad"]
    np.testing.assert_allclose(first.lines[0].get_ydata(), happy[:10])
    assert "face 4: mostly happy (100%" in second.get_title(loc="left")
    assert "face 1: mostly happy (50%" in first.get_title(loc="left")


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="probabilities"):
        plot_emotion_timeline([0, 1], [[0.5, 0.5]], ["a", "b"])
    with pytest.raises(ValueError, match="tracks"):
        plot_emotion_timeline([0, 1], [[0.5, 0.5]] * 2, ["a", "b"], tracks=[1])
    with pytest.raises(ValueError, match="empty"):
        plot_emotion_timeline([], np.empty((0, 2)), ["a", "b"])
