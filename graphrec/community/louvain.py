"""Louvain modularity maximisation (python-louvain) on the user projection."""

from __future__ import annotations

from typing import Any

import numpy as np

from graphrec._params import Interval, Seed, check_params, param_constraints
from graphrec._registry import detectors
from graphrec._validation import RandomState
from graphrec.community._graph import PROJECTION_CONSTRAINTS, isolated_nodes, to_networkx
from graphrec.community.base import ProjectionDetector, resolve_seed

__all__ = ["Louvain"]


@detectors.register("louvain")
class Louvain(ProjectionDetector):
    """Louvain communities of the user projection (python-louvain ``best_partition``).

    The users x users similarity graph (:func:`graphrec.graph.user_projection`) is
    partitioned by greedy modularity maximisation (Blondel et al., 2008). The seed
    goes to python-louvain's ``random_state`` (not the deprecated ``randomize``,
    which some wrappers pass and which ignores the seed). Users without any edge in
    the projection (no item shared with anyone) are unassigned (label ``-1``).

    Louvain's node order is random, so partitions vary between seeds; see
    :func:`graphrec.community.quality.stability`. :class:`~graphrec.community.leiden.Leiden`
    optimises the same objective faster, with connected communities.

    Parameters
    ----------
    resolution : float
        Modularity resolution ``gamma`` (python-louvain's local moves weigh the null
        model by it, as networkx and igraph do): larger values give more, smaller
        communities. Below 1, python-louvain's stopping rule (which weighs the other
        term) can end the aggregation early; prefer Leiden for coarse partitions.
    projection : {"cosine", "count", "jaccard", "walk"}
        Similarity of the user projection (:func:`graphrec.graph.user_projection`).
    top_k : int or None
        Keep each user's ``top_k`` strongest neighbours (then symmetrise); None keeps all.
    weighting : {"auto", "raw", "binary", "log"}
        Interaction weights used for the projection: ``"auto"`` (``log1p`` for counts
        such as play counts, the ratings themselves for explicit ratings; see
        :func:`graphrec.community._graph.resolve_weighting`), as given, all ones, or
        ``log1p``.
    n_walks : int or None
        With ``projection="walk"``, estimate the projection from this many sampled
        two-step walks per user (seeded by ``random_state``; cost users x ``n_walks``,
        whatever the item degrees) instead of computing it exactly: the way to a
        projection at a million users (README, Scale). None computes it exactly.
    random_state : int, Generator or None

    Attributes
    ----------
    labels_ : ndarray of int64, shape (n_users,)
    communities_ : Communities
    graph_ : scipy.sparse.csr_array
        The projection that was partitioned; its modularity and conductance are the
        ones the experiment runner and ``graphrec compare`` report
        (:meth:`~graphrec.community.base.BaseDetector.quality_graph` rebuilds it).

    Examples
    --------
    >>> import graphrec as gr
    >>> data, truth, _ = gr.planted_communities(200, 100, 4, mean_degree=15, mu=0.1, seed=0)
    >>> det = gr.create("detector", "louvain", random_state=0).fit(data)
    >>> det.communities_.n_communities
    4
    """

    _param_constraints = param_constraints(
        resolution=Interval(float, 0, None, closed="neither"),
        **PROJECTION_CONSTRAINTS,
        random_state=Seed(),
    )

    def __init__(
        self,
        resolution: float = 1.0,
        projection: str = "cosine",
        top_k: int | None = 50,
        weighting: str = "auto",
        n_walks: int | None = None,
        random_state: RandomState = None,
    ) -> None:
        self.resolution = resolution
        self.projection = projection
        self.top_k = top_k
        self.weighting = weighting
        self.n_walks = n_walks
        self.random_state = random_state

    def fit(self, train: Any, embedder: Any = None) -> Louvain:
        """Partition the user projection of ``train``, or ``train`` itself if it is a square
        sparse adjacency (``embedder`` is ignored)."""
        import community as community_louvain

        check_params(self)
        seed = resolve_seed(self.random_state)
        graph = self._input_graph(train, seed)
        partition = community_louvain.best_partition(
            to_networkx(graph),
            weight="weight",
            resolution=float(self.resolution),
            random_state=seed,
        )
        labels = np.fromiter(
            (partition[i] for i in range(graph.shape[0])), dtype=np.int64, count=graph.shape[0]
        )
        labels[isolated_nodes(graph)] = -1
        self.graph_ = graph
        return self._finish(labels, seed=seed)
