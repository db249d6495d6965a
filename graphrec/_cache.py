"""Small bounded in-process memos: one mechanism for graphrec's per-process caches.

A :class:`BoundedCache` keeps at most ``maxsize`` results, keyed by what determines
them (a content digest of the data plus the parameters, never an object's ``id``),
and drops the least recently used one first. It is for results that are expensive
to recompute and reused within one process (the diversity basis of a training
matrix, the prepared datasets and quality graphs of an experiment), not a disk
cache (see :mod:`graphrec.experiment`). :func:`clear_caches` empties every one of
them, for tests.

>>> cache = BoundedCache(2, "example")
>>> cache.get_or_compute(("data-digest", 64), lambda: "basis")
'basis'
>>> cache.get_or_compute(("data-digest", 64), lambda: "recomputed")
'basis'
>>> len(cache), ("data-digest", 64) in cache
(1, True)
>>> cache.clear(); len(cache)
0
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["BoundedCache", "clear_caches"]

V = TypeVar("V")

_ALL: weakref.WeakSet[BoundedCache] = weakref.WeakSet()


class BoundedCache(Generic[V]):
    """At most ``maxsize`` values by key, least recently used dropped first.

    Parameters
    ----------
    maxsize : int
        Entries kept (at least 1).
    name : str
        What it holds, for ``repr`` and debugging.
    """

    def __init__(self, maxsize: int, name: str) -> None:
        if isinstance(maxsize, bool) or not isinstance(maxsize, int) or maxsize < 1:
            raise ValueError(f"maxsize must be a positive integer, got {maxsize!r}")
        self.maxsize = maxsize
        self.name = name
        self._data: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        _ALL.add(self)

    def get(self, key: Hashable, default: V | None = None) -> V | None:
        """The value stored under ``key`` (now the most recently used), else ``default``."""
        with self._lock:
            if key not in self._data:
                return default
            self._data.move_to_end(key)
            return self._data[key]

    def put(self, key: Hashable, value: V) -> None:
        """Store ``value`` under ``key``, dropping the least recently used beyond ``maxsize``."""
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def get_or_compute(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The value under ``key``, computed by ``compute()`` and stored when missing."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = compute()  # outside the lock: compute may itself use a cache
        self.put(key, value)
        return value

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._data.clear()

    def __contains__(self, key: Hashable) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"BoundedCache({self.name!r}, {len(self)}/{self.maxsize} entries)"


def clear_caches() -> None:
    """Empty every :class:`BoundedCache` of this process (for tests)."""
    for cache in list(_ALL):
        cache.clear()
