"""Community-restricted candidates: a base's ranking over the items of the user's community."""

from __future__ import annotations

from typing import Any

import numpy as np

from graphrec._params import Interval, param_constraints
from graphrec._registry import recommenders
from graphrec.recommend.community._base import (
    BASE,
    SHARED_CONSTRAINTS,
    CommunityRecommender,
    minmax_rows,
)

__all__ = ["CommunityRestricted"]


@recommenders.register("community_restricted", needs=("base", "communities"))
class CommunityRestricted(CommunityRecommender):
    """A base recommender's scores, ranked only over the items of the user's community.

    Candidates are the items at least ``min_support`` members of the user's community
    chose; the other items are placed after all candidates (so lists are always full);
    users of communities smaller than ``min_size`` get the unrestricted ranking.
    ``tail > 0`` favours the long tail among the candidates: the score becomes
    ``minmax(base) - tail * minmax(log(1 + global count))`` per user, which trades
    accuracy for catalogue coverage (``tail = 0``: the base's own order inside the
    candidates). Coverage is not monotone in ``tail``: a large weight sends every member
    of a community to the same least popular candidates; tune it on validation users.

    Parameters
    ----------
    base : recommender or embedder
        Fitted (on this train) or not.
    communities : Communities, detector, array of int or "single"
    min_support : int
        Members of the community who must have chosen an item for it to be a candidate.
    tail : float >= 0
        Weight of the popularity penalty inside the candidates.
    min_size, reassign_below, assign_by
        See :class:`CommunityPopularity`.

    Examples
    --------
    >>> import graphrec as gr
    >>> data = gr.load_dataset("synthetic", n_users=100, n_items=50, seed=0)
    >>> truth = data.user_features["community"].to_numpy()
    >>> rec = CommunityRestricted(base=gr.create("recommender", "ease", l2=10.0),
    ...                           communities=truth, min_support=2, tail=0.5).fit(data)
    >>> rec.recommend([0, 1], k=5)[0].shape
    (2, 5)
    """

    _param_constraints = param_constraints(
        base=BASE,
        min_support=Interval(int, 1, None),
        tail=Interval(float, 0, None),
        **SHARED_CONSTRAINTS,
    )

    def __init__(
        self,
        base: Any = None,
        communities: Any = None,
        min_support: int = 1,
        tail: float = 0.0,
        min_size: int = 5,
        reassign_below: int = 0,
        assign_by: str = "items",
    ) -> None:
        self.base = base
        self.communities = communities
        self.min_support = min_support
        self.tail = tail
        self.min_size = min_size
        self.reassign_below = reassign_below
        self.assign_by = assign_by

    def score(self, users: Any = None, *, user_items: Any = None) -> np.ndarray:
        """Restricted scores of training users, or of fold-in rows (``user_items``)."""
        users, x, comm, _ = self._rows(users, user_items)
        scores = self._base_scores(users, x)
        if self.tail > 0:
            pop = np.log1p(self.global_counts_.astype(np.float64))[None, :]
            scores = (minmax_rows(scores) - self.tail * minmax_rows(pop)).astype(np.float32)
        ok = self._usable(comm)
        if ok.any():
            allowed = self.community_counts_[comm[ok]].toarray() >= self.min_support
            block = scores[ok]
            span = block.max(axis=1, keepdims=True) - block.min(axis=1, keepdims=True)
            scores[ok] = np.where(allowed, block, block - span - 1.0)
        return scores
