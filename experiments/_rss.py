"""Peak memory of one step of a benchmark: the growth of the process's resident set.

Linux only (``/proc/self``): the high-water mark ``VmHWM`` is reset before the step
through ``/proc/self/clear_refs``, so every allocation counts (numpy, scipy, torch).
Elsewhere the figures read 0. Imported by the scripts beside it (``import _rss``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["status_bytes", "timed_peak"]


def status_bytes(field: str) -> int:
    """A size field of ``/proc/self/status`` (``VmRSS``, ``VmHWM``) in bytes; 0 if unknown."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def timed_peak(fn: Callable[[], Any]) -> tuple[Any, float, int, int]:
    """Run ``fn``; return its result, seconds, the resident set's growth over the step
    (bytes) and the process's high-water mark at its end (bytes)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset the high-water mark
    except OSError:
        pass
    base = status_bytes("VmRSS")
    t0 = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - t0
    high = status_bytes("VmHWM")
    return out, seconds, max(0, high - base), high
