"""The layout of skfer's ONNX files, shared by the exporter and the runtime.

Torch-free: :class:`~skfer.onnx.ONNXClassifier` reads what :func:`export_onnx`
writes. Metadata values that are not plain text are stored as JSON.
"""

import json
import math

from ..utils import valid_class_counts

__all__ = ["FORMAT_VERSION", "INPUT_NAME", "OUTPUT_NAME", "decode", "encode"]

#: Version of the metadata layout (key ``skfer_format``).
FORMAT_VERSION = "1"

#: Names of the graph's input and output.
INPUT_NAME, OUTPUT_NAME = "images", "probabilities"

#: Metadata keys whose values are JSON (the others are plain text).
JSON_KEYS = (
    "classes",
    "input_range",
    "pixel_mean",
    "pixel_std",
    "n_features_in",
    "predict_params",
)
#: JSON metadata keys a file may lack (written by later versions of skfer).
OPTIONAL_JSON_KEYS = ("class_count",)


def encode(meta):
    """``{key: value}`` -> ``{key: text}`` for an ONNX model's ``metadata_props``."""
    json_keys = JSON_KEYS + OPTIONAL_JSON_KEYS
    return {k: json.dumps(v) if k in json_keys else str(v) for k, v in meta.items()}


def decode(props, source):
    """The metadata written by :func:`encode`; ``source`` names the file in errors."""
    if props.get("skfer_format") != FORMAT_VERSION:
        raise ValueError(
            f"{source} was not exported by skfer (metadata skfer_format="
            f"{props.get('skfer_format')!r}, expected {FORMAT_VERSION!r}); export "
            "models with FERClassifier.to_onnx or `skfer export`."
        )
    missing = [k for k in JSON_KEYS if k not in props]
    if missing:
        raise ValueError(f"{source} lacks skfer metadata {missing}.")
    meta = dict(props)
    for key in JSON_KEYS + tuple(k for k in OPTIONAL_JSON_KEYS if k in props):
        try:
            meta[key] = json.loads(props[key])
        except (ValueError, RecursionError) as exc:
            raise ValueError(f"{source}: metadata {key!r} is not valid JSON.") from exc
    _check(meta, source)
    return meta


def _number(value):
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


#: Bound on the magnitude of ``input_range`` (16-bit images reach 65535).
MAX_INPUT_MAGNITUDE = 1e6


def _check(meta, source):
    """Types and ranges of the decoded metadata; a ValueError naming the field."""

    def fail(key, expected):
        given = repr(meta[key])[:80]
        raise ValueError(f"{source}: metadata {key!r} is {given}; expected {expected}.")

    classes = meta["classes"]
    if (
        not isinstance(classes, list)
        or len(classes) < 2
        or not all(isinstance(c, (str, int, float, bool)) for c in classes)
        or len({json.dumps(c) for c in classes}) != len(classes)
        or len({type(c) for c in classes}) != 1
    ):
        fail("classes", "a list of at least 2 distinct labels of one type")
    n_features = meta["n_features_in"]
    if type(n_features) is not int or n_features < 1:
        fail("n_features_in", "a positive integer")
    lo_hi = meta["input_range"]
    if not (
        isinstance(lo_hi, list)
        and len(lo_hi) == 2
        and all(_number(v) and abs(v) <= MAX_INPUT_MAGNITUDE for v in lo_hi)
        and lo_hi[1] - lo_hi[0] > 0
    ):
        fail(
            "input_range",
            f"[low, high], finite numbers within +-{MAX_INPUT_MAGNITUDE:g}, low < high",
        )
    if not _number(meta["pixel_mean"]):
        fail("pixel_mean", "a finite number")
    if not (_number(meta["pixel_std"]) and meta["pixel_std"] > 0):
        fail("pixel_std", "a finite number > 0")
    if not isinstance(meta["predict_params"], dict):
        fail("predict_params", "a JSON object")
    counts = meta.get("class_count", [1.0] * len(classes))
    if not valid_class_counts(counts, len(classes)):
        fail("class_count", "one finite count >= 0 per class, not all zero")
