"""Local models: a copy of the base fitted per community, blended with the global base."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from graphrec._params import Interval, check_params, param_constraints
from graphrec._registry import recommenders
from graphrec.data.interactions import Interactions
from graphrec.recommend.community._base import BASE, SHARED_CONSTRAINTS, CommunityRecommender

__all__ = ["CommunityLocal"]

logger = logging.getLogger(__name__)


@recommenders.register("community_local", needs=("base", "communities"))
class CommunityLocal(CommunityRecommender):
    """``weight * local + (1 - weight) * global``: a base per community and the global base.

    Each community with at least ``min_size`` members gets a clone of the base
    (``sklearn.base.clone``: same parameters, unfitted) fitted on its members'
    interactions only (same index space); ``global`` is the base fitted on all of
    ``train``. A user is scored by the local model of the community they are served
    from (fold-in rows: the community they are assigned to, with the local model's own
    fold-in); users of smaller communities get the global base alone. ``weight = 1``
    with one community (``communities="single"``) is a refit of the base on all users.
    Both scores are raw (the same model class, so the same scale).

    Parameters
    ----------
    base : recommender or embedder
        Fitted (on this train) or not; it must be clonable (``get_params``).
    communities : Communities, detector, array of int or "single"
    weight : float in [0, 1]
        Weight of the local model.
    min_size : int
        Communities with fewer members use the global base.
    reassign_below, assign_by
        See :class:`CommunityPopularity`.

    Examples
    --------
    >>> import graphrec as gr
    >>> data = gr.load_dataset("synthetic", n_users=200, n_items=50, seed=0)
    >>> truth = data.user_features["community"].to_numpy()
    >>> rec = CommunityLocal(base=gr.create("recommender", "ease", l2=10.0),
    ...                      communities=truth, weight=0.5, min_size=20).fit(data)
    >>> sorted(rec.models_) == sorted(set(truth.tolist()))
    True
    >>> rec.recommend(k=5, user_items=data.matrix[:2])[0].shape
    (2, 5)
    """

    _param_constraints = param_constraints(
        base=BASE,
        weight=Interval(float, 0, 1),
        **SHARED_CONSTRAINTS,
    )

    def __init__(
        self,
        base: Any = None,
        communities: Any = None,
        weight: float = 0.5,
        min_size: int = 50,
        reassign_below: int = 0,
        assign_by: str = "items",
    ) -> None:
        self.base = base
        self.communities = communities
        self.weight = weight
        self.min_size = min_size
        self.reassign_below = reassign_below
        self.assign_by = assign_by

    def fit(self, train: Interactions) -> CommunityLocal:
        from sklearn.base import clone

        check_params(self)
        base = self._fit_base(train)
        self._fit_communities(train)
        users = train.coo()[0]
        self.models_: dict[int, Any] = {}
        for c in np.flatnonzero(self.large_):
            part = train.filter(self.user_communities_[users] == c)
            if part.nnz == 0:
                continue
            self.models_[int(c)] = clone(base).fit(part)
            logger.info(
                "community %d: %d users, %d interactions", c, self.community_sizes_[c], part.nnz
            )
        return self

    def score(self, users: Any = None, *, user_items: Any = None) -> np.ndarray:
        """Blended local / global scores of training users, or of fold-in rows."""
        users, x, comm, _ = self._rows(users, user_items)
        n_rows = len(comm)
        out = None if self.weight == 1 else (1 - self.weight) * self._base_scores(users, x)
        if out is None:
            out = np.empty((n_rows, self.n_items_), np.float32)
            done = np.zeros(n_rows, bool)
        for c, model in self.models_.items():
            rows = np.flatnonzero(comm == c)
            if rows.size == 0:
                continue
            local = self._local_scores(
                model, c, None if users is None else users[rows], None if x is None else x[rows]
            )
            if self.weight == 1:
                out[rows] = local
                done[rows] = True
            else:
                out[rows] += self.weight * local
        if self.weight == 1 and not done.all():  # users without a local model: global base
            rest = np.flatnonzero(~done)
            who = None if users is None else users[rest]
            out[rest] = self._base_scores(who, None if x is None else x[rest])
        elif self.weight != 1:
            glob_only = ~np.isin(comm, list(self.models_))
            out[glob_only] /= 1 - self.weight  # global alone, at full weight
        return np.asarray(out, dtype=np.float32)

    def _local_scores(self, model: Any, c: int, users: np.ndarray | None, x: Any) -> np.ndarray:
        """Local model ``c``'s scores; a training user it was not fitted on (moved to ``c``
        by ``reassign_below``) is folded in from the training row."""
        if x is not None:
            return self._base_scores(users, x, base=model)
        member = self.user_communities_[users] == c
        if member.all():
            return self._base_scores(users, None, base=model)
        out = np.empty((len(users), self.n_items_), np.float32)
        out[member] = self._base_scores(users[member], None, base=model)
        out[~member] = self._base_scores(
            users[~member], self.train_.matrix[users[~member]], base=model
        )
        return out
