"""Stable hashes, atomic writes and provenance (package versions, host) for experiments.

>>> stable_hash({"b": 1, "a": [1, 2]}) == stable_hash({"a": [1, 2], "b": 1})
True
>>> len(stable_hash({"a": 1}))
64
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import socket
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from graphrec import _io

__all__ = [
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "environment",
    "json_default",
    "package_versions",
    "read_json",
    "stable_hash",
]


PACKAGES = ("graphrec", "torch", "numpy", "scipy", "scikit-learn", "networkx", "torch-geometric")


def json_default(value: Any) -> Any:
    """JSON encoding of numpy scalars and arrays, tuples, paths; anything else as ``str``."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return str(value)


def canonical_json(obj: Any) -> str:
    """Sorted keys, no whitespace, floats as Python writes them: the hash input."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=json_default)


def stable_hash(obj: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of ``obj``; the same on every machine and run."""
    return hashlib.sha256(canonical_json(obj).encode("utf-8")).hexdigest()


def atomic_write(path: str | os.PathLike[str], write: Callable[[io.BufferedWriter], Any]) -> Path:
    """Call ``write(file)`` on a temporary file next to ``path``, then rename it into place.

    A crash leaves either the old file or none, never a half-written one
    (:func:`graphrec._io.atomic_write` with ``overwrite=True``).
    """
    return _io.atomic_write(path, write, overwrite=True)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    return _io.atomic_write_bytes(path, data, overwrite=True)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return _io.atomic_write_text(path, text, overwrite=True)


def atomic_write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    """Write ``obj`` as indented JSON atomically (numpy values converted)."""
    return atomic_write_text(path, json.dumps(obj, indent=2, default=json_default) + "\n")


def read_json(path: str | os.PathLike[str]) -> Any:
    """Read a JSON file."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def package_versions(packages: tuple[str, ...] = PACKAGES) -> dict[str, str | None]:
    """Installed versions of the packages that shape the results (None if absent)."""
    out: dict[str, str | None] = {}
    for name in packages:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def environment() -> dict[str, Any]:
    """Host, platform, Python, CPU count, torch device and threads: where a run ran."""
    info: dict[str, Any] = {
        "hostname": socket.gethostname(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    try:
        import torch

        from graphrec._validation import resolve_device

        try:
            device = resolve_device("auto")
        except ValueError:  # $GRAPHREC_DEVICE names a missing GPU: torch stages will say so
            device = f"{os.environ.get('GRAPHREC_DEVICE')} (unavailable)"
        info["device"] = device
        info["torch_threads"] = torch.get_num_threads()
        if device.startswith("cuda") and torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name()
    except ImportError:  # pragma: no cover - torch is a dependency
        info["device"] = "cpu"
    return info
