"""Exact, deterministic top-k selection over dense score blocks."""

from __future__ import annotations

import numpy as np

__all__ = ["topk"]


def topk(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and values of the ``k`` largest entries of each row, best first.

    Ties are broken towards the lower column index, so results do not depend on
    the selection algorithm (needed to reproduce published popularity numbers).
    ``-inf`` entries sort last; rows with fewer than ``k`` finite entries still
    return ``k`` columns (the masked ones, with value ``-inf``).

    ``torch.topk`` does the selection (multi-threaded, faster than
    ``numpy.argpartition``); only rows whose k-th value is tied with a value left
    outside are redone exactly.

    >>> idx, val = topk(np.array([[1.0, 3.0, 3.0, 2.0]]), 3)
    >>> idx.tolist(), val.tolist()
    ([[1, 2, 3]], [[3.0, 3.0, 2.0]])
    """
    import torch  # here, not at import: graphrec starts without torch

    scores = np.asarray(scores)
    n, m = scores.shape
    k = min(int(k), m)
    if k <= 0 or n == 0:
        return np.empty((n, 0), np.int64), np.empty((n, 0), scores.dtype)
    vals_t, cols_t = torch.topk(torch.from_numpy(scores), k, dim=1, sorted=False)
    cols, vals = cols_t.numpy(), vals_t.numpy()
    if k < m:
        threshold = vals.min(axis=1)
        straddle = np.flatnonzero((scores >= threshold[:, None]).sum(axis=1) > k)
        if straddle.size:
            cols[straddle] = _exact_rows(scores[straddle], threshold[straddle], k)
            vals[straddle] = np.take_along_axis(scores[straddle], cols[straddle], axis=1)
    order = np.lexsort((cols, -vals), axis=1)  # by value desc, then column asc
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
