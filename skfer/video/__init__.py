"""Emotions over time in video files and camera streams.

Frames are decoded with PyAV (``pip install av``, skfer's ``video`` extra), faces
found with :func:`skfer.preprocessing.extract_faces` and followed from frame to
frame by a small tracker, and each face is classified per frame by a fitted
:class:`~skfer.FERClassifier`.
"""

from ._analyse import analyse_video
from ._annotate import write_annotated_video
from ._predictions import VideoPredictions, summarize_tracks
from ._reader import (
    VIDEO_SUFFIXES,
    VideoDecodeWarning,
    VideoReader,
    VideoReadError,
    is_video_file,
)
from ._smooth import smooth_probabilities
from ._synthetic import make_face_video
from ._tracker import FaceTracker
from ._writer import write_video

__all__ = [
    "VIDEO_SUFFIXES",
    "FaceTracker",
    "VideoDecodeWarning",
    "VideoPredictions",
    "VideoReadError",
    "VideoReader",
    "analyse_video",
    "is_video_file",
    "make_face_video",
    "smooth_probabilities",
    "summarize_tracks",
    "write_annotated_video",
    "write_video",
]
