import numpy as np
import pytest
from matplotlib.patches import Rectangle

from skfer.datasets import EMOTIONS
from skfer.plotting import plot_emotion_analysis, plot_faces


@pytest.fixture
def sample(faces):
    X, y = faces
    proba = np.random.default_rng(0).dirichlet(np.ones(7), size=5)
    return X[:5], y[:5], proba


def _bars(ax):
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def test_two_axes_per_face_and_one_bar_per_class(sample):
    X, y, proba = sample
    fig = plot_emotion_analysis(X, proba, EMOTIONS, ncols=2)
    assert len(fig.axes) == 10
    for i in range(5):
        face_ax, bars_ax = fig.axes[2 * i], fig.axes[2 * i + 1]
        assert face_ax.images[0].get_array().shape == (48, 48)
        bars = _bars(bars_ax)
        assert len(bars) == 7
        np.testing.assert_allclose([b.get_width() for b in bars], proba[i])
        assert [t.get_text() for t in bars_ax.get_yticklabels()] == list(EMOTIONS)


def test_predicted_class_is_highlighted_and_named(sample):
    X, _, proba = sample
    fig = plot_emotion_analysis(X, proba, EMOTIONS)
    for i in range(5):
        bars = _bars(fig.axes[2 * i + 1])
        colors = [tuple(b.get_facecolor()) for b in bars]
        best = int(np.argmax(proba[i]))
        assert colors.count(colors[best]) == 1  # only the predicted bar stands out
        title = fig.axes[2 * i + 1].get_title()
        assert title == f"predicted: {EMOTIONS[best]} ({proba[i, best]:.0%})"


def test_true_labels_color_the_prediction():
    image = np.zeros((48, 48), dtype=np.uint8)
    proba = np.array([[0.1, 0.9], [0.8, 0.2]])
    fig = plot_emotion_analysis(
        [image, image], proba, ["happy", "sad"], true_labels=["sad", "sad"]
    )
    face0, bars0, face1, bars1 = fig.axes
    assert face0.get_title() == "true: sad"
    assert bars0.title.get_color() == "tab:green"
    assert bars1.title.get_color() == "tab:red"


def test_titles_and_one_image(sample):
    X, _, proba = sample
    fig = plot_emotion_analysis(X[0], proba[0], EMOTIONS, titles="face.png")
    assert len(fig.axes) == 2
    assert fig.axes[0].get_title() == "face.png"


@pytest.mark.parametrize(
    "reshape",
    [
        lambda X: X,  # (n, 2304)
        lambda X: X.reshape(-1, 48, 48),
        lambda X: X.reshape(-1, 48, 48, 1),
        lambda X: X.astype(float) / 255.0,
    ],
)
def test_image_layouts(sample, reshape):
    X, _, proba = sample
    images = reshape(X)
    fig = plot_emotion_analysis(images, proba, EMOTIONS)
    image = fig.axes[0].images[0]
    assert image.get_array().shape == (48, 48)
    assert image.get_clim() == ((0, 255) if images.dtype == np.uint8 else (0.0, 1.0))


@pytest.mark.parametrize(
    ("images", "proba", "classes", "kwargs", "match"),
    [
        (np.zeros((3, 2304)), np.full((2, 7), 0.1), EMOTIONS, {}, r"shape \(3, 7\)"),
        (np.zeros((2, 2304)), np.full((2, 6), 0.1), EMOTIONS, {}, r"shape \(2, 7\)"),
        (np.zeros((1, 2304)), np.full((1, 7), 2.0), EMOTIONS, {}, r"\[0, 1\]"),
        (np.zeros((1, 2304)), np.full((1, 7), np.nan), EMOTIONS, {}, "must be finite"),
        (np.zeros((1, 2304)), np.full((1, 0), 0.1), [], {}, "at least one class"),
        (np.zeros(2305), np.full((1, 7), 0.1), EMOTIONS, {}, r"got shape \(2305,\)"),
        (np.zeros((1, 2304)), np.full((1, 7), 0.1), EMOTIONS, {"ncols": 0}, "ncols"),
        (
            np.zeros((2, 2304)),
            np.full((2, 7), 0.1),
            EMOTIONS,
            {"true_labels": ["happy"]},
            r"true_labels must have one entry per image \(2\)",
        ),
    ],
)
def test_bad_inputs_raise(images, proba, classes, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_emotion_analysis(images, proba, classes, **kwargs)


def test_plot_faces_grid(faces):
    X, y = faces
    fig = plot_faces(X[:10], y[:10], ncols=4, title="faces")
    assert len(fig.axes) == 10
    assert [ax.get_title() for ax in fig.axes] == list(y[:10])
    assert fig.get_suptitle() == "faces"
    positions = {ax.get_subplotspec().get_geometry()[:2] for ax in fig.axes}
    assert positions == {(3, 4)}


def test_plot_faces_one_image_and_image_shape():
    fig = plot_faces(np.arange(48 * 48, dtype=float).reshape(48, 48))
    assert len(fig.axes) == 1
    fig = plot_faces(np.zeros((2, 32 * 24)), image_shape=(32, 24))
    assert fig.axes[1].images[0].get_array().shape == (32, 24)


def test_plot_faces_bad_inputs():
    with pytest.raises(ValueError, match="labels must have one entry per image"):
        plot_faces(np.zeros((3, 2304)), ["a", "b"])
    with pytest.raises(ValueError, match="cannot be read as images of shape"):
        plot_faces(np.zeros((2, 100)), image_shape=(48, 48))
    with pytest.raises(ValueError, match="numeric array"):
        plot_faces([["a"]])


def test_saliency_is_drawn_over_each_face(sample):
    X, _, proba = sample
    maps = np.random.default_rng(1).random((5, 48, 48))
    fig = plot_emotion_analysis(X, proba, EMOTIONS, saliency=maps)
    for i in range(5):
        face, overlay = fig.axes[2 * i].images
        np.testing.assert_array_equal(overlay.get_array(), maps[i])
        assert overlay.get_alpha() < 1
        assert overlay.get_extent() == list(face.get_extent())
    with pytest.raises(ValueError, match="one 2-D map per image"):
        plot_emotion_analysis(X, proba, EMOTIONS, saliency=maps[:3])
