"""Community popularity: the most popular items of the user's community."""

from __future__ import annotations

from typing import Any

import numpy as np

from graphrec._params import param_constraints
from graphrec._registry import recommenders
from graphrec.recommend.community._base import SHARED_CONSTRAINTS, CommunityRecommender

__all__ = ["CommunityPopularity"]


@recommenders.register("community_popularity", needs=("communities",))
class CommunityPopularity(CommunityRecommender):
    """The most popular items of the user's community (ties: global popularity).

    Items are ranked by how many of the community's members chose them; the global
    count only breaks exact ties (:meth:`popularity_keys`, exact for any counts).
    Communities smaller than ``min_size`` fall back to global popularity; with
    ``communities="single"`` it is global popularity (the control). Fold-in rows
    (``user_items=``) are served the popularity of the community they are assigned to
    (``assign_by``: from their items, their friends or both).

    Parameters
    ----------
    communities : Communities, detector, array of int or "single"
        The partition of the training users.
    min_size : int
        Communities with fewer members are served global popularity.
    reassign_below : int
        Training users with at most this many interactions are re-assigned like
        new users.
    assign_by : {"items", "friends", "friends+items"}
        How a new (fold-in) user's community is found.

    Examples
    --------
    >>> import graphrec as gr
    >>> data = gr.load_dataset("synthetic", n_users=100, n_items=50, seed=0)
    >>> truth = data.user_features["community"].to_numpy()
    >>> rec = CommunityPopularity(communities=truth).fit(data)
    >>> rec.recommend([0], k=3)[0].shape
    (1, 3)
    >>> rec.recommend(k=3, user_items=data.matrix[:2])[0].shape  # fold-in rows
    (2, 3)
    """

    _param_constraints = param_constraints(
        **SHARED_CONSTRAINTS,
    )

    def __init__(
        self,
        communities: Any = None,
        min_size: int = 5,
        reassign_below: int = 0,
        assign_by: str = "items",
    ) -> None:
        self.communities = communities
        self.min_size = min_size
        self.reassign_below = reassign_below
        self.assign_by = assign_by

    def score(self, users: Any = None, *, user_items: Any = None) -> np.ndarray:
        """Community popularity ranks of training users, or of fold-in rows (``user_items``)."""
        _, _, comm, _ = self._rows(users, user_items)
        return self.community_scores(comm)
