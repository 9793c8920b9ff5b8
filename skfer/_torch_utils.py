"""Device, precision and random-seed helpers around torch."""

import contextlib
import functools

import torch

__all__ = ["autocast", "check_device", "resolve_precision", "seeded"]

PRECISIONS = ("auto", "float32", "bfloat16")


@functools.lru_cache(maxsize=1)
def cpu_has_fast_bfloat16():
    """True when this CPU has native bfloat16 matrix units (AVX-512 BF16 or AMX)."""
    for name in ("_is_amx_tile_supported", "_is_avx512_bf16_supported"):
        probe = getattr(torch.cpu, name, None)
        try:
            if probe is not None and probe():
                return True
        except Exception:  # pragma: no cover - private probes may change
            pass
    try:
        with open("/proc/cpuinfo") as fh:
            flags = fh.read()
    except OSError:  # pragma: no cover - non-Linux
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def check_device(device):
    """Return a ``torch.device`` or raise a ValueError a user can act on."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device={device!r} is not a valid torch device; expected 'cpu', 'cuda' "
            "or 'cuda:N'."
        ) from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but no CUDA GPU is available "
            "(torch.cuda.is_available() is False); use device='cpu'."
        )
    if dev.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device={device!r} is not supported; use 'cpu' or 'cuda'.")
    return dev


def resolve_precision(precision, device):
    """Map the ``precision`` parameter to an autocast dtype (None = plain float32)."""
    if precision not in PRECISIONS:
        raise ValueError(
            f"precision={precision!r} is not supported; expected one of {PRECISIONS}."
        )
    if precision == "float32":
        return None
    if precision == "bfloat16":
        return torch.bfloat16
    dev = torch.device(device)
    if dev.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else None
    if dev.type == "cpu":
        return torch.bfloat16 if cpu_has_fast_bfloat16() else None
    return None


def autocast(device, dtype):
    """Autocast context for ``dtype`` on ``device``; a no-op for float32."""
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=torch.device(device).type, dtype=dtype)


@contextlib.contextmanager
def seeded(seed, device):
    """Run a block with torch's global RNG seeded, restoring the caller's RNG after.

    Weight initialization and dropout draw from torch's global generator; forking it
    makes fits reproducible under ``random_state`` without changing the random state
    the user sees (no global ``torch.manual_seed`` side effect).
    """
    dev = torch.device(device)
    devices = []
    if dev.type == "cuda":
        devices = [dev.index if dev.index is not None else torch.cuda.current_device()]
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield
