"""Full ranking in batches: every item scored, the masked ones removed, top-k kept.

>>> import numpy as np, scipy.sparse as sp
>>> class Fixed:
...     def score(self, users):
...         return np.array([[9, 0, 5, 1], [7, 8, 3, 0]], np.float32)[users]
>>> masked = sp.csr_array(np.array([[1, 0, 0, 0], [0, 0, 0, 0]], np.float32))
>>> rank_users(Fixed(), np.array([0, 1]), 4, 2, masked).tolist()
[[2, 3], [1, 0]]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from graphrec.data.interactions import Interactions
from graphrec.recommend.base import default_batch_size, rank_items, user_batches

__all__ = ["mask_matrix", "rank_users"]


def mask_matrix(parts: Sequence[Interactions], shape: tuple[int, int]) -> sp.csr_array:
    """The binary union of ``parts`` (all zero when there are none): the masked pairs."""
    if not parts:
        return sp.csr_array(shape, dtype=np.float32)
    total = parts[0].matrix.copy()
    for part in parts[1:]:
        total = total + part.matrix
    total = sp.csr_array(total)
    total.data[:] = 1.0
    return total


def rank_users(
    recommender: Any,
    users: np.ndarray,
    n_items: int,
    k: int,
    masked: sp.csr_array,
    batch_size: int | None = None,
) -> np.ndarray:
    """Top-``k`` item indices of each of ``users`` by ``recommender.score``, in batches.

    Masked pairs (stored entries of ``masked``, users x items) and items scored
    ``-inf`` never fill a slot: a user with fewer than ``k`` such items gets ``-1``
    in the remaining slots. Ties go to the lower item index. ``batch_size``
    defaults to :func:`~graphrec.recommend.base.default_batch_size` of ``n_items``.
    """
    batch_size = batch_size or default_batch_size(n_items)
    recs = np.empty((len(users), k), dtype=np.int64)
    for start, batch in zip(range(0, len(users), batch_size), user_batches(users, batch_size)):
        scores = np.array(recommender.score(batch), dtype=np.float32)
        if scores.shape != (len(batch), n_items):
            raise ValueError(
                f"{type(recommender).__name__}.score returned shape {scores.shape}, "
                f"expected {(len(batch), n_items)}"
            )
        idx, val = rank_items(scores, k, masked[batch])
        recs[start : start + len(batch)] = np.where(np.isneginf(val), -1, idx)
    return recs
