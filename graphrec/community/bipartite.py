"""Bipartite Louvain and Leiden: users and items partitioned together, no projection."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from graphrec._params import Interval, Options, Seed, check_params, param_constraints
from graphrec._registry import detectors
from graphrec._validation import RandomState
from graphrec.community._graph import WEIGHTINGS, igraph_seeded, weighted_matrix
from graphrec.community.base import BaseDetector, check_detector_input, resolve_seed
from graphrec.community.quality import barber_modularity

__all__ = ["BipartiteLeiden", "BipartiteLouvain"]


@detectors.register("bipartite_louvain")
class BipartiteLouvain(BaseDetector):
    """Louvain on the user-item biadjacency, co-clustering users and items.

    Maximises Barber's (2007) bipartite modularity

    .. math:: Q_B = \\frac{1}{m} \\sum_{u,i} \\Big(B_{ui} - \\gamma \\frac{k_u d_i}{m}\\Big)
              \\delta(c_u, c_i)

    with scikit-network's Louvain (``fit(biadjacency, force_bipartite=True)``,
    Dugué-Perez modularity), so every community holds users and the items they
    share. No projection is built, which makes it the fastest graph method here.

    Louvain's result depends on the order the nodes are visited in. The detector runs
    ``n_init`` candidates and keeps the one with the highest Barber modularity (on the
    weighted biadjacency, at ``resolution``): the first is scikit-network's default
    order (nodes by index), the others visit the nodes in orders drawn from the seed.
    So the result is never below scikit-network's own default, and the seed matters
    whenever ``n_init > 1``; with ``n_init=1`` the result is the default order's and
    does not depend on the seed (``Communities.seed`` is then None).

    Parameters
    ----------
    resolution : float
        Resolution :math:`\\gamma`; larger values give more, smaller communities.
    weighting : {"auto", "raw", "binary", "log"}
        Edge weights: ``"auto"`` (``log1p`` for counts such as play counts, the
        ratings themselves for explicit ratings;
        :func:`graphrec.community._graph.resolve_weighting`), interaction weights as
        given, all ones, or ``log1p``.
    n_init : int
        Candidates (node orders) tried; the best by Barber modularity is kept.
    tol : float
        Minimum modularity gain of a local-moving pass (scikit-network's
        ``tol_optimization`` and ``tol_aggregation``).
    random_state : int, Generator or None

    Attributes
    ----------
    labels_ : ndarray of int64, shape (n_users,)
        Users without interactions are unassigned (``-1``).
    item_labels_ : ndarray of int64, shape (n_items,)
        Community of each item (``-1`` for items without interactions).
    communities_ : Communities
    barber_modularity_ : float
        Barber modularity of the kept candidate on the weighted biadjacency.
    candidate_scores_ : list of float
        Barber modularity of every candidate, the default order first.

    Examples
    --------
    >>> import graphrec as gr
    >>> data, truth, _ = gr.planted_communities(200, 100, 4, mean_degree=15, mu=0.1, seed=0)
    >>> det = gr.create("detector", "bipartite_louvain").fit(data)
    >>> det.communities_.n_communities, det.item_labels_.shape
    (4, (100,))
    """

    _param_constraints = param_constraints(
        resolution=Interval(float, 0, None, closed="neither"),
        weighting=Options(WEIGHTINGS),
        n_init=Interval(int, 1, None),
        tol=Interval(float, 0, None),
        random_state=Seed(),
    )

    def __init__(
        self,
        resolution: float = 1.0,
        weighting: str = "auto",
        n_init: int = 5,
        tol: float = 1e-3,
        random_state: RandomState = None,
    ) -> None:
        self.resolution = resolution
        self.weighting = weighting
        self.n_init = n_init
        self.tol = tol
        self.random_state = random_state

    def fit(self, train: Any, embedder: Any = None) -> BipartiteLouvain:
        """Co-cluster the users and items of ``train`` (``Interactions``, ``BipartiteGraph``
        or a rectangular sparse biadjacency; ``embedder`` is ignored)."""
        from sknetwork.clustering import Louvain as SknLouvain

        check_params(self)
        train = check_detector_input(train)
        seed: int | None = resolve_seed(self.random_state)  # validated even when unused
        n_init = self.n_init
        if n_init == 1:
            seed = None  # scikit-network's default order alone: no random step
        biadjacency = weighted_matrix(train, self.weighting)
        csr = sp.csr_matrix(biadjacency)
        # candidate 0: scikit-network's default order; then orders drawn from the seed
        orders = [None] + [
            int(s) for s in np.random.default_rng(seed).integers(2**31, size=n_init - 1)
        ]
        best, scores = None, []
        for order_seed in orders:
            model = SknLouvain(
                resolution=float(self.resolution),
                tol_optimization=float(self.tol),
                tol_aggregation=float(self.tol),
                shuffle_nodes=order_seed is not None,
                random_state=order_seed,
            )
            model.fit(csr, force_bipartite=True)
            users = np.asarray(model.labels_row_, dtype=np.int64).copy()
            items = np.asarray(model.labels_col_, dtype=np.int64).copy()
            score = barber_modularity(biadjacency, users, items, resolution=float(self.resolution))
            scores.append(score)
            if best is None or score > best[0]:
                best = (score, users, items)
        score, users, items = best
        _unlabel_isolated(biadjacency, users, items)
        self.barber_modularity_ = float(score)
        self.candidate_scores_ = [float(v) for v in scores]
        return self._finish(users, items, seed=seed)


@detectors.register("bipartite_leiden")
class BipartiteLeiden(BaseDetector):
    """Leiden (Traag, Waltman & van Eck, 2019) on the user-item graph itself.

    Users and items are the nodes of one undirected graph whose edges are the
    interactions (weighted by ``weighting``), and igraph's Leiden maximises its
    modularity at ``resolution``: the standard (Newman-Girvan) null model over all
    node pairs, not Barber's user-item one that ``bipartite_louvain`` maximises (on a
    bipartite graph the two rank partitions alike in practice; ``barber_modularity_``
    reports Barber's for comparison). Every community holds users and the items they
    share, Leiden's refinement keeps communities connected, and no projection is built:
    the cost grows with the interactions, which makes it the Leiden to use at a million
    users (README, Scale).

    Parameters
    ----------
    resolution : float
        Modularity resolution; larger values give more, smaller communities.
    weighting : {"auto", "raw", "binary", "log"}
        Edge weights (:func:`graphrec.community._graph.resolve_weighting`).
    n_iterations : int
        Leiden iterations; negative runs until an iteration no longer improves quality.
    random_state : int, Generator or None
        Seeds igraph's generator for the call (a private one, restored afterwards).

    Attributes
    ----------
    labels_ : ndarray of int64, shape (n_users,)
        Users without interactions are unassigned (``-1``).
    item_labels_ : ndarray of int64, shape (n_items,)
        Community of each item (``-1`` for items without interactions).
    communities_ : Communities
    modularity_ : float
        Modularity of the partition of the user-item graph (what Leiden maximised).
    barber_modularity_ : float
        Barber's bipartite modularity of the same partition.

    Examples
    --------
    >>> import graphrec as gr
    >>> data, truth, _ = gr.planted_communities(200, 100, 4, mean_degree=15, mu=0.1, seed=0)
    >>> det = gr.create("detector", "bipartite_leiden", random_state=0).fit(data)
    >>> det.communities_.n_communities, det.item_labels_.shape
    (4, (100,))
    """

    _param_constraints = param_constraints(
        resolution=Interval(float, 0, None, closed="neither"),
        weighting=Options(WEIGHTINGS),
        n_iterations=Interval(int),  # negative: until no node moves
        random_state=Seed(),
    )

    def __init__(
        self,
        resolution: float = 1.0,
        weighting: str = "auto",
        n_iterations: int = -1,
        random_state: RandomState = None,
    ) -> None:
        self.resolution = resolution
        self.weighting = weighting
        self.n_iterations = n_iterations
        self.random_state = random_state

    def fit(self, train: Any, embedder: Any = None) -> BipartiteLeiden:
        """Partition the users and items of ``train`` (``Interactions``, ``BipartiteGraph``
        or a rectangular sparse biadjacency; ``embedder`` is ignored)."""
        import igraph as ig

        check_params(self)
        train = check_detector_input(train)
        seed = resolve_seed(self.random_state)
        biadjacency = weighted_matrix(train, self.weighting)
        n_users, n_items = biadjacency.shape
        coo = sp.coo_array(biadjacency)
        edges = np.column_stack([coo.row, coo.col + n_users])
        graph = ig.Graph(n=n_users + n_items, edges=edges, directed=False)
        graph.es["weight"] = coo.data.astype(np.float64)
        with igraph_seeded(seed):
            clustering = graph.community_leiden(
                objective_function="modularity",
                weights="weight",
                resolution=float(self.resolution),
                n_iterations=self.n_iterations,
            )
        membership = np.asarray(clustering.membership, dtype=np.int64)
        users, items = membership[:n_users].copy(), membership[n_users:].copy()
        _unlabel_isolated(biadjacency, users, items)
        self.modularity_ = float(
            graph.modularity(membership, weights="weight", resolution=float(self.resolution))
        )
        self.barber_modularity_ = float(
            barber_modularity(biadjacency, users, items, resolution=float(self.resolution))
        )
        return self._finish(users, items, seed=seed)


def _unlabel_isolated(biadjacency: sp.csr_array, users: np.ndarray, items: np.ndarray) -> None:
    """Label -1, in place, the users and items without an interaction (no community)."""
    users[np.diff(biadjacency.indptr) == 0] = -1
    items[np.bincount(biadjacency.indices, minlength=len(items)) == 0] = -1
