"""Bipartite Louvain: users and items together, maximising Barber's bipartite modularity."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from graphrec._params import Boolean, Interval, Options, Seed, check_params, param_constraints
from graphrec._registry import detectors
from graphrec._validation import RandomState
from graphrec.community._graph import WEIGHTINGS, weighted_matrix
from graphrec.community.base import BaseDetector, check_detector_input, resolve_seed
from graphrec.data.interactions import Interactions

__all__ = ["BipartiteLouvain"]


@detectors.register("bipartite_louvain")
class BipartiteLouvain(BaseDetector):
    """Louvain on the user-item biadjacency, co-clustering users and items.

    Maximises Barber's (2007) bipartite modularity

    .. math:: Q_B = \\frac{1}{m} \\sum_{u,i} \\Big(B_{ui} - \\gamma \\frac{k_u d_i}{m}\\Big)
              \\delta(c_u, c_i)

    with scikit-network's Louvain (``fit(biadjacency, force_bipartite=True)``,
    Dugué-Perez modularity), so every community holds users and the items they
    share. No projection is built, which makes it the fastest graph method here.
    scikit-network processes nodes in index order unless ``shuffle_nodes=True``; the
    seed only matters then.

    On Last.fm hetrec, ``weighting="log"`` (log play counts) gives communities whose
    friend-graph modularity is higher than with binary or raw weights.

    Parameters
    ----------
    resolution : float
        Resolution :math:`\\gamma`; larger values give more, smaller communities.
    weighting : {"raw", "binary", "log"}
        Edge weights: interaction weights as given, all ones, or ``log1p``.
    shuffle_nodes : bool
        Visit nodes in a seeded random order.
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

    Examples
    --------
    >>> import graphrec as gr
    >>> data, truth, _ = gr.planted_communities(200, 100, 4, mean_degree=15, mu=0.1, seed=0)
    >>> det = gr.create("detector", "bipartite_louvain").fit(data)
    >>> det.communities_.n_communities, det.item_labels_.shape
    (4, (100,))
    """

    _method = "bipartite_louvain"
    _param_constraints = param_constraints(
        resolution=Interval(float, 0, None, closed="neither"),
        weighting=Options(WEIGHTINGS),
        shuffle_nodes=Boolean(),
        tol=Interval(float, 0, None),
        random_state=Seed(),
    )

    def __init__(
        self,
        resolution: float = 1.0,
        weighting: str = "raw",
        shuffle_nodes: bool = False,
        tol: float = 1e-3,
        random_state: RandomState = None,
    ) -> None:
        self.resolution = resolution
        self.weighting = weighting
        self.shuffle_nodes = shuffle_nodes
        self.tol = tol
        self.random_state = random_state

    def fit(self, train: Interactions, embedder: Any = None) -> BipartiteLouvain:
        """Co-cluster the users and items of ``train`` (``embedder`` is ignored)."""
        from sknetwork.clustering import Louvain as SknLouvain

        check_params(self)
        train = check_detector_input(train)
        seed = resolve_seed(self.random_state)
        biadjacency = weighted_matrix(train, self.weighting)
        model = SknLouvain(
            resolution=float(self.resolution),
            tol_optimization=float(self.tol),
            tol_aggregation=float(self.tol),
            shuffle_nodes=bool(self.shuffle_nodes),
            random_state=seed,
        )
        model.fit(sp.csr_matrix(biadjacency), force_bipartite=True)
        users = np.asarray(model.labels_row_, dtype=np.int64).copy()
        items = np.asarray(model.labels_col_, dtype=np.int64).copy()
        users[np.diff(biadjacency.indptr) == 0] = -1
        items[np.bincount(biadjacency.indices, minlength=train.n_items) == 0] = -1
        return self._finish(users, items, seed=seed)
