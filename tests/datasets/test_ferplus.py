"""load_ferplus: the official FER+ layout, its label rules and its errors."""

import numpy as np
import pytest

from skfer.datasets import SkippedFileWarning, load_ferplus

#: votes: neutral, happiness, surprise, sadness, anger, disgust, fear, contempt,
#: unknown, not a face
ROWS = {
    "FER2013Train": [
        "6,3,1,0,0,0,0,0,0,0",  # neutral (the single surprise vote is dropped)
        "0,0,0,0,2,0,0,7,1,0",  # contempt: disgust when merged
        "0,5,5,0,0,0,0,0,0,0",  # tied: left out
        "0,4,0,3,0,0,0,0,3,0",  # happy by plurality, no majority
    ],
    "FER2013Valid": ["0,0,0,0,0,0,0,0,9,1", "0,0,0,0,0,0,0,0,2,8"],  # unknown, NF
    "FER2013Test": ["0,9,1,0,0,0,0,0,0,0"],
}


@pytest.fixture
def ferplus(tmp_path, write_image):
    root = tmp_path / "ferplus"
    for folder, rows in ROWS.items():
        lines = []
        for i, votes in enumerate(rows):
            write_image(root / folder / f"fer{i:07d}.png", value=10 * i)
            lines.append(f'fer{i:07d}.png,"(0, 0, 48, 48)",{votes}')
        (root / folder / "label.csv").write_text("\n".join(lines) + "\n")
    return root


def test_majority_labels_and_what_was_left_out(ferplus):
    faces = load_ferplus(ferplus)
    assert faces.target.tolist() == ["neutral", "disgust", "happy"]
    assert faces.usage.tolist() == ["Training", "Training", "PrivateTest"]
    # a tie is no majority either
    assert faces.left_out == {"no majority": 2, "not a face": 1, "unknown": 1}
    assert faces.data.shape == (3, 2304) and faces.data.dtype == np.uint8
    assert faces.images.shape == (3, 48, 48)
    assert faces.filenames[0].endswith("FER2013Train/fer0000000.png")
    assert faces.votes.shape == (3, 10)
    assert faces.vote_names[-2:] == ["unknown", "not_a_face"]


def test_distribution_columns_follow_the_classes(ferplus):
    faces = load_ferplus(ferplus)
    assert faces.classes == sorted(faces.classes) and len(faces.classes) == 7
    dist = faces.label_distribution
    assert dist.shape == (3, 7) and dist.dtype == np.float32
    np.testing.assert_allclose(dist.sum(1), 1.0, rtol=1e-6)
    column = {name: i for i, name in enumerate(faces.classes)}
    np.testing.assert_allclose(dist[0, column["neutral"]], 6 / 9, rtol=1e-6)
    np.testing.assert_allclose(dist[0, column["happy"]], 3 / 9, rtol=1e-6)
    np.testing.assert_allclose(dist[1, column["disgust"]], 7 / 9, rtol=1e-6)


def test_plurality_keeps_images_without_a_majority(ferplus):
    faces = load_ferplus(ferplus, label_rule="plurality", subset="Training")
    assert faces.target.tolist() == ["neutral", "disgust", "happy"]
    assert faces.left_out == {"tied top votes": 1}


@pytest.mark.parametrize(
    "contempt, labels, n_classes",
    [
        ("merge", ["neutral", "disgust", "happy"], 7),
        ("keep", ["neutral", "contempt", "happy"], 8),
        ("drop", ["neutral", "happy"], 7),
    ],
)
def test_contempt(ferplus, contempt, labels, n_classes):
    faces = load_ferplus(ferplus, contempt=contempt)
    assert faces.target.tolist() == labels
    assert len(faces.classes) == n_classes
    if contempt == "drop":
        assert faces.left_out["contempt"] == 1


def test_subset_and_return_X_y(ferplus):
    X, y = load_ferplus(ferplus, subset=["PrivateTest"], return_X_y=True)
    assert X.shape == (1, 2304) and y.tolist() == ["happy"]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"subset": "Test"}, "subset must be None, one of"),
        ({"contempt": "merged"}, "contempt must be one of"),
        ({"label_rule": "vote"}, "label_rule must be one of"),
    ],
)
def test_bad_arguments(ferplus, kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_ferplus(ferplus, **kwargs)


def test_a_folder_that_is_not_ferplus(tmp_path):
    (tmp_path / "FER2013Train").mkdir()
    with pytest.raises(ValueError, match="not a FER\\+ folder: FER2013Train/label.csv"):
        load_ferplus(tmp_path)


def test_malformed_rows_are_named(ferplus):
    csv = ferplus / "FER2013Test" / "label.csv"
    csv.write_text(
        csv.read_text() + "fer9.png,(0),1,2\nfer8.png,x,a,b,c,d,e,f,g,h,i,j\n"
    )
    with pytest.warns(SkippedFileWarning, match="label.csv:2: has 4 columns"):
        faces = load_ferplus(ferplus, subset="PrivateTest")
    assert faces.target.tolist() == ["happy"]
    with pytest.raises(ValueError, match="label.csv:3: votes are not integers"):
        load_ferplus(ferplus, subset="PrivateTest", on_error="raise")


def test_the_cache_is_used_and_rebuilt_when_labels_change(ferplus, cache_home):
    first = load_ferplus(ferplus)
    assert list(cache_home.rglob("*ferplus*"))
    again = load_ferplus(ferplus)
    np.testing.assert_array_equal(first.data, again.data)
    csv = ferplus / "FER2013Test" / "label.csv"
    csv.write_text(csv.read_text().replace("0,9,1", "0,1,9"))
    assert load_ferplus(ferplus, subset="PrivateTest").target.tolist() == ["surprise"]


@pytest.mark.realdata
def test_real_ferplus_counts(real_dataset):
    faces = load_ferplus(real_dataset("ferplus"), contempt="keep")
    counts = {u: int((faces.usage == u).sum()) for u in np.unique(faces.usage)}
    # FER2013Test with a majority, unknown and not-a-face left out: the 3,137
    # test images of the FER+ majority protocol.
    assert counts["PrivateTest"] == 3137
    assert sum(counts.values()) + sum(faces.left_out.values()) == 28558 + 3579 + 3573
