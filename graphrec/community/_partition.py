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


# ------------------------------------------------------------ items and users of a partition
# The one rule for the community of an item and the one user -> community map. Barber
# modularity, the community-aware recommenders, ``evaluate``'s ``outside@k`` /
# ``communities_reached@k`` and the experiment runner all go through these two functions
# (re-exported as ``graphrec.community.quality.assign_items`` / ``assign_users``).
def _biadjacency(data: Any) -> sp.csr_array:
    b = sp.csr_array(getattr(data, "matrix", data), dtype=np.float64)
    if b.ndim != 2:
        raise ValueError(f"data must be a users x items matrix or Interactions, got {b.shape}")
    return b


def assign_items(data: Any, user_labels: Any) -> np.ndarray:
    """Community of each item: where its weight most exceeds what the community's activity predicts.

    Item ``i`` goes to the community ``c``, among those whose members interacted with it,
    that maximises ``W_ic - d_i K_c / m``: the weight ``W_ic`` that ``c``'s members give
    ``i``, minus its expectation ``d_i K_c / m`` under the configuration null model
    (``d_i`` the item's weight, ``K_c`` the community's total weight, ``m`` the total
    weight, unassigned users included). This is the item label that maximises Barber's
    bipartite modularity given the user labels whenever every user is assigned, so
    :func:`~graphrec.community.quality.barber_modularity` of a user-only partition
    measures it at its best item labelling. Unlike "most weight" it does not hand every
    popular item to the largest community, and unlike "largest member share" it does not
    hand items to singletons. Ties go to the lower label (the larger community when
    labels are numbered by size); items no assigned user interacted with get ``-1``.
    Pass the matrix the partition is measured on (``Interactions`` use their weights).

    >>> b = sp.csr_array([[1, 1, 0], [1, 1, 0], [1, 0, 0], [0, 1, 1]])
    >>> assign_items(b, np.array([0, 0, 0, 1])).tolist()  # item 1: c0 2 (2.14 expected)
    [0, 1, 1]
    """
    b = _biadjacency(data)
    lab = _labels(user_labels, b.shape[0], "user_labels")
    out = np.full(b.shape[1], -1, np.int64)
    ok = lab >= 0
    if not ok.any() or b.nnz == 0:
        return out
    k = int(lab.max()) + 1
    onehot = sp.csr_array((np.ones(ok.sum()), (np.flatnonzero(ok), lab[ok])), shape=(len(lab), k))
    w = sp.coo_array(b.T @ onehot)  # items x communities, sparse
    keep = w.data > 0
    item, comm, weight = w.row[keep].astype(np.int64), w.col[keep].astype(np.int64), w.data[keep]
    if item.size == 0:
        return out
    m = b.sum()
    volume = np.bincount(lab[ok], weights=np.asarray(b.sum(axis=1)).ravel()[ok], minlength=k)
    degree = np.asarray(b.sum(axis=0)).ravel()
    excess = weight * m - degree[item] * volume[comm]  # times m: exact for integer weights
    order = np.lexsort((comm, -excess, item))
    first = order[np.r_[True, item[order][1:] != item[order][:-1]]]
    out[item[first]] = comm[first]
    return out


def community_item_counts(data: Any, user_labels: Any) -> tuple[np.ndarray, sp.csr_array]:
    """Community sizes and a communities x items matrix: members who interacted with each item.

    >>> sizes, counts = community_item_counts(sp.csr_array([[1, 0], [2, 1]]), np.array([0, 0]))
    >>> sizes.tolist(), counts.toarray().tolist()
    ([2], [[2, 1]])
    """
    b = _biadjacency(data)
    lab = _labels(user_labels, b.shape[0], "user_labels")
    ok = np.flatnonzero(lab >= 0)
    k = int(lab.max(initial=-1)) + 1
    member = sp.csr_array((np.ones(len(ok), np.int64), (lab[ok], ok)), shape=(k, b.shape[0]))
    pattern = b.copy()
    pattern.eliminate_zeros()  # explicit zeros are not interactions
    pattern = sp.csr_array(pattern, dtype=np.int64)
    pattern.data[:] = 1
    return np.bincount(lab[ok], minlength=k), sp.csr_array(member @ pattern)


def normalized_shares(sizes: np.ndarray, counts: sp.csr_array) -> sp.csr_array:
    """items x communities: each community's member shares (``counts / sizes``), unit norm.

    The matrix :func:`community_affinity` multiplies rows by; compute it once and pass it
    as ``shares`` when assigning many small batches. Communities without members or
    interactions get a zero column.
    """
    share = sp.csr_array(sp.diags_array(1.0 / np.maximum(sizes, 1)) @ counts, dtype=np.float64)
    norms = np.sqrt(np.asarray(share.multiply(share).sum(axis=1)).ravel())
    usable = (np.asarray(sizes) > 0) & (norms > 0)
    inv_norm = np.where(usable, 1.0 / np.where(norms > 0, norms, 1.0), 0.0)
    return sp.csr_array(sp.csr_array(sp.diags_array(inv_norm) @ share).T)


def community_affinity(
    sizes: np.ndarray, counts: sp.csr_array, items: Any, shares: sp.csr_array | None = None
) -> np.ndarray:
    """Cosine of each row of ``items`` with each community's member shares (rows x communities).

    ``counts / sizes`` is the share of a community's members who chose each item; rows are
    binarised. Communities with no members or no interactions get 0. ``shares``: the
    precomputed :func:`normalized_shares`. Computed in chunks of rows (the result is
    dense, rows x communities: communities are few).

    >>> sizes, counts = np.array([2, 1]), sp.csr_array([[2, 0], [0, 1]])
    >>> community_affinity(sizes, counts, sp.csr_array([[1, 0], [1, 1]])).round(3).tolist()
    [[1.0, 0.0], [0.707, 0.707]]
    """
    shares = normalized_shares(sizes, counts) if shares is None else shares
    x = sp.csr_array(items, dtype=np.float64, copy=True)
    x.data[:] = 1.0
    row_norm = np.sqrt(np.diff(x.indptr)).astype(np.float64)
    row_inv = np.divide(1.0, row_norm, out=np.zeros_like(row_norm), where=row_norm > 0)
    out = np.empty((x.shape[0], shares.shape[1]), np.float64)
    chunk = max(1, 2**22 // max(1, shares.shape[1]))
    for start in range(0, x.shape[0], chunk):
        aff = (x[start : start + chunk] @ shares).toarray()
        out[start : start + chunk] = aff * row_inv[start : start + chunk, None]
    return out


def nearest_communities(
    sizes: np.ndarray, counts: sp.csr_array, items: Any, shares: sp.csr_array | None = None
) -> np.ndarray:
    """Nearest community of each row of ``items`` (users x items, any weights -> present).

    The score of a community is the cosine between the user's items and the community's
    member shares (``counts / sizes``, :func:`community_affinity`; ``shares``: its
    precomputed :func:`normalized_shares`); users with no overlap with any community go
    to the largest one. Ties go to the lower label. Computed in chunks of users.
    """
    share_nnz = np.diff(sp.csr_array(counts).indptr)
    usable = (sizes > 0) & (share_nnz > 0)
    if not usable.any():
        raise ValueError("no community has members with interactions to assign users to")
    fallback = int(np.argmax(np.where(usable, sizes, -1)))
    aff = community_affinity(sizes, counts, items, shares)
    best = aff.argmax(axis=1) if aff.shape[0] else np.zeros(0, np.int64)
    best[aff.max(axis=1, initial=0.0) <= 0] = fallback
    return best.astype(np.int64)


def assign_users(data: Any, user_labels: Any) -> np.ndarray:
    """The community of every user: its label, or for an unassigned user the nearest one.

    An unassigned user (``-1``, e.g. DBSCAN noise) goes to the community nearest to its
    items (cosine between its items and the communities' member shares); a user with no
    interaction, or none shared with any community, goes to the largest community. This
    is the community the community-aware recommenders serve a user from and the one
    ``evaluate``'s ``outside@k`` measures against.

    >>> b = sp.csr_array([[1, 0], [1, 0], [0, 1], [0, 1], [1, 0]])
    >>> assign_users(b, np.array([0, 0, 1, 1, -1])).tolist()
    [0, 0, 1, 1, 0]
    """
    b = _biadjacency(data)
    lab = _labels(user_labels, b.shape[0], "user_labels")
    free = np.flatnonzero(lab < 0)
    if free.size == 0:
        return lab
    if free.size == len(lab):
        raise ValueError("the partition assigns no user to any community")
    sizes, counts = community_item_counts(b, lab)
    out = lab.copy()
    out[free] = nearest_communities(sizes, counts, b[free])
    return out
