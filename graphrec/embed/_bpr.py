"""BPR batches: vectorised negative sampling and the BPR loss."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:  # torch is imported when training starts, not with graphrec
    import torch

__all__ = ["bpr_loss", "sample_negatives"]


def sample_negatives(
    users: np.ndarray, positives: sp.csr_array, rng: np.random.Generator, max_rounds: int = 100
) -> np.ndarray:
    """One uniformly random item per entry of ``users`` that the user has not interacted with.

    Vectorised rejection sampling: draw for everyone, look the (user, item) keys up
    in the sorted positive keys, redraw only the collisions.

    >>> pos = sp.csr_array(np.array([[1, 1, 0], [0, 1, 1]]))
    >>> sample_negatives(np.array([0, 1, 0]), pos, np.random.default_rng(0)).tolist()
    [2, 0, 2]
    """
    n_items = positives.shape[1]
    degree = np.diff(positives.indptr)
    if (degree[users] >= n_items).any():
        raise ValueError("a user has interacted with every item; no negative exists")
    rows = np.repeat(np.arange(positives.shape[0], dtype=np.int64), degree)
    keys = rows * n_items + positives.indices  # sorted: CSR with sorted indices
    out = rng.integers(0, n_items, size=len(users))
    todo = np.arange(len(users))
    for _ in range(max_rounds):
        cand = users[todo].astype(np.int64) * n_items + out[todo]
        pos = np.minimum(np.searchsorted(keys, cand), len(keys) - 1)
        hit = keys[pos] == cand
        if not hit.any():
            return out
        todo = todo[hit]
        out[todo] = rng.integers(0, n_items, size=len(todo))
    # pathological densities: exact per-user fallback for the few left
    for t in todo:
        seen = positives.indices[positives.indptr[users[t]] : positives.indptr[users[t] + 1]]
        out[t] = rng.choice(np.setdiff1d(np.arange(n_items), seen))
    return out


def bpr_loss(
    x: torch.Tensor,
    x0: torch.Tensor,
    u: torch.Tensor,
    i: torch.Tensor,
    j: torch.Tensor,
    reg: float,
) -> torch.Tensor:
    """Mean ``softplus(s_uj - s_ui)`` over the batch plus ``reg`` times the L2 norm of
    the batch's layer-0 rows (``x0``), halved and divided by the batch size (as in
    the LightGCN paper). ``x`` holds the final node embeddings; ``u``, ``i``, ``j``
    index users, positive and negative item nodes.

    >>> import torch
    >>> x = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> idx = [torch.tensor([k]) for k in (0, 1, 2)]
    >>> round(float(bpr_loss(x, x, *idx, reg=0.0)), 4)  # softplus(0 - 1)
    0.3133
    """
    import torch

    xu, xi, xj = x[u], x[i], x[j]
    bpr = torch.nn.functional.softplus((xu * xj).sum(1) - (xu * xi).sum(1)).mean()
    l2 = (x0[u].pow(2).sum() + x0[i].pow(2).sum() + x0[j].pow(2).sum()) / (2 * len(u))
    return bpr + reg * l2
