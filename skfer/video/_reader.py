"""Decoding video files and camera streams into frames, with PyAV.

PyAV (``pip install av``, skfer's ``video`` extra) wraps FFmpeg and its
wheels carry FFmpeg's libraries, so every container FFmpeg reads (MP4, AVI, MOV,
WebM, MKV, animated GIF...) and every source it opens (a camera, an RTSP or HTTP
URL) is read the same way. It is imported only when a video is opened.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator
from numbers import Integral, Real
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ..utils import check_regular_file, import_optional

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "VIDEO_SUFFIXES",
    "VideoDecodeWarning",
    "VideoReadError",
    "VideoReader",
    "is_video_file",
]

#: File name endings read as videos by ``skfer predict`` (any container FFmpeg
#: reads works from Python; this set only decides which paths are videos).
VIDEO_SUFFIXES = frozenset(
    {
        ".mp4",
        ".m4v",
        ".mov",
        ".avi",
        ".mkv",
        ".webm",
        ".wmv",
        ".flv",
        ".mpg",
        ".mpeg",
        ".ts",
        ".3gp",
        ".ogv",
        ".gif",
    }
)


class VideoReadError(ValueError):
    """Raised when nothing can be read from a video: not a video, no video stream,
    no frame, or a source that cannot be opened.

    Examples
    --------
    >>> from skfer.video import VideoReadError
    >>> issubclass(VideoReadError, ValueError)
    True
    """


class VideoDecodeWarning(UserWarning):
    """Warned when decoding stops early (truncated or corrupt data): the frames
    read before the error are kept.

    Examples
    --------
    >>> from skfer.video import VideoDecodeWarning
    >>> issubclass(VideoDecodeWarning, UserWarning)
    True
    """


def _import_av():
    """Import PyAV lazily, with a clear message when it is missing."""
    return import_optional(
        "av", "skfer.video needs PyAV to decode videos", extra="video", package="av"
    )


def is_video_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a video by its ending (an animated GIF, not a still one).

    Parameters
    ----------
    path : str or path-like
        A file name.

    Returns
    -------
    bool

    Examples
    --------
    >>> from skfer.video import is_video_file
    >>> is_video_file("talk.MP4"), is_video_file("photo.jpg")
    (True, False)
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in VIDEO_SUFFIXES:
        return False
    if suffix != ".gif":
        return True
    try:  # a still GIF stays a photo
        # lazy: Pillow, only for .gif files (import skfer.video loads numpy only)
        from PIL import Image

        check_regular_file(path)  # a FIFO named .gif would block Image.open
        with Image.open(path) as image:
            return getattr(image, "n_frames", 1) > 1
    except Exception:  # unreadable: let the video reader say why
        return True


def _camera_source(index):
    """FFmpeg's name and input format of camera number ``index`` on this system."""
    if sys.platform.startswith("linux"):
        device = Path(f"/dev/video{index}")
        if not device.exists():
            found = sorted(p.name for p in Path("/dev").glob("video[0-9]*"))
            raise VideoReadError(
                f"no camera {index} on this system ({device} does "
                "not exist; "
                + (f"cameras: {', '.join(found)})." if found else "no camera found).")
            )
        return str(device), "v4l2"
    if sys.platform == "darwin":
        return str(index), "avfoundation"
    raise VideoReadError(
        f"camera={index}: camera numbers are understood on Linux and macOS only; "
        'on Windows pass the DirectShow name, e.g. source="video=Integrated Camera" '
        "with camera=True (FFmpeg: `ffmpeg -list_devices true -f dshow -i dummy`)."
    )


class VideoReader:
    """Read the frames of a video file or a live stream, sampled in time.

    A context manager around a PyAV container. Time stamps come from the
    stream (in seconds from its first frame); frames are sampled either every
    ``every`` decoded frames or at ``fps`` frames per second of video. When
    decoding fails part way (a truncated or corrupt file), the frames read so far
    are kept: ``complete`` becomes False, ``message`` says why and a
    :class:`VideoDecodeWarning` is warned. When nothing can be read a
    :class:`VideoReadError` is raised.

    Parameters
    ----------
    source : str, path-like or int
        A video file, a URL FFmpeg opens (``rtsp://...``, ``http://...``), or,
        with ``camera=True``, a camera: its number (``0``) or FFmpeg's device name.
    camera : bool, default=False
        Read ``source`` as a live stream: the number of frames is unknown and time
        starts at the first frame received.
    input_format : str, default=None
        FFmpeg's input format (``"v4l2"``, ``"avfoundation"``, ``"dshow"``,
        ``"mpegts"``...); ``None`` lets FFmpeg guess (or picks the camera format).

    Attributes
    ----------
    fps : float or None
        Frame rate declared by the stream.
    n_frames : int or None
        Number of frames declared or estimated from the duration (None for live
        streams).
    width, height : int
        Frame size in pixels.
    n_decoded : int
        Frames decoded so far.
    complete : bool
        False when decoding stopped on an error.
    message : str or None
        Why decoding stopped early.

    Examples
    --------
    >>> import tempfile, numpy as np

    >>> from skfer.video import VideoReader, write_video
    >>> path = write_video(tempfile.mkdtemp() + "/grey.mp4",
    ...                    [np.full((48, 64), 90, np.uint8)] * 6, fps=6)
    >>> with VideoReader(path) as reader:
    ...     times = [t for _, t, _ in reader.frames(every=2)]
    >>> reader.n_decoded, [round(t, 3) for t in times]
    (6, [0.0, 0.333, 0.667])
    """

    def __init__(
        self,
        source: str | os.PathLike[str] | int,
        *,
        camera: bool = False,
        input_format: str | None = None,
    ) -> None:
        av = _import_av()
        self.source = source
        self.camera = bool(camera)
        self.complete, self.message, self.n_decoded = True, None, 0
        name, fmt = str(source), input_format
        if self.camera and (
            isinstance(source, Integral) or str(source).strip().isdigit()
        ):
            name, default_fmt = _camera_source(int(str(source)))
            fmt = fmt or default_fmt
        elif not self.camera:
            path = Path(name)
            if "://" not in name and not path.exists():
                raise VideoReadError(f"{name}: no such video file.")
            if "://" not in name and not path.is_file():  # a FIFO would block
                raise VideoReadError(
                    f"{name}: not a regular file (a folder, FIFO, ...)."
                )
            if "://" not in name and path.stat().st_size == 0:
                raise VideoReadError(f"{name}: the file is empty (zero bytes).")
        try:
            self._container = av.open(name, format=fmt)
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise VideoReadError(
                f"{name}: cannot be opened as a video ({exc})."
            ) from exc
        if not self._container.streams.video:
            kinds = sorted({s.type for s in self._container.streams})
            self._container.close()
            raise VideoReadError(
                f"{name}: holds no video stream ("
                + (
                    f"only {', '.join(kinds)}"
                    if kinds
                    else "no stream at all: a truncated or unfinished file?"
                )
                + ")."
            )
        stream = self._container.streams.video[0]
        stream.thread_type = "AUTO"  # decode on several threads where the codec can
        self._stream = stream
        rate = stream.average_rate or stream.guessed_rate
        self.fps = float(rate) if rate else None
        self.width, self.height = (
            stream.codec_context.width,
            stream.codec_context.height,
        )
        self.n_frames = None
        if not self.camera:
            if stream.frames:
                self.n_frames = int(stream.frames)
            elif self.fps and stream.duration and stream.time_base:
                self.n_frames = int(
                    round(stream.duration * stream.time_base * self.fps)
                )
            elif self.fps and self._container.duration:
                self.n_frames = int(round(self._container.duration / 1e6 * self.fps))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        """Close the file or stream."""
        self._container.close()

    def _decoded(self):
        """(index, time, av.VideoFrame) of every frame, stopping on decoding errors."""
        av = _import_av()
        start, iterator = None, self._container.decode(self._stream)
        while True:
            try:
                frame = next(iterator)
            except StopIteration:
                self._check_end()
                return
            except (av.FFmpegError, EOFError, OSError) as exc:
                where = f"after {self.n_decoded} frames" if self.n_decoded else ""
                if not self.n_decoded:
                    raise VideoReadError(
                        f"{self.source}: no frame could be decoded ({exc})."
                    ) from exc
                self.complete = False
                self.message = f"decoding stopped {where}: {exc}"
                warnings.warn(
                    f"{self.source}: {self.message}; the frames read are kept.",
                    VideoDecodeWarning,
                    stacklevel=3,
                )
                return
            index = self.n_decoded
            self.n_decoded += 1
            time = frame.time
            if time is None:
                time = index / self.fps if self.fps else float(index)
            if start is None:
                start = time if self.camera else min(time, 0.0)
            yield index, float(time - start), frame

    def _check_end(self):
        """At the end of the stream: no frame at all, or fewer than announced."""
        if not self.n_decoded:
            raise VideoReadError(
                f"{self.source}: no frame could be decoded (a zero-length, truncated "
                "or empty video)."
            )
        expected = self.n_frames
        if expected and self.n_decoded < expected - max(1, 0.02 * expected):
            self.complete = False
            self.message = (
                f"the video ended after {self.n_decoded} of the {expected} frames "
                "it announces (a truncated file?)"
            )
            warnings.warn(
                f"{self.source}: {self.message}; the frames read are kept.",
                VideoDecodeWarning,
                stacklevel=4,
            )

    def frames(
        self,
        *,
        every: int | None = None,
        fps: float | None = None,
        format: Literal["gray", "rgb24"] = "gray",
    ) -> Iterator[tuple[int, float, np.ndarray]]:
        """Yield the sampled frames as ``(index, time, image)``.

        Parameters
        ----------
        every : int, default=None
            Keep one decoded frame in ``every`` (1: all).
        fps : float, default=None
            Keep frames at this rate, in frames per second of video (a frame is
            kept when its time stamp reaches the next sampling time). At most one
            of ``every`` and ``fps``; neither keeps every frame.
        format : {"gray", "rgb24"}, default="gray"
            Pixel format of the returned arrays.

        Yields
        ------
        index : int
            Position of the frame among the decoded frames (from 0).
        time : float
            Its time stamp in seconds.
        image : ndarray of uint8, shape (height, width) or (height, width, 3)
        """
        every, fps = _check_sampling(every, fps)
        next_time = 0.0
        for index, time, frame in self._decoded():
            if every is not None and index % every:
                continue
            if fps is not None:
                if time < next_time - 1e-6:
                    continue
                next_time = max(next_time + 1.0 / fps, time + 0.5 / fps)
            yield index, time, frame.to_ndarray(format=format)


def _check_sampling(every, fps):
    """Validate the ``every`` / ``fps`` sampling arguments."""
    if every is not None and fps is not None:
        raise ValueError(
            f"give every or fps, not both; got every={every!r}, fps={fps!r}."
        )
    if every is not None and (
        isinstance(every, bool) or not isinstance(every, Integral) or every < 1
    ):
        raise ValueError(f"every must be a positive integer; got {every!r}.")
    if fps is not None and (
        isinstance(fps, bool) or not isinstance(fps, Real) or not fps > 0
    ):
        raise ValueError(f"fps must be a positive number; got {fps!r}.")
    return (None if every is None else int(every)), (
        None if fps is None else float(fps)
    )
