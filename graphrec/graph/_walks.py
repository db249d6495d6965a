"""Sampled two-step random walks user -> item -> user: the estimated ``"walk"`` projection.

Used by :func:`graphrec.graph.projection.projection` when ``n_walks`` is given; the cost is
users x ``n_walks`` whatever the item degrees.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["check_walks", "walk_blocks"]


def check_walks(kind: str, top_k: int | None, n_walks: int | None, seed: int | None) -> None:
    if n_walks is None:
        return
    if kind != "walk":
        raise ValueError(
            f"n_walks estimates the 'walk' projection; kind={kind!r} is computed exactly "
            "(pass n_walks=None, or kind='walk')"
        )
    if not isinstance(n_walks, (int, np.integer)) or isinstance(n_walks, bool) or n_walks < 1:
        raise ValueError(f"n_walks must be a positive integer or None, got {n_walks!r}")
    if top_k is None:
        raise ValueError("n_walks needs top_k: a sampled projection keeps each user's top_k")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"n_walks needs a seed (a non-negative int), got seed={seed!r}")


def walk_blocks(
    x: sp.csr_array, top_k: int, n_walks: int, seed: int, max_walks: int
) -> list[sp.csr_array]:
    """The sampled ``"walk"`` projection, about ``max_walks`` walks at once.

    Each walk picks one of the user's items and then one of that item's users, each with
    probability proportional to the weight (uniform when all weights are equal, else by
    the rows' cumulative weights). Walks back to the user itself are dropped; each row
    keeps the ``top_k`` most visited users, weighted by the share of walks that reached
    them. The generator (``seed``) is read user by user, so the chunk size changes the
    memory, never the result.
    """
    n = x.shape[0]
    if x.nnz == 0:
        return []
    xt = sp.csr_array(x.T)
    rng = np.random.default_rng(seed)
    uniform = bool((x.data == x.data[0]).all())
    rows_cum, cols_cum = (None, None) if uniform else (_cumulative(x), _cumulative(xt))
    degree = np.diff(x.indptr)
    index = np.int32 if n < 2**31 - 1 else np.int64
    chunk = max(1, max_walks // n_walks)
    blocks = []
    for start in range(0, n, chunk):
        users = np.arange(start, min(n, start + chunk))
        draws = rng.random((len(users), 2, n_walks))
        items = x.indices[_pick(x, users[:, None], draws[:, 0], rows_cum)]
        ends = xt.indices[_pick(xt, items, draws[:, 1], cols_cum)].astype(index)
        ends[(ends == users[:, None]) | (degree[users] == 0)[:, None]] = n  # dropped
        ends.sort(axis=1)
        blocks.append(_most_visited(ends, n, top_k))
    return blocks


def _most_visited(ends: np.ndarray, n: int, top_k: int) -> sp.csr_array:
    """CSR rows of the ``top_k`` most frequent values of each row of ``ends`` (sorted rows;
    the value ``n`` marks a dropped walk), weighted by their share of the row; ties go
    to the lower user, as in :func:`graphrec.graph.projection.top_k_per_row`."""
    import torch

    rows, n_walks = ends.shape
    first = np.ones(ends.shape, dtype=bool)
    first[:, 1:] = ends[:, 1:] != ends[:, :-1]
    flat_first = first.ravel()
    at = np.flatnonzero(flat_first)
    visits = np.zeros(ends.size, dtype=np.int32)  # each run's length, at its first walk
    visits[at] = np.diff(np.append(at, ends.size))
    visits[ends.ravel() == n] = 0
    visits = visits.reshape(ends.shape)
    # a stable sort keeps equal counts in column order (the rows are sorted by user)
    order = torch.sort(torch.from_numpy(-visits), dim=1, stable=True)[1][:, :top_k]
    order = torch.sort(order, dim=1)[0].numpy()  # back to column order
    counts = np.take_along_axis(visits, order, axis=1)
    cols = np.take_along_axis(ends, order, axis=1)
    keep = counts > 0
    indptr = np.concatenate([[0], np.cumsum(keep.sum(axis=1))])
    data = (counts[keep] / n_walks).astype(np.float32)
    return sp.csr_array((data, cols[keep], indptr), shape=(rows, n))


def _cumulative(m: sp.csr_array) -> np.ndarray:
    """``[0, cumsum(m.data)]`` in float64: the weight before each stored entry."""
    return np.concatenate([[0.0], np.cumsum(m.data, dtype=np.float64)])


def _pick(m: sp.csr_array, rows: np.ndarray, u: np.ndarray, cum: np.ndarray | None) -> np.ndarray:
    """Positions in ``m.data`` of one entry of each row of ``rows`` (broadcast with the
    uniform draws ``u``), chosen with probability proportional to the entry's weight
    (``cum`` from :func:`_cumulative`; None when all weights are equal). An empty row
    gets position 0 (its walks are dropped by the caller)."""
    lo = m.indptr[rows]
    length = m.indptr[rows + 1] - lo
    last = np.maximum(lo + length - 1, 0)
    if cum is None:
        return np.minimum(lo + (u * length).astype(np.int64), last)
    target = cum[lo] + u * (cum[lo + length] - cum[lo])
    pos = np.searchsorted(cum, target, side="right") - 1
    return np.clip(pos, np.minimum(lo, last), last)
