import numpy as np
import pytest

pytest.importorskip("av")

from skfer.video import (  # noqa: E402
    VideoReader,
    VideoReadError,
    analyse_video,
    write_annotated_video,
)


def test_annotated_video_has_every_frame_and_the_boxes(face_video, clf, tmp_path):
    result = analyse_video(face_video["path"], clf, every=3)
    out = write_annotated_video(result, tmp_path / "annotated.mp4")
    with VideoReader(out) as annotated, VideoReader(face_video["path"]) as plain:
        pairs = list(
            zip(annotated.frames(format="rgb24"), plain.frames(format="rgb24"))
        )
        assert annotated.fps == pytest.approx(15)
    assert len(pairs) == 30
    for (index, _, drawn), (_, _, raw) in pairs[::3]:
        rows = np.flatnonzero(result.frame == index)
        for k in rows:
            row, col, height, width = result.boxes[k]
            edge = drawn[row + height // 2, col + 1].astype(int)
            # a coloured line where the grey frame was
            assert np.ptp(edge) > 60 and np.ptp(raw[row + height // 2, col + 1]) < 30


def test_live_stream_cannot_be_annotated(face_video, clf, tmp_path):
    result = analyse_video(face_video["path"], clf, camera=True, max_frames=2)
    with pytest.raises(VideoReadError, match="live stream"):
        write_annotated_video(result, tmp_path / "out.mp4")
