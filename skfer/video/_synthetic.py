"""Synthetic videos of moving faces that change expression (tests, docs, benchmarks)."""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..preprocessing import detect_faces
from ._writer import write_video

__all__ = ["make_face_video"]

BACKGROUND = 90  # grey level of the background, as the synthetic photos of the tests


@functools.lru_cache(maxsize=8)
def _detectable_faces(emotions, size, random_state):
    """One synthetic face per emotion that the face detector finds on a background."""
    # lazy: skfer.datasets loads scikit-learn (the torch extra)
    from ..datasets import make_faces

    pool = make_faces(
        12 * len(emotions),
        classes=sorted(set(emotions)),
        image_size=size,
        random_state=random_state,
    )
    pad = size // 3
    chosen = {}
    for image, label in zip(pool.images, pool.target):
        if label in chosen:
            continue
        canvas = np.pad(image, pad, constant_values=BACKGROUND)
        # found at several shifts: the cascade's windows step over the frame
        if all(
            len(detect_faces(np.roll(canvas, (shift, 2 * shift), axis=(0, 1)))) == 1
            for shift in (0, 3, 6, 9)
        ):
            chosen[label] = image
    missing = sorted(set(emotions) - set(chosen))
    if missing:
        raise ValueError(
            f"no detectable synthetic face for {missing} at face_size={size}; try "
            "another random_state or a larger face_size."
        )
    return [chosen[e] for e in emotions]


def make_face_video(
    path: str | os.PathLike[str],
    *,
    n_faces: int = 2,
    seconds: float = 2.0,
    fps: float = 30,
    frame_size: tuple[int, int] = (480, 640),
    face_size: int = 128,
    emotions: Sequence[tuple[str, str]] = (("happy", "surprise"), ("sad", "angry")),
    random_state: int = 0,
) -> dict[str, Any]:
    """Write a video of synthetic faces that move and change expression.

    Each face (from :func:`skfer.datasets.make_faces`, one that scikit-image's
    cascade finds) glides smoothly back and forth across its own band of a grey
    frame and changes expression half way through the video. The faces are
    drawn, not photographed: YuNet, the default detector, finds few of them, so
    analyse such a video with ``detector="cascade"``.

    Parameters
    ----------
    path : str or path-like
        The video file to write (its ending picks the format, see
        :func:`write_video`).
    n_faces : int, default=2
        Number of faces (0 makes a video without a face).
    seconds : float, default=2.0
        Length of the video.
    fps : float, default=30
        Frame rate.
    frame_size : (int, int), default=(480, 640)
        Height and width of the frames.
    face_size : int, default=128
        Side of each face image in pixels.
    emotions : sequence of (str, str), default=(("happy", "surprise"), ("sad", "angry"))
        The expression of each face in the first and in the second half
        (cycled when there are more faces than pairs).
    random_state : int, default=0
        Seed of the synthetic faces.

    Returns
    -------
    truth : dict
        ``path`` (the file), ``time`` (seconds, per frame), ``centres`` (array of
        shape (n_frames, n_faces, 2): row and column of each face's centre) and
        ``emotions`` (array of shape (n_frames, n_faces)).

    Examples
    --------
    >>> import tempfile
    >>> from skfer.video import make_face_video
    >>> truth = make_face_video(tempfile.mkdtemp() + "/faces.mp4", seconds=0.5,
    ...                         fps=10, frame_size=(240, 320), face_size=96)
    >>> truth["centres"].shape, truth["emotions"][0].tolist()
    ((5, 2, 2), ['happy', 'sad'])
    """
    height, width = frame_size
    n_frames = int(round(seconds * fps))
    pairs = [tuple(emotions[k % len(emotions)]) for k in range(n_faces)]
    needed = sorted({e for pair in pairs for e in pair})
    images = dict(
        zip(needed, _detectable_faces(tuple(needed), face_size, random_state))
    )
    band = width // max(n_faces, 1)
    if n_faces and (band < face_size or height < face_size):
        raise ValueError(
            f"{n_faces} faces of {face_size} pixels do not fit side by side in "
            f"frames of frame_size={frame_size}."
        )
    time = np.arange(n_frames) / fps
    centres = np.zeros((n_frames, n_faces, 2))
    labels = np.empty((n_frames, n_faces), dtype=object)
    frames = []
    for f, t in enumerate(time):
        frame = np.full((height, width), BACKGROUND, np.uint8)
        phase = 2 * np.pi * t / max(seconds, 1e-9)
        for k, pair in enumerate(pairs):
            # each face: one slow back-and-forth in its band, bobbing up and down
            span_c, span_r = band - face_size, height - face_size
            left = int(round(k * band + span_c * (0.5 - 0.5 * np.cos(phase + k))))
            top = int(round(span_r * (0.5 + 0.25 * np.sin(phase + 2 * k))))
            emotion = pair[0] if t < seconds / 2 else pair[1]
            frame[top : top + face_size, left : left + face_size] = images[emotion]
            centres[f, k] = (top + face_size / 2, left + face_size / 2)
            labels[f, k] = emotion
        frames.append(frame)
    path = write_video(path, frames, fps=fps)
    return {"path": path, "time": time, "centres": centres, "emotions": labels}
