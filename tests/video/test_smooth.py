import numpy as np
import pytest

from skfer.video import VideoPredictions, smooth_probabilities


def _result(proba, track, time=None):
    n = len(track)
    return VideoPredictions(
        source="clip.mp4",
        classes=["happy", "sad"],
        frame=np.arange(n),
        time=np.arange(n) / 10 if time is None else time,
        track=track,
        boxes=[(0, 0, 10, 10)] * n,
        proba=proba,
    )


def test_ema_per_track_is_causal():
    happy = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    result = _result(np.c_[happy, 1 - happy], [1, 1, 1, 2, 2, 2])
    smoothed = smooth_probabilities(result, method="ema", alpha=0.5)
    # track 1: 1, .5, .25; track 2 starts fresh from its own first row
    np.testing.assert_allclose(smoothed.proba[:, 0], [1, 0.5, 0.25, 1, 1, 1])
    np.testing.assert_allclose(smoothed.proba.sum(axis=1), 1)
    np.testing.assert_array_equal(smoothed.raw_proba, result.proba)
    assert smoothed.info["smoothing"] == {"method": "ema", "alpha": 0.5}
    assert (
        smooth_probabilities(result, alpha=1.0).proba.tolist() == result.proba.tolist()
    )


def test_centred_window_reduces_flicker_and_keeps_steps():
    rng = np.random.default_rng(0)
    happy = np.r_[np.full(20, 0.8), np.full(20, 0.2)] + rng.normal(0, 0.1, 40)
    happy = np.clip(happy, 0, 1)
    result = _result(np.c_[happy, 1 - happy], [1] * 40)
    smoothed = smooth_probabilities(result, method="window", window=5).proba[:, 0]
    assert np.std(np.diff(smoothed)) < 0.5 * np.std(np.diff(happy))
    # centred: the step stays at 2 s (no lag as with a trailing mean)
    assert smoothed[17] > 0.6 > 0.4 > smoothed[22]
    # ends: mean over the rows that exist
    assert smoothed[0] == pytest.approx(happy[:3].mean())


def test_rows_of_a_track_are_taken_in_time_order():
    happy = np.array([0.0, 1.0, 0.0])
    result = _result(np.c_[happy, 1 - happy], [1, 1, 1], time=[0.2, 0.0, 0.1])
    smoothed = smooth_probabilities(result, method="ema", alpha=0.5).proba[:, 0]
    # in time order: 1 (t=0), 0 (t=.1) -> .5, 0 (t=.2) -> .25
    np.testing.assert_allclose(smoothed, [0.25, 1.0, 0.5])


def test_bad_arguments():
    result = _result(np.full((2, 2), 0.5), [1, 1])
    with pytest.raises(ValueError, match="method"):
        smooth_probabilities(result, method="median")
    with pytest.raises(ValueError, match="alpha"):
        smooth_probabilities(result, alpha=0)
    with pytest.raises(ValueError, match="window"):
        smooth_probabilities(result, method="window", window=0)
    with pytest.raises(TypeError, match="VideoPredictions"):
        smooth_probabilities(np.zeros((2, 2)))
