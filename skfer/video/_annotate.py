"""Annotated videos: each face's box, track id and emotion drawn on the frames."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ._predictions import VideoPredictions
from ._reader import VideoReader, VideoReadError
from ._writer import write_video

__all__ = ["write_annotated_video"]

# One colour per track (cycled), readable on light and dark frames.
_COLORS = [
    (255, 140, 0),
    (30, 144, 255),
    (50, 205, 50),
    (220, 20, 60),
    (186, 85, 211),
    (255, 215, 0),
    (0, 206, 209),
    (255, 105, 180),
]


def _font(height):
    # lazy: Pillow, only to draw (import skfer.video loads numpy only)
    from PIL import ImageFont

    size = max(10, int(height / 30))
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # pragma: no cover - Pillow without FreeType sizes
        return ImageFont.load_default()


def _draw(image, faces, font):
    """Draw the (track, box, emotion, probability) of each face on a PIL image."""
    # lazy: Pillow, only to draw (import skfer.video loads numpy only)
    from PIL import ImageDraw

    draw = ImageDraw.Draw(image)
    line = max(2, image.height // 240)
    for track, (row, col, height, width), emotion, p in faces:
        color = _COLORS[(track - 1) % len(_COLORS)]
        draw.rectangle(
            [col, row, col + width - 1, row + height - 1], outline=color, width=line
        )
        label = f"#{track} {emotion} {p:.0%}"
        left, top, right, bottom = draw.textbbox((0, 0), label, font=font)
        y = row - (bottom - top) - 2 * line if row >= bottom - top + 2 * line else row
        draw.rectangle(
            [col, y, col + right - left + 2 * line, y + bottom + line], fill=color
        )
        draw.text((col + line, y), label, fill=(0, 0, 0), font=font)
    return image


def write_annotated_video(
    result: VideoPredictions,
    path: str | os.PathLike[str],
    *,
    source: str | os.PathLike[str] | None = None,
) -> Path:
    """Write a copy of the video with each face's box, track id and emotion.

    Every decoded frame is written, at the video's own rate; a frame between two
    analysed frames shows the faces of the analysed frame before it. Labels show
    ``result.proba`` (smoothed when ``result`` was smoothed). The video is read
    a second time, so ``source`` must be a file (not a live stream).

    Parameters
    ----------
    result : VideoPredictions
        The analysis of the video (see :func:`analyse_video`).
    path : str or path-like
        The annotated video to write (``.mp4``, ``.mkv``, ``.avi``, ``.webm``,
        ``.gif``...).
    source : str or path-like, default=None
        The video analysed; default ``result.source``.

    Returns
    -------
    path : pathlib.Path
        The annotated video written.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from skfer.video import (VideoPredictions, VideoReader, write_video,
    ...                          write_annotated_video)
    >>> folder = tempfile.mkdtemp()
    >>> clip = write_video(folder + "/grey.mp4", [np.full((96, 128), 90, np.uint8)] * 4)
    >>> result = VideoPredictions(
    ...     source=clip, classes=["happy", "sad"], frame=[0, 2], time=[0, 0.07],
    ...     track=[1, 1], boxes=[(20, 30, 50, 50)] * 2, proba=[[0.8, 0.2], [0.3, 0.7]])
    >>> out = write_annotated_video(result, folder + "/annotated.mp4")
    >>> with VideoReader(out) as reader:
    ...     frames = [image for _, _, image in reader.frames(format="rgb24")]
    >>> len(frames), frames[1][45, 31].tolist() != [90, 90, 90]  # the box's edge
    (4, True)
    """
    # lazy: Pillow, only to draw (import skfer.video loads numpy only)
    from PIL import Image

    if not isinstance(result, VideoPredictions):
        raise TypeError(
            f"result must be a VideoPredictions (from analyse_video); got "
            f"{type(result).__name__}."
        )
    source = result.source if source is None else source
    if result.info.get("camera"):
        raise VideoReadError(
            f"{source}: a live stream cannot be read a second time to annotate it; "
            "record it to a file first."
        )
    by_frame: dict[int, list[Any]] = {}
    for f, track, box, emotion, p in zip(
        result.frame, result.track, result.boxes, result.emotion, result.proba.max(1)
    ):
        by_frame.setdefault(int(f), []).append((int(track), box, str(emotion), p))
    last = max(by_frame, default=-1)
    stop = result.info.get("n_decoded") or None

    def frames(reader):
        font, faces = _font(reader.height), []
        for index, _, rgb in reader.frames(format="rgb24"):
            if stop is not None and index >= stop:
                break
            if index in by_frame or index > last:
                faces = by_frame.get(index, [])
            yield np.asarray(_draw(Image.fromarray(rgb), faces, font))

    with VideoReader(source) as reader:
        return write_video(Path(path), frames(reader), fps=reader.fps or 30)
