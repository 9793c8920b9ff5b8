import numpy as np
import pytest
from PIL import Image
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from skfer.preprocessing import (
    FaceCropper,
    Grayscale,
    HistogramEqualization,
    Resize,
)

TRANSFORMERS = [FaceCropper(), Grayscale(), HistogramEqualization(), Resize()]


@pytest.mark.parametrize("estimator", TRANSFORMERS, ids=lambda e: type(e).__name__)
def test_sklearn_conventions(estimator):
    name = type(estimator).__name__
    check_no_attributes_set_in_init(name, clone(estimator))
    check_parameters_default_constructible(name, clone(estimator))
    check_get_params_invariance(name, clone(estimator))
    check_set_params(name, clone(estimator))
    X = np.zeros((2, 48, 48), dtype=np.uint8)
    assert estimator.fit(X) is estimator
    assert estimator.__sklearn_tags__().requires_fit is False


def test_grayscale_matches_pillow():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, size=(20, 30, 3), dtype=np.uint8)
    rgba = np.dstack([rgb, np.full((20, 30), 7, np.uint8)])
    gray, gray_a = Grayscale().fit_transform([rgb, rgba])
    expected = np.asarray(Image.fromarray(rgb).convert("L")).astype(int)
    assert np.abs(gray.astype(int) - expected).max() <= 1
    np.testing.assert_array_equal(gray, gray_a)


def test_grayscale_keeps_gray_and_layout():
    flat = np.arange(2 * 16, dtype=np.uint8).reshape(2, 16)
    np.testing.assert_array_equal(Grayscale().fit_transform(flat), flat)
    one_channel = np.zeros((3, 5, 5, 1), dtype=np.uint8)
    assert Grayscale().fit_transform(one_channel).shape == (3, 5, 5)
    mixed = Grayscale().fit_transform([np.zeros((4, 4)), np.zeros((6, 6, 3))])
    assert isinstance(mixed, list) and mixed[1].shape == (6, 6)


def test_resize_sizes_and_flatten():
    images = [np.full((100, 60), 90, np.uint8), np.full((20, 20), 10, np.uint8)]
    X = Resize().fit_transform(images)
    assert X.shape == (2, 2304) and X.dtype == np.uint8
    assert (X[0] == 90).all() and (X[1] == 10).all()
    assert Resize(size=(24, 32), flatten=False).fit_transform(images).shape == (
        2,
        24,
        32,
    )
    assert Resize(8).fit_transform(np.zeros((3, 16, 16, 3))).shape == (3, 8 * 8 * 3)


def test_resize_passes_right_size_through():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(3, 2304), dtype=np.uint8)
    np.testing.assert_array_equal(Resize().fit_transform(X), X)


def test_resize_shrinks_smoothly():
    checker = (np.indices((96, 96)).sum(axis=0) % 2 * 255).astype(np.uint8)
    out = Resize(flatten=False).fit_transform([checker])[0]
    assert 100 < out.mean() < 155 and out.std() < 40  # averaged, no aliasing


@pytest.mark.parametrize("size", [0, -3, (4,), (4, 0), 2.5, "48", True])
def test_resize_bad_size(size):
    with pytest.raises(ValueError, match="size must be a positive int"):
        Resize(size=size).fit_transform([np.zeros((4, 4))])


def test_resize_mixed_channels():
    with pytest.raises(ValueError, match="apply Grayscale first"):
        Resize().fit_transform([np.zeros((4, 4)), np.zeros((4, 4, 3))])


def test_resize_bad_flatten_names_the_parameter():
    with pytest.raises(ValueError, match="'flatten' parameter of Resize"):
        Resize(flatten="no").fit_transform([np.zeros((4, 4))])


def test_histogram_equalization():
    rng = np.random.default_rng(0)
    dim = rng.integers(100, 120, size=(32, 32)).astype(np.uint8)
    out = HistogramEqualization().fit_transform([dim])[0]
    assert out.min() == 0 and out.max() == 255
    order = np.argsort(dim, axis=None, kind="stable")
    assert (np.diff(out.ravel()[order].astype(int)) >= 0).all()  # monotonic mapping
    constant = np.full((5, 5), 42, np.uint8)
    np.testing.assert_array_equal(
        HistogramEqualization().fit_transform([constant])[0], constant
    )
    assert HistogramEqualization().fit_transform(np.zeros((2, 4, 4, 3))).shape == (
        2,
        4,
        4,
    )


def test_pipeline_on_photos_of_any_size_and_clone():
    rng = np.random.default_rng(0)
    photos = [
        rng.integers(0, 256, size=(120, 90, 3)).astype(np.uint8),
        rng.integers(0, 256, size=(64, 64)).astype(np.uint8),
    ]
    pipe = make_pipeline(Grayscale(), HistogramEqualization(), Resize(size=32))
    X = pipe.fit_transform(photos)
    assert X.shape == (2, 1024) and X.dtype == np.uint8
    np.testing.assert_array_equal(clone(pipe).fit_transform(photos), X)
    assert pipe.set_params(resize__size=16).fit_transform(photos).shape == (2, 256)


def test_importing_loaders_and_transformers_does_not_import_matplotlib():
    import subprocess
    import sys

    code = (
        "import sys, skfer.datasets, skfer.preprocessing; "
        "assert 'matplotlib' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------ output columns
ROWS = np.random.default_rng(0).integers(0, 256, size=(3, 64 * 64), dtype=np.uint8)
ONE_TO_ONE = [Grayscale(), HistogramEqualization()]


@pytest.mark.parametrize("estimator", ONE_TO_ONE, ids=lambda e: type(e).__name__)
def test_one_to_one_transformers_name_pixel_columns(estimator):
    est = clone(estimator).fit(ROWS)
    assert est.n_features_in_ == 4096
    names = est.get_feature_names_out()
    assert names.dtype == object and names[0] == "pixel_0" and len(names) == 4096
    out = est.set_output(transform="pandas").transform(ROWS)
    assert list(out.columns) == list(names)
    np.testing.assert_array_equal(out.to_numpy(), clone(estimator).fit_transform(ROWS))
    # a DataFrame's own column names are kept
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(ROWS, columns=[f"p{i}" for i in range(4096)])
    est = clone(estimator).set_output(transform="pandas").fit(frame)
    assert est.transform(frame).columns[-1] == "p4095"
    np.testing.assert_array_equal(
        est.get_feature_names_out(frame.columns), frame.columns
    )
    with pytest.raises(ValueError, match="not equal to feature_names_in_"):
        est.get_feature_names_out(names)
    with pytest.raises(ValueError, match="length equal"):
        clone(estimator).fit(ROWS).get_feature_names_out(names[:5])


def test_resize_names_its_output_pixels_and_set_output_gives_frames():
    pd = pytest.importorskip("pandas")
    resize = Resize(size=(6, 8)).set_output(transform="pandas")
    out = resize.fit_transform(ROWS)
    assert isinstance(out, pd.DataFrame) and out.shape == (3, 48)
    assert out.columns[0] == "pixel_0" and out.columns[-1] == "pixel_47"
    np.testing.assert_array_equal(
        out.to_numpy(), Resize(size=(6, 8)).fit_transform(ROWS)
    )
    # names do not need a fit: the output size is a parameter
    assert len(Resize().get_feature_names_out()) == 2304
    with pytest.raises(ValueError, match="flatten=False"):
        Resize(flatten=False).get_feature_names_out()


def test_pipeline_set_output_and_global_config():
    pd = pytest.importorskip("pandas")
    import sklearn

    pipe = make_pipeline(Grayscale(), HistogramEqualization(), Resize(size=16))
    out = pipe.set_output(transform="pandas").fit_transform(ROWS)
    assert isinstance(out, pd.DataFrame) and out.shape == (3, 256)
    assert list(pipe.get_feature_names_out()) == list(out.columns)
    with sklearn.config_context(transform_output="pandas"):
        assert isinstance(Resize(size=4).fit_transform(ROWS), pd.DataFrame)
    assert isinstance(Resize(size=4).fit_transform(ROWS), np.ndarray)  # default


def test_outputs_without_columns_refuse_table_output_clearly():
    pytest.importorskip("pandas")
    stack = np.zeros((2, 8, 8, 3), dtype=np.uint8)
    with pytest.raises(NotFittedError, match="fit it on flattened images"):
        Grayscale().set_output(transform="pandas").fit_transform(stack)
    fitted = Grayscale().set_output(transform="pandas").fit(ROWS)
    with pytest.raises(ValueError, match="output has shape"):
        fitted.transform(np.zeros((2, 16), dtype=np.uint8))  # 16 columns, not 4096
    with pytest.raises(ValueError, match="flatten=False"):
        Resize(flatten=False).set_output(transform="pandas").fit_transform(stack)
    with pytest.raises(ValueError, match="apply Grayscale first|output has shape"):
        Resize(size=4).set_output(transform="pandas").fit_transform(stack)
    # fitted on images, not rows: no columns recorded (and none left from before)
    assert not hasattr(Grayscale().fit(ROWS).fit(stack), "n_features_in_")
    assert not hasattr(FaceCropper(), "set_output")  # its crops vary in size
