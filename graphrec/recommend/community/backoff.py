"""Community back-off: a base recommender plus community popularity that fades with history."""

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

__all__ = ["CommunityBackoff"]


@recommenders.register("community_backoff", needs=("base", "communities"))
class CommunityBackoff(CommunityRecommender):
    """``personal + lambda(n) * community``, with ``lambda(n) = lambda0 / (1 + n / n0)``.

    ``personal`` is the base recommender's score and ``community`` the community
    popularity (:meth:`popularity_keys`), both min-max scaled to [0, 1] per user, as in
    :class:`CommunityBlend`; ``n`` is the user's history length (training degree, or
    the nnz of a fold-in row). A user with no history is served community popularity
    alone; as ``n`` grows the weight of the community backs off towards the base:
    ``lambda(n)`` is non-increasing in ``n`` and halves at ``n = n0``. ``lambda0 = 0``
    gives exactly the base's scores. Tune ``lambda0`` and ``n0`` on validation users
    (e.g. with :func:`graphrec.evaluate_new_users` over a grid); with
    ``communities="single"`` it backs off to global popularity (the control).

    Parameters
    ----------
    base : recommender or embedder
        Fitted (on this train) or not; fold-in needs one with ``supports_fold_in``.
    communities : Communities, detector, array of int or "single"
    lambda0 : float >= 0
        Weight of community popularity at ``n = 0``.
    n0 : float > 0
        History length at which the weight has halved.
    min_size, reassign_below, assign_by
        See :class:`CommunityPopularity`.

    Examples
    --------
    >>> import graphrec as gr
    >>> data = gr.load_dataset("synthetic", n_users=100, n_items=50, seed=0)
    >>> truth = data.user_features["community"].to_numpy()
    >>> rec = CommunityBackoff(base=gr.create("recommender", "ease", l2=10.0),
    ...                        communities=truth, lambda0=1.0, n0=2.0).fit(data)
    >>> rec.weight([0, 2, 6]).tolist()
    [1.0, 0.5, 0.25]
    >>> rec.recommend(k=5, user_items=data.matrix[:2])[0].shape
    (2, 5)
    """

    _param_constraints = param_constraints(
        base=BASE,
        lambda0=Interval(float, 0, None),
        n0=Interval(float, 0, None, closed="neither"),
        **SHARED_CONSTRAINTS,
    )

    def __init__(
        self,
        base: Any = None,
        communities: Any = None,
        lambda0: float = 1.0,
        n0: float = 3.0,
        min_size: int = 5,
        reassign_below: int = 0,
        assign_by: str = "items",
    ) -> None:
        self.base = base
        self.communities = communities
        self.lambda0 = lambda0
        self.n0 = n0
        self.min_size = min_size
        self.reassign_below = reassign_below
        self.assign_by = assign_by

    def weight(self, n: Any) -> np.ndarray:
        """``lambda(n) = lambda0 / (1 + n / n0)`` for history lengths ``n`` (float64)."""
        n = np.asarray(n, dtype=np.float64)
        if n.size and n.min() < 0:
            raise ValueError(f"history lengths must be >= 0, got {n.min():g}")
        return float(self.lambda0) / (1.0 + n / float(self.n0))

    def score(self, users: Any = None, *, user_items: Any = None) -> np.ndarray:
        """Backed-off scores of training users, or of fold-in rows (``user_items``)."""
        users, x, comm, n = self._rows(users, user_items)
        personal = self._base_scores(users, x)
        if self.lambda0 == 0:
            return personal
        lam = self.weight(n)[:, None]
        out = minmax_rows(personal) + lam * self.community_popularity(comm)
        return out.astype(np.float32)
