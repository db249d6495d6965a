"""Ranking and beyond-accuracy metrics (plain functions over top-K lists).

Ranking metrics take a boolean ``hits`` matrix (users x K: is the j-th recommended
item relevant?) and each user's number of relevant items, and return one value per
user, so they can be averaged or broken down by group.

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
    """Share of the catalogue that appears in at least one list."""
    return len(np.unique(np.asarray(recommended))) / n_items if n_items else 0.0


def novelty(recommended: np.ndarray, item_counts: np.ndarray, n_users: int) -> np.ndarray:
    """Mean self-information ``-log2(p_i)`` of each user's recommended items.

    ``p_i`` is the share of the ``n_users`` training users who interacted with item
    ``i``; items no training user saw count as seen once (``p_i = 1 / n_users``).

    >>> novelty(np.array([[0, 1]]), np.array([4, 1]), 4).tolist()
    [1.0]
    """
    p = np.maximum(np.asarray(item_counts, dtype=np.float64), 1.0) / n_users
    return (-np.log2(p))[np.asarray(recommended)].mean(axis=1)


def gini_index(recommended: np.ndarray, n_items: int) -> float:
    """Gini coefficient of how often each catalogue item is recommended.

    0 when every item is recommended equally often, close to 1 when a few items
    take all the slots.

    >>> gini_index(np.array([[0, 1], [1, 0]]), 2)
    0.0
    """
    counts = np.sort(np.bincount(np.asarray(recommended).ravel(), minlength=n_items))
    total = counts.sum()
    if total == 0 or n_items == 0:
        return 0.0
    index = np.arange(1, n_items + 1)
    return float(((2 * index - n_items - 1) * counts).sum() / (n_items * total))


def intra_list_diversity(
    recommended: np.ndarray, item_vectors: np.ndarray | sp.sparray, batch_size: int = 4096
) -> np.ndarray:
    """Mean pairwise cosine distance between the items of each list.

    ``item_vectors`` is items x features (embeddings, or multi-hot genres). Items
    with an all-zero vector count as dissimilar to everything.

    >>> v = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> intra_list_diversity(np.array([[0, 1], [0, 2]]), v).tolist()
    [0.0, 1.0]
    """
    recommended = np.asarray(recommended)
    k = recommended.shape[1]
    if k < 2:
        return np.zeros(len(recommended))
    vec = item_vectors.toarray() if sp.issparse(item_vectors) else np.asarray(item_vectors)
    vec = vec.astype(np.float32)
    norms = np.linalg.norm(vec, axis=1, keepdims=True)
    unit = np.divide(vec, norms, out=np.zeros_like(vec), where=norms > 0)
    out = np.empty(len(recommended))
    for start in range(0, len(recommended), batch_size):
        block = unit[recommended[start : start + batch_size]]  # b x k x d
        sims = np.einsum("bkd,bjd->bkj", block, block)
        off_diag = sims.sum(axis=(1, 2)) - np.einsum("bkk->b", sims)
        out[start : start + batch_size] = 1.0 - off_diag / (k * (k - 1))
    return out


def communities_reached(recommended: np.ndarray, item_communities: np.ndarray) -> int:
    """Number of communities with at least one of their items in some list.

    An item belongs to the community given by ``item_communities`` (its
    co-clustered community, or the one where it is most over-represented);
    ``-1`` means none.

    >>> communities_reached(np.array([[0, 1], [1, 2]]), np.array([0, 0, 2, 1]))
    2
    """
    labels = np.asarray(item_communities)[np.asarray(recommended)]
    return len(np.unique(labels[labels >= 0]))
