"""YuNet, a small CNN face detector with five landmarks, run by onnxruntime.

The network file ``yunet_s.onnx`` (232 KB, 75,000 parameters) ships with skfer:
it is ``onnx/yunet_s_dynamic.onnx`` of Shiqi Yu's libfacedetection.train
(Apache-2.0, ``yunet_s.LICENSE`` beside it), whose weights are those of OpenCV
Zoo's ``face_detection_yunet_2023mar.onnx`` (MIT; the file of
``cv2.FaceDetectorYN``), with an input of any size. Its outputs are decoded as
OpenCV's ``FaceDetectorYN`` decodes them (score ``sqrt(cls * obj)``, centre and
size per cell of strides 8, 16 and 32, then non-maximum suppression). Only
onnxruntime is needed (a dependency of skfer): no OpenCV.
"""

import functools
from importlib import resources
from numbers import Integral, Real

import numpy as np

from ..utils import sha256_file

__all__ = ["YuNetDetector"]

_MODEL = "yunet_s.onnx"
#: sha256 of the shipped file: checked when the session is built.
_MODEL_SHA256 = "daede24002cc8590f457998cc5e6c9e8b82f45f6bd969506a8913cd4ed10a2d3"
_STRIDES = (8, 16, 32)


@functools.lru_cache(maxsize=1)
def _session():
    """The onnxruntime session of the shipped network (one per process)."""
    try:
        # lazy: onnxruntime loads only when YuNet first runs (start-up)
        import onnxruntime as ort
    except ImportError as exc:
        raise ImportError(
            "detector='yunet' (the default face detector) needs onnxruntime, a "
            "dependency of skfer: install it with `pip install onnxruntime`, or "
            "use detector='cascade'."
        ) from exc

    path = resources.files(__package__).joinpath(_MODEL)
    with resources.as_file(path) as file:
        digest = sha256_file(file)
        if digest != _MODEL_SHA256:
            raise ValueError(
                f"{file} is not skfer's YuNet network (sha256 {digest}); "
                f"expected {_MODEL_SHA256}: reinstall skfer."
            )
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # photos run in parallel, not one photo
        return ort.InferenceSession(
            str(file), options, providers=["CPUExecutionProvider"]
        )


class YuNetDetector:
    """YuNet (Wu, Peng and Yu, 2023), a CNN face detector, as a :class:`FaceDetector`.

    Named ``"yunet"``, the default detector; run by onnxruntime. The image is
    scaled down to ``max_side``, searched by the network (shipped with skfer,
    232 KB), and its faces returned with their score and five landmarks: the
    eyes (the one on the image's left first), the nose tip and the mouth's
    corners.

    Parameters
    ----------
    max_side : int, default=640
        Longest side of the copy the network sees (smaller: faster, misses
        faces under about ``10 / max_side`` of the image).
    min_score : float, default=0.3
        Faces scoring under this are not returned.
    face_score : float, default=0.6
        :func:`find_faces` takes the boxes scoring at least this as faces; the
        weaker ones are only evidence that an image is a face crop. At 0.6
        YuNet found 1.010 faces a photo in 200 photos of one face in a textured
        background, 1.045 at 0.5, reading the validation photos as well
        (``benchmarks/results/detectors.md``).
    nms_overlap : float, default=0.3
        Two boxes whose intersection over union exceeds this are one face.

    Examples
    --------
    >>> from skimage import data
    >>> from skfer.preprocessing import YuNetDetector
    >>> from skfer.preprocessing._grayscale import _to_gray
    >>> boxes, scores, landmarks = YuNetDetector().detect(_to_gray(data.astronaut()))
    >>> len(boxes), landmarks.shape, bool(scores[0] > 0.9)
    (1, (1, 5, 2), True)
    """

    def __init__(
        self,
        *,
        max_side: int = 640,
        min_score: float = 0.3,
        face_score: float = 0.6,
        nms_overlap: float = 0.3,
    ) -> None:
        self.max_side = max_side
        self.min_score = min_score
        self.face_score = face_score
        self.nms_overlap = nms_overlap

    def _check(self):
        if (
            isinstance(self.max_side, bool)
            or not isinstance(self.max_side, Integral)
            or self.max_side < 32
        ):
            raise ValueError(
                f"max_side must be an integer >= 32; got {self.max_side!r}."
            )
        for name in ("min_score", "face_score", "nms_overlap"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, Real):
                raise ValueError(f"{name} must be a number in [0, 1]; got {value!r}.")
            if not 0 <= value <= 1:
                raise ValueError(f"{name} must be a number in [0, 1]; got {value!r}.")

    def detect(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Boxes, scores and landmarks of the faces of one gray image.

        Parameters
        ----------
        image : ndarray of shape (height, width), dtype uint8
            A gray image.

        Returns
        -------
        boxes : ndarray of shape (n_faces, 4)
            ``(row, col, height, width)`` boxes, best score first.
        scores : ndarray of shape (n_faces,)
            The network's confidence, in [0, 1].
        landmarks : ndarray of shape (n_faces, 5, 2)
            ``(row, col)`` of the eyes (left one in the image first), the nose
            tip and the mouth's corners (left one first).
        """
        self._check()
        image = np.asarray(image)
        scale = min(1.0, self.max_side / max(image.shape))
        blob = _blob(image, scale)
        outputs = _session().run(None, {"input": blob})
        boxes, scores, points = _decode(outputs, blob.shape[2:], self.min_score)
        keep = _nms(boxes, scores, self.nms_overlap)
        boxes, scores, points = boxes[keep] / scale, scores[keep], points[keep] / scale
        # (x1, y1, w, h) -> (row, col, height, width); (x, y) -> (row, col)
        boxes = boxes[:, [1, 0, 3, 2]]
        points = points.reshape(-1, 5, 2)[:, :, ::-1]
        # eyes and mouth corners, the one on the image's left first
        for a, b in ((0, 1), (3, 4)):
            swap = points[:, a, 1] > points[:, b, 1]
            points[swap, a], points[swap, b] = points[swap, b], points[swap, a].copy()
        return boxes, scores, points


def _blob(gray, scale):
    """The network's input: ``gray`` scaled, as 3 equal channels, padded with
    zeros to multiples of 32 (as OpenCV pads it), float32 (1, 3, h, w)."""
    from PIL import Image  # lazy: Pillow stays out of finding faces with the cascade

    if scale < 1.0:
        height, width = gray.shape
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        gray = np.asarray(Image.fromarray(gray).resize(size, Image.BILINEAR))
    height, width = gray.shape
    padded = np.zeros((1, 3, -(-height // 32) * 32, -(-width // 32) * 32), np.float32)
    padded[0, :, :height, :width] = gray
    return padded


def _decode(outputs, shape, min_score):
    """Boxes ``(x, y, w, h)``, scores and ten landmark coordinates per cell."""
    height, width = shape
    n = len(_STRIDES)
    boxes, scores, points = [], [], []
    for k, stride in enumerate(_STRIDES):
        cls, obj, bbox, kps = (outputs[k + n * j][0] for j in range(4))
        score = np.sqrt(np.clip(cls[:, 0], 0, 1) * np.clip(obj[:, 0], 0, 1))
        cells = np.flatnonzero(score >= min_score)
        row, col = np.divmod(cells, width // stride)
        box = bbox[cells]
        size = np.exp(box[:, 2:]) * stride
        centre_x = (col + box[:, 0]) * stride
        centre_y = (row + box[:, 1]) * stride
        corner = np.stack([centre_x - size[:, 0] / 2, centre_y - size[:, 1] / 2], 1)
        boxes.append(np.concatenate([corner, size], 1))
        scores.append(score[cells])
        offsets = np.stack([col, row], 1).repeat(5, 0).reshape(-1, 10)
        points.append((kps[cells] + offsets) * stride)
    return np.concatenate(boxes), np.concatenate(scores), np.concatenate(points)


def _nms(boxes, scores, overlap):
    """Indices of the boxes kept by greedy non-maximum suppression, best first."""
    order = np.argsort(-scores, kind="stable")
    keep = []
    x1, y1 = boxes[:, 0], boxes[:, 1]
    x2, y2 = x1 + boxes[:, 2], y1 + boxes[:, 3]
    area = boxes[:, 2] * boxes[:, 3]
    while order.size:
        best, order = order[0], order[1:]
        keep.append(best)
        w = np.clip(
            np.minimum(x2[best], x2[order]) - np.maximum(x1[best], x1[order]), 0, None
        )
        h = np.clip(
            np.minimum(y2[best], y2[order]) - np.maximum(y1[best], y1[order]), 0, None
        )
        inter = w * h
        order = order[inter / (area[best] + area[order] - inter) <= overlap]
    return np.array(keep, int)
