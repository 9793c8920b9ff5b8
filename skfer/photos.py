"""Photos and videos to a table of faces and emotions, in one call: :func:`analyze`.

The core of ``skfer predict`` (which adds the printing and the figure): both
write the records of :func:`analyse_photo` and :func:`analyse_video_file` (one
per file, ``kind`` ``"photo"`` or ``"video"``) and the rows of :func:`table`.
"""

from __future__ import annotations

import collections
import functools
import math
import os
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .preprocessing import DEFAULT_DETECTOR, check_detector, extract_faces
from .utils import import_optional, read_gray_image
from .video import (
    VideoDecodeWarning,
    VideoReadError,
    analyse_video,
    is_video_file,
    smooth_probabilities,
)

if TYPE_CHECKING:
    import pandas as pd
    from PIL import Image

    from .preprocessing import FaceDetector

__all__ = ["analyze"]

MAX_SIDE = 1024  # photos are searched at most this large (boxes are mapped back)
MARGIN = 0.1  # brings in the chin and forehead, framing faces as in FER2013
MAX_JOBS = 8  # default threads: one per core, at most this many
NO_FACE, NOT_IMAGE = "no face", "not an image"
NO_FACE_MESSAGE = "no face found (for face crops use --detect never)"
PHOTO, VIDEO = "photo", "video"  # the ``kind`` of a record and of a row


def default_jobs():
    """Threads used when none are given: the cores this process may use, <= 8."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_JOBS, cores))


def ordered_map(function, items, jobs):
    """``map(function, items)`` on ``jobs`` threads, results in order, lazily.

    At most ``2 * jobs`` items are in flight, so a folder of any size keeps only
    a few decoded photos in memory. The image decoder and the face search spend
    most of their time outside the GIL, so the threads share the cores.
    """
    if jobs <= 1:
        yield from map(function, items)
        return
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        pending = collections.deque()
        for item in items:
            pending.append(pool.submit(function, item))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def list_photos(photos):
    """The photos to analyse: each item, and every file below each folder."""
    if isinstance(photos, (str, os.PathLike)) or not isinstance(photos, (list, tuple)):
        photos = [photos]
    items = []
    for item in photos:
        if isinstance(item, (str, os.PathLike)) and Path(item).is_dir():
            root = Path(item)
            items.extend(
                sorted(
                    p
                    for p in root.rglob("*")
                    if p.is_file()
                    and not any(
                        part.startswith(".") for part in p.relative_to(root).parts
                    )
                )
            )
        else:
            items.append(item)
    return items


def _name(item, index):
    if isinstance(item, (str, os.PathLike)):
        return str(item)
    filename = getattr(item, "filename", None)  # a PIL image opened from a file
    return str(filename) if filename else f"<image {index}>"


def _image(item):
    """The item as an array: a path (read in gray by the dataset loaders'
    decoder), a PIL image (in gray) or an array (checked by the face search)."""
    if isinstance(item, (str, os.PathLike)):
        return read_gray_image(item)
    if hasattr(item, "convert") and hasattr(item, "size"):  # a PIL image
        return np.asarray(item.convert("L"))
    return item


def analyse_photo(item, detector, detect, min_face, index=0, size=48, align=False):
    """The record (file, status, faces) of one photo and the rows of its faces."""
    record = {"file": _name(item, index), "kind": PHOTO, "status": "ok"}
    record.update(message=None, faces=[])
    if isinstance(item, (str, os.PathLike)):
        try:
            item = _image(item)
        except Exception as exc:  # not an image, truncated or corrupt file
            record.update(status=NOT_IMAGE, message=str(exc))
            return record, np.empty((0, size * size), np.uint8)
    boxes, rows, sources, scores = extract_faces(
        _image(item),
        detect=detect,
        detector=detector,
        margin=MARGIN,
        max_side=MAX_SIDE,
        min_size=min_face,
        align=align,
        size=size,
        return_sources=True,
        return_scores=True,
    )
    if not boxes:
        record.update(status=NO_FACE, message=NO_FACE_MESSAGE)
    record["faces"] = [
        {
            "box": [int(v) for v in box],
            "found": source,
            "score": None if np.isnan(score) else round(float(score), 4),
        }
        for box, source, score in zip(boxes, sources, scores)
    ]
    return record, rows


def analyse_photos(
    items,
    *,
    detector=DEFAULT_DETECTOR,
    align=False,
    detect="auto",
    min_face=None,
    jobs=1,
    stop=None,
    progress=True,
    size=48,
):
    """Per-photo records and the stacked face rows, in the order of ``items``.

    ``stop``: a :class:`threading.Event`; once set, no further photo is started.
    """
    from tqdm import tqdm  # lazy: tqdm (~60 modules) stays out of import skfer.photos

    detector = check_detector(detector)
    records, rows = [], []
    work = functools.partial(
        _analyse_indexed,
        detector=detector,
        detect=detect,
        min_face=min_face,
        size=size,
        align=align,
    )
    results = ordered_map(work, list(enumerate(items)), jobs)
    bar = tqdm(
        results,
        total=len(items),
        desc="photos",
        unit="photo",
        disable=None if progress else True,
        leave=False,
    )
    for record, face_rows in bar:
        records.append(record)
        rows.extend(face_rows)
        if stop is not None and stop.is_set():
            break
    return records, np.asarray(rows, dtype=np.uint8).reshape(-1, size * size)


def _analyse_indexed(pair, **kwargs):
    index, item = pair
    return analyse_photo(item, index=index, **kwargs)


def classify(records, rows, clf):
    """Add each face's emotion and probabilities (dict) to ``records``; the
    classes and the probability array."""
    classes = [str(c) for c in np.asarray(clf.classes_).tolist()]
    proba = clf.predict_proba(rows) if len(rows) else np.empty((0, len(classes)))
    k = 0
    for record in records:
        for face in record["faces"]:
            p = proba[k]
            face["emotion"] = classes[int(np.argmax(p))]
            face["probabilities"] = {c: round(float(v), 6) for c, v in zip(classes, p)}
            k += 1
    return classes, proba


def is_video(item):
    """Whether an item of :func:`analyze` is a video file (by its name)."""
    if not isinstance(item, (str, os.PathLike)):
        return False

    return is_video_file(item)


def analyse_video_file(
    source,
    clf,
    *,
    every=None,
    fps=None,
    detect_every=10,
    detect="auto",
    detector=DEFAULT_DETECTOR,
    align=False,
    min_face=None,
    camera=False,
    smooth=None,
    progress=True,
):
    """The analysis of one video (or stream) and its record; None if unreadable.

    The record is JSON-ready: ``file``, ``kind`` (``"video"``), ``status``
    (``"ok"``, ``"no face"``, ``"unreadable"``, ``"truncated"`` or
    ``"interrupted"``), ``message``, then the facts of the run, the per-track
    summary (``tracks``) and one entry per (frame, face) (``frames``).
    """
    record = {"file": str(source), "kind": VIDEO, "status": "ok", "message": None}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", VideoDecodeWarning)  # in the record
            result = analyse_video(
                source,
                clf,
                every=every,
                fps=fps,
                detect_every=detect_every,
                detect=detect != "never",
                detector=detector,
                align=align,
                min_face=min_face,
                camera=camera,
                progress=progress,
            )
    except VideoReadError as exc:
        record.update(status="unreadable", message=str(exc))
        return None, record
    if smooth is not None:
        result = smooth_probabilities(result, **smooth)
    info = result.info
    if info["interrupted"]:
        record.update(status="interrupted", message="stopped by Ctrl-C")
    elif not info["complete"]:
        record.update(status="truncated", message=info["message"])
    elif not len(result):
        record.update(
            status=NO_FACE,
            message="no face found (for videos of a face crop use --detect never)",
        )
    record.update((k, v) for k, v in result.to_dict().items() if k not in record)
    return result, record


def columns(classes):
    """The columns of :func:`table`: those of :func:`analyze` and ``--csv``.

    Photos and videos share them: a photo's rows leave ``frame``, ``time`` and
    ``track`` empty, a video's leave ``found`` and ``score`` empty.
    """
    head = ["file", "face", "row", "col", "height", "width", "found", "score"]
    return [*head, "emotion", *classes, "status", "kind", "frame", "time", "track"]


def _faces(record):
    """``(number, face)`` of each face of a record: the photo's faces, or each
    (frame, face) of a video, numbered within its frame."""
    if record.get("kind", PHOTO) == PHOTO:
        return list(enumerate(record["faces"], 1))
    in_frame = collections.Counter()
    out = []
    for face in record.get("frames", []):
        in_frame[face["frame"]] += 1
        out.append((in_frame[face["frame"]], face))
    return out


def table(records, classes):
    """One dict per face (and one per file without a face), the flat
    :func:`columns`, for the records of photos and videos alike."""
    out = []
    for record in records:
        base = {
            "file": record["file"],
            "status": record["status"],
            "kind": record.get("kind", PHOTO),
        }
        faces = _faces(record)
        if not faces:
            empty = dict.fromkeys(["row", "col", "height", "width", "score"])
            out.append(
                {
                    **base,
                    "face": 0,
                    **empty,
                    "found": record["status"],
                    "emotion": None,
                    **dict.fromkeys(classes, float("nan")),
                    **dict.fromkeys(["frame", "time", "track"]),
                }
            )
        for k, face in faces:
            row, col, height, width = face["box"]
            score = face.get("score")
            out.append(
                {
                    **base,
                    "face": k,
                    "row": row,
                    "col": col,
                    "height": height,
                    "width": width,
                    "score": float("nan") if score is None else score,
                    "found": face.get("found"),
                    "emotion": face["emotion"],
                    **face["probabilities"],
                    "frame": face.get("frame"),
                    "time": face.get("time"),
                    "track": face.get("track"),
                }
            )
    return out


def require_video_reader(reason):
    """Fail before any work when videos are to be read and PyAV is missing."""
    import_optional("av", reason, extra="video", package="av")


def in_file_order(photo_records, video_records, videos):
    """The records of photos and of videos merged back into the files' order
    (``videos``: one bool per file)."""
    photos, clips = iter(photo_records), iter(video_records)
    merged = (next(clips if is_clip else photos, None) for is_clip in videos)
    return [record for record in merged if record is not None]


def _default_model():
    """The shipped model of ``skfer predict``: the registry's default."""
    # lazy: torch is the torch extra; ONNX models run without it
    from . import load_pretrained
    from .weights import default_pretrained

    name = default_pretrained()
    if name is None:
        raise ValueError(
            "model=None needs a shipped pretrained model and none is installed; "
            "pass a fitted classifier or a name of skfer.list_pretrained()."
        )
    return load_pretrained(name)


def analyze(
    photos: str
    | os.PathLike[str]
    | np.ndarray
    | Image.Image
    | Sequence[str | os.PathLike[str] | np.ndarray | Image.Image],
    model: Any = None,
    *,
    detector: str | FaceDetector = DEFAULT_DETECTOR,
    align: bool = False,
    detect: Literal["auto", "always", "never"] = "auto",
    min_face: int | None = None,
    as_frame: bool | Literal["auto"] = "auto",
    n_jobs: int = 1,
    progress: bool = False,
) -> pd.DataFrame | list[dict[str, Any]]:
    """Faces and emotions of photos (and videos), in one call: one row per face.

    Each photo is read (gray), its faces found and framed by
    :func:`skfer.preprocessing.find_faces` (the framing the models were trained
    on; an image that already is a face crop is used as it is), cropped to the
    model's input and classified. Video files (``.mp4``, ``.mov``, an animated
    GIF...: :func:`skfer.video.is_video_file`) among them are analysed by
    :func:`skfer.video.analyse_video` with its defaults (10 frames per second):
    one row per (frame, face), in the same columns. ``skfer predict`` runs the
    same code.

    Parameters
    ----------
    photos : str, path-like, ndarray, PIL image, or a list of them
        Image or video files, folders (every file below, sorted), arrays of
        shape (height, width) or (height, width, channels), or PIL images.
        Videos need PyAV (skfer's ``video`` extra).
    model : fitted classifier or str, default=None
        A fitted :class:`~skfer.FERClassifier` (or any classifier with
        ``predict_proba`` and ``classes_`` taking flattened 48x48 gray crops),
        a name of :func:`skfer.list_pretrained`, or ``None``: the best shipped
        model (as ``skfer predict``).
    detector : str or object, default="yunet"
        The face detector, see :class:`skfer.preprocessing.FaceDetector`.
    align : bool, default=False
        Turn the crop of each face with landmarks (the default YuNet's) so that
        the eyes are level (see :func:`skfer.preprocessing.find_faces`), for a
        model trained on such crops (``FaceCropper(align=True)``). Faces without
        landmarks (the cascade's) are not turned.
    detect : {"auto", "always", "never"}, default="auto"
        See :func:`skfer.preprocessing.find_faces`; ``"never"`` for photos that
        are already face crops.
    min_face : int, default=None
        Smallest face searched, in pixels.
    as_frame : bool or "auto", default="auto"
        Return a ``pandas.DataFrame`` (``True``; ``"auto"`` when pandas is
        installed) or a list of dicts (``False``).
    n_jobs : int, default=1
        Photos read and searched at the same time, on threads.
    progress : bool, default=False
        Show a progress bar (on a terminal).

    Returns
    -------
    faces : pandas.DataFrame or list of dict
        One row per face: ``file``, ``face`` (1, 2, ... in the photo, left to
        right), ``row``, ``col``, ``height``, ``width`` (the box in the photo),
        ``found`` (``"detected"`` or ``"whole image"``), ``score`` (the
        detector's confidence), ``emotion``, one column per class with its
        probability, ``status`` (``"ok"``, ``"no face"`` or ``"not an
        image"``; for a video also ``"unreadable"``, ``"truncated"``), ``kind``
        (``"photo"`` or ``"video"``), and for a video's rows ``frame``, ``time``
        (seconds) and ``track`` (the id of the face followed over frames; its
        ``face`` is its number in the frame, ``found`` and ``score`` are
        empty). A file without a face gives one row with ``face`` 0,
        ``found`` ``"no face"`` (or ``"not an image"``) and empty values.
        The columns of ``skfer predict --csv``.

    See Also
    --------
    skfer.preprocessing.extract_faces : The boxes and crops alone.

    Examples
    --------
    >>> from skimage import data
    >>> from skfer import FERClassifier, analyze
    >>> from skfer.datasets import make_faces
    >>> X, y = make_faces(70, random_state=0, return_X_y=True)
    >>> clf = FERClassifier("small", max_epochs=1, random_state=0).fit(X, y)
    >>> rows = analyze([data.astronaut(), data.coffee()], clf, as_frame=False)
    >>> [(r["file"], r["found"], r["height"]) for r in rows]
    [('<image 0>', 'detected', 140), ('<image 1>', 'no face', None)]
    >>> rows[0]["kind"], rows[0]["frame"], len(rows[0])
    ('photo', None, 21)
    """
    if as_frame not in (True, False, "auto"):
        raise ValueError(f"as_frame must be True, False or 'auto'; got {as_frame!r}.")
    if detect not in ("auto", "always", "never"):
        raise ValueError(
            f"detect must be one of ('auto', 'always', 'never'); got {detect!r}."
        )
    if model is None:
        model = _default_model()
    elif isinstance(model, (str, os.PathLike)):
        # lazy: load_pretrained needs torch (the torch extra); ONNX models need none
        from . import load_pretrained

        model = load_pretrained(model)
    if not hasattr(model, "predict_proba") or not hasattr(model, "classes_"):
        raise TypeError(
            "model must be a fitted classifier with predict_proba and classes_, a "
            f"pretrained name or None; got {type(model).__name__}."
        )
    side = math.isqrt(int(getattr(model, "n_features_in_", 48 * 48)))
    items = list_photos(photos)
    videos = [is_video(item) for item in items]
    if any(videos):
        require_video_reader("skfer.analyze needs PyAV to read the video files")
    records, rows = analyse_photos(
        [item for item, clip in zip(items, videos) if not clip],
        detector=detector,
        align=align,
        detect=detect,
        min_face=min_face,
        jobs=n_jobs,
        progress=progress,
        size=side,
    )
    classes, _ = classify(records, rows, model)
    clips = [
        analyse_video_file(
            item,
            model,
            detect=detect,
            detector=detector,
            align=align,
            min_face=min_face,
            progress=progress,
        )[1]
        for item, clip in zip(items, videos)
        if clip
    ]
    out = table(in_file_order(records, clips, videos), classes)
    if as_frame is False:
        return out
    try:
        # lazy: pandas is no dependency of skfer (a list of dicts without it)
        import pandas as pd
    except ImportError as exc:
        if as_frame is True:
            raise ImportError(
                "as_frame=True needs pandas (pip install pandas); pass "
                "as_frame=False for a list of dicts."
            ) from exc
        return out
    frame = pd.DataFrame(out, columns=columns(classes))
    for column in ("row", "col", "height", "width", "frame", "track"):
        frame[column] = frame[column].astype("Int64")
    for column in ("score", "time"):
        frame[column] = frame[column].astype(float)
    return frame
