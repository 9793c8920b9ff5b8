"""Checks against the real datasets (skip unless SKFER_DATA points at them)."""

import collections

import numpy as np
import pytest

from skfer.datasets import EMOTIONS, load_ckplus, load_fer2013, load_jaffe

pytestmark = pytest.mark.realdata

FER2013_COUNTS = {
    "Training": {
        "angry": 3995,
        "disgust": 436,
        "fear": 4097,
        "happy": 7215,
        "sad": 4830,
        "surprise": 3171,
        "neutral": 4965,
    },
    "PublicTest": {
        "angry": 467,
        "disgust": 56,
        "fear": 496,
        "happy": 895,
        "sad": 653,
        "surprise": 415,
        "neutral": 607,
    },
    "PrivateTest": {
        "angry": 491,
        "disgust": 55,
        "fear": 528,
        "happy": 879,
        "sad": 594,
        "surprise": 416,
        "neutral": 626,
    },
}
# Paper's Table 1: 327 peak frames (contempt 18 merged into disgust 59) + 327 neutral.
CKPLUS_PAPER = {
    "angry": 45,
    "disgust": 77,
    "fear": 25,
    "happy": 69,
    "sad": 28,
    "surprise": 83,
    "neutral": 327,
}


def _check_rows(faces):
    assert faces.data.dtype == np.uint8
    assert faces.data.ndim == 2 and faces.data.shape[1] == 2304
    assert faces.data.min() >= 0 and faces.data.max() <= 255
    assert len(faces.target) == len(faces.data) == len(faces.filenames)
    assert set(faces.target) <= set(EMOTIONS) | {"contempt"}


@pytest.fixture(scope="module")
def fer_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("fer-cache")


@pytest.fixture(scope="module")
def fer(real_dataset, fer_cache):
    return load_fer2013(real_dataset("fer2013"), cache=fer_cache)


def test_fer2013_splits_and_classes(fer):
    _check_rows(fer)
    counts = collections.Counter(fer.usage.tolist())
    assert counts == {"Training": 28709, "PublicTest": 3589, "PrivateTest": 3589}
    for usage, expected in FER2013_COUNTS.items():
        got = collections.Counter(fer.target[fer.usage == usage].tolist())
        assert got == expected, usage
    assert fer.target_names.tolist() == list(EMOTIONS)
    assert fer.groups is None


def test_fer2013_second_load_comes_from_the_cache(
    fer, real_dataset, fer_cache, monkeypatch
):
    # No image is decoded again (its speed is measured by benchmarks/loading.py).
    from skfer.datasets import _files

    def no_decoding(path):
        raise AssertionError(f"{path} was decoded again instead of read from cache")

    monkeypatch.setattr(_files, "read_gray_image", no_decoding)
    again = load_fer2013(real_dataset("fer2013"), cache=fer_cache)
    np.testing.assert_array_equal(again.data, fer.data)
    np.testing.assert_array_equal(again.target, fer.target)


def test_fer2013_subset(real_dataset, tmp_path):
    X, y = load_fer2013(
        real_dataset("fer2013"), subset="PrivateTest", return_X_y=True, cache=tmp_path
    )
    assert X.shape == (3589, 2304) and len(y) == 3589


def test_ckplus_paper_set(real_dataset, tmp_path):
    faces = load_ckplus(real_dataset("ckplus"), cache=tmp_path)
    _check_rows(faces)
    assert len(faces.data) == 654
    assert collections.Counter(faces.target.tolist()) == CKPLUS_PAPER
    assert len(set(faces.groups)) == 118


def test_ckplus_all_images(real_dataset, tmp_path):
    faces = load_ckplus(
        real_dataset("ckplus"), contempt="keep", neutral="all", cache=tmp_path
    )
    _check_rows(faces)
    assert len(faces.data) == 920
    assert len(set(faces.groups)) == 123
    counts = collections.Counter(faces.target.tolist())
    assert counts["contempt"] == 18 and counts["neutral"] == 593


def test_ckplus48(real_dataset, tmp_path):
    faces = load_ckplus(real_dataset("ckplus48"), contempt="keep", cache=tmp_path)
    _check_rows(faces)
    assert len(faces.data) == 981
    assert len(set(faces.groups)) == 118
    assert collections.Counter(faces.target.tolist()) == {
        "angry": 135,
        "contempt": 54,
        "disgust": 177,
        "fear": 75,
        "happy": 207,
        "sad": 84,
        "surprise": 249,
    }


def test_jaffe(real_dataset, tmp_path):
    faces = load_jaffe(real_dataset("jaffe"), cache=tmp_path)
    _check_rows(faces)
    assert len(faces.data) == 213
    assert sorted(set(faces.groups)) == [
        "KA",
        "KL",
        "KM",
        "KR",
        "MK",
        "NA",
        "NM",
        "TM",
        "UY",
        "YM",
    ]
    assert collections.Counter(faces.target.tolist()) == {
        "angry": 30,
        "disgust": 29,
        "fear": 32,
        "happy": 31,
        "sad": 31,
        "surprise": 30,
        "neutral": 30,
    }
    rate = faces.face_found.mean()
    print(f"JAFFE: face found in {faces.face_found.sum()}/213 images ({rate:.1%})")
    assert rate >= 0.95
