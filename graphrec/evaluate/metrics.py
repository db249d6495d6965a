"""Ranking and beyond-accuracy metrics (plain functions over top-K lists).

Ranking metrics take a boolean ``hits`` matrix (users x K: is the j-th recommended
item relevant?) and each user's number of relevant items, and return one value per
user, so they can be averaged or broken down by group. In a list of item indices,
``-1`` marks an empty slot (a user with fewer recommendable items than ``K``): it is
never a hit, and the list-composition metrics (novelty, diversity, coverage, gini)
count only the items the list holds.

>>> hits = np.array([[True, False, True], [False, False, False]])
>>> recall_at_k(hits, np.array([4, 1]), 3).tolist()
[0.5, 0.0]
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = [
    "average_precision_at_k",
    "communities_reached",
    "gini_index",
    "hit_rate_at_k",
    "hits_matrix",
    "intra_list_diversity",
    "item_coverage",
    "ndcg_at_k",
    "novelty",
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
    if not isinstance(k, (int, np.integer)) or k < 1:
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


def item_coverage(recommended: np.ndarray, n_items: int) -> float:
    """Share of the catalogue that appears in at least one list (``-1`` slots ignored).

    >>> item_coverage(np.array([[0, 1], [1, -1]]), 4)
    0.5
    """
    rec = np.asarray(recommended)
    return len(np.unique(rec[rec >= 0])) / n_items if n_items else 0.0


def novelty(recommended: np.ndarray, item_counts: np.ndarray, n_users: int) -> np.ndarray:
    """Mean self-information ``-log2(p_i)`` of each user's recommended items.

    ``p_i`` is the share of the ``n_users`` training users who interacted with item
    ``i``; items no training user saw count as seen once (``p_i = 1 / n_users``).
    ``-1`` slots are left out; an empty list gives NaN.

    >>> novelty(np.array([[0, 1], [1, -1]]), np.array([4, 1]), 4).tolist()
    [1.0, 2.0]
    """
    rec = np.asarray(recommended)
    listed = rec >= 0
    p = np.maximum(np.asarray(item_counts, dtype=np.float64), 1.0) / n_users
    info = np.where(listed, (-np.log2(p))[np.where(listed, rec, 0)], 0.0)
    n = listed.sum(axis=1)
    out = np.full(len(rec), np.nan)
    np.divide(info.sum(axis=1), n, out=out, where=n > 0)
    return out


def gini_index(recommended: np.ndarray, n_items: int) -> float:
    """Gini coefficient of how often each catalogue item is recommended.

    0 when every item is recommended equally often, close to 1 when a few items
    take all the slots.

    >>> gini_index(np.array([[0, 1], [1, 0]]), 2)
    0.0
    """
    rec = np.asarray(recommended).ravel()
    counts = np.sort(np.bincount(rec[rec >= 0], minlength=n_items))
    total = counts.sum()
    if total == 0 or n_items == 0:
        return 0.0
    index = np.arange(1, n_items + 1)
    return float(((2 * index - n_items - 1) * counts).sum() / (n_items * total))


def intra_list_diversity(
    recommended: np.ndarray, item_vectors: np.ndarray | sp.sparray, budget: int = 2**24
) -> np.ndarray:
    """Mean pairwise cosine distance between the items of each list.

    ``item_vectors`` is items x features (embeddings, or multi-hot genres). Items
    with an all-zero vector count as dissimilar to everything. ``-1`` slots are left
    out; a list with fewer than two items has diversity 0.

    The sum of the pairwise similarities of a list is ``|sum of unit vectors|^2``
    minus the items' own terms, so no list x list matrix is built: memory is about
    ``budget`` floats whatever the list length (lists are processed in chunks).

    >>> v = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> intra_list_diversity(np.array([[0, 1, -1], [0, 2, 1]]), v).round(4).tolist()
    [0.0, 0.6667]
    """
    rec = np.asarray(recommended)
    out = np.zeros(len(rec))
    if rec.ndim != 2 or rec.shape[1] < 2 or len(rec) == 0:
        return out
    vec = item_vectors.toarray() if sp.issparse(item_vectors) else np.asarray(item_vectors)
    vec = vec.astype(np.float64)
    norms = np.linalg.norm(vec, axis=1, keepdims=True)
    unit = np.divide(vec, norms, out=np.zeros_like(vec), where=norms > 0)
    self_sim = (unit * unit).sum(axis=1)  # 1, or 0 for an all-zero vector
    k, d = rec.shape[1], max(1, unit.shape[1])
    chunk = max(1, budget // (k * d))
    for start in range(0, len(rec), chunk):
        block = rec[start : start + chunk]
        listed = block >= 0
        safe = np.where(listed, block, 0)
        weight = listed[:, :, None].astype(np.float64)
        total = (unit[safe] * weight).sum(axis=1)  # b x d
        pair_sum = (total * total).sum(axis=1) - (self_sim[safe] * listed).sum(axis=1)
        n = listed.sum(axis=1).astype(np.float64)
        pairs = n * (n - 1)
        div = np.zeros(len(block))
        np.divide(pair_sum, pairs, out=div, where=pairs > 0)
        out[start : start + chunk] = np.where(pairs > 0, 1.0 - div, 0.0)
    return out


def communities_reached(recommended: np.ndarray, item_communities: np.ndarray) -> int:
    """Number of communities with at least one of their items in some list.

    An item belongs to the community given by ``item_communities`` (its
    co-clustered community, or the one where it is most over-represented);
    ``-1`` means none.

    >>> communities_reached(np.array([[0, 1], [1, 2]]), np.array([0, 0, 2, 1]))
    2
    """
    rec = np.asarray(recommended)
    labels = np.asarray(item_communities)[rec[rec >= 0]]
    return len(np.unique(labels[labels >= 0]))
