"""The layout of skfer's ONNX files, shared by the exporter and the runtime.

Torch-free: :class:`~skfer.onnx.ONNXClassifier` reads what :func:`export_onnx`
writes. Metadata values that are not plain text are stored as JSON.
"""

import json

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


def encode(meta):
    """``{key: value}`` -> ``{key: text}`` for an ONNX model's ``metadata_props``."""
    return {k: json.dumps(v) if k in JSON_KEYS else str(v) for k, v in meta.items()}


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
    for key in JSON_KEYS:
        try:
            meta[key] = json.loads(props[key])
        except ValueError as exc:
            raise ValueError(f"{source}: metadata {key!r} is not valid JSON.") from exc
    return meta
