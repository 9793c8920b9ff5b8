import numpy as np
import pytest

from skfer.video import FaceTracker


def test_ids_follow_boxes_that_move_and_swap_order():
    tracker = FaceTracker()
    assert tracker.update([(10, 10, 50, 50), (10, 200, 50, 50)]) == [1, 2]
    # both move right by 20 pixels (IoU still > 0.2), given in the other order
    assert tracker.update([(10, 220, 50, 50), (10, 30, 50, 50)]) == [2, 1]


def test_fast_move_matched_by_centre_distance_not_a_far_box():
    tracker = FaceTracker(min_iou=0.2, max_distance=1.0)
    tracker.update([(100, 100, 40, 40)])
    # IoU 0.07 < min_iou, but the centre moved less than one box side: same face
    assert tracker.update([(100, 135, 40, 40)]) == [1]
    # more than a box side away: a new face
    assert tracker.update([(100, 180, 40, 40)]) == [2]


def test_missed_track_survives_max_missed_updates_then_ends():
    tracker = FaceTracker(max_missed=2)
    tracker.update([(0, 0, 30, 30)])
    tracker.update([])
    tracker.update([])
    assert tracker.update([(2, 2, 30, 30)]) == [1]  # back after 2 misses
    for _ in range(3):
        tracker.update([])
    assert tracker.tracks_ == {}
    assert tracker.update([(2, 2, 30, 30)]) == [2]  # ids are never reused


def test_a_box_continues_one_track_only():
    tracker = FaceTracker()
    tracker.update([(0, 0, 40, 40)])
    assert tracker.update([(0, 0, 40, 40), (2, 2, 40, 40)]) in ([1, 2], [2, 1])


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="max_missed"):
        FaceTracker(max_missed=-1).update([])
    with pytest.raises(ValueError, match="min_iou"):
        FaceTracker(min_iou="x").update([])


def test_cut_ends_every_track_and_ids_go_on():
    tracker = FaceTracker()
    assert tracker.update([(10, 10, 50, 50), (10, 200, 50, 50)]) == [1, 2]
    tracker.cut()
    assert tracker.tracks_ == {}
    assert tracker.update([(10, 10, 50, 50)]) == [3]  # same place, new person


def test_scene_cut_is_another_shot_not_a_moving_face():
    from skfer.video._tracker import is_scene_cut

    rng = np.random.default_rng(0)
    shot = rng.integers(60, 120, (240, 320)).astype(np.uint8)
    moved = shot.copy()
    moved[60:156, 100:196] = 200  # a bright face appears in the same shot
    other = shot.copy()
    other[:, :120] = 220  # another shot: a bright wall on the left
    assert not is_scene_cut(shot, shot)
    assert not is_scene_cut(shot, moved)
    assert is_scene_cut(shot, other)
    assert not is_scene_cut(None, shot)  # the first frame
