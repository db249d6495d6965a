"""Reference recommenders: Popularity, Random and ItemKNN."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from graphrec._params import Boolean, Interval, Options, Seed, check_params, param_constraints
from graphrec._registry import recommenders
from graphrec._validation import check_random_state, seed_from
from graphrec.data.interactions import Interactions
from graphrec.graph.projection import KINDS, item_projection
from graphrec.recommend.base import BaseRecommender

__all__ = ["ItemKNN", "Popularity", "Random"]


def _check_train(train: Any) -> Interactions:
    if not isinstance(train, Interactions):
        raise ValueError(f"fit expects an Interactions object, got {type(train).__name__}")
    if train.nnz == 0:
        raise ValueError("cannot fit a recommender on empty training data")
    return train


@recommenders.register("popularity")
class Popularity(BaseRecommender):
    """Recommend the items with the most training interactions (ties: lower index).

    Parameters
    ----------
    weighted : bool
        Rank by summed weights (e.g. play counts) instead of the number of users.

    Examples
    --------
    >>> from graphrec.data.synthetic import planted_communities
    >>> data = planted_communities(50, 20, 2, mean_degree=5, seed=0).data
    >>> items, scores = Popularity().fit(data).recommend([0, 1], k=3)
    >>> items.shape
    (2, 3)
    """

    _param_constraints = param_constraints(weighted=Boolean())

    def __init__(self, weighted: bool = False) -> None:
        self.weighted = weighted

    def fit(self, train: Interactions) -> Popularity:
        check_params(self)
        self.train_ = _check_train(train)
        counts = (
            np.asarray(train.matrix.sum(axis=0)).ravel() if self.weighted else train.item_degrees()
        )
        self.item_scores_ = counts.astype(np.float32)
        return self

    def score(self, users: np.ndarray) -> np.ndarray:
        users = self._check_users(users)
        return np.broadcast_to(self.item_scores_, (len(users), len(self.item_scores_))).copy()


@recommenders.register("random")
class Random(BaseRecommender):
    """Uniformly random ranking; the same ``random_state`` gives the same lists.

    Each user's scores come from a generator seeded by (seed, user index), so a
    user's list does not depend on which other users are in the batch.
    """

    _param_constraints = param_constraints(random_state=Seed())

    def __init__(self, random_state: int | np.random.Generator | None = None) -> None:
        self.random_state = random_state

    def fit(self, train: Interactions) -> Random:
        check_params(self)
        self.train_ = _check_train(train)
        self.seed_ = seed_from(check_random_state(self.random_state))
        return self

    def score(self, users: np.ndarray) -> np.ndarray:
        users = self._check_users(users)
        n = self.n_items_
        out = np.empty((len(users), n), dtype=np.float32)
        for row, user in enumerate(users):
            out[row] = np.random.default_rng([self.seed_, int(user)]).random(n, dtype=np.float32)
        return out


@recommenders.register("itemknn")
class ItemKNN(BaseRecommender):
    """Item-based k-nearest-neighbour collaborative filtering.

    The score of item ``j`` for user ``u`` is the sum of ``sim(i, j)`` over the items
    ``i`` the user interacted with, where only each item's ``n_neighbors`` most
    similar items count. Similarities come from a sparse, chunked item projection.

    Parameters
    ----------
    n_neighbors : int
        Neighbours kept per item.
    similarity : {"cosine", "jaccard", "count"}
        Item-item similarity of the interaction columns.

    Examples
    --------
    >>> from graphrec.data.synthetic import planted_communities
    >>> data = planted_communities(50, 20, 2, mean_degree=5, seed=0).data
    >>> ItemKNN(n_neighbors=5).fit(data).score([0]).shape
    (1, 20)
    """

    _param_constraints = param_constraints(
        n_neighbors=Interval(int, 1, None), similarity=Options(KINDS)
    )

    def __init__(self, n_neighbors: int = 100, similarity: str = "cosine") -> None:
        self.n_neighbors = n_neighbors
        self.similarity = similarity

    def fit(self, train: Interactions) -> ItemKNN:
        check_params(self)
        self.train_ = _check_train(train)
        sim = item_projection(train, self.similarity, top_k=self.n_neighbors)
        # column j holds j's nearest neighbours, so X @ S sums over them
        self.similarity_ = sp.csr_array(sim.T)
        return self

    def score(self, users: np.ndarray) -> np.ndarray:
        users = self._check_users(users)
        return (self.train_.matrix[users] @ self.similarity_).toarray()
