"""Community models: an embedder fine-tuned per community (LightGCN / LightGCN++ / MF)."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from graphrec._params import Interval, check_params, param_constraints
from graphrec._registry import recommenders
from graphrec.data.interactions import Interactions
from graphrec.recommend.community._base import BASE, SHARED_CONSTRAINTS
from graphrec.recommend.community.local import CommunityLocal

__all__ = ["CommunityModel"]

logger = logging.getLogger(__name__)


@recommenders.register("community_model", needs=("fine_tunable_embedder", "communities"))
class CommunityModel(CommunityLocal):
    """One model per community, fine-tuned on the community's interactions.

    Each community with at least ``min_size`` members gets a copy of the base embedder
    (LightGCN / LightGCN++ / MF) trained for ``epochs`` epochs on its members'
    interactions, warm-started from the global layer-0 embeddings. Members are
    scored by their community's model, everyone else by the global one. Fold-in rows
    use the local model of their assigned community (its own fold-in). For any other
    base (EASE, graph filters), :class:`CommunityLocal` refits per community.

    Parameters
    ----------
    base : fine-tunable embedder
        Fitted (on this train) or not.
    communities : Communities, detector, array of int or "single"
    min_size : int
    epochs : int
        Fine-tuning epochs per community.
    reassign_below, assign_by
        See :class:`CommunityPopularity`.
    """

    weight = 1.0  # members: their community's model alone
    _param_constraints = param_constraints(
        base=BASE,
        epochs=Interval(int, 1, None),
        **SHARED_CONSTRAINTS,
    )

    def __init__(
        self,
        base: Any = None,
        communities: Any = None,
        min_size: int = 50,
        epochs: int = 10,
        reassign_below: int = 0,
        assign_by: str = "items",
    ) -> None:
        self.base = base
        self.communities = communities
        self.min_size = min_size
        self.epochs = epochs
        self.reassign_below = reassign_below
        self.assign_by = assign_by

    def fit(self, train: Interactions) -> CommunityModel:
        from sklearn.base import clone

        check_params(self)
        emb = self._fit_base(train)
        if not hasattr(emb, "embedding_weight_"):
            raise ValueError(
                "community_model fine-tunes LightGCN-style embedders (lightgcn, lightgcn++, mf); "
                f"got {type(emb).__name__} (community_local refits any base per community)"
            )
        self._fit_communities(train)
        users = train.coo()[0]
        self.models_: dict[int, Any] = {}
        for c in np.flatnonzero(self.large_):
            local = clone(emb).set_params(
                epochs=self.epochs, max_minutes=None, checkpoint_dir=None, resume=False,
                decay_epochs=None,  # a cosine schedule spans the fine-tune's own epochs
            )  # fmt: skip
            part = train.filter(self.user_communities_[users] == c)
            self.models_[int(c)] = local.fit(part, init_weight=emb.embedding_weight_)
            logger.info(
                "community %d: %d users, %d interactions", c, self.community_sizes_[c], part.nnz
            )
        return self
