import numpy as np
import pytest

from skfer.datasets import (
    CKPLUS_CODES,
    EMOTION_ALIASES,
    EMOTIONS,
    FER2013_CODES,
    canonical_emotion,
)


def test_emotions_in_fer2013_order():
    assert EMOTIONS == (
        "angry",
        "disgust",
        "fear",
        "happy",
        "sad",
        "surprise",
        "neutral",
    )
    assert [FER2013_CODES[i] for i in range(7)] == list(EMOTIONS)


@pytest.mark.parametrize("name", EMOTIONS + ("contempt",))
def test_canonical_names_map_to_themselves(name):
    assert canonical_emotion(name) == name
    assert canonical_emotion(name.upper()) == name


@pytest.mark.parametrize(
    "alias, expected",
    [
        ("anger", "angry"),
        ("Happiness", "happy"),
        ("SADNESS", "sad"),
        ("surprised", "surprise"),
        (" disgust ", "disgust"),
        ("AN", "angry"),
        ("DI", "disgust"),
        ("FE", "fear"),
        ("HA", "happy"),
        ("NE", "neutral"),
        ("SA", "sad"),
        ("SU", "surprise"),
        ("CO", "contempt"),
    ],
)
def test_aliases(alias, expected):
    assert canonical_emotion(alias) == expected


def test_fer2013_codes_as_int_numpy_int_and_digit_string():
    assert canonical_emotion(0) == "angry"
    assert canonical_emotion(np.int64(6)) == "neutral"
    assert canonical_emotion("3") == "happy"


def test_ckplus_codes():
    expected = [
        "neutral",
        "angry",
        "contempt",
        "disgust",
        "fear",
        "happy",
        "sad",
        "surprise",
    ]
    assert [canonical_emotion(i, codes="ckplus") for i in range(8)] == expected
    assert dict(CKPLUS_CODES) == dict(enumerate(expected))


def test_user_aliases_come_first_and_resolve_through_vocabulary():
    assert canonical_emotion("Joy", aliases={"joy": "happiness"}) == "happy"
    assert canonical_emotion("ha", aliases={"HA": "sad"}) == "sad"


@pytest.mark.parametrize("label", ["joy", "", "happyy", "XX"])
def test_unknown_label_names_it(label):
    with pytest.raises(ValueError, match=f"Unknown emotion label {label!r}"):
        canonical_emotion(label)


def test_unknown_codes():
    with pytest.raises(ValueError, match="Unknown fer2013 emotion code 7"):
        canonical_emotion(7)
    with pytest.raises(ValueError, match="Unknown ckplus emotion code 8"):
        canonical_emotion(8, codes="ckplus")
    with pytest.raises(ValueError, match="codes must be one of"):
        canonical_emotion(1, codes="jaffe")


@pytest.mark.parametrize("label", [1.5, None, True])
def test_wrong_label_type(label):
    with pytest.raises(TypeError, match="label must be a str or an int"):
        canonical_emotion(label)


def test_alias_table_is_read_only():
    with pytest.raises(TypeError):
        EMOTION_ALIASES["joy"] = "happy"
    assert set(EMOTION_ALIASES.values()) == set(EMOTIONS) | {"contempt"}
