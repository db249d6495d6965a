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

from graphrec._topk import topk
from graphrec._validation import resolve_device
from graphrec.data.interactions import Interactions
from graphrec.recommend.base import default_batch_size

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
    device: str | None = "cpu",
) -> np.ndarray:
    """Top-``k`` item indices of each of ``users`` by ``recommender.score``, in batches.

    Masked pairs (stored entries of ``masked``, users x items) and items scored
    ``-inf`` never fill a slot: a user with fewer than ``k`` such items gets ``-1``
    in the remaining slots. Ties go to the lower item index, on every device.
    ``batch_size`` defaults to :func:`~graphrec.recommend.base.default_batch_size`
    of ``n_items``. ``device`` (``"cpu"``, ``"cuda"`` or ``"auto"``) is where the
    masking and the top-k run; the scores come from ``recommender.score`` as they are.
    """
    batch_size = batch_size or default_batch_size(n_items)
    device = resolve_device(device)
    recs = np.empty((len(users), k), dtype=np.int64)
    for start in range(0, len(users), batch_size):
        batch = users[start : start + batch_size]
        scores = recommender.score(batch)
        if np.shape(scores) != (len(batch), n_items):
            raise ValueError(
                f"{type(recommender).__name__}.score returned shape {np.shape(scores)}, "
                f"expected {(len(batch), n_items)}"
            )
        idx, val = topk(_masked_block(scores, masked[batch], device), k)
        recs[start : start + len(batch)] = np.where(np.isneginf(val), -1, idx)
    return recs


def _masked_block(scores: Any, masked: sp.csr_array, device: str) -> Any:
    """A float32 copy of ``scores`` on ``device`` (numpy on the CPU, else torch) with
    the stored entries of ``masked`` set to ``-inf``; the recommender's array is untouched."""
    rows = np.repeat(np.arange(masked.shape[0]), np.diff(masked.indptr))
    if device == "cpu":
        block = np.array(scores, dtype=np.float32, order="C")
        block[rows, masked.indices] = -np.inf
        return block
    import torch

    block = torch.as_tensor(np.asarray(scores, dtype=np.float32)).to(device, copy=True)
    if masked.nnz:
        at = tuple(torch.from_numpy(a.astype(np.int64)).to(device) for a in (rows, masked.indices))
        block[at] = -torch.inf
    return block
