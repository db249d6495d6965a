"""Shared argument checks: random states, devices, fitted-ness and error types."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = [
    "GIB",
    "NotFittedError",
    "available_memory",
    "check_is_fitted",
    "check_memory",
    "check_positive_int",
    "check_random_state",
    "format_bytes",
    "resolve_device",
]

RandomState = int | np.random.Generator | np.random.SeedSequence | None


class NotFittedError(ValueError, AttributeError):
    """Raised when an estimator is used before ``fit``."""


def check_random_state(seed: RandomState) -> np.random.Generator:
    """Turn ``seed`` into a :class:`numpy.random.Generator`.

    ``None`` gives fresh OS entropy, an ``int`` or ``SeedSequence`` a reproducible
    generator, and a ``Generator`` is returned unchanged (shared, not copied).

    >>> check_random_state(0).integers(10) == check_random_state(0).integers(10)
    True
    """
    if isinstance(seed, (bool, np.bool_)):
        raise ValueError(f"random_state must be a non-negative integer, got {seed!r}")
    if seed is None or isinstance(seed, (int, np.integer, np.random.SeedSequence)):
        if isinstance(seed, (int, np.integer)) and seed < 0:
            raise ValueError(f"random_state must be a non-negative integer, got {seed}")
        return np.random.default_rng(seed)
    if isinstance(seed, np.random.Generator):
        return seed
    raise ValueError(
        f"random_state must be None, an int, a SeedSequence or a numpy Generator; "
        f"got {type(seed).__name__}"
    )


def seed_from(rng: np.random.Generator) -> int:
    """Draw a 63-bit integer seed from ``rng`` (for libraries that take an int)."""
    return int(rng.integers(0, 2**63 - 1))


def resolve_device(device: str | None = "auto") -> str:
    """Resolve ``"auto"`` to a concrete torch device string.

    Order: an explicit value, else ``$GRAPHREC_DEVICE``, else ``"cuda"`` when
    available, else ``"cpu"``. An explicit ``"cuda"`` / ``"cuda:N"`` (argument or
    environment variable) raises ``ValueError`` when torch sees no such CUDA device.
    """
    where = f"device={device!r}"
    if device in (None, "auto"):
        env = os.environ.get("GRAPHREC_DEVICE", "").strip()
        if env and env != "auto":
            device, where = env, f"$GRAPHREC_DEVICE={env!r}"
        else:
            import torch

            return "cuda" if torch.cuda.is_available() else "cpu"
    device = str(device)
    if device == "cuda" or device.startswith("cuda:"):
        _check_cuda(device, where)
    return device


def _check_cuda(device: str, where: str) -> None:
    """Raise a ``ValueError`` naming ``where`` unless torch can use ``device``."""
    import torch

    fix = (
        "use device='auto' or 'cpu'"
        if where.startswith("device=")
        else "unset it or set it to 'auto' or 'cpu'"
    )
    if not torch.cuda.is_available():
        build = (
            "built without CUDA"
            if torch.version.cuda is None
            else f"built for CUDA {torch.version.cuda}, but no GPU or driver is visible"
        )
        raise ValueError(
            f"{where} asks for a CUDA device but none is available (torch "
            f"{torch.__version__}, {build}); {fix}"
        )
    index = device.partition(":")[2]
    count = torch.cuda.device_count()
    if index and (not index.isdigit() or int(index) >= count):
        raise ValueError(
            f"{where}: no such CUDA device; {count} visible (cuda:0..cuda:{count - 1}); {fix}"
        )


def check_is_fitted(estimator: Any, attributes: str | Iterable[str]) -> None:
    """Raise :class:`NotFittedError` unless ``estimator`` has all ``attributes``."""
    names = [attributes] if isinstance(attributes, str) else list(attributes)
    missing = [a for a in names if not hasattr(estimator, a)]
    if missing:
        raise NotFittedError(
            f"This {type(estimator).__name__} instance is not fitted yet "
            f"(missing {', '.join(missing)}); call 'fit' first."
        )


def check_positive_int(value: Any, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` as an int, raising a ``ValueError`` naming ``name`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


GIB = 1024**3


def available_memory(device: str = "cpu") -> int | None:
    """Bytes that can be allocated now on ``device`` (None when it cannot be told).

    CPU: ``MemAvailable`` of ``/proc/meminfo`` (or psutil where installed); CUDA: the
    free memory torch reports for the device.
    """
    if str(device).startswith("cuda"):
        try:
            import torch

            return int(torch.cuda.mem_get_info(torch.device(device))[0])
        except (ImportError, RuntimeError, ValueError):
            return None
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:
        return None


def format_bytes(n: float) -> str:
    """``1.8 TiB``, ``20.1 GiB``, ``512 MiB``.

    >>> format_bytes(3 * 1024**4 / 2), format_bytes(2**29)
    ('1.5 TiB', '512 MiB')
    """
    for unit, size in (("TiB", 1024**4), ("GiB", GIB), ("MiB", 1024**2)):
        if n >= size:
            value = n / size
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{n / 1024:.0f} KiB"


def check_memory(nbytes: float, what: str, change: str, device: str = "cpu") -> None:
    """Refuse, before allocating, work that needs more memory than ``device`` has free.

    ``what`` names the component and the parameters that set the size (``"lightgcn
    (dim=1000000000)"``), ``change`` the parameter to lower. The estimate is a lower
    bound of what the work holds at its peak, so a refusal is never a false alarm.

    >>> check_memory(2**70, "toy(dim=10**20)", "dim")
    Traceback (most recent call last):
    ...
    ValueError: toy(dim=10**20) needs at least ... of memory, more than the ... available ...
    """
    free = available_memory(device)
    if free is not None and nbytes > free:
        raise ValueError(
            f"{what} needs at least {format_bytes(nbytes)} of memory, more than the "
            f"{format_bytes(free)} available on {device}; lower {change}"
        )
