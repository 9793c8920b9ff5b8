"""Reading and writing FERClassifier weights as safetensors (no pickle, no code).

:func:`read_weights` is the one reader of weights files in skfer (pretrained
names, ``from_weights``, checkpoints, the transfer benchmark, the CLI). It checks
the file as a whole before anything uses it, and raises a ValueError naming the
file and the field at the first problem:

- the safetensors container and the ``skfer_format`` marker;
- the metadata: every entry valid JSON of bounded nesting, the required fields
  present with the right types and within the ranges skfer writes (a known
  ``architecture``, at least two distinct ``classes``, an increasing
  ``input_range`` within +-1e6, a ``pixel_mean`` in [0, 1] and a ``pixel_std`` in
  [1e-6, 1] (statistics of [0, 1]-scaled pixels), an optional ``class_count``
  per class, ...);
- the tensors: the names and shapes of the architecture built with the file's
  number of classes, and their dtypes (floating-point weights where the
  architecture has them: an int8 or bool tensor is refused);
- finite values (when the tensors are read).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import safetensors.torch
import torch
from safetensors import SafetensorError, safe_open
from torch import nn

from ..models import ARCHITECTURES, build_model, check_architecture
from ..utils import atomic_file, valid_class_counts

__all__ = ["read_weights", "read_weights_meta", "tensor_dict", "write_weights"]

FORMAT_VERSION = "1"

#: Bound on the magnitude of ``input_range`` (16-bit images reach 65535).
MAX_INPUT_MAGNITUDE = 1e6
#: Narrowest ``input_range`` accepted (``infer_input_range`` widens a constant
#: training set to 1).
MIN_INPUT_SPAN = 1e-6
#: Range of ``pixel_std``: the standard deviation of [0, 1]-scaled pixels is at
#: most 0.5; fit writes 1 for constant images and never less than 1e-6.
PIXEL_STD_RANGE = (1e-6, 1.0)
#: Range of ``pixel_mean``, the mean of [0, 1]-scaled pixels.
PIXEL_MEAN_RANGE = (0.0, 1.0)
#: Deepest nesting of lists and objects accepted in a metadata entry: far more
#: than any skfer file holds, far less than what makes ``json`` recurse too deep.
MAX_JSON_DEPTH = 32

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def write_weights(
    path: str | os.PathLike[str],
    state_dict: Mapping[str, torch.Tensor],
    meta: Mapping[str, Any],
) -> Path:
    """Atomically write ``state_dict`` and JSON-able ``meta`` to a safetensors file.

    Errors while writing (a full disk, a read-only folder; safetensors reports
    them as its own exceptions) are raised as ``OSError`` naming ``path``; no
    temporary file is left behind.
    """
    path = Path(path)
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in state_dict.items()}
    metadata = {"skfer_format": FORMAT_VERSION}
    for key, value in meta.items():
        try:
            metadata[key] = json.dumps(value)
        except TypeError as exc:
            raise ValueError(
                f"Cannot save weights: {key}={value!r} is not JSON-serializable "
                "(class labels must be str, int, float or bool)."
            ) from exc
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as tmp:
        try:
            safetensors.torch.save_file(tensors, str(tmp), metadata=metadata)
        except Exception as exc:  # OSError, SafetensorError, RuntimeError (full disk)
            raise OSError(f"Cannot write the weights file {path}: {exc}") from exc
    return path


def read_weights(
    path: str | os.PathLike[str], *, tensors: bool = True
) -> tuple[dict[str, torch.Tensor] | None, dict[str, Any]]:
    """Return ``(state_dict, meta)`` from a file written by :func:`write_weights`.

    The file is validated as a whole first (see the module docstring).

    Parameters
    ----------
    path : str or path-like
        The weights file.
    tensors : bool, default=True
        Read the tensors (and check that they are finite). With ``False`` the
        state dict is None and only the header is read (names and shapes are
        still checked).

    Returns
    -------
    state_dict : dict of str to torch.Tensor, or None
    meta : dict
        The decoded metadata, ``skfer_format`` removed.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a valid skfer weights file; the message names the
        file and the field.
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a folder, not a weights file.")
    if not path.is_file():
        raise FileNotFoundError(f"Weights file not found: {path}")
    try:
        with safe_open(str(path), framework="pt") as fh:
            raw_meta = fh.metadata() or {}
            shapes = {k: tuple(fh.get_slice(k).get_shape()) for k in fh.keys()}
            dtypes = {k: fh.get_slice(k).get_dtype() for k in fh.keys()}
            state = {k: fh.get_tensor(k) for k in fh.keys()} if tensors else None
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise ValueError(
            f"{path} is not a readable safetensors weights file ({exc})."
        ) from exc
    if raw_meta.get("skfer_format") != FORMAT_VERSION:
        raise ValueError(
            f"{path} was not written by skfer's save_weights (metadata "
            f"skfer_format={raw_meta.get('skfer_format')!r}, expected "
            f"{FORMAT_VERSION!r})."
        )
    meta = {
        key: _decode(path, key, text)
        for key, text in raw_meta.items()
        if key != "skfer_format"
    }
    _check_meta(path, meta)
    _check_shapes(path, meta, shapes, dtypes)
    if state is not None:
        _check_finite(path, state)
    return state, meta


def read_weights_meta(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The validated metadata of a weights file, without reading its tensors."""
    return read_weights(path, tensors=False)[1]


def _decode(path, key, text):
    where = f"{path}: metadata field {key!r}"
    depth = deepest = 0
    for bracket in _JSON_BRACKET.findall(_JSON_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    if deepest > MAX_JSON_DEPTH:
        raise ValueError(
            f"{where} is nested {deepest} levels deep; at most {MAX_JSON_DEPTH} "
            "are accepted."
        )
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"{where} is not valid JSON ({exc}).") from exc


def _is_number(value):
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _check_meta(path, meta):
    def fail(field, expected):
        given = "missing" if field not in meta else f"{meta[field]!r}"[:80]
        raise ValueError(
            f"{path}: metadata field {field!r} is {given}; expected {expected}."
        )

    arch = meta.get("architecture")
    try:
        check_architecture(arch)
    except ValueError:
        fail(
            "architecture",
            f"one of {sorted(ARCHITECTURES)}, or several joined by '+' (a vote)",
        )
    classes = meta.get("classes")
    if (
        not isinstance(classes, list)
        or len(classes) < 2
        or not all(isinstance(c, (str, int, float, bool)) for c in classes)
        or len({json.dumps(c) for c in classes}) != len(classes)
    ):
        fail("classes", "a list of at least 2 distinct labels (str or numbers)")
    if len({type(c) for c in classes}) != 1:
        fail("classes", "labels of one type")
    lo_hi = meta.get("input_range")
    if not (
        isinstance(lo_hi, list)
        and len(lo_hi) == 2
        and all(_is_number(v) and abs(v) <= MAX_INPUT_MAGNITUDE for v in lo_hi)
        and lo_hi[1] - lo_hi[0] >= MIN_INPUT_SPAN
    ):
        fail(
            "input_range",
            f"[low, high], two numbers within +-{MAX_INPUT_MAGNITUDE:g} with high "
            f"- low >= {MIN_INPUT_SPAN:g}",
        )
    mean = meta.get("pixel_mean")
    lo, hi = PIXEL_MEAN_RANGE
    if not (_is_number(mean) and lo <= mean <= hi):
        fail("pixel_mean", f"a number in [{lo:g}, {hi:g}] (of [0, 1]-scaled pixels)")
    std = meta.get("pixel_std")
    lo, hi = PIXEL_STD_RANGE
    if not (_is_number(std) and lo <= std <= hi):
        fail("pixel_std", f"a number in [{lo:g}, {hi:g}] (of [0, 1]-scaled pixels)")
    n_features = meta.get("n_features_in", 1)
    if type(n_features) is not int or n_features < 1:
        fail("n_features_in", "a positive integer")
    counts = meta.get("class_count", [1.0] * len(classes))
    if not valid_class_counts(counts, len(classes)):
        fail("class_count", "one finite count >= 0 per class, not all zero")
    for field in ("card", "checkpoint"):
        if field in meta and not isinstance(meta[field], dict):
            fail(field, "a JSON object")


def _expected_shapes(arch, n_classes):
    try:
        with torch.device("meta"):  # shapes only, no memory
            module = build_model(arch, n_classes=n_classes)
    except Exception:  # pragma: no cover - an architecture that needs real tensors
        module = build_model(arch, n_classes=n_classes)
    return {
        k: (tuple(v.shape), v.is_floating_point())
        for k, v in module.state_dict().items()
    }


#: safetensors dtype names of floating-point tensors.
_FLOAT_DTYPES = {"F16", "BF16", "F32", "F64"}


def _check_shapes(path, meta, shapes, dtypes=None):
    expected = _expected_shapes(meta["architecture"], len(meta["classes"]))
    what = f"a {meta['architecture']!r} with {len(meta['classes'])} classes"
    missing = sorted(set(expected) - set(shapes))
    unexpected = sorted(set(shapes) - set(expected))
    if missing or unexpected:
        raise ValueError(
            f"{path}: the tensors do not fit {what} (metadata fields "
            f"'architecture' and 'classes'): missing {missing[:5]}, unexpected "
            f"{unexpected[:5]}."
        )
    for name, (shape, floating) in expected.items():
        if shapes[name] != shape:
            raise ValueError(
                f"{path}: tensor {name!r} has shape {list(shapes[name])}; {what} "
                f"(metadata fields 'architecture' and 'classes') needs {list(shape)}."
            )
        dtype = None if dtypes is None else dtypes.get(name)
        if dtype is not None and (dtype in _FLOAT_DTYPES) != floating:
            kind = "floating-point" if floating else "integer"
            raise ValueError(
                f"{path}: tensor {name!r} has dtype {dtype}; {what} needs a {kind} "
                "tensor there."
            )


def _check_finite(path, state):
    for name, tensor in state.items():
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise ValueError(
                f"{path}: tensor {name!r} holds NaN or infinite values; the "
                "weights are unusable (a diverged training?)."
            )


def tensor_dict(module: nn.Module) -> dict[str, torch.Tensor]:
    """State dict of ``module`` with plain contiguous CPU tensors."""
    return {
        k: torch.as_tensor(v).detach().cpu() for k, v in module.state_dict().items()
    }
