"""Encoding frames to a video file with PyAV (annotated videos, test videos)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from fractions import Fraction
from numbers import Real
from pathlib import Path

import numpy as np

from ._reader import _import_av

__all__ = ["write_video"]

# Encoder of each file ending; others get H.264 (libx264, in PyAV's wheels).
_CODECS = {".gif": "gif", ".webm": "libvpx", ".avi": "mpeg4", ".ogv": "libtheora"}
_PIXEL_FORMATS = {"gif": "rgb8", "libvpx": "yuv420p", "mpeg4": "yuv420p"}


def write_video(
    path: str | os.PathLike[str],
    frames: Iterable[np.ndarray],
    *,
    fps: float = 30,
    codec: str | None = None,
) -> Path:
    """Write frames to a video file.

    Parameters
    ----------
    path : str or path-like
        The file to write; its ending picks the container (``.mp4``, ``.mkv``,
        ``.avi``, ``.webm``, ``.gif``...). Folders are created.
    frames : iterable of ndarray of uint8
        Frames of one size, gray ``(height, width)`` or colour
        ``(height, width, 3)``. Odd sizes lose their last row or column (the
        encoders need even sizes).
    fps : float, default=30
        Frame rate of the file.
    codec : str, default=None
        FFmpeg encoder; ``None``: H.264 (MPEG-4 part 2 for ``.avi``, VP8 for
        ``.webm``, GIF for ``.gif``).

    Returns
    -------
    path : pathlib.Path
        The video file written.

    Raises
    ------
    ValueError
        If ``frames`` is empty, or the frames are not 8-bit images of one size.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from skfer.video import VideoReader, write_video
    >>> frames = [np.full((48, 64), 16 * k, np.uint8) for k in range(5)]
    >>> path = write_video(tempfile.mkdtemp() + "/ramp.mp4", frames, fps=5)
    >>> with VideoReader(path) as reader:
    ...     print(sum(1 for _ in reader.frames()), reader.width, reader.height)
    5 64 48
    """
    av = _import_av()

    if isinstance(fps, bool) or not isinstance(fps, Real) or not fps > 0:
        raise ValueError(f"fps must be a positive number; got {fps!r}.")
    path = Path(path)
    codec = codec or _CODECS.get(path.suffix.lower(), "libx264")
    rate = Fraction(fps).limit_denominator(1001)
    path.parent.mkdir(parents=True, exist_ok=True)
    shape, stream, count = None, None, 0
    with av.open(str(path), mode="w") as container:
        for frame in frames:
            frame = np.asarray(frame)
            if frame.dtype != np.uint8 or frame.ndim not in (2, 3):
                raise ValueError(
                    "frames must be uint8 arrays of shape (height, width) or "
                    f"(height, width, 3); frame {count} has dtype {frame.dtype} and "
                    f"shape {frame.shape}."
                )
            if shape is None:
                shape = frame.shape[:2]
                stream = container.add_stream(codec, rate=rate)
                stream.height, stream.width = shape[0] // 2 * 2, shape[1] // 2 * 2
                stream.pix_fmt = _PIXEL_FORMATS.get(codec, "yuv420p")
            elif frame.shape[:2] != shape:
                raise ValueError(
                    f"frames must share one size; frame {count} is {frame.shape[:2]}, "
                    f"the first was {shape}."
                )
            frame = frame[: stream.height, : stream.width]
            if frame.ndim == 2:
                frame = np.repeat(frame[..., None], 3, axis=2)
            video_frame = av.VideoFrame.from_ndarray(
                np.ascontiguousarray(frame[..., :3]), format="rgb24"
            )
            container.mux(stream.encode(video_frame))
            count += 1
        if stream is None:
            raise ValueError(f"frames is empty: nothing to write to {path}.")
        container.mux(stream.encode(None))
    return path
