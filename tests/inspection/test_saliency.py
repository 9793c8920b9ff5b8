"""Saliency maps: shapes, layers, occlusion on a known model, and a sanity check."""

import numpy as np
import pytest
import torch

from skfer import FERClassifier
from skfer.inspection import last_conv_block, saliency_map, saliency_sanity
from skfer.inspection._sanity import _rank_correlations
from skfer.models import build_model, relu_before_pooling

#: First row of the lower third of a 48x48 face (where the mouth is).
LOWER_THIRD = 32


def _lower_third_mass(maps):
    total = maps.sum(axis=(1, 2))
    lower = maps[:, LOWER_THIRD:].sum(axis=(1, 2))
    return np.divide(lower, total, out=np.zeros_like(total), where=total > 0)


def mouth_faces(n, seed):
    """Faces whose label depends only on the mouth (a bar in the lower third).

    Three bright or dark squares lie anywhere in the upper two thirds (eyes,
    brows, noise: independent of the label); the mouth is a horizontal bar in
    the lower third, bright for "smile" and dark for "frown".
    """
    rng = np.random.RandomState(seed)
    X = rng.normal(100, 12, (n, 48, 48))
    y = rng.randint(0, 2, n)
    for i in range(n):
        for _ in range(3):
            r, c = rng.randint(2, 26), rng.randint(2, 40)
            X[i, r : r + 6, c : c + 6] += rng.choice([-80, 80])
        r, c = rng.randint(34, 40), rng.randint(12, 22)
        X[i, r : r + 3, c : c + 14] += 80 if y[i] else -80
    images = np.clip(X, 0, 255).astype(np.uint8).reshape(n, -1)
    return images, np.array(["frown", "smile"])[y]


@pytest.fixture(scope="module")
def mouth_model():
    X, y = mouth_faces(200, seed=0)
    clf = FERClassifier(
        "small",
        max_epochs=10,
        lr=5e-3,
        validation_fraction=None,
        precision="float32",
        random_state=0,
    )
    return clf.fit(X, y)


def test_gradcam_of_a_mouth_model_is_on_the_mouth_and_not_when_randomised(
    mouth_model,
):
    X, y = mouth_faces(40, seed=1)
    assert mouth_model.score(X, y) > 0.9  # it has learnt the mouth
    trained = _lower_third_mass(saliency_map(mouth_model, X, target=y))
    assert trained.mean() > 0.55, trained

    # Adebayo et al.'s model randomisation test: same architecture, weights
    # re-initialised; a map that still sat on the mouth would show image
    # structure, not what the model learnt.
    random_model = FERClassifier(
        "small",
        max_epochs=1,
        validation_fraction=None,
        precision="float32",
        random_state=1,
    ).fit(X, y)
    with torch.random.fork_rng():
        torch.manual_seed(1)
        for layer in random_model.net_.module_.modules():
            if hasattr(layer, "reset_parameters"):
                layer.reset_parameters()
    randomised = _lower_third_mass(saliency_map(random_model, X, target=y))
    assert randomised.mean() < 0.45, randomised
    assert trained.mean() - randomised.mean() > 0.2


class _BoxClassifier:
    """Probability of "bright" rises with the mean pixel of one box, nothing else."""

    classes_ = np.array(["dark", "bright"])
    box = (slice(30, 42), slice(10, 22))

    def predict_proba(self, X):
        images = np.asarray(X, dtype=float).reshape(len(X), 48, 48)
        p = 1 / (
            1 + np.exp(-(images[:, self.box[0], self.box[1]].mean((1, 2)) - 128) / 20)
        )
        return np.column_stack([1 - p, p])


def test_occlusion_finds_the_only_region_a_model_reads():
    image = np.full((1, 48 * 48), 100, dtype=np.uint8).reshape(1, 48, 48)
    image[0, 30:42, 10:22] = 250
    maps = saliency_map(_BoxClassifier(), image, method="occlusion", target="bright")
    assert maps.shape == (1, 48, 48) and maps.max() == 1.0
    inside = maps[0, 30:42, 10:22].mean()
    outside = np.delete(maps[0], np.s_[26:46], axis=0).mean()
    assert inside > 0.5 and outside < 0.01


def test_gradcam_maps_have_the_input_shape_and_unit_range(mouth_model):
    X, _ = mouth_faces(3, seed=2)
    maps = saliency_map(mouth_model, X.reshape(3, 48, 48))
    assert maps.shape == (3, 48, 48) and maps.dtype == np.float64
    assert maps.min() >= 0 and np.allclose(maps.max(axis=(1, 2)), 1.0)
    # A target class other than the predicted one gives another map.
    other = saliency_map(mouth_model, X, target="frown")
    smile = saliency_map(mouth_model, X, target="smile")
    assert not np.allclose(other, smile)


@pytest.mark.parametrize(
    "architecture, expected",
    [
        ("model1", "features.4"),
        ("model2", "features.11"),
        ("model3", "features.23"),
        ("small", "features.10"),
    ],
)
def test_last_conv_block_ends_after_the_last_convolution(architecture, expected):
    # as Grad-CAM sees the network: ReLU before max pooling
    module = relu_before_pooling(build_model(architecture, n_classes=3))
    name = last_conv_block(module)
    assert name == expected
    layers = dict(module.named_modules())
    assert isinstance(layers[name], (torch.nn.ReLU, torch.nn.Conv2d))


def test_errors_name_the_problem(mouth_model):
    X, _ = mouth_faces(1, seed=3)
    with pytest.raises(ValueError, match="method must be"):
        saliency_map(mouth_model, X, method="lime")
    with pytest.raises(ValueError, match="needs a fitted FERClassifier"):
        saliency_map(_BoxClassifier(), X, method="gradcam")
    with pytest.raises(ValueError, match="target must be"):
        saliency_map(mouth_model, X, target="happy")
    with pytest.raises(ValueError, match="not a layer"):
        saliency_map(mouth_model, X, layer="nope")
    with pytest.raises(ValueError, match="patch must be"):
        saliency_map(mouth_model, X, method="occlusion", patch=0)
    with pytest.raises(ValueError, match="no nn.Conv2d"):
        last_conv_block(torch.nn.Linear(2, 2))


@pytest.mark.parametrize(
    "architecture, expected, finest",
    [
        ("model1", "features.4", "features.1"),  # 24x24
        ("model2", "features.6", "features.1"),  # 16x16, not the last block's 3x3
        ("model3", "features.18", "features.2"),  # 12x12, not 6x6
        ("small", "features.10", "features.2"),  # 12x12
    ],
)
def test_gradcam_default_layer_has_a_grid_of_at_least_12(
    architecture, expected, finest
):
    module = relu_before_pooling(build_model(architecture, n_classes=3))
    assert last_conv_block(module, min_size=12) == expected
    assert last_conv_block(module, min_size=100) == finest  # none that fine
    assert module.training  # measuring the grids left the mode as it was


def test_gradcam_uses_the_fine_layer_by_default(mouth_model):
    X, _ = mouth_faces(3, seed=4)
    np.testing.assert_array_equal(
        saliency_map(mouth_model, X), saliency_map(mouth_model, X, layer="features.10")
    )


def test_auto_method_is_occlusion_for_model2_and_other_classifiers():
    from skfer import load_pretrained

    X, _ = mouth_faces(1, seed=8)
    model2 = load_pretrained("fer2013-model2")
    np.testing.assert_array_equal(
        saliency_map(model2, X), saliency_map(model2, X, method="occlusion")
    )
    image = np.full((1, 48, 48), 100, dtype=np.uint8)
    np.testing.assert_array_equal(
        saliency_map(_BoxClassifier(), image),
        saliency_map(_BoxClassifier(), image, method="occlusion"),
    )


def test_a_vote_is_explained_by_occlusion_or_a_members_layer(mouth_model, tmp_path):
    from skfer import save_vote

    X, _ = mouth_faces(2, seed=9)
    vote = FERClassifier.from_weights(
        save_vote([mouth_model, mouth_model], tmp_path / "v.safetensors"),
        precision="float32",
    )
    np.testing.assert_array_equal(
        saliency_map(vote, X), saliency_map(vote, X, method="occlusion")
    )
    with pytest.raises(ValueError, match="last member's evidence alone"):
        saliency_map(vote, X, method="gradcam")
    block = last_conv_block(mouth_model.net_.module_, 12)
    first, second = (
        saliency_map(vote, X, method="gradcam", layer=f"members.{i}.{block}")
        for i in (0, 1)
    )
    assert first.shape == (2, 48, 48) and first.max() == 1.0
    np.testing.assert_allclose(first, second, atol=1e-6)  # two identical members


# ---------------------------------------------------------------- sanity check
def test_saliency_sanity_randomized_weights_change_the_maps(mouth_model):
    X, y = mouth_faces(20, seed=5)
    result = saliency_sanity(mouth_model, X, target=y, random_state=0)
    groups = ["head", "features.8", "features.4", "features.0"]  # conv + its bn
    assert result.layers == groups
    assert result.correlations.shape == (4, 20)
    np.testing.assert_allclose(result.correlations_mean, result.correlations.mean(1))
    assert (np.abs(result.correlations) <= 1 + 1e-9).all()
    # every weight random: the maps no longer follow the trained ones
    assert result.correlations_mean[-1] < 0.3, result.correlations_mean
    # the trained model is left as it was
    np.testing.assert_array_equal(
        saliency_map(mouth_model, X, target=y), saliency_map(mouth_model, X, target=y)
    )
    again = saliency_sanity(mouth_model, X, target=y, random_state=0)
    np.testing.assert_array_equal(again.correlations, result.correlations)


def test_saliency_sanity_independent_randomizes_one_layer_at_a_time(mouth_model):
    X, y = mouth_faces(6, seed=6)
    cascading = saliency_sanity(mouth_model, X, target=y, random_state=0)
    independent = saliency_sanity(
        mouth_model, X, target=y, randomization="independent", random_state=0
    )
    assert independent.layers == cascading.layers
    # the first step re-draws the head alone either way
    np.testing.assert_allclose(independent.correlations[0], cascading.correlations[0])
    assert not np.allclose(independent.correlations[1:], cascading.correlations[1:])


def test_rank_correlation_of_maps():
    rng = np.random.RandomState(0)
    a = rng.rand(2, 48, 48)
    np.testing.assert_allclose(_rank_correlations(a, a**3), [1.0, 1.0])
    np.testing.assert_allclose(_rank_correlations(a, -a), [-1.0, -1.0])
    flat = np.zeros((2, 48, 48))  # nothing supports the class: 0, not NaN
    np.testing.assert_array_equal(_rank_correlations(a, flat), [0.0, 0.0])


def test_saliency_sanity_errors_name_the_problem(mouth_model):
    X, _ = mouth_faces(1, seed=7)
    with pytest.raises(ValueError, match="randomization must be"):
        saliency_sanity(mouth_model, X, randomization="all")
    with pytest.raises(ValueError, match="needs a fitted FERClassifier"):
        saliency_sanity(_BoxClassifier(), X)


#: A few FER2013 PrivateTest faces of each emotion (file names sorted).
FACES_PER_EMOTION = 3


@pytest.mark.realdata
def test_saliency_sanity_on_real_faces_with_the_shipped_model3(real_dataset):
    from PIL import Image

    from skfer import load_pretrained

    root = real_dataset("fer2013") / "test"
    files = [
        path
        for emotion in ("angry", "fear", "happy", "neutral", "sad", "surprise")
        for path in sorted((root / emotion).glob("PrivateTest_*.jpg"))[
            :FACES_PER_EMOTION
        ]
    ]
    X = np.stack([np.asarray(Image.open(f).convert("L")) for f in files])
    clf = load_pretrained("fer2013-model3")
    result = saliency_sanity(clf, X.reshape(len(X), -1), random_state=0)
    assert result.layers[0] == "head" and len(result.layers) == 10
    # Adebayo et al.'s test passed: from the first re-drawn layer on, the maps
    # keep little of the trained ones' rank order.
    assert result.correlations_mean.max() < 0.3, result.correlations_mean
    assert np.median(result.correlations[-1]) < 0.3, result.correlations[-1]
