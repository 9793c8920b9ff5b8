"""Device, precision and random-seed helpers around torch."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import platform
import threading
from collections.abc import Iterator
from typing import Any

import torch

__all__ = [
    "BFLOAT16_ENV",
    "PRECISIONS",
    "SINGLE_THREAD_MAX_IMAGES",
    "autocast",
    "bfloat16_override",
    "check_device",
    "cpu_has_fast_bfloat16",
    "fused_optimizer_kwargs",
    "intra_op_threads",
    "reuse_large_allocations",
    "resolve_precision",
    "seeded",
]

#: The values of ``FERClassifier(precision=...)``.
PRECISIONS = ("auto", "float32", "bfloat16")


#: Environment variable overriding :func:`cpu_has_fast_bfloat16`: ``0`` runs skfer
#: as on a CPU without native bfloat16 units, ``1`` as on one with them; unset or
#: empty, the CPU is asked.
BFLOAT16_ENV = "SKFER_BFLOAT16"


def bfloat16_override() -> bool | None:
    """The value of ``SKFER_BFLOAT16``: True, False, or None when it is unset.

    Read on every call, so that a test (``monkeypatch.setenv``) or a user can force
    either answer of :func:`cpu_has_fast_bfloat16` without restarting Python.

    Returns
    -------
    override : bool or None

    Raises
    ------
    ValueError
        When the variable holds anything but ``0``, ``1`` or nothing.
    """
    value = os.environ.get(BFLOAT16_ENV, "").strip()
    if value == "":
        return None
    if value in ("0", "1"):
        return value == "1"
    raise ValueError(
        f"{BFLOAT16_ENV}={value!r} is not understood; expected 0 (as on a CPU "
        "without native bfloat16 units), 1 (as on one with them) or unset."
    )


def cpu_has_fast_bfloat16() -> bool:
    """True when this CPU has native bfloat16 matrix units (AVX-512 BF16 or AMX).

    ``SKFER_BFLOAT16=0`` (or ``1``) in the environment forces the answer (see
    :func:`bfloat16_override`): ``precision="auto"`` then chooses float32 (or
    bfloat16), and skfer's oneDNN bfloat16 kernels stay unused with ``0``, as on a
    CPU without these units.

    Examples
    --------
    >>> from skfer.utils import cpu_has_fast_bfloat16
    >>> isinstance(cpu_has_fast_bfloat16(), bool)
    True
    """
    override = bfloat16_override()
    if override is not None:
        return override
    return _cpu_flags_bfloat16()


@functools.lru_cache(maxsize=1)
def _cpu_flags_bfloat16():
    """What the CPU says: torch's probes, else ``/proc/cpuinfo``'s flags."""
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


def check_device(device: str | torch.device) -> torch.device:
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


def resolve_precision(precision: str, device: str | torch.device) -> torch.dtype | None:
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
        # These small networks are launch-bound on a GPU, so autocast's extra cast
        # kernels buy nothing (measured on an H100: docs/user_guide/speed.rst).
        return None
    if dev.type == "cpu":
        return torch.bfloat16 if cpu_has_fast_bfloat16() else None
    return None


@functools.cache
def _fused_supported(optimizer_cls, device_type):
    try:
        param = torch.zeros(1, device=device_type, requires_grad=True)
        optimizer_cls([param], lr=0.1, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return False
    return True


def fused_optimizer_kwargs(
    optimizer_cls: type[torch.optim.Optimizer], device: str | torch.device
) -> dict[str, bool]:
    """``{"fused": True}`` when torch has a fused kernel of ``optimizer_cls`` there.

    A fused Adam updates each parameter tensor in one vectorized pass instead of a
    dozen elementwise kernels; for Model 1's 20 M parameters the optimizer step took
    about 4.5 times less time in a profile on this project's 2-core CPU (from about a
    quarter of a bfloat16 training step to under a tenth). Only torch's own Adam, AdamW
    and SGD are probed (other classes get ``{}``); a torch without the fused CPU
    kernels (before 2.4) gets ``{}`` too.
    """
    if optimizer_cls not in (torch.optim.Adam, torch.optim.AdamW, torch.optim.SGD):
        return {}
    device_type = torch.device(device).type
    if device_type not in ("cpu", "cuda"):
        return {}
    return {"fused": True} if _fused_supported(optimizer_cls, device_type) else {}


#: Up to this many images, CPU inference runs on one thread (see
#: :func:`intra_op_threads`).
SINGLE_THREAD_MAX_IMAGES = 8


_threads_lock = threading.Lock()
_threads_users = 0
_threads_saved = 0  # the process's count, saved by the first block before any use
_threads_local = threading.local()


@contextlib.contextmanager
def intra_op_threads(n: int | None) -> Iterator[None]:
    """Run a block with ``n`` torch intra-op threads (``None``: as is), then restore.

    Used for tiny inference batches: a single image gains nothing from splitting
    each kernel across threads, and on a busy machine every OpenMP parallel region
    waits for its slowest, possibly descheduled, thread (``benchmarks/speed.py``
    measures single-image latency).

    ``torch.set_num_threads`` sets the calling thread's count and also the count
    that threads adopt at their first torch operation: process-wide state. So the
    blocks of all threads are counted together. The first block to start remembers
    the process's count; a thread's outermost block leaves it at that count (``None``
    there means that count too), a nested block at the count it found. After the
    last block the count is what it was before the first, whichever threads
    overlapped, even a thread that started using torch inside another one's block.
    One case stays out of reach: a thread whose first torch operation runs inside
    another thread's block, outside any block of its own, starts with that block's
    count, as torch makes it.

    Parameters
    ----------
    n : int or None
        Intra-op threads inside the block.

    Yields
    ------
    None

    Examples
    --------
    >>> import torch
    >>> from skfer.utils import intra_op_threads
    >>> before = torch.get_num_threads()
    >>> with intra_op_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    global _threads_users, _threads_saved
    depth = getattr(_threads_local, "depth", 0)
    with _threads_lock:
        if _threads_users == 0:
            _threads_saved = torch.get_num_threads()
        _threads_users += 1
        restore = torch.get_num_threads() if depth else _threads_saved
        target = restore if n is None else n
        if torch.get_num_threads() != target:
            torch.set_num_threads(target)
    _threads_local.depth = depth + 1
    try:
        yield
    finally:
        _threads_local.depth = depth
        with _threads_lock:
            _threads_users -= 1
            if torch.get_num_threads() != restore:
                torch.set_num_threads(restore)


# glibc's mallopt parameters (malloc.h) and the defaults restored afterwards.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_DEFAULT_TRIM_THRESHOLD = 128 * 1024
_DEFAULT_MMAP_THRESHOLD_MAX = 32 * 1024 * 1024  # where glibc's dynamic threshold ends
_HEAP_THRESHOLD = 1 << 30
_heap_lock = threading.Lock()
_heap_users = 0


@functools.lru_cache(maxsize=1)
def _glibc():
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018 - both must exist
    except (OSError, AttributeError):  # pragma: no cover - unusual libc
        return None
    return libc


@contextlib.contextmanager
def reuse_large_allocations() -> Iterator[None]:
    """Let glibc keep freed large blocks for reuse during a block, then trim.

    glibc serves every allocation above 32 MB (and, until its threshold adapts, above
    128 kB) with a fresh ``mmap`` and unmaps it on free, so each training step of
    Model 1 page-faults its 75 MB weight and gradient casts and its first-layer
    activations in again, several times slower than writing into reused memory
    (``benchmarks/speed.py`` measures ``fit``). Inside the block large blocks come from
    the heap and stay there; on exit the thresholds are set to glibc's defaults
    (trimming above 128 kB, ``mmap`` above 32 MB: the values its dynamic threshold
    starts from and ends at, which ``mallopt`` fixes from then on) and
    ``malloc_trim`` returns the free memory to the system, so the resident size after
    ``fit`` is what it would have been. Nested and concurrent uses are counted. A
    no-op outside Linux/glibc. Used by ``fit`` only: ``predict`` changes no
    process-wide allocator setting.

    Yields
    ------
    None
    """
    global _heap_users
    libc = _glibc()
    if libc is None:
        yield
        return
    with _heap_lock:
        if _heap_users == 0:
            libc.mallopt(_M_MMAP_THRESHOLD, _HEAP_THRESHOLD)
            libc.mallopt(_M_TRIM_THRESHOLD, 2 * _HEAP_THRESHOLD)
        _heap_users += 1
    try:
        yield
    finally:
        with _heap_lock:
            _heap_users -= 1
            if _heap_users == 0:
                libc.mallopt(_M_MMAP_THRESHOLD, _DEFAULT_MMAP_THRESHOLD_MAX)
                libc.mallopt(_M_TRIM_THRESHOLD, _DEFAULT_TRIM_THRESHOLD)
                libc.malloc_trim(0)


def autocast(
    device: str | torch.device, dtype: torch.dtype | None
) -> contextlib.AbstractContextManager[Any]:
    """Autocast context for ``dtype`` on ``device``; a no-op for float32."""
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=torch.device(device).type, dtype=dtype)


@contextlib.contextmanager
def seeded(seed: int, device: str | torch.device) -> Iterator[None]:
    """Run a block with torch's global RNG seeded, restoring the caller's RNG after.

    Weight initialization and dropout draw from torch's global generator; forking it
    makes fits reproducible under ``random_state`` without changing the random state
    the user sees (no global ``torch.manual_seed`` side effect).

    Parameters
    ----------
    seed : int
        Seed of torch's global generator inside the block.
    device : str or torch.device
        Device whose generator (CUDA) is also restored after the block.

    Yields
    ------
    None
    """
    dev = torch.device(device)
    devices = []
    if dev.type == "cuda":
        devices = [dev.index if dev.index is not None else torch.cuda.current_device()]
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield
