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

from graphrec._metrics import (  # the per-user ranking metrics live in the bottom layer
    average_precision_at_k,
    hit_rate_at_k,
    hits_matrix,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    reciprocal_rank_at_k,
)

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
