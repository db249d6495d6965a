"""Checks and conversions behind :class:`~graphrec.graph.BipartiteGraph`'s constructors:
weights and ids validated, (user, item, weight) triples merged, networkx node names."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import scipy.sparse as sp

logger = logging.getLogger(__name__)


def _check_biadjacency(matrix: Any) -> sp.csr_array:
    if not sp.issparse(matrix):
        matrix = np.asarray(matrix)
        if matrix.dtype.kind not in "biuf":
            raise ValueError(f"biadjacency must be numeric, got dtype {matrix.dtype}")
    if matrix.ndim != 2:
        raise ValueError(
            f"biadjacency must be 2-D (n_users, n_items), got {matrix.ndim}-D {matrix.shape}"
        )
    with np.errstate(over="ignore"):  # too large for float32 -> inf, rejected below
        out = sp.csr_array(matrix, dtype=np.float32, copy=True)
    out.sum_duplicates()
    if not np.isfinite(out.data).all():
        raise ValueError("biadjacency weights must be finite (no NaN or inf as float32)")
    if (out.data < 0).any():
        raise ValueError(f"biadjacency weights must be non-negative, min is {out.data.min()}")
    n_zero = out.nnz - np.count_nonzero(out.data)
    if n_zero:
        logger.debug("dropping %d stored zero weights from the biadjacency", n_zero)
        out.eliminate_zeros()
    out.sort_indices()
    return out


def _check_ids(ids: Any, n: int, name: str) -> np.ndarray:
    if ids is None:
        return np.arange(n, dtype=np.int64)
    arr = np.asarray(ids)
    if arr.ndim != 1 or len(arr) != n:
        raise ValueError(f"{name} must be 1-D with {n} entries, got shape {arr.shape}")
    return arr


def _check_weights(weights: Any, n: int, name: str) -> np.ndarray:
    if weights is None:
        return np.ones(n, np.float64)
    w = _to_numpy(weights).astype(np.float64)
    if w.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError(f"{name} must be finite and non-negative")
    return w


def _merge_pairs(
    users: np.ndarray, items: np.ndarray, weights: np.ndarray, shape: tuple[int, int], src: str
) -> sp.csr_array:
    """Users x items CSR from (user, item, weight) triples, merging repeated pairs."""
    if users.size == 0:
        return sp.csr_array(shape, dtype=np.float32)
    key = users * shape[1] + items
    order = np.argsort(key, kind="stable")
    key, w = key[order], weights[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    w_max, w_min = np.maximum.reduceat(w, starts), np.minimum.reduceat(w, starts)
    bad = ~np.isclose(w_min, w_max, rtol=1e-6, atol=0.0)
    if bad.any():
        k = key[starts[np.flatnonzero(bad)[0]]]
        raise ValueError(
            f"{src} gives user {k // shape[1]} - item {k % shape[1]} with different weights; "
            "both directions of an edge must carry the same weight"
        )
    k = key[starts]
    return sp.csr_array((w_max, (k // shape[1], k % shape[1])), shape=shape)


def _to_numpy(x: Any) -> np.ndarray:
    if hasattr(x, "detach"):  # torch tensor
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def _order_nodes(nodes: list[Any], index: list[Any]) -> list[Any]:
    n = len(nodes)
    if all(isinstance(k, (int, np.integer)) for k in index):
        idx = np.asarray(index, dtype=np.int64)
        if np.array_equal(np.sort(idx), np.arange(n)):
            out: list[Any] = [None] * n
            for node, k in zip(nodes, idx.tolist()):
                out[k] = node
            return out
    return list(nodes)


def _strip(node: Any, prefix: str) -> Any:
    if isinstance(node, tuple) and len(node) == 2 and node[0] == prefix:
        return node[1]
    return node


def _id_array(values: list[Any]) -> np.ndarray:
    arr = np.asarray(values)
    mixed = arr.dtype.kind in "US" and not all(isinstance(v, str) for v in values)
    if arr.ndim != 1 or mixed or arr.dtype.kind not in "biufUS":
        arr = np.empty(len(values), dtype=object)
        arr[:] = values
    return arr
