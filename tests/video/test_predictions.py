import json

import numpy as np

from skfer.video import VideoPredictions, summarize_tracks


def test_summary_shares_and_dominant_emotion():
    happy = np.array([0.9, 0.8, 0.3, 0.2, 0.1])
    result = VideoPredictions(
        source="clip.mp4",
        classes=["happy", "sad"],
        frame=[0, 0, 1, 2, 3],
        time=[0, 0, 0.5, 1.0, 1.5],
        track=[1, 2, 1, 1, 1],
        boxes=[(0, 0, 10, 10)] * 5,
        proba=np.c_[happy, 1 - happy],
    )
    one, two = summarize_tracks(result)
    assert one["track"] == 1 and one["n_frames"] == 4
    assert (one["start"], one["end"]) == (0.0, 1.5)
    assert one["share"] == {"happy": 0.25, "sad": 0.75} and one["dominant"] == "sad"
    assert one["mean_probabilities"]["happy"] == round(happy[[0, 2, 3, 4]].mean(), 4)
    assert two["dominant"] == "happy" and two["n_frames"] == 1


def test_records_and_dict_are_json():
    result = VideoPredictions(
        source="clip.mp4",
        classes=np.array(["happy", "sad"]),
        frame=np.array([4]),
        time=np.array([0.4]),
        track=np.array([3]),
        boxes=np.array([[1, 2, 30, 30]]),
        proba=np.array([[0.25, 0.75]]),
        info={"fps": 10.0},
    )
    data = json.loads(json.dumps(result.to_dict()))
    assert data["fps"] == 10.0 and data["n_tracks"] == 1
    assert data["frames"] == [
        {
            "frame": 4,
            "time": 0.4,
            "track": 3,
            "box": [1, 2, 30, 30],
            "emotion": "sad",
            "probabilities": {"happy": 0.25, "sad": 0.75},
        }
    ]
    assert "1 tracks" in repr(result)
