"""The analysis of a video: sample frames, find and follow faces, classify them.

Full-frame face detection (:func:`skfer.preprocessing.extract_faces`) is the slow
step, so it runs on one sampled frame in ``detect_every``; in between, each
followed face is searched again only in a window around its last box, which is
about twenty times cheaper. A :class:`FaceTracker` keeps one id per face; at a
scene cut (the sampled frame differs from the previous one as another shot does)
every track ends and the frame is searched whole, so two people are never one
face. The crops of ``batch_frames`` sampled frames are classified in one call of
``predict_proba``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from numbers import Integral
from typing import TYPE_CHECKING, Any

import numpy as np

from ..preprocessing import DEFAULT_DETECTOR, check_detector, extract_faces
from ._predictions import VideoPredictions
from ._reader import VideoReader, _check_sampling
from ._tracker import FaceTracker, _iou, is_scene_cut

if TYPE_CHECKING:
    from ..preprocessing import FaceDetector

__all__ = ["analyse_video"]

DEFAULT_FPS = 10.0  # frames analysed per second of video when no sampling is given
MAX_SIDE = 640  # frames are searched for faces at most this large (boxes mapped back)
MARGIN = 0.1  # as skfer predict and FaceCropper: brings in the chin and forehead
SEARCH_GROWTH = 0.5  # a followed face is searched in its box grown by this on each side
MIN_SCALE = 0.6  # ... for faces at least this share of its size


def _check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}.")
    return int(value)


def _follow(gray, boxes, min_face, detector=DEFAULT_DETECTOR, align=False, side=48):
    """Search each box's neighbourhood for its face; the boxes found,
    de-duplicated, and their ``side`` x ``side`` crops."""
    height, width = gray.shape
    found, crops = [], []
    for row, col, box_h, box_w in boxes:
        grow = int(round(SEARCH_GROWTH * max(box_h, box_w)))
        top, left = max(0, row - grow), max(0, col - grow)
        bottom, right = min(height, row + box_h + grow), min(width, col + box_w + grow)
        raw_side = max(box_h, box_w) / (1 + 2 * MARGIN)
        least = max(int(MIN_SCALE * raw_side), min_face or 0, 1)
        if least > min(bottom - top, right - left):
            continue
        local, rows = extract_faces(
            gray[top:bottom, left:right],
            detect="always",
            detector=detector,
            margin=MARGIN,
            max_side=MAX_SIDE,
            min_size=least,
            align=align,
            size=side,
        )
        if not local:
            continue
        local = [(r + top, c + left, h, w) for r, c, h, w in local]
        k = max(
            range(len(local)), key=lambda i: _iou(local[i], (row, col, box_h, box_w))
        )
        if all(_iou(local[k], other) < 0.5 for other in found):
            found.append(local[k])
            crops.append(rows[k].reshape(side, side))
    return found, crops


def _centre_box(gray):
    """The frame's centre square, and its crop."""
    height, width = gray.shape
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    return [(top, left, side, side)], [gray[top : top + side, left : left + side]]


def analyse_video(
    source: str | os.PathLike[str] | int,
    estimator: Any,
    *,
    every: int | None = None,
    fps: float | None = None,
    detect_every: int = 10,
    detect: bool = True,
    detector: str | FaceDetector = DEFAULT_DETECTOR,
    align: bool = False,
    min_face: int | None = None,
    camera: bool = False,
    input_format: str | None = None,
    max_frames: int | None = None,
    batch_frames: int = 32,
    progress: bool = False,
) -> VideoPredictions:
    """Emotions of every face over time in a video file or a camera stream.

    Frames are sampled (``every`` / ``fps``, by default 10 frames per second of
    video), faces are found on one sampled frame in ``detect_every`` and followed
    in between, each face keeps a track id (:class:`FaceTracker`), and the crops
    are classified by ``estimator`` in batches.

    A truncated or corrupt file gives the rows of the frames read before the
    error (``info["complete"]`` is False and a :class:`VideoDecodeWarning` is
    warned). Ctrl-C (KeyboardInterrupt) stops a long video or a live stream: the
    frames read so far are classified and returned, with
    ``info["interrupted"]`` True.

    Parameters
    ----------
    source : str, path-like or int
        A video file or URL; with ``camera=True`` also a camera number.
    estimator : fitted classifier
        A fitted :class:`~skfer.FERClassifier` (or any classifier with
        ``predict_proba`` and ``classes_`` taking flattened square gray crops).
    every : int, default=None
        Analyse one decoded frame in ``every``.
    fps : float, default=None
        Analyse this many frames per second of video. With neither ``every`` nor
        ``fps``: 10 frames per second (all frames of slower videos).
    detect_every : int, default=10
        Search the whole frame for faces on one analysed frame in
        ``detect_every`` (the first included); follow the known faces in between.
        1 searches every frame (slowest, finds new faces soonest).
    detect : bool, default=True
        False: no face detection, each frame is one face (its centre square),
        for videos of an already-cropped face.
    detector : str or object, default="yunet"
        The face detector: a name, ``"module:attribute"`` or an object with a
        ``detect(image)`` method (see :class:`skfer.preprocessing.FaceDetector`).
    align : bool, default=False
        Turn the crop of each face with landmarks (the default YuNet's) so that
        the eyes are level (see :func:`skfer.preprocessing.find_faces`): the
        framing of a model trained with ``FaceCropper(align=True)``. Faces
        without landmarks (the cascade's) are not turned.
    min_face : int, default=None
        Smallest face searched, in pixels (default: one eighth of the frame's
        shorter side, at least 24).
    camera : bool, default=False
        ``source`` is a live stream or a camera (see :class:`VideoReader`).
    input_format : str, default=None
        FFmpeg input format, see :class:`VideoReader`.
    max_frames : int, default=None
        Stop after this many analysed frames.
    batch_frames : int, default=32
        Analysed frames whose faces are classified in one call.
    progress : bool, default=False
        Show a progress bar on stderr (when stderr is a terminal).

    Returns
    -------
    result : VideoPredictions
        One row per (frame, face), and facts about the run in ``info``.

    Raises
    ------
    VideoReadError
        If nothing can be read from ``source``.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from skfer import FERClassifier
    >>> from skfer.datasets import make_faces
    >>> from skfer.video import analyse_video, write_video
    >>> X, y = make_faces(70, random_state=0, return_X_y=True)
    >>> clf = FERClassifier(architecture="small", max_epochs=1, random_state=0)
    >>> clf = clf.fit(X, y)
    >>> face = make_faces(4, image_size=128, random_state=0).images[3]
    >>> frames = []
    >>> for k in range(15):  # a face moving right on a grey background
    ...     frame = np.full((240, 320), 90, np.uint8)
    ...     frame[50:178, 20 + 8 * k:148 + 8 * k] = face
    ...     frames.append(frame)
    >>> path = write_video(tempfile.mkdtemp() + "/clip.mp4", frames, fps=15)
    >>> # a drawn face: the cascade finds it (YuNet, the default, finds few)
    >>> result = analyse_video(path, clf, fps=5, detector="cascade")
    >>> result.time.round(2).tolist()
    [0.0, 0.2, 0.4, 0.6, 0.8]
    >>> result.track.tolist(), result.proba.shape
    ([1, 1, 1, 1, 1], (5, 7))
    """
    # long: one pass over the frames whose steps share the tracker, the batch
    # of pending faces and the progress bar; not yet split by job (issue #30)
    every, fps = _check_sampling(every, fps)
    if every is None and fps is None:
        fps = DEFAULT_FPS
    detect_every = _check_positive_int(detect_every, "detect_every")
    batch_frames = _check_positive_int(batch_frames, "batch_frames")
    if max_frames is not None:
        max_frames = _check_positive_int(max_frames, "max_frames")
    if min_face is not None:
        min_face = _check_positive_int(min_face, "min_face")
    if not isinstance(align, (bool, np.bool_)):
        raise ValueError(f"align must be True or False; got {align!r}.")
    if not hasattr(estimator, "predict_proba") or not hasattr(estimator, "classes_"):
        raise TypeError(
            "estimator must be a fitted classifier with predict_proba and classes_; "
            f"got {type(estimator).__name__}."
        )
    if detect:
        detector = check_detector(detector)
    side = math.isqrt(int(getattr(estimator, "n_features_in_", 48 * 48)))
    classes = np.asarray(estimator.classes_)
    rows: dict[str, list[Any]] = {
        "frame": [],
        "time": [],
        "track": [],
        "boxes": [],
        "proba": [],
    }
    pending: list[Any] = []  # (index, time, ids, boxes, crops) not yet classified

    def flush():
        # lazy: Resize is a scikit-learn transformer (the torch extra)
        from ..preprocessing import Resize

        crops = [crop for *_, frame_crops in pending for crop in frame_crops]
        if crops:
            faces = Resize(size=side).fit_transform(crops)
            faces = np.asarray(faces, dtype=np.uint8).reshape(len(crops), -1)
            rows["proba"].append(estimator.predict_proba(faces))
        for index, time, ids, boxes, _ in pending:
            rows["frame"].extend([index] * len(ids))
            rows["time"].extend([time] * len(ids))
            rows["track"].extend(ids)
            rows["boxes"].extend(boxes)
        pending.clear()

    from tqdm import tqdm  # lazy: tqdm (~60 modules) stays out of import skfer.video

    # a face missed by the detector keeps its id until the next full search
    tracker = FaceTracker(max_missed=max(2, detect_every))
    n_sampled, interrupted, since_search, previous = 0, False, 0, None
    with VideoReader(source, camera=camera, input_format=input_format) as reader:
        bar = tqdm(
            total=reader.n_frames,
            unit="frame",
            desc=str(source)[-30:],
            disable=None if progress else True,
            leave=False,
        )
        try:
            for index, time, gray in reader.frames(every=every, fps=fps):
                if is_scene_cut(previous, gray):  # another shot: other people
                    tracker.cut()
                    since_search = 0
                previous = gray
                if not detect:
                    boxes, crops = _centre_box(gray)
                elif since_search % detect_every == 0:
                    boxes, found = extract_faces(
                        gray,
                        detector=detector,
                        margin=MARGIN,
                        max_side=MAX_SIDE,
                        min_size=min_face,
                        align=bool(align),
                        size=side,
                    )
                    crops = list(found.reshape(-1, side, side))
                else:
                    live = [box for box, missed in tracker.tracks_.values()]
                    boxes, crops = _follow(
                        gray, live, min_face, detector, bool(align), side
                    )
                since_search += 1
                ids: Sequence[int] = tracker.update(boxes)
                order = sorted(range(len(ids)), key=lambda i: ids[i])
                ids = [ids[i] for i in order]
                boxes, crops = [boxes[i] for i in order], [crops[i] for i in order]
                pending.append((index, time, ids, boxes, crops))
                n_sampled += 1
                bar.update(reader.n_decoded - bar.n)
                if len(pending) >= batch_frames:
                    flush()
                if max_frames is not None and n_sampled >= max_frames:
                    break
        except KeyboardInterrupt:
            interrupted = True
        finally:
            bar.close()
        flush()
        info = {
            "fps": reader.fps,
            "width": reader.width,
            "height": reader.height,
            "n_decoded": reader.n_decoded,
            "n_sampled": n_sampled,
            "duration": round(float(time), 4) if n_sampled else 0.0,
            "sampling": {"every": every} if every is not None else {"fps": fps},
            "detect_every": detect_every if detect else None,
            "complete": reader.complete,
            "message": reader.message,
            "interrupted": interrupted,
            "camera": bool(camera),
        }
    proba = (
        np.concatenate(rows["proba"]) if rows["proba"] else np.empty((0, len(classes)))
    )
    return VideoPredictions(
        source=source,
        classes=classes,
        frame=rows["frame"],
        time=rows["time"],
        track=rows["track"],
        boxes=rows["boxes"],
        proba=proba,
        info=info,
    )
