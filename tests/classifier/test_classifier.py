"""FERClassifier: the scikit-learn contract, fine-tuning, weights and errors."""

import pickle
import warnings

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.ensemble import VotingClassifier
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from skorch.callbacks import Callback

from skfer import FERClassifier, NonSquareImageWarning
from skfer.datasets import make_faces

SMALL_PARAMS = dict(max_epochs=3)


# ----------------------------------------------------------------- basic contract
def test_fit_predict_with_string_labels(small, faces):
    X, y = faces
    clf = small().fit(X, y)
    assert clf.classes_.tolist() == sorted(set(y))
    assert clf.n_features_in_ == 2304
    proba = clf.predict_proba(X[:10])
    assert proba.shape == (10, 7)
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-5)
    assert set(clf.predict(X[:10])) <= set(y)
    assert 0.0 <= clf.score(X, y) <= 1.0


def test_integer_labels_and_3d_input_give_the_same_model(small, faces3):
    X, y = faces3
    y_int = np.searchsorted(np.unique(y), y) + 10
    flat = small().fit(X, y_int)
    stack = small().fit(X.reshape(-1, 48, 48), y_int)
    assert flat.classes_.tolist() == [10, 11, 12]
    np.testing.assert_array_equal(
        flat.predict_proba(X), stack.predict_proba(X.reshape(-1, 48, 48))
    )


def test_square_images_of_other_sizes_are_resized(small, faces3):
    X, y = faces3
    big = make_faces(
        len(y),
        classes=("happy", "sad", "surprise"),
        image_size=64,
        random_state=1,
        return_X_y=True,
    )[0]
    clf = small().fit(big, y)
    assert clf.n_features_in_ == 64 * 64
    assert clf.predict(big[:5]).shape == (5,)
    # Square images of another size are resized too (n_features_in_ is not a bar).
    assert clf.predict(X[:5]).shape == (5,)
    with pytest.raises(ValueError, match="10 features"):
        clf.predict(X[:5, :10])


def test_non_square_rows_are_padded_with_a_warning(small):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 5))
    y = (X[:, 0] > 0).astype(int)
    with pytest.warns(NonSquareImageWarning, match="5 features per row"):
        small().fit(X, y)


def test_float_and_uint8_pixels_are_both_learned(small, faces3):
    X, y = faces3
    a = small(max_epochs=8).fit(X, y)
    b = small(max_epochs=8).fit(X / 255.0, y)
    assert a.input_range_ == (0.0, 255.0)
    assert b.input_range_[1] <= 1.0
    # same images in other units give the same network input up to rounding
    np.testing.assert_allclose(
        a.predict_proba(X), b.predict_proba(X / 255.0), atol=0.05
    )


def test_learns_synthetic_faces(small):
    X, y = make_faces(
        150, classes=("happy", "sad", "surprise"), random_state=1, return_X_y=True
    )
    Xt, yt = make_faces(
        60, classes=("happy", "sad", "surprise"), random_state=5, return_X_y=True
    )
    clf = small(max_epochs=15).fit(X, y)
    assert clf.score(Xt, yt) > 0.75  # chance is 0.33


def test_history_has_losses_and_accuracies(small, faces):
    X, y = faces
    clf = small(max_epochs=2, validation_fraction=0.2).fit(X, y)
    assert len(clf.history_) == 2
    for key in ("epoch", "train_loss", "valid_loss", "train_acc", "valid_acc", "dur"):
        assert key in clf.history_[-1]
    assert 0.0 <= clf.history_[-1]["valid_acc"] <= 1.0
    assert "batches" not in clf.history_[-1]


def test_explicit_validation_set(small, faces, faces3):
    X, y = faces
    clf = small(max_epochs=1).fit(X[:100], y[:100], X_val=X[100:], y_val=y[100:])
    assert "valid_acc" in clf.history_[0]
    with pytest.raises(ValueError, match="both X_val and y_val"):
        small().fit(X, y, X_val=X[:5])
    with pytest.raises(ValueError, match="y_val contains labels"):
        small().fit(faces3[0], faces3[1], X_val=X[:5], y_val=["nope"] * 5)


def test_same_random_state_same_predictions_and_global_rng_untouched(small, faces):
    X, y = faces
    state = torch.get_rng_state()
    p1 = small(validation_fraction=0.2).fit(X, y).predict_proba(X)
    assert torch.equal(state, torch.get_rng_state())
    p2 = small(validation_fraction=0.2).fit(X, y).predict_proba(X)
    p3 = small(validation_fraction=0.2, random_state=1).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(p1, p2)
    assert not np.allclose(p1, p3)


def test_pickle_and_joblib_round_trip(small, tmp_path, faces):
    X, y = faces
    clf = small(validation_fraction=0.2).fit(X, y)
    path = tmp_path / "clf.joblib"
    joblib.dump(clf, path)
    loaded = joblib.load(path)
    np.testing.assert_array_equal(clf.predict_proba(X), loaded.predict_proba(X))
    assert loaded.net_.train_split is None  # validation data is not stored
    np.testing.assert_array_equal(
        clf.predict(X), pickle.loads(pickle.dumps(clf)).predict(X)
    )


def test_clone_returns_an_unfitted_copy(small, faces3):
    clf = small(pretrained=None, augment=None).fit(*faces3)
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    assert not hasattr(copy, "net_")


def test_pipeline_and_cross_validate(small, faces3):
    X, y = faces3
    pipe = make_pipeline(FunctionTransformer(lambda a: 255 - a), small(max_epochs=2))
    scores = cross_validate(pipe, X, y, cv=3)
    assert len(scores["test_score"]) == 3


def test_grid_search_over_the_paper_architectures():
    X, y = make_faces(24, classes=("happy", "sad"), random_state=0, return_X_y=True)
    grid = GridSearchCV(
        FERClassifier(
            max_epochs=1, batch_size=16, validation_fraction=None, random_state=0
        ),
        {"architecture": ["model1", "model2", "model3"]},
        cv=2,
    )
    grid.fit(X, y)
    assert grid.cv_results_["param_architecture"].tolist() == [
        "model1",
        "model2",
        "model3",
    ]
    assert grid.best_estimator_.architecture_ in {"model1", "model2", "model3"}


def test_voting_classifier_soft(small, faces3):
    X, y = faces3
    vote = VotingClassifier(
        [("a", small(max_epochs=1)), ("b", small(max_epochs=1, random_state=1))],
        voting="soft",
    ).fit(X, y)
    assert vote.predict_proba(X).shape == (len(X), 3)


# ----------------------------------------------------------------- fine-tuning
def test_warm_start_continues_where_the_first_fit_stopped(small, faces):
    X, y = faces
    clf = small(max_epochs=8).fit(X, y)
    end_of_first = clf.history_[-1]["train_loss"]
    cold_start = clf.history_[0]["train_loss"]
    clf.set_params(warm_start=True, max_epochs=1).fit(X, y)
    assert len(clf.history_) == 9
    start_of_second = clf.history_[-1]["train_loss"]
    assert abs(start_of_second - end_of_first) < abs(cold_start - end_of_first) / 3
    # without warm_start a refit starts over
    clf.set_params(warm_start=False).fit(X, y)
    assert len(clf.history_) == 1
    assert clf.history_[0]["train_loss"] == pytest.approx(cold_start, rel=1e-5)


def test_partial_fit_runs_one_epoch_per_call(small, faces):
    X, y = faces
    classes = np.unique(y)
    clf = small()
    clf.partial_fit(X[:40], y[:40], classes=classes)
    clf.partial_fit(X[40:80], y[40:80])
    assert len(clf.history_) == 2
    assert clf.classes_.tolist() == classes.tolist()
    with pytest.raises(ValueError, match="not in classes_"):
        clf.partial_fit(X[:5], ["contempt"] * 5)


def test_classes_parameter_declares_missing_labels(small, faces3):
    X, y = faces3
    clf = small(classes=["happy", "sad", "surprise", "neutral"]).fit(X, y)
    assert clf.predict_proba(X[:2]).shape == (2, 4)
    with pytest.raises(ValueError, match="not in classes"):
        small(classes=["happy", "sad"]).fit(X, y)


@pytest.fixture(scope="module")
def source_weights(small, tmp_path_factory, faces):
    X, y = faces
    # model2 has no batch norm: with a negligible learning rate its weights, and
    # so its predictions, stay exactly where a fine-tuning fit starts.
    source = small(architecture="model2", max_epochs=4, lr=1e-3).fit(X, y)
    path = tmp_path_factory.mktemp("weights") / "source.safetensors"
    source.save_weights(path, dataset="synthetic")
    return source, path


def test_save_weights_is_safetensors_and_round_trips(source_weights, faces):
    source, path = source_weights
    head = path.read_bytes()[:9]
    assert head[8:9] == b"{"  # safetensors: u64 header length, then JSON
    loaded = FERClassifier.from_weights(path)
    assert loaded.architecture_ == "model2"
    np.testing.assert_array_equal(loaded.classes_, source.classes_)
    np.testing.assert_array_equal(
        loaded.predict_proba(faces[0]), source.predict_proba(faces[0])
    )
    assert loaded.pretrained == path


def test_loading_rejects_pickles_and_foreign_files(tmp_path, source_weights):
    bad = tmp_path / "evil.safetensors"
    bad.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(ValueError, match="not a readable safetensors"):
        FERClassifier.from_weights(bad)
    with pytest.raises(ValueError, match="neither a registered name"):
        FERClassifier(pretrained=tmp_path / "missing.safetensors").fit(
            np.zeros((4, 2304)), [0, 1, 0, 1]
        )


def test_pretrained_start_is_identical_across_clones(small, source_weights, faces):
    source, path = source_weights
    X, y = faces
    # a negligible learning rate leaves the weights where the fit started
    base = small(pretrained=path, architecture=None, max_epochs=1, lr=1e-12)
    assert clone(base).get_params()["pretrained"] == path
    a = clone(base).set_params(random_state=1).fit(X, y)
    b = clone(base).set_params(random_state=2).fit(X, y)
    np.testing.assert_allclose(a.predict_proba(X), source.predict_proba(X), atol=1e-5)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-5)


def test_fine_tuning_to_a_subset_of_classes_keeps_their_outputs(
    small, source_weights, faces
):
    source, path = source_weights
    X, y = faces
    keep = np.isin(y, ["happy", "sad", "surprise"])
    tuned = small(pretrained=path, architecture=None, max_epochs=1, lr=1e-12)
    tuned.fit(X[keep], y[keep])
    assert tuned.classes_.tolist() == ["happy", "sad", "surprise"]
    src = source.predict_proba(X)[:, np.searchsorted(source.classes_, tuned.classes_)]
    np.testing.assert_allclose(
        tuned.predict_proba(X), src / src.sum(1, keepdims=True), atol=1e-4
    )
    # and real fine-tuning on the subset learns it
    tuned = small(pretrained=path, architecture=None, max_epochs=10, lr=1e-3)
    assert tuned.fit(X[keep], y[keep]).score(X[keep], y[keep]) > 0.6


def test_cross_validate_from_pretrained(small, source_weights, faces3):
    _, path = source_weights
    clf = small(pretrained=path, architecture=None, max_epochs=2, lr=1e-3)
    scores = cross_validate(clf, *faces3, cv=2)
    assert np.all(scores["test_score"] > 0.3)


def test_pretrained_architecture_mismatch_is_an_error(small, source_weights, faces):
    _, path = source_weights
    with pytest.raises(ValueError, match="does not match the pretrained weights"):
        small(pretrained=path, architecture="small").fit(*faces)


def test_early_stopping_restores_the_best_epoch(small, faces):
    X, y = faces
    clf = small(
        max_epochs=12,
        validation_fraction=0.3,
        early_stopping=True,
        n_iter_no_change=2,
        lr=3e-2,
        precision="float32",
    ).fit(X, y)
    losses = [row["valid_loss"] for row in clf.history_]
    assert len(losses) <= 12
    best = int(np.argmin(losses))
    assert len(losses) - 1 - best <= 2
    with pytest.raises(ValueError, match="needs a validation set"):
        small(early_stopping=True).fit(X, y)


def test_keyboard_interrupt_keeps_the_epochs_done(small, faces):
    class Interrupt(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 2:
                raise KeyboardInterrupt

    X, y = faces
    clf = small(max_epochs=5, callbacks=[("stop", Interrupt())]).fit(X, y)
    assert len(clf.history_) == 2
    assert clf.predict(X[:3]).shape == (3,)


# ----------------------------------------------------------------- precision/tta
def test_bfloat16_predictions_match_float32(small, faces):
    X, y = faces
    clf = small(max_epochs=6, precision="float32").fit(X, y)
    p32 = clf.predict_proba(X)
    p16 = clf.set_params(precision="bfloat16").predict_proba(X)
    np.testing.assert_allclose(p16, p32, atol=0.05)
    assert np.mean(p16.argmax(1) == p32.argmax(1)) >= 0.95


def test_bfloat16_training_learns_like_float32(small, faces3):
    X, y = faces3
    a = small(max_epochs=10, precision="float32").fit(X, y).score(X, y)
    b = small(max_epochs=10, precision="bfloat16").fit(X, y).score(X, y)
    assert abs(a - b) <= 0.1


def test_flip_tta_averages_the_mirror_image(small, faces3):
    X, y = faces3
    clf = small(max_epochs=2).fit(X, y)
    mirrored = X.reshape(-1, 48, 48)[:, :, ::-1].reshape(len(X), -1)
    expected = (clf.predict_proba(X) + clf.predict_proba(mirrored)) / 2
    np.testing.assert_allclose(
        clf.set_params(tta="flip").predict_proba(X), expected, atol=1e-6
    )


def test_crops_tta_averages_shifted_crops_and_their_mirror_images(small, faces3):
    X, y = faces3
    clf = small(max_epochs=2).fit(X, y)
    images = X.reshape(-1, 48, 48)
    padded = np.pad(images, ((0, 0), (2, 2), (2, 2)), mode="edge")
    views = [
        padded[:, top : top + 48, left : left + 48]
        for top, left in ((2, 2), (0, 0), (0, 4), (4, 0), (4, 4))
    ]
    views += [v[:, :, ::-1] for v in views]
    expected = np.mean(
        [clf.predict_proba(v.reshape(len(X), -1)) for v in views], axis=0
    )
    got = clf.set_params(tta="crops").predict_proba(X)
    np.testing.assert_allclose(got, expected, atol=1e-6)
    np.testing.assert_allclose(got.sum(1), 1, atol=1e-6)


def test_unknown_tta_is_a_clear_error(small, faces3):
    X, y = faces3
    with pytest.raises(ValueError, match="tta"):
        small(max_epochs=1, tta="ten-crop").fit(X, y)


def test_verbose_prints_one_line_per_epoch(small, faces3, capsys):
    small(max_epochs=2, verbose=1).fit(*faces3)
    out = capsys.readouterr().out
    assert "train_loss" in out and "train_acc" in out
    assert len([line for line in out.splitlines() if line.strip()[:1].isdigit()]) == 2
    # captured output is not a terminal: no colour codes in logs
    assert "\x1b[" not in out


def test_silent_by_default(small, faces3, capsys):
    small(max_epochs=2).fit(*faces3)
    assert capsys.readouterr().out == ""


def test_verbose_keeps_colours_on_a_terminal(small, faces3, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
    small(max_epochs=2, verbose=1).fit(*faces3)
    assert "\x1b[" in capsys.readouterr().out


# ----------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "make_X, make_y, match",
    [
        (lambda X: X.astype(float) * np.nan, lambda y: y, "NaN"),
        (lambda X: np.where(X > 100, np.inf, X), lambda y: y, "infinity"),
        (lambda X: X[:0], lambda y: y[:0], "0 sample"),
        (lambda X: X, lambda y: y[:-1], "inconsistent numbers of samples"),
        (lambda X: X, lambda y: np.full(len(y), "happy"), "at least 2 classes"),
        (lambda X: X.reshape(len(X), 2, 2, -1), lambda y: y, "dim"),
        (lambda X: X, lambda y: np.linspace(0, 1, len(y)), "Unknown label type"),
    ],
)
def test_clear_errors_on_bad_input(small, faces3, make_X, make_y, match):
    X, y = faces3
    with pytest.raises(ValueError, match=match):
        small().fit(make_X(X), make_y(y))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"architecture": "resnet"}, "Unknown architecture 'resnet'"),
        ({"precision": "float16"}, "precision"),
        ({"max_epochs": 0}, "max_epochs"),
        ({"lr": -1.0}, "lr"),
        ({"optimizer": "lbfgs"}, "optimizer"),
    ],
)
def test_clear_errors_on_bad_parameters(small, faces3, params, match):
    with pytest.raises(ValueError, match=match):
        small(**params).fit(*faces3)


def test_predict_before_fit_raises_not_fitted(small, faces3):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        small().predict(faces3[0])


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_cuda_without_gpu_is_a_clear_error(small, faces3):
    with pytest.raises(ValueError, match="no CUDA GPU is available"):
        small(device="cuda").fit(*faces3)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_training_and_moving_weights_between_devices(small, faces3):
    X, y = faces3
    clf = small(device="cuda", max_epochs=2).fit(X, y)
    assert next(clf.net_.module_.parameters()).is_cuda
    p_gpu = clf.predict_proba(X)
    p_cpu = clf.set_params(device="cpu").predict_proba(X)
    assert not next(clf.net_.module_.parameters()).is_cuda
    np.testing.assert_allclose(p_gpu, p_cpu, atol=0.05)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_a_cuda_fit_slices_and_augments_batches_on_the_gpu(small, faces3, monkeypatch):
    from skfer.classifier import _batching

    seen = []
    prepare = _batching.BatchIterator._prepare

    def spy(self, xb, generator):
        seen.append(xb.device.type)  # before any transfer skorch would make
        return prepare(self, xb, generator)

    monkeypatch.setattr(_batching.BatchIterator, "_prepare", spy)
    X, y = faces3
    weights = np.linspace(0.5, 1.5, len(y))
    small(device="cuda", max_epochs=1, augment="standard").fit(
        X, y, sample_weight=weights
    )
    assert seen and set(seen) == {"cuda"}


# ------------------------------------------------------ sample and class weights
def test_sample_weight_steers_the_training(small, faces3):
    X, y = faces3
    # "happy" samples count fifty times more: the network learns to answer "happy".
    weights = np.where(y == "happy", 1.0, 0.02)
    clf = small(max_epochs=5, lr=1e-2).fit(X, y, sample_weight=weights)
    assert np.mean(clf.predict(X) == "happy") > 0.9
    unweighted = small(max_epochs=5, lr=1e-2).fit(X, y)
    assert np.mean(unweighted.predict(X) == "happy") < 0.9


def test_class_weight_balanced_equals_its_sample_weights(small, faces3):
    X, y = faces3
    keep = (y != "sad") | (np.arange(len(y)) % 3 == 0)  # fewer "sad" faces
    X, y = X[keep], y[keep]
    labels, counts = np.unique(y, return_counts=True)
    per_class = dict(zip(labels, len(y) / (len(labels) * counts)))
    balanced = small(class_weight="balanced", mixup_alpha=0.4).fit(X, y)
    explicit = small(mixup_alpha=0.4).fit(
        X, y, sample_weight=[per_class[label] for label in y]
    )
    as_dict = small(class_weight=per_class, mixup_alpha=0.4).fit(X, y)
    p = balanced.predict_proba(X)
    np.testing.assert_allclose(p, explicit.predict_proba(X), atol=1e-4)
    np.testing.assert_allclose(p, as_dict.predict_proba(X), atol=1e-4)
    assert not np.allclose(p, small(mixup_alpha=0.4).fit(X, y).predict_proba(X))


def test_sample_weight_on_one_class_only_is_refused(small, faces3):
    X, y = faces3
    with pytest.raises(ValueError, match="positive weight on one class only"):
        small().fit(X, y, sample_weight=(y == "happy").astype(float))


def test_uniform_sample_weight_is_the_unweighted_fit(small, faces3):
    X, y = faces3
    a = small().fit(X, y).predict_proba(X)
    b = small().fit(X, y, sample_weight=np.full(len(y), 3.0)).predict_proba(X)
    np.testing.assert_array_equal(a, b)


def test_sample_weight_is_not_pickled(small, faces3):
    X, y = faces3
    clf = small().fit(X, y, sample_weight=np.linspace(1, 2, len(y)))
    assert clf.net_.iterator_train__sample_weight is None
    assert len(pickle.dumps(clf)) < len(pickle.dumps(small().fit(X, y))) + 1000


# ------------------------------------------------------------ distillation
def _one_hot(codes, n_classes):
    return np.eye(n_classes)[codes]


def test_teacher_proba_steers_the_training(small, faces3):
    X, y = faces3
    classes = np.unique(y)
    # A teacher that calls every face "happy": with all the weight on it, the
    # network follows the teacher, not the labels.
    teacher = _one_hot(np.zeros(len(y), int), len(classes))
    clf = small(max_epochs=5, lr=1e-2, distillation_weight=1.0)
    clf.fit(X, y, teacher_proba=teacher)
    assert np.mean(clf.predict(X) == "happy") > 0.9
    labels_only = small(max_epochs=5, lr=1e-2).fit(X, y)
    assert np.mean(labels_only.predict(X) == "happy") < 0.9


def test_distillation_weight_zero_is_the_plain_fit(small, faces3):
    X, y = faces3
    teacher = np.full((len(y), 3), 1 / 3)
    a = small(label_smoothing=0.1, mixup_alpha=0.4).fit(X, y)
    b = small(label_smoothing=0.1, mixup_alpha=0.4, distillation_weight=0.0)
    b.fit(X, y, teacher_proba=teacher)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-4)
    c = small(label_smoothing=0.1, mixup_alpha=0.4).fit(X, y, teacher_proba=teacher)
    assert not np.allclose(a.predict_proba(X), c.predict_proba(X), atol=1e-4)


def test_teacher_proba_rides_along_with_weights_and_the_split(small, faces3):
    X, y = faces3
    # The teacher agrees with the labels: the same fit as with one-hot targets,
    # whichever rows the validation split takes, with weights beside it.
    codes = np.searchsorted(np.unique(y), y)
    weights = np.linspace(0.5, 1.5, len(y))
    params = dict(validation_fraction=0.2, distillation_weight=1.0)
    a = small(**params).fit(X, y, sample_weight=weights)
    b = small(**params).fit(
        X, y, sample_weight=weights, teacher_proba=_one_hot(codes, 3)
    )
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-4)
    assert b.net_.iterator_train__teacher_proba is None  # not pickled


@pytest.mark.parametrize(
    "teacher, match",
    [
        (np.full((90, 2), 0.5), r"shape \(90, 3\); got \(90, 2\)"),
        (np.full((89, 3), 1 / 3), r"shape \(90, 3\); got \(89, 3\)"),
        (np.full((90, 3), 0.5), "must sum to 1"),
        (np.tile([1.5, -0.5, 0.0], (90, 1)), "negative values"),
        (np.full((90, 3), np.nan), "NaN"),
    ],
)
def test_bad_teacher_proba_is_refused(small, faces3, teacher, match):
    X, y = faces3
    with pytest.raises(ValueError, match=match):
        small().fit(X, y, teacher_proba=teacher)


def test_set_fit_request_routes_sample_weight(faces3):
    import sklearn

    X, y = faces3
    seen = []

    class Spy(FERClassifier):
        def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None):
            seen.append(sample_weight is not None)
            return super().fit(X, y, sample_weight=sample_weight)

    with sklearn.config_context(enable_metadata_routing=True):
        est = Spy("small", max_epochs=1, validation_fraction=None, random_state=0)
        cross_validate(
            est.set_fit_request(sample_weight=True).set_score_request(
                sample_weight=False
            ),
            X,
            y,
            cv=2,
            params={"sample_weight": np.ones(len(y))},
        )
    assert seen == [True, True]


# ---------------------------------------------------------- pixel units, sizes
def test_pretrained_scores_float_unit_images_like_uint8():
    from skfer import InputUnitsWarning, load_pretrained

    X, y = make_faces(n_samples=70, random_state=0, return_X_y=True)
    model = load_pretrained("fer2013-model3")
    with pytest.warns(InputUnitsWarning, match="multiplying by 255"):
        unit = model.predict_proba(X / 255.0)
    np.testing.assert_allclose(unit, model.predict_proba(X), atol=1e-6)


def test_fine_tuning_from_pretrained_reads_unit_images_as_uint8(small, faces3):
    from skfer import InputUnitsWarning

    X, y = faces3
    params = dict(pretrained="fer2013-model3", architecture=None, max_epochs=1)
    with pytest.warns(InputUnitsWarning, match="fer2013-model3"):
        unit = small(**params).fit(X / 255.0, y)
    byte = small(**params).fit(X, y)
    np.testing.assert_allclose(unit.predict_proba(X), byte.predict_proba(X), atol=1e-4)


def test_pretrained_takes_rows_of_other_square_sizes():
    from skfer import load_pretrained

    X, _ = make_faces(n_samples=8, image_size=64, random_state=0, return_X_y=True)
    model = load_pretrained("fer2013-model2")
    assert model.n_features_in_ == 2304
    assert model.predict(X).shape == (8,)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # gray stacks of any size: no warning
        stack = make_faces(n_samples=8, image_size=96, random_state=0).images
        assert model.predict(stack).shape == (8,)


def test_warm_start_rebuilds_after_a_new_architecture(small, faces3):
    X, y = faces3
    clf = small(warm_start=True).fit(X, y)
    with pytest.warns(UserWarning, match="architecture changed"):
        clf.set_params(architecture="model3", max_epochs=1).fit(X, y)
    assert clf.architecture_ == "model3"
    assert len(clf.history_) == 1  # a new network, a new history


# ------------------------------------------- log-probabilities, threads, pickles
def test_predict_log_proba_is_the_log_of_predict_proba(small, faces3):
    X, y = faces3
    clf = small(max_epochs=1).fit(X, y)
    log_proba = clf.predict_log_proba(X[:5])
    assert log_proba.shape == (5, 3) and (log_proba <= 0).all()
    np.testing.assert_allclose(log_proba, np.log(clf.predict_proba(X[:5])))
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        small().predict_log_proba(X[:5])


def test_tags_say_stacks_of_images_are_accepted(small, faces3):
    assert small().__sklearn_tags__().input_tags.three_d_array is True
    X, y = faces3
    clf = small(max_epochs=1).fit(X.reshape(-1, 48, 48), y)
    assert clf.predict(X[:3].reshape(-1, 48, 48)).shape == (3,)


def test_n_threads_scopes_torch_threads_to_fit_and_predict(small, faces3):
    X, y = faces3
    before = torch.get_num_threads()
    seen = []

    class Threads(Callback):
        def on_epoch_begin(self, net, **kwargs):
            seen.append(torch.get_num_threads())

    target = 1 if before > 1 else 2
    clf = small(max_epochs=1, n_threads=target, callbacks=[("t", Threads())])
    clf.fit(X, y)
    assert seen == [target] and torch.get_num_threads() == before
    clf.predict(X[:20])
    assert torch.get_num_threads() == before
    with pytest.raises(ValueError, match="'n_threads' parameter"):
        small(n_threads=0).fit(X, y)
    with pytest.raises(ValueError, match="n_threads must be a positive int"):
        clf.set_params(n_threads=0).predict(X[:2])


def test_pickle_leaves_out_the_optimizer_state_unless_asked(faces3):
    X, y = faces3
    clf = FERClassifier(
        "model2", max_epochs=1, batch_size=45, validation_fraction=None, random_state=0
    ).fit(X, y)
    weights = sum(t.numel() * 4 for t in clf.net_.module_.state_dict().values())
    light = pickle.dumps(clf)
    assert len(light) < 1.05 * weights  # it was 4x: a module copy and Adam's moments
    assert len(clf.net_.optimizer_.state) > 0  # the fitted model keeps its own
    loaded = pickle.loads(light)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert loaded.net_.module is loaded.net_.module_
    assert len(loaded.net_.optimizer_.state) == 0
    assert loaded.net_.optimizer_.param_groups[0]["lr"] == clf.lr
    kept = pickle.dumps(clf.set_params(keep_optimizer_state=True))
    assert len(kept) > 2.5 * weights
    assert len(pickle.loads(kept).net_.optimizer_.state) > 0


def test_training_goes_on_after_unpickling(small, faces3):
    X, y = faces3
    clf = small(max_epochs=1, warm_start=True).fit(X, y)
    # A warm_start fit starts a fresh optimizer anyway: the pickle changes nothing.
    loaded = pickle.loads(pickle.dumps(clf)).fit(X, y)
    clf.fit(X, y)
    assert len(loaded.history_) == len(clf.history_) == 2
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    # partial_fit goes on exactly across a pickle when the optimizer is kept ...
    exact = small(max_epochs=1, keep_optimizer_state=True).fit(X, y)
    reloaded = pickle.loads(pickle.dumps(exact)).partial_fit(X, y)
    exact.partial_fit(X, y)
    np.testing.assert_array_equal(reloaded.predict_proba(X), exact.predict_proba(X))
    # ... and with moments that start afresh otherwise
    restarted = pickle.loads(pickle.dumps(clf)).partial_fit(X, y)
    assert len(restarted.history_) == 3
