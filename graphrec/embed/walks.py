"""Vectorised first- and second-order (node2vec) random walks over a CSR graph.

:func:`random_walks` advances every walker together, one step at a time, over the CSR
arrays of the graph: a first-order step is a weighted choice among the current
node's neighbours (cumulative weights + ``searchsorted``, or one integer draw when
the graph is unweighted), and the node2vec bias of later steps is applied by
rejection sampling, so memory stays O(edges + walkers) whatever the degrees.
:class:`~graphrec.embed.random_walk.Node2Vec` and
:class:`~graphrec.embed.random_walk.DeepWalk` learn embeddings from these walks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, connected_components

from graphrec._validation import RandomState, check_positive_int, check_random_state

__all__ = ["random_walks"]


def random_walks(
    adjacency: Any,
    n_walks: int = 10,
    walk_length: int = 40,
    p: float = 1.0,
    q: float = 1.0,
    weighted: bool = True,
    random_state: RandomState = None,
    start_nodes: Any = None,
    verbose: bool = False,
) -> np.ndarray:
    """Biased second-order (node2vec) random walks, all walkers advanced together.

    From node ``v``, reached from ``t``, the walk moves to a neighbour ``x`` of ``v``
    with probability proportional to ``w(v, x) * alpha(t, x)``, where ``alpha`` is
    ``1 / p`` if ``x == t``, ``1`` if ``x`` is a neighbour of ``t`` and ``1 / q``
    otherwise (Grover & Leskovec, KDD 2016). The first step is first-order
    (proportional to ``w(v, x)``). ``p = q = 1`` is DeepWalk's uniform walk and skips
    the bias entirely; otherwise the bias is applied by rejection sampling: a move
    proposed from the first-order distribution is accepted with probability
    ``alpha / max(alpha)``, and only the rejected walkers propose again. No
    per-edge table is built, so memory is O(edges + walkers).

    Parameters
    ----------
    adjacency : sparse matrix of shape (n_nodes, n_nodes)
        Row ``v`` holds the out-edges of ``v`` (symmetric for an undirected graph,
        e.g. :meth:`BipartiteGraph.adjacency`). Weights must be non-negative and finite.
    n_walks : int
        Walks started from every start node (in ``n_walks`` rounds; the order of the
        start nodes is shuffled in each round).
    walk_length : int
        Nodes per walk, the start node included.
    p, q : float
        Return and in-out parameters, both > 0. Small ``p`` makes walks backtrack;
        small ``q`` makes them move outwards (DFS-like), large ``q`` keeps them local.
    weighted : bool
        Move in proportion to edge weights (zero-weight entries are never taken).
        With ``False`` every stored entry is an edge of weight 1.
    random_state : int, Generator or None
        The same seed gives the same walks.
    start_nodes : array-like of int, optional
        Nodes to start walks from; all nodes by default.
    verbose : bool
        Show a progress bar over the steps.

    Returns
    -------
    walks : ndarray of shape (n_walks * n_start_nodes, walk_length), int32
        Row ``r * n_start_nodes + k`` is the ``k``-th walk of round ``r``. A walker at
        a node without out-edges (an isolated node) stays where it is.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> path = sp.csr_array(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]))
    >>> walks = random_walks(path, n_walks=2, walk_length=4, q=0.5, random_state=0)
    >>> walks.shape
    (6, 4)
    >>> bool((abs(np.diff(walks.astype(int), axis=1)) == 1).all())  # only along edges
    True
    """
    from tqdm.auto import tqdm

    adj = _check_adjacency(adjacency)
    n_walks = check_positive_int(n_walks, "n_walks")
    walk_length = check_positive_int(walk_length, "walk_length")
    p, q = _check_positive_float(p, "p"), _check_positive_float(q, "q")
    n_nodes = adj.shape[0]
    starts = _check_start_nodes(start_nodes, n_nodes)
    rng = check_random_state(random_state)

    sampler = _Sampler(adj, weighted)
    walks = np.empty((walk_length, n_walks * len(starts)), dtype=np.int32)
    if len(starts) == 0:
        return walks.T.copy()
    walks[0] = np.concatenate([rng.permutation(starts) for _ in range(n_walks)])
    biased = p != 1.0 or q != 1.0
    if biased:
        # any upper bound of alpha is valid; in a bipartite graph alpha is never 1
        alphas = [1.0 / p, 1.0 / q] if sampler.bipartite else [1.0 / p, 1.0, 1.0 / q]
        alpha_max, alpha_min = max(alphas), min(alphas)
    steps = tqdm(range(1, walk_length), desc="random walks", unit="step", disable=not verbose)
    for t in steps:
        cur = walks[t - 1]
        if t == 1 or not biased:
            walks[t] = sampler.step(cur, rng)
            continue
        prev = walks[t - 2]
        out = walks[t]
        out[:] = cur  # walkers at dead ends stay
        pending = sampler.movable(cur)
        while pending.size:
            x = sampler.propose(cur[pending], rng)
            u = rng.random(pending.size) * alpha_max
            accept = u < alpha_min  # accepted whatever alpha is
            unsure = np.flatnonzero(~accept)
            if unsure.size:
                t_prev, x_un = prev[pending[unsure]], x[unsure]
                if sampler.bipartite:  # x and t_prev are on one side: never adjacent
                    alpha = np.full(unsure.size, 1.0 / q)
                else:
                    alpha = np.where(sampler.has_edge(t_prev, x_un), 1.0, 1.0 / q)
                alpha[x_un == t_prev] = 1.0 / p
                accept[unsure] = u[unsure] < alpha
            out[pending[accept]] = x[accept]
            pending = pending[~accept]
    return np.ascontiguousarray(walks.T)


class _Sampler:
    """First-order neighbour sampling and edge tests over CSR arrays (O(edges) memory)."""

    def __init__(self, adj: sp.csr_array, weighted: bool) -> None:
        if weighted and adj.nnz and adj.data.min() == 0:
            adj = adj.copy()
            adj.eliminate_zeros()  # zero-weight entries are not edges
        n_nodes = adj.shape[0]
        self.n_nodes = n_nodes
        self.indptr = adj.indptr.astype(np.int64)
        self.indices = adj.indices.astype(np.int32)
        self.deg = np.diff(self.indptr)
        self.can_move = self.deg > 0
        self.cumulative: np.ndarray | None = None
        weights = adj.data.astype(np.float64)
        if weighted and adj.nnz and not np.all(weights == weights[0]):
            self.cumulative = np.cumsum(weights)
            self.base = np.concatenate([[0.0], self.cumulative])[self.indptr[:-1]]
            ends = self.cumulative[np.maximum(self.indptr[1:] - 1, 0)]
            self.total = np.where(self.can_move, ends - self.base, 0.0)
        self.all_move = bool(self.can_move.all())
        self._keys: np.ndarray | None = None
        self._bipartite: bool | None = None

    @property
    def bipartite(self) -> bool:
        """Whether the graph is bipartite (two neighbours of a node are then never adjacent)."""
        if self._bipartite is None:
            self._bipartite = _is_bipartite(self.indptr, self.indices)
        return self._bipartite

    def movable(self, nodes: np.ndarray) -> np.ndarray:
        """Positions (in ``nodes``) of walkers that have an out-edge to take."""
        if self.all_move:
            return np.arange(nodes.size)
        return np.flatnonzero(self.can_move[nodes])

    def propose(self, nodes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One first-order move from each of ``nodes`` (all of which can move)."""
        u = rng.random(nodes.size)
        if self.cumulative is None:
            pos = self.indptr[nodes] + (u * self.deg[nodes]).astype(np.int64)
        else:
            target = self.base[nodes] + u * self.total[nodes]
            pos = np.searchsorted(self.cumulative, target, side="right")
            # rounding can push a target onto the row's end; stay inside the row
            np.minimum(pos, self.indptr[nodes + 1] - 1, out=pos)
        return self.indices[pos]

    def step(self, nodes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A first-order step of every walker; walkers at dead ends stay."""
        if self.all_move:
            return self.propose(nodes, rng)
        out = nodes.copy()
        move = self.movable(nodes)
        out[move] = self.propose(nodes[move], rng)
        return out

    def has_edge(self, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """Whether ``(src[k], dst[k])`` is a stored entry: one vectorised binary search."""
        if self._keys is None:
            rows = np.repeat(np.arange(self.n_nodes, dtype=np.int64), self.deg)
            self._keys = rows * self.n_nodes + self.indices  # sorted: CSR rows, sorted columns
        keys = src.astype(np.int64) * self.n_nodes + dst
        pos = np.searchsorted(self._keys, keys)
        np.minimum(pos, self._keys.size - 1, out=pos)
        return self._keys[pos] == keys if self._keys.size else np.zeros(keys.size, dtype=bool)


def _is_bipartite(indptr: np.ndarray, indices: np.ndarray) -> bool:
    """Two-colour the (weakly connected) graph by BFS depth parity and check every edge.

    A root node is joined to one node of each component, so one BFS covers them all;
    depth parities come from pointer jumping over the BFS tree (O(n log depth)).
    """
    n = len(indptr) - 1
    if indices.size == 0:
        return True
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    graph = sp.csr_array((np.ones(indices.size), indices, indptr), shape=(n, n))
    _, labels = connected_components(graph, directed=True, connection="weak")
    reps = np.unique(labels, return_index=True)[1]
    root = n
    aug = sp.csr_array(
        (
            np.ones(indices.size + reps.size),
            (np.concatenate([rows, np.full(reps.size, root)]), np.concatenate([indices, reps])),
        ),
        shape=(n + 1, n + 1),
    )
    _, pred = breadth_first_order(aug, root, directed=False, return_predecessors=True)
    anc = pred.astype(np.int64)
    anc[root] = root
    parity = np.ones(n + 1, dtype=bool)  # parity of the distance to anc
    parity[root] = False
    while (anc != root).any():
        parity ^= parity[anc]  # parity[root] is False
        anc = anc[anc]
    return bool((parity[rows] != parity[indices]).all())


def _check_adjacency(adjacency: Any) -> sp.csr_array:
    if not sp.issparse(adjacency):
        adjacency = np.asarray(adjacency)
        if adjacency.ndim != 2:
            raise ValueError(f"adjacency must be a 2-d matrix, got shape {adjacency.shape}")
    adj = sp.csr_array(adjacency)
    if adj.shape[0] != adj.shape[1]:
        raise ValueError(f"adjacency must be square (n_nodes, n_nodes), got shape {adj.shape}")
    if adj.shape[0] >= 2**31:
        raise ValueError(f"at most 2**31 - 1 nodes are supported, got {adj.shape[0]}")
    if adj.nnz and (not np.all(np.isfinite(adj.data)) or adj.data.min() < 0):
        raise ValueError("adjacency weights must be non-negative and finite")
    if not adj.has_sorted_indices:
        adj = adj.copy()
        adj.sort_indices()
    return adj


def _check_start_nodes(start_nodes: Any, n_nodes: int) -> np.ndarray:
    if start_nodes is None:
        return np.arange(n_nodes, dtype=np.int32)
    starts = np.asarray(start_nodes).ravel()
    if starts.size and starts.dtype.kind not in "iu":
        raise ValueError(f"start_nodes must be integer node ids, got dtype {starts.dtype}")
    if starts.size and (starts.min() < 0 or starts.max() >= n_nodes):
        raise ValueError(
            f"start_nodes must lie in [0, {n_nodes}), got [{starts.min()}, {starts.max()}]"
        )
    return starts.astype(np.int32)


def _check_positive_float(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number > 0, got {value!r}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)
