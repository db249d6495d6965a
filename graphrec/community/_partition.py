"""Helpers shared by the partition quality measures: label arrays and user graphs."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from graphrec.community.base import Communities


def _labels(labels: Any, n: int | None = None, name: str = "labels") -> np.ndarray:
    arr = labels.user_labels if isinstance(labels, Communities) else np.asarray(labels)
    if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
        raise ValueError(f"{name} must be a 1-d integer array (or Communities), got {arr.dtype}")
    if n is not None and len(arr) != n:
        raise ValueError(f"{name} has {len(arr)} entries for {n} nodes")
    return arr.astype(np.int64)


def _singletons(labels: np.ndarray) -> np.ndarray:
    """Labels where every ``-1`` becomes a community of its own."""
    out = labels.copy()
    free = out < 0
    out[free] = out.max(initial=-1) + 1 + np.arange(free.sum())
    return out


def _modularity(
    coo: sp.coo_array, degree: np.ndarray, two_m: float, labels: np.ndarray, resolution: float
) -> float:
    """Newman-Girvan modularity from a graph's COO entries, degrees and total weight.

    The one implementation behind :func:`graphrec.community.quality.modularity`, the
    friend-graph modularity of :func:`~graphrec.community.homophily.friend_lift` and
    Leiden's ``quality_``; unassigned labels (``-1``) are singletons.
    """
    lab = _singletons(labels)
    intra = coo.data[lab[coo.row] == lab[coo.col]].sum()
    sums = np.bincount(lab, weights=degree)
    return float(intra / two_m - resolution * (sums @ sums) / two_m**2)


def _square(graph: Any, friends: bool = False) -> sp.csr_array:
    """A symmetric users x users matrix; ``friends`` takes an Interactions' user graph."""
    if getattr(graph, "matrix", None) is not None:  # an Interactions object
        if not friends:
            raise ValueError(
                "this measure takes a users x users graph, not interactions: pass "
                "gr.user_projection(train) (co-interactions) or data.user_graph "
                "(friendships); for the user-item graph use barber_modularity"
            )
        if graph.user_graph is None:
            raise ValueError("the data has no user_graph (friendships) to compare with")
        graph = graph.user_graph
    g = sp.csr_array(graph, dtype=np.float64)
    if g.ndim != 2 or g.shape[0] != g.shape[1]:
        raise ValueError(f"graph must be square (users x users), got shape {g.shape}")
    if g.nnz and abs(g - g.T).max() > 1e-6 * max(1.0, abs(g).max()):
        raise ValueError("graph must be symmetric (an undirected users x users graph)")
    return g
