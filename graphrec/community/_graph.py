"""Graph preparation shared by the graph detectors: weighting, projection, conversions."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import scipy.sparse as sp

from graphrec._params import Interval, Options
from graphrec.data.interactions import Interactions
from graphrec.graph.projection import KINDS, user_projection

if TYPE_CHECKING:
    import igraph
    import networkx as nx

__all__ = [
    "PROJECTION_CONSTRAINTS",
    "WEIGHTINGS",
    "ProjectionSpec",
    "describe_projection",
    "igraph_seeded",
    "isolated_nodes",
    "projection_graph",
    "resolve_weighting",
    "spec_graph",
    "to_igraph",
    "to_networkx",
    "weighted_matrix",
]

WEIGHTINGS = ("auto", "raw", "binary", "log")
RATING_MAX = 10.0  # explicit ratings: at most this many distinct values, all <= this
RATING_LEVELS = 20

_IGRAPH_RNG_LOCK = threading.Lock()

# the parameters every projection detector (Louvain, Leiden, label propagation) shares
PROJECTION_CONSTRAINTS = {
    "projection": Options(KINDS),
    "top_k": [Interval(int, 1, None), None],
    "weighting": Options(WEIGHTINGS),
    "n_walks": [Interval(int, 1, None), None],
}


class ProjectionSpec(NamedTuple):
    """What determines a user projection: its kind, ``top_k``, the resolved weighting,
    and for a sampled ``"walk"`` projection the walks per user and their seed."""

    kind: str
    top_k: int | None
    weighting: str
    n_walks: int | None = None
    seed: int | None = None


def resolve_weighting(train: Interactions, weighting: str) -> str:
    """The concrete weighting ``"auto"`` stands for on ``train`` (others are returned as is).

    ``"auto"`` reads the weights: all equal (implicit feedback) gives ``"binary"``;
    explicit ratings (at most 20 distinct values, none above 10, e.g. 1-5 stars or
    0.5-5.0) give ``"raw"`` (the ratings are the weights); anything else is taken for
    counts (plays, clicks) and gives ``"log"`` (``log1p``), so that a few heavy users
    or items do not dominate. ``experiments/bench_weighting.py`` measures the choice
    (README, section on detectors).

    >>> import graphrec as gr
    >>> plays = gr.Interactions(sp.csr_array([[3.0, 250.0]]), [0], [0, 1])
    >>> stars = gr.Interactions(sp.csr_array([[3.0, 5.0]]), [0], [0, 1])
    >>> resolve_weighting(plays, "auto"), resolve_weighting(stars, "auto")
    ('log', 'raw')
    """
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting must be one of {', '.join(WEIGHTINGS)}, got {weighting!r}")
    if weighting != "auto":
        return weighting
    values = np.asarray(train.matrix.data)
    values = values[values != 0]
    if values.size == 0 or values.min() == values.max():
        return "binary"
    if values.max() <= RATING_MAX and np.unique(values).size <= RATING_LEVELS:
        return "raw"
    return "log"


def weighted_matrix(train: Interactions, weighting: str) -> sp.csr_array:
    """The users x items matrix with ``raw`` weights, all ones (``binary``) or ``log1p``.

    ``"auto"`` is resolved first (:func:`resolve_weighting`).

    >>> import graphrec as gr
    >>> data = gr.Interactions(sp.csr_array([[3.0, 0.0]]), [0], [0, 1])
    >>> weighted_matrix(data, "log").data.round(3).tolist()
    [1.386]
    """
    weighting = resolve_weighting(train, weighting)
    matrix = sp.csr_array(train.matrix, dtype=np.float64, copy=True)
    matrix.eliminate_zeros()
    if weighting == "binary":
        matrix.data[:] = 1.0
    elif weighting == "log":
        matrix.data = np.log1p(matrix.data)
    return matrix


def describe_projection(
    kind: str,
    top_k: int | None,
    weighting: str,
    n_walks: int | None = None,
    seed: int | None = None,
) -> str:
    """How a projection is named in results, e.g. ``"cosine top-50 projection, weights log1p"``.

    ``weighting`` is a concrete one (resolve ``"auto"`` first).

    >>> describe_projection("cosine", 50, "log")
    'cosine top-50 projection, weights log1p'
    >>> describe_projection("walk", 50, "binary", n_walks=500, seed=0)
    'walk top-50 projection (500 sampled walks per user, seed 0), weights binary'
    """
    shown = {"raw": "raw", "binary": "binary", "log": "log1p"}[weighting]
    neighbours = "all-pairs" if top_k is None else f"top-{int(top_k)}"
    sampled = "" if n_walks is None else f" ({int(n_walks)} sampled walks per user, seed {seed})"
    return f"{kind} {neighbours} projection{sampled}, weights {shown}"


def projection_graph(
    train: Interactions,
    kind: str,
    top_k: int | None,
    weighting: str,
    method: str,
    n_walks: int | None = None,
    seed: int | None = None,
) -> sp.csr_array:
    """The symmetric user projection used by a detector; ``ValueError`` if it has no edges
    or if ``n_walks`` is given for a projection other than ``"walk"`` or without ``top_k``."""
    if kind not in KINDS:
        raise ValueError(f"projection must be one of {', '.join(KINDS)}, got {kind!r}")
    if n_walks is not None and (kind != "walk" or top_k is None):
        raise ValueError(
            f"detector {method!r}: n_walks={n_walks} samples the 'walk' projection and keeps "
            f"each user's top_k; got projection={kind!r}, top_k={top_k!r} (use "
            "projection='walk' with a top_k, or n_walks=None for the exact projection)"
        )
    matrix = weighted_matrix(train, weighting)
    graph = user_projection(matrix, kind=kind, top_k=top_k, n_walks=n_walks, seed=seed)
    graph = sp.csr_array(graph, dtype=np.float64)
    graph.eliminate_zeros()
    if graph.nnz == 0:
        raise ValueError(
            f"detector {method!r}: the {kind} user projection has no edges (no two users "
            "share an item), so there is no graph to partition"
        )
    return graph


def spec_graph(train: Interactions, spec: ProjectionSpec, method: str) -> sp.csr_array:
    """:func:`projection_graph` of a :class:`ProjectionSpec`."""
    return projection_graph(
        train, spec.kind, spec.top_k, spec.weighting, method, spec.n_walks, spec.seed
    )


def isolated_nodes(graph: sp.csr_array) -> np.ndarray:
    """Boolean mask of the nodes without any edge (they are left unassigned, ``-1``)."""
    return np.diff(sp.csr_array(graph).indptr) == 0


def to_igraph(graph: sp.csr_array) -> igraph.Graph:
    """Undirected igraph of a symmetric CSR matrix (upper triangle, edge attribute ``weight``)."""
    import igraph as ig

    upper = sp.triu(sp.coo_array(graph), k=1)
    g = ig.Graph(n=graph.shape[0], edges=np.column_stack([upper.row, upper.col]), directed=False)
    g.es["weight"] = upper.data.astype(np.float64)
    return g


def to_networkx(graph: sp.csr_array) -> nx.Graph:
    """Undirected weighted networkx graph of a symmetric CSR matrix (nodes ``0 .. n-1``)."""
    import networkx as nx

    g = nx.from_scipy_sparse_array(sp.csr_array(graph), edge_attribute="weight")
    g.remove_edges_from(nx.selfloop_edges(g))
    return g


@contextmanager
def igraph_seeded(seed: int) -> Iterator[Any]:
    """Run igraph calls with a private ``random.Random(seed)``.

    igraph's random number generator is process-wide (by default the ``random``
    module). This swaps in a private generator under a lock and restores the
    default afterwards, so the global ``random`` state is never seeded or consumed.
    """
    import igraph as ig

    with _IGRAPH_RNG_LOCK:
        ig.set_random_number_generator(random.Random(seed))
        try:
            yield
        finally:
            ig.set_random_number_generator(random)
