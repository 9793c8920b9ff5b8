"""Fixtures of the video tests: a tiny fitted model and short synthetic videos."""

import pytest


@pytest.fixture(scope="session")
def clf():
    """A tiny FERClassifier (1 epoch on 70 synthetic faces, 7 emotions)."""
    from skfer import FERClassifier
    from skfer.datasets import make_faces

    X, y = make_faces(70, random_state=0, return_X_y=True)
    return FERClassifier(architecture="small", max_epochs=1, random_state=0).fit(X, y)


@pytest.fixture(scope="session")
def face_video(tmp_path_factory):
    """2 s at 15 fps, 240x400: two faces moving across, changing expression at 1 s."""
    pytest.importorskip("av")
    from skfer.video import make_face_video

    path = tmp_path_factory.mktemp("video") / "two_faces.mp4"
    return make_face_video(path, seconds=2, fps=15, frame_size=(240, 400), face_size=96)


@pytest.fixture(scope="session")
def identity():
    """The function :func:`identity_share`."""
    return identity_share


def identity_share(result, truth, face):
    """Share of the frames where ``face`` is found that give it its usual track id,
    and the share of the analysed frames where it is found at all."""
    import numpy as np

    ids = []
    for frame in np.unique(result.frame):
        centre_r, centre_c = truth["centres"][frame, face]
        rows = np.flatnonzero(result.frame == frame)
        hits = [
            result.track[k]
            for k in rows
            if result.boxes[k, 0] <= centre_r <= result.boxes[k, 0] + result.boxes[k, 2]
            and result.boxes[k, 1]
            <= centre_c
            <= result.boxes[k, 1] + result.boxes[k, 3]
        ]
        if hits:
            ids.append(hits[0])
    if not ids:
        return 0.0, 0.0
    usual = np.bincount(ids).argmax()
    found = len(ids) / len(np.unique(result.frame))
    return float(np.mean(np.asarray(ids) == usual)), found
