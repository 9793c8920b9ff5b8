"""FER2013's framing from five landmarks, and aligned crops (eyes level).

A detector that returns landmarks (:class:`YuNetDetector`: eyes, nose tip, mouth
corners) lets :func:`find_faces` frame a face as FER2013 frames its faces; with
``align=True`` the crop is also turned so that the eyes are level. The shares
below were measured with YuNet on 2,818 of 3,000 FER2013 training faces drawn
at random (medians; the script is
``benchmarks/detectors.py --fer2013-landmarks``): the midpoint of the eyes lies
at 39 % of the crop's height and in the middle of its width, the eyes are 38 %
of the side apart and 38 % of the side above the mouth's centre. The crop is
turned so that the eyes are level (FER2013's faces are upright: median angle of
the eyes 0.4 degrees).

Photos are read best with that box grown by ``PHOTO_SCALE`` and not turned. On
the validation part of ``benchmarks/photos.py`` (63 JAFFE and 212 CK+ images in
8 framings, the shipped Model 3; YuNet returning boxes from a score of 0.6, in
a variant of ``benchmarks/detectors.py`` that scaled the box), the mean
accuracy over the framings was JAFFE 58.9 / 60.3 / 60.9 / 60.7 / 57.7 % and CK+
82.4 / 82.3 / 82.2 / 82.0 / 81.7 % for a box 1.0 / 1.05 / 1.1 / 1.15 / 1.2
times FER2013's, and turning the crop lowered it (scale 1.1: JAFFE 59.1 %, CK+
81.8 %; 1.0: 56.5 %, 82.0 %); the cascade's box read 60.1 % and 82.2 %.
``benchmarks/detectors.py`` with the chosen framing: YuNet 60.7 % and 82.1 %,
turned 58.9 % and 81.7 % (``benchmarks/results/detectors.md``). Turning is
therefore an option (``align=True``), for models trained on turned crops.
"""

import math

import numpy as np

from ..utils import resize_image

#: FER2013's framing, as shares of the crop's side (see the module's text).
EYES_ROW = 0.39
EYES_APART = 0.38
EYES_TO_MOUTH = 0.38
#: The side of the box of a photo's face, as a multiple of FER2013's framing
#: (chosen on photos.py's validation part: see the module's text).
PHOTO_SCALE = 1.1
#: ``margin`` for which the box is FER2013's framing; each other margin grows or
#: shrinks it as it grows the box of a detector without landmarks.
FER2013_MARGIN = 0.1


def _landmark_box(points, margin, height, width, scale=1.0):
    """The square box of FER2013's framing and the eyes' angle (degrees), or
    None when the landmarks cannot frame a face (not finite, the eyes or the
    eyes and mouth under a pixel apart).

    ``points``: (5, 2) array of ``(row, col)``: the eyes (the left one in the
    image first), the nose tip and the mouth's corners. The box is centred as
    the aligned crop is (its turn is about the box's centre), its side
    ``scale`` times FER2013's, and shifted into the image as
    :func:`_square_box` shifts a detector's box.
    """
    points = np.asarray(points, float)
    left_eye, right_eye = points[0], points[1]
    eyes, mouth = (left_eye + right_eye) / 2, points[3:5].mean(0)
    apart = float(np.hypot(*(right_eye - left_eye)))
    to_mouth = float(np.hypot(*(mouth - eyes)))
    if not (np.all(np.isfinite(points)) and apart >= 1 and to_mouth >= 1):
        return None
    side = max(apart / EYES_APART, to_mouth / EYES_TO_MOUTH)
    side *= (1 + 2 * margin) / (1 + 2 * FER2013_MARGIN)
    centre_side = side
    side *= scale
    d_row, d_col = right_eye - left_eye
    angle = math.degrees(math.atan2(d_row, d_col))
    # "down" in the face: the eyes' direction turned a quarter clockwise
    norm = math.hypot(d_row, d_col) or 1.0
    down = np.array([d_col, -d_row]) / norm
    centre = eyes + (0.5 - EYES_ROW) * centre_side * down
    side = max(1, min(int(round(side)), height, width))
    top = int(np.clip(round(centre[0] - side / 2), 0, height - side))
    left = int(np.clip(round(centre[1] - side / 2), 0, width - side))
    return (top, left, side, side), angle


def _aligned_crop(gray, box, angle, size):
    """The square ``box`` of ``gray`` turned by ``angle`` degrees about its
    centre (so that a line at ``angle`` becomes level), as a ``size`` crop;
    a colour image (height, width, channels) gives a colour crop."""
    # lazy: skimage.transform (~400 modules) loads only to align
    from skimage.transform import AffineTransform, warp

    top, left, side, _ = box
    centre = np.array([top + side / 2, left + side / 2])
    theta = math.radians(angle)
    cos, sin = math.cos(theta), math.sin(theta)
    half = side / 2 * (abs(cos) + abs(sin)) + 1
    r0, c0 = (int(v) for v in np.floor(centre - half))
    r1, c1 = (int(v) for v in np.ceil(centre + half))
    height, width = gray.shape[:2]
    rows = np.clip(np.arange(r0, r1), 0, height - 1)
    cols = np.clip(np.arange(c0, c1), 0, width - 1)
    region = gray[np.ix_(rows, cols)]  # edge-padded where it leaves the photo
    scale = size[0] / side
    shape = (max(1, round((r1 - r0) * scale)), max(1, round((c1 - c0) * scale)))
    small = resize_image(region, shape)
    k_row, k_col = shape[0] / (r1 - r0), shape[1] / (c1 - c0)
    mid_row = (centre[0] - r0) * k_row - 0.5
    mid_col = (centre[1] - c0) * k_col - 0.5

    # output (col, row) -> (col, row) of ``small``: turned about the box's centre
    mid_out_col, mid_out_row = (size[1] - 1) / 2, (size[0] - 1) / 2
    matrix = np.array(
        [
            [cos, -sin, mid_col - cos * mid_out_col + sin * mid_out_row],
            [sin, cos, mid_row - sin * mid_out_col - cos * mid_out_row],
            [0.0, 0.0, 1.0],
        ]
    )
    out = warp(
        small, AffineTransform(matrix=matrix), output_shape=size, order=1, mode="edge"
    )
    return np.clip(np.rint(out * 255), 0, 255).astype(np.uint8)
