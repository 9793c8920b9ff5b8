"""Temporal smoothing of the per-frame probabilities of each face."""

from __future__ import annotations

import copy
from numbers import Integral, Real
from typing import Literal

import numpy as np

from ._predictions import VideoPredictions

__all__ = ["smooth_probabilities"]

METHODS = ("ema", "window")


def _ema(proba, alpha):
    out = np.empty_like(proba)
    state = proba[0]
    for k, p in enumerate(proba):
        state = alpha * p + (1 - alpha) * state
        out[k] = state
    return out


def _window(proba, window):
    half = window // 2
    cumsum = np.vstack([np.zeros(proba.shape[1]), np.cumsum(proba, axis=0)])
    n = len(proba)
    lo = np.clip(np.arange(n) - half, 0, n)
    hi = np.clip(np.arange(n) + half + 1, 0, n)
    return (cumsum[hi] - cumsum[lo]) / (hi - lo)[:, None]


def smooth_probabilities(
    result: VideoPredictions,
    *,
    method: Literal["ema", "window"] = "ema",
    alpha: float = 0.5,
    window: int = 5,
) -> VideoPredictions:
    """Smooth the probabilities of each face over time.

    Each track is smoothed on its own, over its rows in time order (the sampled
    frames where the face was seen); the rows still sum to one.

    Parameters
    ----------
    result : VideoPredictions
        A video analysis (see :func:`analyse_video`).
    method : {"ema", "window"}, default="ema"
        ``"ema"``: exponential moving average, ``s_t = alpha p_t + (1 - alpha)
        s_{t-1}`` (causal: what a live display can show). ``"window"``: mean over a
        centred window of ``window`` frames (shorter at the ends of a track).
    alpha : float in (0, 1], default=0.5
        Weight of the current frame for ``"ema"`` (1: no smoothing).
    window : int, default=5
        Frames averaged by ``"window"`` (an even number is rounded up to odd).

    Returns
    -------
    smoothed : VideoPredictions
        A copy whose ``proba`` is smoothed; ``raw_proba`` keeps the per-frame
        probabilities and ``info["smoothing"]`` says how.

    Examples
    --------
    >>> from skfer.video import VideoPredictions, smooth_probabilities
    >>> result = VideoPredictions(
    ...     source="clip.mp4", classes=["happy", "sad"], frame=[0, 1, 2],
    ...     time=[0, 0.1, 0.2], track=[1, 1, 1], boxes=[(5, 5, 40, 40)] * 3,
    ...     proba=[[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    >>> smooth_probabilities(result, method="ema", alpha=0.5).proba[:, 0].tolist()
    [1.0, 0.5, 0.75]
    >>> smooth_probabilities(result, method="window", window=3).proba[1].round(3)
    array([0.667, 0.333])
    """
    if not isinstance(result, VideoPredictions):
        raise TypeError(
            f"result must be a VideoPredictions (from analyse_video); got "
            f"{type(result).__name__}."
        )
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}.")
    if method == "ema" and (
        isinstance(alpha, bool) or not isinstance(alpha, Real) or not 0 < alpha <= 1
    ):
        raise ValueError(f"alpha must be a number in (0, 1]; got {alpha!r}.")
    if method == "window" and (
        isinstance(window, bool) or not isinstance(window, Integral) or window < 1
    ):
        raise ValueError(f"window must be a positive integer; got {window!r}.")
    raw = result.raw_proba
    smoothed = raw.copy()
    for track in np.unique(result.track):
        rows = np.flatnonzero(result.track == track)
        rows = rows[np.argsort(result.time[rows], kind="stable")]
        if method == "ema":
            smoothed[rows] = _ema(raw[rows], float(alpha))
        else:
            smoothed[rows] = _window(raw[rows], int(window) | 1)
    how = {"method": method}
    how.update(alpha=float(alpha) if method == "ema" else None)
    how.update(window=int(window) | 1 if method == "window" else None)
    info = {**result.info, "smoothing": {k: v for k, v in how.items() if v is not None}}
    # the same rows (their arrays shared, as they were never changed), new columns
    out = copy.copy(result)
    out.proba = smoothed.astype(float, copy=False)
    out.raw_proba = raw
    out.info = info
    return out
