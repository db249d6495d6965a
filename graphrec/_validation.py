"""Shared argument checks: random states, devices, fitted-ness and error types."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = [
    "NotFittedError",
    "check_is_fitted",
    "check_positive_int",
    "check_random_state",
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
