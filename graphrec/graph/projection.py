"""Sparse one-mode projections of the bipartite graph, computed in row chunks.

``user_projection`` turns the users x items matrix into a sparse users x users
similarity graph (co-occurrence counts, cosine, Jaccard or the two-step random-walk
probability), optionally keeping only each user's ``top_k`` strongest neighbours. Rows
are processed in chunks whose dense block is bounded (``max_block`` entries), so memory
stays O(users x top_k).

An exact projection costs about ``sum(item degree ** 2)`` operations: 6e10 at a million
users x 250k items with a skewed popularity, or a dense 140k x 140k at MovieLens-20M
size. ``n_walks`` estimates the ``"walk"`` projection instead from that many sampled
two-step walks per user (user -> item -> user, the neighbourhood PinSage samples, Ying et
al., KDD 2018), at a cost of users x ``n_walks`` whatever the degrees.
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

import numpy as np
import scipy.sparse as sp

from graphrec._sparse import to_torch_csr
from graphrec._topk import topk
from graphrec.graph._walks import check_walks, walk_blocks

__all__ = [
    "item_projection",
    "product_top_k",
    "projection",
    "top_k_per_row",
    "user_projection",
]

logger = logging.getLogger(__name__)

KINDS = ("count", "cosine", "jaccard", "walk")


def user_projection(
    data: Any,
    kind: str = "cosine",
    top_k: int | None = None,
    *,
    symmetrize: bool = True,
    n_walks: int | None = None,
    seed: int | None = None,
    max_block: int = 2**24,
) -> sp.csr_array:
    """Users x users similarity graph of an ``Interactions`` (or a users x items matrix).

    Parameters
    ----------
    kind : {"count", "cosine", "jaccard", "walk"}
        ``count``: number of shared items (weights used as given);
        ``cosine``: cosine of the users' weight vectors;
        ``jaccard``: shared / union item sets (weights ignored);
        ``walk``: probability that a two-step random walk from ``u`` (to one of its
        items with probability proportional to the weight, then to one of that item's
        users likewise) ends at ``v``, ``sum_i w_ui / w_u. * w_vi / w_.i``. Shared
        popular items count less than rare ones (each is divided by its degree).
    top_k : int or None
        Keep each user's ``top_k`` largest similarities (ties to the lower index);
        None keeps all (memory grows with the number of co-occurring pairs).
    symmetrize : bool
        Return ``max(W, W.T)`` so the graph is undirected: with ``top_k``, and always
        for ``"walk"`` (not symmetric itself).
    n_walks : int or None
        ``kind="walk"`` only: estimate it from ``n_walks`` sampled walks per user (the
        share of them ending at ``v``; unbiased, exact as ``n_walks`` grows) instead of
        computing it exactly. Needs ``top_k`` and ``seed``.
    seed : int or None
        Seed of the sampled walks (``n_walks``); unused otherwise.
    max_block : int
        Largest dense block (rows x users) computed at once; with ``n_walks``, the
        number of walks sampled at once.

    Returns
    -------
    scipy.sparse.csr_array of float32, zero diagonal.

    >>> import scipy.sparse as sp
    >>> x = sp.csr_array([[1, 1, 0], [1, 0, 1], [0, 0, 1]])
    >>> user_projection(x, "count").toarray().tolist()
    [[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    """
    matrix = getattr(data, "matrix", data)
    return projection(
        matrix,
        kind,
        top_k,
        symmetrize=symmetrize,
        n_walks=n_walks,
        seed=seed,
        max_block=max_block,
    )


def item_projection(
    data: Any,
    kind: str = "cosine",
    top_k: int | None = None,
    *,
    symmetrize: bool = False,
    max_block: int = 2**24,
) -> sp.csr_array:
    """Items x items similarity graph; see :func:`user_projection`."""
    matrix = getattr(data, "matrix", data)
    return projection(
        sp.csr_array(matrix.T), kind, top_k, symmetrize=symmetrize, max_block=max_block
    )


def projection(
    matrix: Any,
    kind: str = "cosine",
    top_k: int | None = None,
    *,
    symmetrize: bool = True,
    n_walks: int | None = None,
    seed: int | None = None,
    max_block: int = 2**24,
) -> sp.csr_array:
    """Row x row similarity of a sparse matrix; the engine of :func:`user_projection`."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if top_k is not None and (
        isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or top_k < 1
    ):
        raise ValueError(f"top_k must be a positive integer or None, got {top_k!r}")
    check_walks(kind, top_k, n_walks, seed)
    x = sp.csr_array(matrix, dtype=np.float32)
    x.sum_duplicates()
    if x.data.size and (x.data < 0).any():
        raise ValueError("projection needs non-negative interaction weights")
    x.eliminate_zeros()
    n = x.shape[0]
    if n_walks is not None:
        blocks = walk_blocks(x, int(top_k), int(n_walks), int(seed), max_block)  # type: ignore[arg-type]
        y = x
    else:
        if kind == "jaccard":
            x = x.copy()
            x.data[:] = 1.0
        x, y = _normalized(x, kind)
        sizes = np.asarray(x.sum(axis=1)).ravel()
        blocks = _product_blocks(x, y, sizes, kind, top_k, max_block)
    out = _stacked(blocks, n)
    if symmetrize and (top_k is not None or kind == "walk"):
        out = sp.csr_array(out.maximum(out.T))
    out.sort_indices()
    return out


def product_top_k(
    left: Any, right: Any, top_k: int | None, *, max_block: int = 2**24
) -> sp.csr_array:
    """``left @ right.T`` with its diagonal zeroed, each row cut to its ``top_k`` largest
    entries (ties to the lower column), computed in row chunks like the projections.

    ``left`` and ``right`` are non-negative sparse matrices with the same number of rows
    and columns; the engine behind every projection, for similarities that need their
    own normalisation on each side (e.g. RP3beta's popularity penalty).

    >>> import scipy.sparse as sp
    >>> x = sp.csr_array([[1.0, 1.0], [1.0, 0.0], [0.0, 2.0]])
    >>> product_top_k(x, x, 1).toarray().tolist()
    [[0.0, 0.0, 2.0], [1.0, 0.0, 0.0], [2.0, 0.0, 0.0]]
    """
    if top_k is not None and (
        isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or top_k < 1
    ):
        raise ValueError(f"top_k must be a positive integer or None, got {top_k!r}")
    x = sp.csr_array(left, dtype=np.float32)
    y = sp.csr_array(right, dtype=np.float32)
    if x.shape != y.shape:
        raise ValueError(f"left and right must have the same shape, got {x.shape} and {y.shape}")
    out = _stacked(_product_blocks(x, y, None, "count", top_k, max_block), x.shape[0])
    out.sort_indices()
    return out


def _product_blocks(
    x: sp.csr_array,
    y: sp.csr_array,
    sizes: np.ndarray | None,
    kind: str,
    top_k: int | None,
    max_block: int,
) -> list[sp.csr_array]:
    """The row blocks of ``x @ y.T`` from the kernel :func:`_prefer_sparse` picks
    (``sizes``: the rows' item counts, for ``"jaccard"`` only)."""
    kernel = _sparse_blocks if _prefer_sparse(x) else _dense_blocks
    return kernel(x, y, sizes, kind, top_k, max_block)  # type: ignore[arg-type]


def _stacked(blocks: list[sp.csr_array], n: int) -> sp.csr_array:
    """The n x n float32 matrix of stacked row blocks (all zeros without any)."""
    if not blocks:
        return sp.csr_array((n, n), dtype=np.float32)
    return sp.csr_array(sp.vstack(blocks, format="csr"), dtype=np.float32)


def _normalized(x: sp.csr_array, kind: str) -> tuple[sp.csr_array, sp.csr_array]:
    """``(left, right)`` with ``similarity = left @ right.T``."""
    if kind == "cosine":
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        x = sp.csr_array(sp.diags_array(1.0 / np.where(norms > 0, norms, 1.0)) @ x)
    if kind != "walk":
        return x, x
    rows = np.asarray(x.sum(axis=1)).ravel()
    cols = np.asarray(x.sum(axis=0)).ravel()
    left = sp.csr_array(sp.diags_array(1.0 / np.where(rows > 0, rows, 1.0)) @ x)
    right = sp.csr_array(x @ sp.diags_array(1.0 / np.where(cols > 0, cols, 1.0)))
    return sp.csr_array(left, dtype=np.float32), sp.csr_array(right, dtype=np.float32)


def _prefer_sparse(x: sp.csr_array) -> bool:
    """Sparse products win when rows share few columns (gowalla-like data).

    The sparse product costs about sum(column degree^2) multiply-adds at roughly 30x
    the cost of one in the dense (torch sparse x dense) path, which costs rows x nnz.
    """
    col_deg = np.bincount(x.indices, minlength=x.shape[1]).astype(np.float64)
    return 30.0 * float(col_deg @ col_deg) < float(x.shape[0]) * x.nnz


def _dense_blocks(
    x: sp.csr_array,
    y: sp.csr_array,
    sizes: np.ndarray,
    kind: str,
    top_k: int | None,
    max_block: int,
) -> list[sp.csr_array]:
    import torch

    n = x.shape[0]
    xt = to_torch_csr(y)
    chunk = max(1, min(n, max_block // max(n, x.shape[1], 1)))
    blocks = []
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        dense_rows = torch.from_numpy(x[start:stop].toarray().T.copy())
        block = torch.sparse.mm(xt, dense_rows).T.contiguous().numpy()  # rows x n
        block[np.arange(stop - start), np.arange(start, stop)] = 0.0
        if kind == "jaccard":
            with np.errstate(invalid="ignore", divide="ignore"):
                union = sizes[start:stop, None] + sizes[None, :] - block
                block = np.where(block > 0, block / union, 0.0).astype(np.float32)
        blocks.append(_sparsify(block, top_k))
    return blocks


def _sparse_blocks(
    x: sp.csr_array,
    y: sp.csr_array,
    sizes: np.ndarray,
    kind: str,
    top_k: int | None,
    max_block: int,
) -> list[sp.csr_array]:
    n = x.shape[0]
    xt = sp.csr_array(y.T)
    col_deg = np.bincount(x.indices, minlength=x.shape[1]).astype(np.float64)
    # rows per chunk so that the expected products in one chunk stay near max_block
    owner = np.repeat(np.arange(n), np.diff(x.indptr))  # (reduceat fails on trailing empty rows)
    row_cost = np.bincount(owner, weights=col_deg[x.indices], minlength=n)
    bounds = np.searchsorted(
        np.cumsum(row_cost), np.arange(max_block, row_cost.sum() + max_block, max_block)
    )
    edges = np.unique(np.concatenate([[0], np.minimum(bounds + 1, n), [n]]))
    blocks = []
    for start, stop in itertools.pairwise(edges):
        block = sp.csr_array(x[start:stop] @ xt)
        rows = np.repeat(np.arange(start, stop), np.diff(block.indptr))
        block.data[block.indices == rows] = 0.0
        if kind == "jaccard":
            inter = block.data
            with np.errstate(invalid="ignore", divide="ignore"):
                block.data = np.where(
                    inter > 0, inter / (sizes[rows] + sizes[block.indices] - inter), 0.0
                ).astype(np.float32)
        block.eliminate_zeros()
        blocks.append(block if top_k is None else top_k_per_row(block, top_k))
    return blocks


def _sparsify(block: np.ndarray, top_k: int | None) -> sp.csr_array:
    """A dense block as CSR, keeping its positive entries (only the top_k per row)."""
    if top_k is None:
        return sp.csr_array(np.where(block > 0, block, 0.0).astype(np.float32))
    cols, vals = topk(block, top_k)
    keep = vals > 0
    counts = keep.sum(axis=1)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    return sp.csr_array((vals[keep], cols[keep], indptr), shape=block.shape)


def top_k_per_row(matrix: sp.csr_array, k: int, max_block: int = 2**24) -> sp.csr_array:
    """Keep the ``k`` largest entries of each CSR row (ties to the lower column).

    Each long row's ``k``-th largest value comes from a dense top-k of its values
    (rows padded to the longest of a group of rows, at most ``max_block`` padded
    entries at once); every entry above it is kept, and of the entries equal to it
    the ones with the lowest columns, as many as the row still needs. One pass over
    the stored entries besides that; the input need not have sorted indices, the
    output has them.

    >>> import scipy.sparse as sp
    >>> top_k_per_row(sp.csr_array([[3.0, 1.0, 3.0, 2.0]]), 2).toarray().tolist()
    [[3.0, 0.0, 3.0, 0.0]]
    """
    import torch

    m = sp.csr_array(matrix)
    counts = np.diff(m.indptr)
    if counts.max(initial=0) <= k:
        m.sort_indices()
        return m
    n = m.shape[0]
    cut = np.full(n, -np.inf, dtype=m.data.dtype)  # short rows: keep everything
    long_rows = np.flatnonzero(counts > k)
    for part in _row_groups(counts[long_rows], max_block):
        rows = long_rows[part]
        lengths = counts[rows]
        width = int(lengths.max())
        before = np.cumsum(lengths) - lengths  # where each row starts among the group's entries
        step = np.arange(int(lengths.sum()))
        padded = np.full(len(rows) * width, -np.inf, dtype=m.data.dtype)
        padded[step + np.repeat(np.arange(len(rows)) * width - before, lengths)] = m.data[
            step + np.repeat(m.indptr[rows] - before, lengths)
        ]
        block = torch.from_numpy(padded.reshape(len(rows), width))
        cut[rows] = torch.topk(block, k, dim=1, sorted=False)[0].amin(dim=1).numpy()
    row_of = np.repeat(np.arange(n, dtype=np.int64), counts)
    threshold = cut[row_of]
    keep = m.data > threshold
    need = k - np.bincount(row_of[keep], minlength=n)
    tied = np.flatnonzero((m.data == threshold) & (need[row_of] > 0))
    tied = tied[np.lexsort((m.indices[tied], row_of[tied]))]  # by row, then column
    tied_rows = row_of[tied]
    rank = np.arange(len(tied)) - np.searchsorted(tied_rows, tied_rows, side="left")
    keep[tied[rank < need[tied_rows]]] = True
    indptr = np.concatenate([[0], np.cumsum(np.bincount(row_of[keep], minlength=n))])
    out = sp.csr_array((m.data[keep], m.indices[keep], indptr), shape=m.shape)
    out.sort_indices()
    return out


def _row_groups(lengths: np.ndarray, max_block: int) -> list[np.ndarray]:
    """Consecutive positions of ``lengths`` in groups whose padded size (rows x longest)
    stays within ``max_block`` (a row longer than that is a group of its own)."""
    groups, start = [], 0
    while start < len(lengths):
        longest = np.maximum.accumulate(lengths[start:])
        sizes = longest * np.arange(1, len(longest) + 1)
        stop = start + max(1, int(np.searchsorted(sizes, max_block, side="right")))
        groups.append(np.arange(start, stop))
        start = stop
    return groups
