"""Reading and writing FERClassifier weights as safetensors (no pickle, no code)."""

import json
import os
import tempfile
from pathlib import Path

import torch

__all__ = ["read_weights", "write_weights"]

FORMAT_VERSION = "1"


def write_weights(path, state_dict, meta):
    """Atomically write ``state_dict`` and JSON-able ``meta`` to a safetensors file."""
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
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
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".safetensors", dir=path.parent)
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata=metadata)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 is for the temporary only
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def read_weights(path):
    """Return ``(state_dict, meta)`` from a file written by :func:`write_weights`."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Weights file not found: {path}")
    try:
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as fh:
            raw_meta = fh.metadata() or {}
        state = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise ValueError(
            f"{path} is not a readable safetensors weights file ({exc})."
        ) from exc
    if raw_meta.get("skfer_format") != FORMAT_VERSION:
        raise ValueError(
            f"{path} was not written by skfer's save_weights (metadata "
            f"skfer_format={raw_meta.get('skfer_format')!r}, expected "
            f"{FORMAT_VERSION!r})."
        )
    meta = {k: json.loads(v) for k, v in raw_meta.items() if k != "skfer_format"}
    return {k: v for k, v in state.items()}, meta


def tensor_dict(module):
    """State dict of ``module`` with plain contiguous CPU tensors."""
    return {
        k: torch.as_tensor(v).detach().cpu() for k, v in module.state_dict().items()
    }
