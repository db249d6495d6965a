"""Per-user ranking metrics over a boolean ``hits`` matrix (the bottom layer).

``hits[u, j]`` says whether the j-th recommended item of user ``u`` is relevant;
each metric returns one value per user. :mod:`graphrec.evaluate.metrics` re-exports
these functions; they live here so that training (early stopping in
:mod:`graphrec._ranking`) can use them without importing ``evaluate``.

>>> hits = np.array([[True, False, True], [False, False, False]])
>>> recall_at_k(hits, np.array([4, 1]), 3).tolist()
[0.5, 0.0]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

__all__ = [
    "PER_USER_RANKING",
    "average_precision_at_k",
    "hit_rate_at_k",
    "hits_matrix",
    "ndcg_at_k",
    "precision_at_k",
    "recall_at_k",
    "reciprocal_rank_at_k",
]


def hits_matrix(recommended: np.ndarray, relevant: sp.csr_array) -> np.ndarray:
    """``hits[u, j]``: is ``recommended[u, j]`` a stored entry of row ``u`` of ``relevant``?

    An empty slot (``-1``) is never a hit.

    >>> rel = sp.csr_array([[0, 1, 1], [1, 0, 0]])
    >>> hits_matrix(np.array([[2, 0], [1, -1]]), rel).tolist()
    [[True, False], [False, False]]
    """
    recommended = np.asarray(recommended, dtype=np.int64)
    n, k = recommended.shape
    relevant = sp.csr_array(relevant)
    if relevant.shape[0] != n:
        raise ValueError(f"relevant has {relevant.shape[0]} rows for {n} recommendation lists")
    n_items = relevant.shape[1]
    rel_rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(relevant.indptr))
    rel_keys = np.sort(rel_rows * n_items + relevant.indices)
    rec_keys = np.arange(n, dtype=np.int64)[:, None] * n_items + recommended
    if not len(rel_keys):
        return np.zeros((n, k), dtype=bool)
    pos = np.searchsorted(rel_keys, rec_keys)
    pos = np.minimum(pos, len(rel_keys) - 1)
    return (rel_keys[pos] == rec_keys) & (recommended >= 0)


def _cut(hits: np.ndarray, k: int) -> np.ndarray:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    if k > hits.shape[1]:
        raise ValueError(f"k={k} exceeds the {hits.shape[1]} recommended items per user")
    return np.asarray(hits[:, :k], dtype=np.float64)


def recall_at_k(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> np.ndarray:
    """Hits in the top ``k`` divided by the user's number of relevant items."""
    n_rel = np.asarray(n_relevant, dtype=np.float64)
    return np.divide(_cut(hits, k).sum(axis=1), n_rel, out=np.zeros(len(n_rel)), where=n_rel > 0)


def precision_at_k(hits: np.ndarray, k: int) -> np.ndarray:
    """Hits in the top ``k`` divided by ``k``."""
    return _cut(hits, k).sum(axis=1) / k


def hit_rate_at_k(hits: np.ndarray, k: int) -> np.ndarray:
    """1 when at least one of the top ``k`` is relevant, else 0."""
    return (_cut(hits, k).sum(axis=1) > 0).astype(np.float64)


def ndcg_at_k(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> np.ndarray:
    """Binary-relevance NDCG: DCG of the list over the ideal DCG of min(relevant, k) hits.

    >>> ndcg_at_k(np.array([[False, True]]), np.array([1]), 2).round(4).tolist()
    [0.6309]
    """
    h = _cut(hits, k)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = h @ discounts
    ideal_cum = np.concatenate([[0.0], np.cumsum(discounts)])
    idcg = ideal_cum[np.minimum(np.asarray(n_relevant, dtype=np.int64), k)]
    return np.divide(dcg, idcg, out=np.zeros(len(dcg)), where=idcg > 0)


def average_precision_at_k(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> np.ndarray:
    """AP@k: mean of precision@j over the hit positions j <= k, divided by min(relevant, k)."""
    h = _cut(hits, k)
    precision = np.cumsum(h, axis=1) / np.arange(1, k + 1)
    denom = np.minimum(np.asarray(n_relevant, dtype=np.float64), k)
    return np.divide((precision * h).sum(axis=1), denom, out=np.zeros(len(denom)), where=denom > 0)


def reciprocal_rank_at_k(hits: np.ndarray, k: int) -> np.ndarray:
    """1 / rank of the first hit within the top ``k`` (0 when there is none)."""
    h = _cut(hits, k) > 0
    first = h.argmax(axis=1)
    return np.where(h.any(axis=1), 1.0 / (first + 1), 0.0)


# name -> f(hits, n_relevant, k): the per-user ranking metrics with one signature
PER_USER_RANKING: dict[str, Callable[[np.ndarray, np.ndarray, int], np.ndarray]] = {
    "recall": recall_at_k,
    "precision": lambda hits, n_relevant, k: precision_at_k(hits, k),
    "ndcg": ndcg_at_k,
    "hit_rate": lambda hits, n_relevant, k: hit_rate_at_k(hits, k),
    "map": average_precision_at_k,
    "mrr": lambda hits, n_relevant, k: reciprocal_rank_at_k(hits, k),
}
