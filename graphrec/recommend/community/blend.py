"""Community blend: a base recommender's scores mixed with community popularity."""

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

__all__ = ["CommunityBlend"]


@recommenders.register("community_blend", needs=("base", "communities"))
class CommunityBlend(CommunityRecommender):
    """``(1 - alpha) * personal + alpha * community``, each min-max normalised per user.

    ``personal`` is the base recommender's score (any recommender or embedder) and
    ``community`` the community popularity of :class:`CommunityPopularity`
    (:meth:`popularity_keys`: linear in the number of members who chose the item,
    global popularity breaking ties). ``alpha = 0`` is exactly the base. With
    ``communities="single"`` it is the base blended with global popularity: the control
    a community gain must beat.

    Parameters
    ----------
    base : recommender or embedder
        Fitted (on this train) or not (fitted in ``fit``).
    communities : Communities, detector, array of int or "single"
    alpha : float in [0, 1]
        Weight of community popularity.
    min_size, reassign_below, assign_by
        See :class:`CommunityPopularity`.

    Examples
    --------
    >>> import graphrec as gr
    >>> data = gr.load_dataset("synthetic", n_users=100, n_items=50, seed=0)
    >>> truth = data.user_features["community"].to_numpy()
    >>> ease = gr.create("recommender", "ease", l2=10.0)
    >>> rec = CommunityBlend(base=ease, communities=truth, alpha=0.3).fit(data)
    >>> rec.recommend(k=5, user_items=data.matrix[:3])[0].shape
    (3, 5)
    """

    _param_constraints = param_constraints(
        base=BASE,
        alpha=Interval(float, 0, 1),
        **SHARED_CONSTRAINTS,
    )

    def __init__(
        self,
        base: Any = None,
        communities: Any = None,
        alpha: float = 0.3,
        min_size: int = 5,
        reassign_below: int = 0,
        assign_by: str = "items",
    ) -> None:
        self.base = base
        self.communities = communities
        self.alpha = alpha
        self.min_size = min_size
        self.reassign_below = reassign_below
        self.assign_by = assign_by

    def score(self, users: Any = None, *, user_items: Any = None) -> np.ndarray:
        """Blended scores of training users, or of fold-in rows (``user_items``)."""
        users, x, comm, _ = self._rows(users, user_items)
        personal = self._base_scores(users, x)
        if self.alpha == 0:
            return personal
        community = self.community_popularity(comm)
        blend = (1 - self.alpha) * minmax_rows(personal) + self.alpha * community
        return blend.astype(np.float32)
