"""Reference recommenders: Popularity, Random and ItemKNN."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp

from graphrec._params import Boolean, Interval, Options, Seed, check_params, param_constraints
from graphrec._registry import recommenders
from graphrec._validation import check_is_fitted, check_random_state, seed_from
from graphrec.data.interactions import Interactions
from graphrec.graph.projection import KINDS, item_projection, product_top_k
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

    Folds in any row (``score(user_items=X)``): every user gets the same scores, and
    ``recommend`` masks the row's own items.

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

    supports_fold_in = True

    def score(self, users: Any = None, *, user_items: Any = None) -> np.ndarray:
        """The item scores, one row per user index (or per row of ``user_items``)."""
        n_rows = self._n_rows(users, user_items)
        return np.broadcast_to(self.item_scores_, (n_rows, len(self.item_scores_))).copy()

    def _n_rows(self, users: Any, user_items: Any) -> int:
        if user_items is not None:
            return self._fold_in_rows(users, user_items).shape[0]
        check_is_fitted(self, "train_")
        return len(self._check_users(np.arange(self.train_.n_users) if users is None else users))


@recommenders.register("random")
class Random(BaseRecommender):
    """Uniformly random ranking; the same ``random_state`` gives the same lists.

    Each user's scores come from a generator seeded by (seed, user index), so a
    user's list does not depend on which other users are in the batch. A fold-in
    row (``score(user_items=X)``) is seeded by (seed, the row's item indices): the
    same row always gets the same list, whatever the batch, and any change to the
    row draws a new one (``users`` given beside the rows is ignored).

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> from graphrec.data.synthetic import planted_communities
    >>> data = planted_communities(50, 20, 2, mean_degree=5, seed=0).data
    >>> model = Random(random_state=0).fit(data)
    >>> row = sp.csr_array(np.eye(1, 20, 3))
    >>> bool((model.score(user_items=row) == model.score(user_items=row)).all())
    True
    """

    _param_constraints = param_constraints(random_state=Seed())

    def __init__(self, random_state: int | np.random.Generator | None = None) -> None:
        self.random_state = random_state

    def fit(self, train: Interactions) -> Random:
        check_params(self)
        self.train_ = _check_train(train)
        self.seed_ = seed_from(check_random_state(self.random_state))
        return self

    supports_fold_in = True

    def score(self, users: Any = None, *, user_items: Any = None) -> np.ndarray:
        n = self.n_items_
        if user_items is not None:
            rows = self._fold_in_rows(users, user_items)
            seeds = [
                [self.seed_, _FOLD_IN, *rows.indices[rows.indptr[r] : rows.indptr[r + 1]].tolist()]
                for r in range(rows.shape[0])
            ]
        else:
            check_is_fitted(self, "seed_")
            users = self._check_users(np.arange(self.train_.n_users) if users is None else users)
            seeds = [[self.seed_, int(user)] for user in users]
        out = np.empty((len(seeds), n), dtype=np.float32)
        for row, seed in enumerate(seeds):
            out[row] = np.random.default_rng(seed).random(n, dtype=np.float32)
        return out


_FOLD_IN = 2**32 - 1  # marks a fold-in row's seed apart from a user index's


class _ItemToItem(BaseRecommender):
    """A recommender that scores a row of items through a fitted items x items matrix
    (the attribute named by ``_matrix``): ``score = rows @ matrix``, so any row folds in."""

    _matrix: ClassVar[str]
    supports_fold_in = True

    def score(self, users: Any = None, *, user_items: Any = None) -> np.ndarray:
        if user_items is not None:
            rows = self._fold_in_rows(users, user_items)
        else:
            check_is_fitted(self, self._matrix)
            rows = self.train_.matrix
            rows = rows if users is None else rows[self._check_users(users)]
        return np.asarray((rows @ getattr(self, self._matrix)).toarray(), dtype=np.float32)


@recommenders.register("itemknn")
class ItemKNN(_ItemToItem):
    """Item-based k-nearest-neighbour collaborative filtering.

    The score of item ``j`` for user ``u`` is the sum of ``sim(i, j)`` over the items
    ``i`` the user interacted with, where only each item's ``n_neighbors`` most
    similar items count. Similarities come from a sparse, chunked item projection.
    Any row of items folds in natively (``score(user_items=X)`` is ``X @ S``, with
    the row's weights as given), so a training user's own row scores exactly as
    the user does.

    Parameters
    ----------
    n_neighbors : int
        Neighbours kept per item.
    similarity : {"cosine", "jaccard", "count", "walk"}
        Item-item similarity of the interaction columns (``"walk"``: the two-step
        random-walk probability item -> user -> item, P3 without a penalty; see
        :class:`RP3beta` for the popularity-penalised one).

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
    _matrix = "similarity_"

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


@recommenders.register("rp3beta")
class RP3beta(_ItemToItem):
    """RP3beta (Paudel et al., ACM TiiS 2017): a three-step random walk, popularity-penalised.

    The item-item weight is the probability of the walk item ``i`` -> user -> item ``j``
    on the interaction graph, ``W_ij = sum_u p(u | i) ** alpha * p(j | u) ** alpha``
    (transition probabilities from the row-normalised weights), divided by the
    popularity of the destination, ``deg(j) ** beta``; each item keeps its
    ``n_neighbors`` largest weights. A user's score for ``j`` is ``sum_i x_ui W_ij``: the
    walk's third step starts from the user's items. ``beta`` = 0 is P3alpha (Cooper et
    al., 2014); ``beta`` > 0 moves recommendations towards the long tail. One of the
    strongest simple baselines in Dacrema et al.'s reproducibility study (RecSys 2019).
    Any row of items folds in natively (``X @ W``).

    Parameters
    ----------
    n_neighbors : int
        Largest weights kept per item.
    alpha : float
        Exponent of the transition probabilities (1 = the plain walk).
    beta : float
        Popularity penalty: the weight into item ``j`` is divided by ``deg(j) ** beta``.

    Examples
    --------
    >>> from graphrec.data.synthetic import planted_communities
    >>> data = planted_communities(50, 20, 2, mean_degree=5, seed=0).data
    >>> RP3beta(n_neighbors=5).fit(data).score([0]).shape
    (1, 20)
    """

    _param_constraints = param_constraints(
        n_neighbors=Interval(int, 1, None),
        alpha=Interval(float, 0, None, closed="neither"),
        beta=Interval(float, 0, None),
    )
    _matrix = "weights_"

    def __init__(self, n_neighbors: int = 100, alpha: float = 1.0, beta: float = 0.5) -> None:
        self.n_neighbors = n_neighbors
        self.alpha = alpha
        self.beta = beta

    def fit(self, train: Interactions) -> RP3beta:
        check_params(self)
        self.train_ = _check_train(train)
        x = sp.csr_array(self.train_.matrix, dtype=np.float64)
        x.eliminate_zeros()
        if x.nnz and x.data.min() < 0:
            raise ValueError("rp3beta needs non-negative interaction weights")
        users = np.asarray(x.sum(axis=1)).ravel()
        items = np.asarray(x.sum(axis=0)).ravel()
        xt = sp.csr_array(x.T)
        # p(u | i): item rows normalised; p(j | u): user rows normalised, as items x users
        left = _power(sp.diags_array(_inverse(items)) @ xt, self.alpha)
        right = _power(xt @ sp.diags_array(_inverse(users)), self.alpha)
        degree = np.diff(xt.indptr).astype(np.float64)
        right = sp.diags_array(_inverse(degree) ** self.beta) @ right
        self.weights_ = product_top_k(left, right, self.n_neighbors)  # row i: i's destinations
        return self


def _inverse(values: np.ndarray) -> np.ndarray:
    return 1.0 / np.where(values > 0, values, 1.0)


def _power(m: Any, exponent: float) -> sp.csr_array:
    out = sp.csr_array(m)
    if exponent != 1.0:
        out = out.copy()
        out.data = out.data**exponent
    return out
