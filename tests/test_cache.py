"""graphrec._cache: the bounded in-process memo behind graphrec's per-process caches."""

import pytest

from graphrec._cache import BoundedCache, clear_caches


def test_least_recently_used_is_dropped_first():
    cache = BoundedCache(2, "test")
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recently used
    cache.put("c", 3)
    assert "b" not in cache and cache.get("a") == 1 and cache.get("c") == 3
    assert len(cache) == 2


def test_get_or_compute_computes_once_per_key():
    cache = BoundedCache(3, "test")
    calls = []

    def compute(value):
        calls.append(value)
        return value * 10

    assert cache.get_or_compute(("digest", 1), lambda: compute(1)) == 10
    assert cache.get_or_compute(("digest", 1), lambda: compute(99)) == 10
    assert cache.get_or_compute(("digest", 2), lambda: compute(2)) == 20
    assert calls == [1, 2]
    assert cache.get("missing", "default") == "default"


def test_clear_caches_empties_every_cache():
    first, second = BoundedCache(1, "one"), BoundedCache(4, "two")
    first.put("k", 1)
    second.put("k", 2)
    clear_caches()
    assert len(first) == len(second) == 0
    assert repr(second) == "BoundedCache('two', 0/4 entries)"


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, None])
def test_maxsize_must_be_a_positive_integer(bad):
    with pytest.raises(ValueError, match="maxsize must be a positive integer"):
        BoundedCache(bad, "bad")
