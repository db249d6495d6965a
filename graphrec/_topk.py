"""Exact, deterministic top-k selection over dense score blocks (numpy or torch, any device)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["topk"]


def topk(scores: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and values of the ``k`` largest entries of each row, best first.

    Ties are broken towards the lower column index, so results do not depend on
    the selection algorithm or the device (needed to reproduce published
    popularity numbers). ``-inf`` entries sort last; rows with fewer than ``k``
    finite entries still return ``k`` columns (the masked ones, with value ``-inf``).

    ``scores`` is a 2-d numpy array or a torch tensor (on any device, e.g. CUDA);
    the result is CPU numpy. ``torch.topk`` selects ``k + 1`` candidates per row
    (multi-threaded on CPU, faster than ``numpy.argpartition``); a row is exact
    once its ``k``-th and ``k + 1``-th values differ, and only rows where they tie
    are redone with the full row, keeping the lowest tied columns.

    >>> idx, val = topk(np.array([[1.0, 3.0, 3.0, 2.0]]), 3)
    >>> idx.tolist(), val.tolist()
    ([[1, 2, 3]], [[3.0, 3.0, 2.0]])
    """
    import torch  # here, not at import: graphrec starts without torch

    block = scores if isinstance(scores, torch.Tensor) else torch.from_numpy(np.asarray(scores))
    n, m = block.shape
    k = min(int(k), m)
    dtype = _numpy_dtype(block)
    if k <= 0 or n == 0:
        return np.empty((n, 0), np.int64), np.empty((n, 0), dtype)
    if k == m:  # every column: one stable sort of the negated row
        order = torch.sort(-block, dim=1, stable=True)[1]
        return order.cpu().numpy().astype(np.int64), torch.gather(block, 1, order).cpu().numpy()
    vals_t, cols_t = torch.topk(block, k + 1, dim=1, sorted=False)
    cols, vals = _ordered(cols_t.cpu().numpy(), vals_t.cpu().numpy())
    straddle = np.flatnonzero(vals[:, k - 1] == vals[:, k])
    cols, vals = np.ascontiguousarray(cols[:, :k]), np.ascontiguousarray(vals[:, :k])
    if straddle.size:  # the k-th value is tied: the lowest tied columns are the ones kept
        rows = block[torch.from_numpy(straddle).to(block.device)].cpu().numpy()
        exact = _exact_rows(rows, vals[straddle, k - 1], k)
        cols[straddle], vals[straddle] = _ordered(exact, np.take_along_axis(rows, exact, axis=1))
    return cols, vals


def _numpy_dtype(block: Any) -> np.dtype:
    import torch

    return torch.empty(0, dtype=block.dtype).numpy().dtype


def _ordered(cols: np.ndarray, vals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's entries by value descending, then column ascending."""
    order = np.lexsort((cols, -vals), axis=1)
    return (
        np.take_along_axis(cols, order, axis=1).astype(np.int64),
        np.take_along_axis(vals, order, axis=1),
    )


def _exact_rows(scores: np.ndarray, threshold: np.ndarray, k: int) -> np.ndarray:
    """Top-k columns of rows whose k-th value is tied: keep the lowest tied columns."""
    above = scores > threshold[:, None]
    tied = scores == threshold[:, None]
    need = k - above.sum(axis=1)
    selected = above | (tied & (np.cumsum(tied, axis=1) <= need[:, None]))
    return np.nonzero(selected)[1].reshape(len(scores), k)
