"""Label propagation (networkx) on the user projection."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from graphrec._params import Options, Seed, check_params, param_constraints
from graphrec._registry import detectors
from graphrec._validation import RandomState
from graphrec.community._graph import PROJECTION_CONSTRAINTS, isolated_nodes, to_networkx
from graphrec.community.base import ProjectionDetector, resolve_seed

__all__ = ["LabelPropagation"]

VARIANTS = ("semi_synchronous", "asynchronous")


@detectors.register("label_propagation")
class LabelPropagation(ProjectionDetector):
    """Label propagation communities of the user projection (networkx).

    ``variant="semi_synchronous"`` (default) is the semi-synchronous method of
    Cordasco & Gargano (2010) (``networkx.community.label_propagation_communities``):
    it always converges, ignores edge weights and is deterministic for a given node
    order; the seed fixes that order (nodes are presented in a seeded random
    permutation), so the result is deterministic given the seed.
    ``variant="asynchronous"`` is the weighted asynchronous method of Raghavan et al.
    (2007) (``asyn_lpa_communities``), seeded directly.

    Label propagation needs no resolution but tends to merge communities on dense
    graphs, so the default projection keeps only each user's 20 nearest neighbours.

    Parameters
    ----------
    variant : {"semi_synchronous", "asynchronous"}
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
        Users without an edge in the projection are unassigned (``-1``).
    communities_ : Communities
    graph_ : scipy.sparse.csr_array
        The projection that was partitioned; its modularity and conductance are the
        ones the experiment runner and ``graphrec compare`` report
        (:meth:`~graphrec.community.base.BaseDetector.quality_graph` rebuilds it).

    Examples
    --------
    >>> import graphrec as gr
    >>> data, truth, _ = gr.planted_communities(200, 100, 4, mean_degree=15, mu=0.1, seed=0)
    >>> det = gr.create("detector", "label_propagation", random_state=0).fit(data)
    >>> det.communities_.n_communities
    4
    """

    _param_constraints = param_constraints(
        variant=Options(VARIANTS),
        **PROJECTION_CONSTRAINTS,
        random_state=Seed(),
    )

    def __init__(
        self,
        variant: str = "semi_synchronous",
        projection: str = "cosine",
        top_k: int | None = 20,
        weighting: str = "auto",
        n_walks: int | None = None,
        random_state: RandomState = None,
    ) -> None:
        self.variant = variant
        self.projection = projection
        self.top_k = top_k
        self.weighting = weighting
        self.n_walks = n_walks
        self.random_state = random_state

    def fit(self, train: Any, embedder: Any = None) -> LabelPropagation:
        """Propagate labels on the user projection of ``train``, or on ``train`` itself if it
        is a square sparse adjacency (``embedder`` is ignored)."""
        import networkx as nx

        check_params(self)
        seed = resolve_seed(self.random_state)
        graph = self._input_graph(train, seed)
        n = graph.shape[0]
        rng = np.random.default_rng(seed)
        if self.variant == "semi_synchronous":
            # present the nodes in a seeded order: node j of the permuted graph is user order[j]
            order = rng.permutation(n)
            permuted = sp.csr_array(graph[order][:, order])
            groups = nx.community.label_propagation_communities(to_networkx(permuted))
            groups = [order[np.fromiter(g, np.int64)] for g in groups]
        else:
            groups = nx.community.asyn_lpa_communities(
                to_networkx(graph), weight="weight", seed=int(rng.integers(2**31))
            )
            groups = [np.fromiter(g, np.int64) for g in groups]
        labels = np.empty(n, np.int64)
        for label, members in enumerate(groups):
            labels[members] = label
        labels[isolated_nodes(graph)] = -1
        self.graph_ = graph
        return self._finish(labels, seed=seed)
