"""Node2Vec and DeepWalk: vectorised second-order random walks + skip-gram (gensim).

``random_walks`` advances every walker together, one step at a time, over the CSR
arrays of the graph: a first-order step is a weighted choice among the current
node's neighbours (cumulative weights + ``searchsorted``, or one integer draw when
the graph is unweighted), and the node2vec bias of later steps is applied by
rejection sampling, so memory stays O(edges + walkers) whatever the degrees. The
``node2vec`` package (``backend="node2vec"``), which precomputes a transition table
per edge, is kept as the reference.
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, connected_components

from graphrec._params import Boolean, Interval, Options, Seed, check_params, param_constraints
from graphrec._registry import embedders
from graphrec._validation import RandomState, check_positive_int, check_random_state, seed_from
from graphrec.data.interactions import Interactions
from graphrec.embed.base import BaseEmbedder, check_fit_data
from graphrec.graph.bipartite import BipartiteGraph

__all__ = ["DeepWalk", "Node2Vec", "random_walks"]

logger = logging.getLogger(__name__)

_BACKENDS = ("graphrec", "node2vec")
_ITEM_VECTORS = ("context", "input")


# ---------------------------------------------------------------------------- walks
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


# ---------------------------------------------------------------------------- estimators
@embedders.register("node2vec")
class Node2Vec(BaseEmbedder):
    """Node2Vec: biased random walks on the user-item graph + skip-gram (gensim word2vec).

    Users and items are the nodes of one bipartite graph (users ``0 .. n_users - 1``,
    items after them). Walks are generated by :func:`random_walks` (or, with
    ``backend="node2vec"``, by the reference ``node2vec`` package), and gensim's
    ``Word2Vec`` (skip-gram, negative sampling) learns an input and a context vector
    per node. ``user_embeddings_`` are the users' input vectors. ``item_embeddings_``
    are, by default, the items' context vectors, so that the dot product is the
    skip-gram logit of the item occurring within ``window`` steps of the user in a
    walk; ``item_vectors="input"`` gives input vectors for both (one space, as in the
    DeepWalk and node2vec papers). Nodes that no walk visits (users or items without
    training interactions, or nodes dropped by ``min_count``) get zero vectors.

    With negatives drawn in proportion to ``count ** ns_exponent``, skip-gram fits
    ``u . i ~ log P(i near u) - ns_exponent * log count(i) + const`` (Levy & Goldberg,
    NIPS 2014). word2vec's 0.75 (PMI-like) therefore penalises popular items, which
    ranks poorly under full-ranking recall (measured: ml-100k Recall@20 0.045 with
    0.75, 0.26 with 0, Popularity 0.18); the default 0 ranks by the multi-step
    random-walk probability, as P^3-style recommenders do.

    The defaults ``p = q = 1`` are those of the node2vec paper and package (and make
    the walk DeepWalk's); ``q < 1`` explores outwards, ``q > 1`` stays local.

    Parameters
    ----------
    dim : int
        Embedding dimension.
    walk_length : int
        Nodes per walk (>= 2).
    n_walks : int
        Walks started from every node with at least one interaction.
    window : int
        Skip-gram context window.
    p, q : float
        Return and in-out parameters of the walk (> 0).
    epochs : int
        Word2vec passes over the walks.
    negative : int
        Negative samples per positive pair.
    ns_exponent : float
        Negatives are drawn in proportion to ``count ** ns_exponent`` (see above).
    min_count : int
        Nodes occurring fewer times in the walks get no vector (zeros).
    weighted : bool
        Walk in proportion to interaction weights (ratings, play counts); else every
        interaction counts as 1.
    item_vectors : {"context", "input"}
        Which word2vec vectors become ``item_embeddings_`` (see above).
    backend : {"graphrec", "node2vec"}
        ``"graphrec"``: the vectorised walks of :func:`random_walks` (fast, O(edges)
        memory). ``"node2vec"``: the ``node2vec`` package, the reference, which
        precomputes a transition table per edge (slow; memory grows with the sum of
        squared degrees).
    workers : int
        Word2vec threads. Multi-threaded training is not bitwise reproducible; keep
        ``workers=1`` (the default) for the same embeddings from the same seed.
    keep_walks : bool
        Keep the walks as ``walks_``.
    random_state : int, Generator or None
        Seeds the walks and word2vec.
    verbose : bool
        Progress bar over the walk steps.

    Attributes
    ----------
    user_embeddings_, item_embeddings_ : ndarray of float32
    train_ : Interactions
    walks_ : ndarray of int32 (one walk per row), only with ``keep_walks=True``
        With ``backend="node2vec"``, the package's walks: lists of node ids as str.

    Examples
    --------
    >>> import graphrec as gr
    >>> data = gr.load_dataset("synthetic", n_users=60, n_items=30, seed=0)
    >>> model = Node2Vec(dim=8, n_walks=2, walk_length=10, q=0.5, random_state=0).fit(data)
    >>> model.user_embeddings_.shape, model.item_embeddings_.shape
    ((60, 8), (30, 8))
    """

    _param_constraints = param_constraints(
        dim=Interval(int, 1, None),
        walk_length=Interval(int, 2, None),
        n_walks=Interval(int, 1, None),
        window=Interval(int, 1, None),
        p=Interval(float, 0, None, closed="neither"),
        q=Interval(float, 0, None, closed="neither"),
        epochs=Interval(int, 1, None),
        negative=Interval(int, 1, None),
        ns_exponent=Interval(float),
        min_count=Interval(int, 0, None),
        weighted=Boolean(),
        item_vectors=Options(_ITEM_VECTORS),
        backend=Options(_BACKENDS),
        workers=Interval(int, 1, None),
        keep_walks=Boolean(),
        random_state=Seed(),
        verbose=Boolean(),
    )

    def __init__(
        self,
        dim: int = 64,
        walk_length: int = 40,
        n_walks: int = 10,
        window: int = 5,
        p: float = 1.0,
        q: float = 1.0,
        epochs: int = 1,
        negative: int = 5,
        ns_exponent: float = 0.0,
        min_count: int = 0,
        weighted: bool = False,
        item_vectors: str = "context",
        backend: str = "graphrec",
        workers: int = 1,
        keep_walks: bool = False,
        random_state: RandomState = None,
        verbose: bool = False,
    ) -> None:
        self.dim = dim
        self.walk_length = walk_length
        self.n_walks = n_walks
        self.window = window
        self.p = p
        self.q = q
        self.epochs = epochs
        self.negative = negative
        self.ns_exponent = ns_exponent
        self.min_count = min_count
        self.weighted = weighted
        self.item_vectors = item_vectors
        self.backend = backend
        self.workers = workers
        self.keep_walks = keep_walks
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, train: Interactions, valid: Interactions | None = None) -> Node2Vec:
        """Walk the graph of ``train`` and learn the vectors (``valid`` is not used)."""
        train, _ = check_fit_data(train, valid)
        params = self._walk_params()
        rng = check_random_state(self.random_state)
        graph = BipartiteGraph.from_interactions(train, weighted=self.weighted)
        adj = graph.adjacency()
        starts = np.flatnonzero(np.diff(adj.indptr) > 0)
        walk_seed, w2v_seed = seed_from(rng), seed_from(rng) % 2**32
        t0 = time.perf_counter()
        if self.backend == "graphrec":
            walks = random_walks(
                adj,
                params["n_walks"],
                params["walk_length"],
                p=self.p,
                q=self.q,
                weighted=self.weighted,
                random_state=walk_seed,
                start_nodes=starts,
                verbose=self.verbose,
            )
        else:
            walks = _package_walks(graph, params, self.p, self.q, walk_seed % 2**32, self.verbose)
        t1 = time.perf_counter()
        inputs, contexts = _word2vec(walks, adj.shape[0], params, self.ns_exponent, w2v_seed)
        logger.info(
            "%s: %d walks of length %d (%s backend) in %.2f s, word2vec in %.2f s",
            type(self).__name__,
            len(walks),
            params["walk_length"],
            self.backend,
            t1 - t0,
            time.perf_counter() - t1,
        )
        items = contexts if self.item_vectors == "context" else inputs
        self.user_embeddings_ = inputs[: graph.n_users]
        self.item_embeddings_ = items[graph.n_users :]
        if self.keep_walks:
            self.walks_ = walks
        self.train_ = train
        return self

    def _walk_params(self) -> dict[str, int]:
        check_params(self)
        keys = ("dim", "walk_length", "n_walks", "window", "epochs", "negative", "min_count")
        return {k: int(getattr(self, k)) for k in (*keys, "workers")}


@embedders.register("deepwalk")
class DeepWalk(Node2Vec):
    """DeepWalk: uniform random walks + skip-gram; :class:`Node2Vec` with ``p = q = 1``.

    Parameters are those of :class:`Node2Vec` without ``p`` and ``q`` (fixed at 1).

    Examples
    --------
    >>> import graphrec as gr
    >>> data = gr.load_dataset("synthetic", n_users=60, n_items=30, seed=0)
    >>> DeepWalk(dim=8, n_walks=2, walk_length=10, random_state=0).fit(data).p
    1.0
    """

    p = 1.0
    q = 1.0
    _param_constraints = param_constraints(
        **{k: v for k, v in Node2Vec._param_constraints.items() if k not in ("p", "q")}
    )

    def __init__(
        self,
        dim: int = 64,
        walk_length: int = 40,
        n_walks: int = 10,
        window: int = 5,
        epochs: int = 1,
        negative: int = 5,
        ns_exponent: float = 0.0,
        min_count: int = 0,
        weighted: bool = False,
        item_vectors: str = "context",
        backend: str = "graphrec",
        workers: int = 1,
        keep_walks: bool = False,
        random_state: RandomState = None,
        verbose: bool = False,
    ) -> None:
        self.dim = dim
        self.walk_length = walk_length
        self.n_walks = n_walks
        self.window = window
        self.epochs = epochs
        self.negative = negative
        self.ns_exponent = ns_exponent
        self.min_count = min_count
        self.weighted = weighted
        self.item_vectors = item_vectors
        self.backend = backend
        self.workers = workers
        self.keep_walks = keep_walks
        self.random_state = random_state
        self.verbose = verbose


# ---------------------------------------------------------------------------- helpers
class _WalkCorpus:
    """The walks as gensim sentences (lists of str tokens), converted in chunks."""

    def __init__(self, walks: np.ndarray, n_nodes: int, chunk: int = 8192) -> None:
        self.walks = walks
        self.tokens = np.array([str(i) for i in range(n_nodes)], dtype=object)
        self.chunk = chunk

    def __iter__(self) -> Any:
        for start in range(0, len(self.walks), self.chunk):
            yield from self.tokens[self.walks[start : start + self.chunk]].tolist()

    def __len__(self) -> int:
        return len(self.walks)


def _word2vec(
    walks: np.ndarray | list[list[str]],
    n_nodes: int,
    params: dict[str, int],
    ns_exponent: float,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Skip-gram with negative sampling on the walks: input and context vectors per node.

    Both are float32 ``(n_nodes, dim)``; rows of nodes without a vector are 0.
    """
    from gensim.models import Word2Vec

    if isinstance(walks, np.ndarray):
        corpus: Any = _WalkCorpus(walks, n_nodes)
        counts = np.bincount(walks.ravel(), minlength=n_nodes)
    else:
        corpus = walks
        counts = np.bincount(np.array([int(w) for walk in walks for w in walk]), minlength=n_nodes)
    model = Word2Vec(
        vector_size=params["dim"],
        window=params["window"],
        min_count=params["min_count"],
        sg=1,
        hs=0,
        negative=params["negative"],
        ns_exponent=float(ns_exponent),
        epochs=params["epochs"],
        workers=params["workers"],
        seed=seed,
    )
    # the vocabulary from numpy counts instead of gensim's pass over the corpus
    seen = np.flatnonzero(counts)
    model.build_vocab_from_freq({str(i): int(counts[i]) for i in seen.tolist()})
    model.train(
        corpus, total_examples=len(walks), total_words=int(counts.sum()), epochs=params["epochs"]
    )
    inputs = np.zeros((n_nodes, params["dim"]), dtype=np.float32)
    contexts = np.zeros_like(inputs)
    if model.wv.index_to_key:
        nodes = np.array(model.wv.index_to_key, dtype=np.int64)
        inputs[nodes] = model.wv.vectors
        contexts[nodes] = model.syn1neg
    return inputs, contexts


def _package_walks(
    graph: BipartiteGraph,
    params: dict[str, int],
    p: float,
    q: float,
    seed: int,
    verbose: bool,
) -> list[list[str]]:
    """Walks of the ``node2vec`` package on the graph's networkx form (nodes renamed 0..n-1).

    The package seeds Python's and numpy's global generators; their states are restored.
    """
    import networkx as nx

    try:
        from node2vec import Node2Vec as Node2VecPackage
    except ImportError as exc:
        raise ImportError(
            "backend='node2vec' needs the node2vec package (pip install node2vec; it "
            "requires numpy < 2); backend='graphrec' has no such dependency"
        ) from exc

    nxg = graph.to_networkx()
    offset = {0: 0, 1: graph.n_users}
    names = {n: d["index"] + offset[d["bipartite"]] for n, d in nxg.nodes(data=True)}
    nxg = nx.relabel_nodes(nxg, names)
    nxg.remove_nodes_from([n for n, d in dict(nxg.degree()).items() if d == 0])
    py_state, np_state = random.getstate(), np.random.get_state()  # noqa: NPY002
    try:
        package = Node2VecPackage(
            nxg,
            dimensions=params["dim"],
            walk_length=params["walk_length"],
            num_walks=params["n_walks"],
            p=p,
            q=q,
            workers=1,
            quiet=not verbose,
            seed=seed,
        )
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)  # noqa: NPY002
    return package.walks
