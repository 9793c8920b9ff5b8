import numpy as np
import pytest

pytest.importorskip("av")

from skfer.video import (  # noqa: E402
    VideoReadError,
    analyse_video,
    make_face_video,
    summarize_tracks,
    write_video,
)

# The synthetic videos' faces are drawn for scikit-image's cascade (YuNet, the
# default detector, finds few drawn faces): they are analysed with it.


@pytest.fixture(scope="module")
def every_frame(face_video, clf):
    return analyse_video(face_video["path"], clf, detector="cascade", every=1)


def test_one_track_per_moving_face_kept_for_95_percent(
    every_frame, face_video, identity
):
    result = every_frame
    assert len(np.unique(result.frame)) == 30  # 2 s at 15 fps, all analysed
    for face in (0, 1):
        same, found = identity(result, face_video, face)
        assert same >= 0.95, f"face {face} keeps its id in {same:.0%} of its frames"
        assert found >= 0.8, f"face {face} found in {found:.0%} of the frames"
    # the two faces get two ids, and no spurious track lasts
    long_tracks = [s for s in summarize_tracks(result) if s["n_frames"] >= 5]
    assert len(long_tracks) == 2


def test_rows_time_stamps_boxes_and_probabilities(every_frame, face_video):
    result = every_frame
    np.testing.assert_allclose(result.time, result.frame / 15, atol=1e-3)
    assert np.all(np.diff(result.frame) >= 0)  # time order
    assert result.proba.shape == (len(result), 7)
    np.testing.assert_allclose(result.proba.sum(axis=1), 1, atol=1e-5)
    height, width = 240, 400
    rows, cols, sides = result.boxes[:, 0], result.boxes[:, 1], result.boxes[:, 2]
    assert np.all(rows >= 0) and np.all(cols >= 0)
    assert np.all(rows + sides <= height) and np.all(cols + result.boxes[:, 3] <= width)
    assert result.info["n_decoded"] == 30 and result.info["complete"]
    assert result.info["fps"] == pytest.approx(15)


def test_default_sampling_is_10_per_second(face_video, clf):
    result = analyse_video(face_video["path"], clf, detector="cascade")
    assert result.info["n_sampled"] == 20 and result.info["sampling"] == {"fps": 10.0}
    times = np.unique(result.time)
    np.testing.assert_allclose(np.diff(times), 0.1, atol=1 / 15 + 1e-6)


def test_batches_and_detection_cadence_give_the_same_rows(face_video, clf):
    one = analyse_video(
        face_video["path"], clf, detector="cascade", every=3, batch_frames=1
    )
    many = analyse_video(
        face_video["path"], clf, detector="cascade", every=3, batch_frames=64
    )
    np.testing.assert_array_equal(one.frame, many.frame)
    np.testing.assert_allclose(one.proba, many.proba, atol=1e-5)
    detect_all = analyse_video(
        face_video["path"], clf, detector="cascade", every=3, detect_every=1
    )
    assert len(np.unique(detect_all.track)) <= 3


def test_max_frames_and_interrupt_keep_rows(face_video, clf, monkeypatch):
    result = analyse_video(
        face_video["path"], clf, detector="cascade", every=1, max_frames=4
    )
    assert result.info["n_sampled"] == 4 and set(result.frame) == {0, 1, 2, 3}

    from skfer.video import _analyse

    real = _analyse.FaceTracker.update
    calls = []

    def interrupted(self, boxes):
        calls.append(1)
        if len(calls) == 6:
            raise KeyboardInterrupt
        return real(self, boxes)

    monkeypatch.setattr(_analyse.FaceTracker, "update", interrupted)
    stopped = analyse_video(face_video["path"], clf, detector="cascade", every=1)
    assert stopped.info["interrupted"]
    assert set(stopped.frame) == {0, 1, 2, 3, 4} and len(stopped) >= 5


def test_stream_source_uses_the_same_path(face_video, clf):
    # a file posing as a live stream: time from the first frame, no frame count
    stream = analyse_video(
        face_video["path"], clf, detector="cascade", camera=True, every=2
    )
    file = analyse_video(face_video["path"], clf, detector="cascade", every=2)
    assert stream.info["camera"] and not file.info["camera"]
    np.testing.assert_array_equal(stream.frame, file.frame)
    np.testing.assert_allclose(stream.time, file.time, atol=1e-6)
    np.testing.assert_allclose(stream.proba, file.proba, atol=1e-6)


def test_video_without_a_face_and_no_detect(tmp_path, clf):
    frames = [np.full((120, 160), 90, np.uint8)] * 6
    path = write_video(tmp_path / "blank.mp4", frames, fps=6)
    result = analyse_video(path, clf)
    assert len(result) == 0 and result.info["n_sampled"] == 6
    assert result.proba.shape == (0, 7) and summarize_tracks(result) == []
    crops = analyse_video(path, clf, detect=False)
    assert len(crops) == 6 and set(crops.track) == {1}
    np.testing.assert_array_equal(crops.boxes[0], [0, 20, 120, 120])


def test_truncated_video_gives_the_rows_read(tmp_path, clf):
    from skfer.video import VideoDecodeWarning

    truth = make_face_video(
        tmp_path / "full.webm",
        n_faces=1,
        seconds=2,
        fps=10,
        frame_size=(160, 200),
        face_size=96,
    )
    data = truth["path"].read_bytes()
    cut = tmp_path / "cut.webm"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.warns(VideoDecodeWarning):
        result = analyse_video(cut, clf, every=1, detector="cascade")
    assert not result.info["complete"] and 0 < result.info["n_decoded"] < 20
    assert len(result) > 0


def test_bad_arguments(face_video, clf):
    with pytest.raises(ValueError, match="detect_every"):
        analyse_video(face_video["path"], clf, detect_every=0)
    with pytest.raises(ValueError, match="not both"):
        analyse_video(face_video["path"], clf, detector="cascade", every=2, fps=5)
    with pytest.raises(TypeError, match="predict_proba"):
        analyse_video(face_video["path"], object())
    with pytest.raises(VideoReadError):
        analyse_video("no/such/file.mp4", clf)


def test_a_scene_cut_starts_new_tracks(clf, tmp_path):
    # Person A, then a cut to person B in the same place on another set: the
    # summary must not merge them into one face.
    from skfer.video._synthetic import _detectable_faces

    first, second = _detectable_faces(("happy", "sad"), 96, 0)
    frames = []
    for k in range(20):
        frame = np.full((240, 320), 90, np.uint8)
        if k >= 10:
            frame[:, :90] = 210  # the second shot: a bright wall on the left
        frame[70:166, 120 + k : 216 + k] = first if k < 10 else second
        frames.append(frame)
    path = write_video(tmp_path / "cut.mp4", frames, fps=10)
    result = analyse_video(path, clf, every=1, detect_every=5, detector="cascade")
    before = set(result.track[result.frame < 10].tolist())
    after = set(result.track[result.frame >= 10].tolist())
    assert before and after and not before & after
    assert len(summarize_tracks(result)) == 2


def test_detector_is_passed_on(clf, face_video):
    class Nothing:
        def detect(self, image):
            return [], []

    result = analyse_video(face_video["path"], clf, fps=5, detector=Nothing())
    assert len(result) == 0


class _DarkEyes:
    """A detector of two dark dots (the eyes) that gives five landmarks."""

    def detect(self, image):
        from skimage.measure import label, regionprops

        blobs = sorted(regionprops(label(image < 100)), key=lambda p: -p.area)[:2]
        if len(blobs) < 2:
            return [], []
        left, right = sorted((np.array(b.centroid) for b in blobs), key=lambda c: c[1])
        across = right - left
        down = np.array([across[1], -across[0]])  # a quarter turn clockwise
        eyes = (left + right) / 2
        mouth = eyes + down
        points = [
            left,
            right,
            eyes + down / 2,
            mouth - 0.4 * across,
            mouth + 0.4 * across,
        ]
        side = 2.5 * np.hypot(*across)
        top, col = eyes + down / 2 - side / 2
        return [(top, col, side, side)], [0.9], [points]


class _Recorder:
    """A classifier that keeps the crops it is given."""

    classes_ = np.array(["a", "b"])
    n_features_in_ = 48 * 48

    def __init__(self):
        self.rows = []

    def predict_proba(self, X):
        self.rows.extend(np.asarray(X).reshape(-1, 48, 48))
        return np.full((len(X), 2), 0.5)


def _eye_tilt(crop):
    """Rows between the two dark dots of a crop (0 when level)."""
    dark = np.argwhere(crop < 100)
    left, right = dark[dark[:, 1] < 24], dark[dark[:, 1] >= 24]
    return right.mean(0)[0] - left.mean(0)[0]


def test_align_levels_the_eyes_in_searched_and_followed_frames(tmp_path):
    rows, cols = np.mgrid[:240, :320]
    frames = []
    for k in range(6):  # a tilted face: eyes 39 px apart at 15 degrees, moving
        frame = np.full((240, 320), 200, np.uint8)
        for d_row, d_col in ((-5, -19), (5, 19)):
            near = (rows - 110 - d_row) ** 2 + (cols - 140 - 4 * k - d_col) ** 2
            frame[near <= 25] = 0
        frames.append(frame)
    path = write_video(tmp_path / "tilted.mp4", frames, fps=6)
    tilts = {}
    for align in (False, True):
        recorder = _Recorder()
        result = analyse_video(
            path, recorder, every=1, detect_every=3, detector=_DarkEyes(), align=align
        )
        assert len(result) == 6  # found on frames 0 and 3, followed in between
        tilts[align] = [_eye_tilt(crop) for crop in recorder.rows]
    assert all(abs(t) < 1 for t in tilts[True]), tilts[True]
    assert all(t > 3 for t in tilts[False]), tilts[False]


def test_align_is_checked(tmp_path):
    with pytest.raises(ValueError, match="align must be True or False; got 1"):
        analyse_video(tmp_path / "none.mp4", _Recorder(), align=1)
