"""Community-aware recommenders.

All take ``communities`` (a ``Communities`` result, a fitted detector, or one label
per user index, ``-1`` = unassigned) and share the community statistics computed
in ``fit``: how many members of each community interacted with each item.

``user_communities_`` is the one user -> community map of
:func:`graphrec.community.quality.assign_users` (unassigned users go to the community
nearest to their items), the map ``evaluate`` measures ``outside@k`` against;
``item_communities_`` is the one item rule of
:func:`graphrec.community.quality.assign_items` (co-clustered items keep their label),
the one Barber modularity uses. Users are served from ``served_communities_``: the same
map, except that users with at most ``reassign_below`` training interactions are moved
to the community nearest to their items. :meth:`recommend_new` does the same for users
unseen in training (cold start). Communities smaller than ``min_size`` are served
global popularity.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import scipy.sparse as sp

from graphrec._params import Interval, Satisfies, check_params, param_constraints
from graphrec._registry import recommenders
from graphrec._topk import topk
from graphrec._validation import check_is_fitted
from graphrec.community._partition import community_item_counts, nearest_communities
from graphrec.community.quality import assign_items, assign_users
from graphrec.data.interactions import Interactions
from graphrec.recommend.base import BaseRecommender

__all__ = [
    "CommunityBlend",
    "CommunityModel",
    "CommunityPopularity",
    "CommunityRecommender",
    "CommunityRestricted",
]

logger = logging.getLogger(__name__)


def _minmax_rows(x: np.ndarray) -> np.ndarray:
    lo = x.min(axis=1, keepdims=True)
    span = x.max(axis=1, keepdims=True) - lo
    return np.divide(x - lo, span, out=np.zeros_like(x), where=span > 0)


def _is_communities(value: Any) -> bool:
    if value is None or hasattr(value, "fit") or hasattr(value, "user_labels"):
        return True
    labels = np.asarray(value)
    return labels.ndim == 1 and labels.dtype.kind in "iu"


_COMMUNITIES = Satisfies(
    _is_communities,
    "None, a Communities result, a detector or one integer label per user",
    invalid=["louvain", 3, [0.5, 1.5]],
)
_EMBEDDER = Satisfies(
    lambda v: v is None or hasattr(v, "fit"),
    "None or an embedder object (fitted or not)",
    invalid=["lightgcn"],
)


class CommunityRecommender(BaseRecommender):
    """Shared machinery: community item statistics, assignment of users to communities."""

    communities: Any
    reassign_below: int
    min_size: int

    # ------------------------------------------------------------------ fitting
    def _labels(self, train: Interactions) -> tuple[np.ndarray, np.ndarray | None]:
        source = self.communities
        if source is None:
            raise ValueError(
                f"{type(self).__name__} needs communities: a Communities result, a detector "
                "or one label per user"
            )
        if hasattr(source, "fit") and not hasattr(source, "labels_"):
            embedder = getattr(self, "embedder_", None)
            source = (
                source.fit(train, embedder=embedder) if embedder is not None else source.fit(train)
            )
        source = getattr(source, "communities_", source)
        labels = np.asarray(getattr(source, "user_labels", source))
        item_labels = getattr(source, "item_labels", None)
        if labels.ndim != 1 or len(labels) != train.n_users:
            raise ValueError(
                f"communities must give one label per user ({train.n_users}), got shape "
                f"{labels.shape}"
            )
        if labels.dtype.kind not in "iu":
            raise ValueError(f"community labels must be integers, got dtype {labels.dtype}")
        if item_labels is not None and len(item_labels) != train.n_items:
            raise ValueError(f"item labels: expected {train.n_items}, got {len(item_labels)}")
        return labels.astype(np.int64), None if item_labels is None else np.asarray(item_labels)

    def _fit_communities(self, train: Interactions) -> None:
        labels, item_labels = self._labels(train)
        if not (labels >= 0).any():
            raise ValueError("communities assign no user to any community")
        sizes, counts = community_item_counts(train, labels)
        self.community_sizes_ = sizes
        self.community_counts_ = counts  # communities x items: members who chose the item
        self.community_share_ = sp.csr_array(
            sp.diags_array(1.0 / np.maximum(sizes, 1)) @ counts, dtype=np.float64
        )
        self.global_counts_ = np.asarray(train.item_degrees(), dtype=np.int64)
        self.large_ = sizes >= self.min_size
        self._ranks: dict[int, np.ndarray] = {}  # community_scores' cache, per fit
        # the one user -> community map (unassigned users: nearest community), shared
        # with evaluate's outside@k and the experiment runner
        self.user_communities_ = assign_users(train, labels)
        served = self.user_communities_.copy()
        short = np.flatnonzero((train.user_degrees() <= self.reassign_below) & (labels >= 0))
        if short.size and self.reassign_below > 0:
            served[short] = self.assign(train.matrix[short])
        self.served_communities_ = served
        # the one rule for an item's community (co-clustered items keep their own label)
        self.item_communities_ = (
            assign_items(train, labels)
            if item_labels is None
            else np.asarray(item_labels, dtype=np.int64)
        )
        self.train_ = train

    def assign(self, items: sp.csr_array | np.ndarray | list[list[int]]) -> np.ndarray:
        """Nearest community for users given only their items.

        ``items`` is a users x items matrix or a list of item-index lists. The score
        of a community is the cosine between the user's items and the community's
        member shares; users with no overlap go to the largest community (the rule of
        :func:`graphrec.community.quality.assign_users`).
        """
        check_is_fitted(self, "community_share_")
        return nearest_communities(
            self.community_sizes_, self.community_counts_, self._as_rows(items)
        )

    def _as_rows(self, items: Any) -> sp.csr_array:
        n_items = self.community_share_.shape[1]
        if isinstance(items, list):
            rows = np.repeat(np.arange(len(items)), [len(x) for x in items])
            cols = (
                np.concatenate([np.asarray(x, dtype=np.int64) for x in items])
                if items
                else np.zeros(0, np.int64)
            )
            if cols.size and (cols.min() < 0 or cols.max() >= n_items):
                raise ValueError(f"item indices must be in [0, {n_items})")
            x = sp.csr_array(
                (np.ones(len(rows), np.float32), (rows, cols)), shape=(len(items), n_items)
            )
        else:
            x = sp.csr_array(items, dtype=np.float32)
        if x.shape[1] != n_items:
            raise ValueError(f"items must index {n_items} items, got {x.shape[1]} columns")
        x.data[:] = 1.0
        return x

    def popularity_keys(self, communities: np.ndarray) -> np.ndarray:
        """Integer keys ordering items by community popularity, one row per community label.

        ``count * (G + 1) + global_count``: the number of the community's members who
        chose the item first, the item's global count (``G`` its maximum) only breaking
        exact ties, with no overlap (``global_count <= G``). Communities smaller than
        ``min_size`` and ``-1`` get the global count alone. Exact in int64 (and in
        float64 below ``2**53``): counts are at most the number of users.
        """
        check_is_fitted(self, "community_counts_")
        communities = np.asarray(communities, dtype=np.int64)
        glob = self.global_counts_
        out = np.broadcast_to(glob, (len(communities), len(glob))).copy()
        ok = (communities >= 0) & self.large_[np.maximum(communities, 0)]
        if ok.any():
            counts = self.community_counts_[communities[ok]].toarray().astype(np.int64)
            out[ok] += counts * (int(glob.max(initial=0)) + 1)
        return out

    def community_scores(self, communities: np.ndarray) -> np.ndarray:
        """Community popularity as ranks: the most members first, global popularity on ties.

        Each row holds the dense rank of the items under :meth:`popularity_keys`
        (0 = least popular; equal keys, equal ranks), so the order is exact even in
        float32 (below 2**24 items), whatever the community and item counts.
        """
        communities = np.asarray(communities, dtype=np.int64)
        ok = (communities >= 0) & self.large_[np.maximum(communities, 0)]
        rows, inverse = np.unique(np.where(ok, communities, -1), return_inverse=True)
        cache = self.__dict__.setdefault("_ranks", {})  # community -> ranks, bounded below
        missing = [c for c in rows.tolist() if c not in cache]
        if missing:
            keys = self.popularity_keys(np.asarray(missing, dtype=np.int64))
            room = len(cache) * keys.shape[1] < 2**24
            for c, key in zip(missing, keys):  # one sort per community
                cache[c] = np.unique(key, return_inverse=True)[1].astype(np.float32).ravel()
            if not room:
                self._ranks = {c: cache[c] for c in missing}
        return np.stack([cache[c] for c in rows.tolist()])[inverse.ravel()]

    def recommend_new(
        self, items: Any, k: int = 10, *, exclude_seen: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Recommend to users unseen in training from their given items (cold start):
        nearest community, then that community's most popular items."""
        x = self._as_rows(items)
        scores = self.community_scores(self.assign(x))
        if exclude_seen and x.nnz:
            rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
            scores[rows, x.indices] = -np.inf
        return topk(scores.astype(np.float32), k)

    def _fit_embedder(self, train: Interactions) -> Any:
        emb = self.embedder
        if emb is None:
            raise ValueError(f"{type(self).__name__} needs an embedder (e.g. a fitted LightGCN)")
        if not hasattr(emb, "user_embeddings_"):
            emb = emb.fit(train)
        elif not emb.train_.same_space(train):
            raise ValueError("the embedder was fitted on a different user/item index space")
        self.embedder_ = emb
        return emb


@recommenders.register("community_popularity", needs=("communities",))
class CommunityPopularity(CommunityRecommender):
    """The most popular items of the user's community (ties: global popularity).

    Items are ranked by how many of the community's members chose them; the global
    count only breaks exact ties (:meth:`popularity_keys`, exact for any counts).
    Communities smaller than ``min_size`` fall back to global popularity.

    Examples
    --------
    >>> import graphrec as gr
    >>> data = gr.load_dataset("synthetic", n_users=100, n_items=50, seed=0)
    >>> truth = data.user_features["community"].to_numpy()
    >>> rec = CommunityPopularity(communities=truth).fit(data)
    >>> rec.recommend([0], k=3)[0].shape
    (1, 3)
    """

    _param_constraints = param_constraints(
        communities=_COMMUNITIES,
        min_size=Interval(int, 1, None),
        reassign_below=Interval(int, 0, None),
    )

    def __init__(self, communities: Any = None, min_size: int = 5, reassign_below: int = 0) -> None:
        self.communities = communities
        self.min_size = min_size
        self.reassign_below = reassign_below

    def fit(self, train: Interactions) -> CommunityPopularity:
        check_params(self)
        self._fit_communities(train)
        return self

    def score(self, users: np.ndarray) -> np.ndarray:
        users = self._check_users(users)
        return self.community_scores(self.served_communities_[users])


@recommenders.register("community_restricted", needs=("embedder", "communities"))
class CommunityRestricted(CommunityRecommender):
    """An embedding model's scores, ranked only over the items of the user's community.

    Items with fewer than ``min_support`` interactions from the user's community are
    placed after all community items (so lists are always full); users of tiny
    communities get the unrestricted ranking.
    """

    _param_constraints = param_constraints(
        embedder=_EMBEDDER,
        communities=_COMMUNITIES,
        min_support=Interval(int, 1, None),
        min_size=Interval(int, 1, None),
        reassign_below=Interval(int, 0, None),
    )

    def __init__(
        self,
        embedder: Any = None,
        communities: Any = None,
        min_support: int = 1,
        min_size: int = 5,
        reassign_below: int = 0,
    ) -> None:
        self.embedder = embedder
        self.communities = communities
        self.min_support = min_support
        self.min_size = min_size
        self.reassign_below = reassign_below

    def fit(self, train: Interactions) -> CommunityRestricted:
        check_params(self)
        self._fit_embedder(train)
        self._fit_communities(train)
        return self

    def score(self, users: np.ndarray) -> np.ndarray:
        users = self._check_users(users)
        scores = np.asarray(self.embedder_.score(users), dtype=np.float32)
        comm = self.served_communities_[users]
        ok = (comm >= 0) & self.large_[np.maximum(comm, 0)]
        if ok.any():
            allowed = self.community_counts_[comm[ok]].toarray() >= self.min_support
            span = scores[ok].max(axis=1, keepdims=True) - scores[ok].min(axis=1, keepdims=True)
            scores[ok] = np.where(allowed, scores[ok], scores[ok] - span - 1.0)
        return scores


@recommenders.register("community_blend", needs=("embedder", "communities"))
class CommunityBlend(CommunityRecommender):
    """``(1 - alpha) * personal + alpha * community``, each min-max normalised per user.

    ``personal`` is the embedder's score and ``community`` the community popularity
    of :class:`CommunityPopularity` (:meth:`popularity_keys`: linear in the number of
    members who chose the item, global popularity breaking ties). ``alpha = 0`` is
    exactly the embedding model.
    """

    _param_constraints = param_constraints(
        embedder=_EMBEDDER,
        communities=_COMMUNITIES,
        alpha=Interval(float, 0, 1),
        min_size=Interval(int, 1, None),
        reassign_below=Interval(int, 0, None),
    )

    def __init__(
        self,
        embedder: Any = None,
        communities: Any = None,
        alpha: float = 0.3,
        min_size: int = 5,
        reassign_below: int = 0,
    ) -> None:
        self.embedder = embedder
        self.communities = communities
        self.alpha = alpha
        self.min_size = min_size
        self.reassign_below = reassign_below

    def fit(self, train: Interactions) -> CommunityBlend:
        check_params(self)
        self._fit_embedder(train)
        self._fit_communities(train)
        return self

    def score(self, users: np.ndarray) -> np.ndarray:
        users = self._check_users(users)
        personal = np.asarray(self.embedder_.score(users), dtype=np.float32)
        if self.alpha == 0:
            return personal
        comm = self.served_communities_[users]
        rows, inverse = np.unique(comm, return_inverse=True)
        community = _minmax_rows(self.popularity_keys(rows).astype(np.float64))[inverse.ravel()]
        blend = (1 - self.alpha) * _minmax_rows(personal) + self.alpha * community
        return blend.astype(np.float32)


@recommenders.register("community_model", needs=("fine_tunable_embedder", "communities"))
class CommunityModel(CommunityRecommender):
    """One model per community, fine-tuned on the community's interactions.

    Each community with at least ``min_size`` members gets a copy of the embedder
    (LightGCN / LightGCN++ / MF) trained for ``epochs`` epochs on its members'
    interactions, warm-started from the global layer-0 embeddings. Members are
    scored by their community's model, everyone else by the global one.
    """

    _param_constraints = param_constraints(
        embedder=_EMBEDDER,
        communities=_COMMUNITIES,
        min_size=Interval(int, 1, None),
        epochs=Interval(int, 1, None),
        reassign_below=Interval(int, 0, None),
    )

    def __init__(
        self,
        embedder: Any = None,
        communities: Any = None,
        min_size: int = 50,
        epochs: int = 10,
        reassign_below: int = 0,
    ) -> None:
        self.embedder = embedder
        self.communities = communities
        self.min_size = min_size
        self.epochs = epochs
        self.reassign_below = reassign_below

    def fit(self, train: Interactions) -> CommunityModel:
        check_params(self)
        emb = self._fit_embedder(train)
        if not hasattr(emb, "embedding_weight_"):
            raise ValueError(
                "community_model fine-tunes LightGCN-style embedders (lightgcn, lightgcn++, mf); "
                f"got {type(emb).__name__}"
            )
        self._fit_communities(train)
        users, _, _, _ = train.coo()
        self.models_: dict[int, Any] = {}
        from sklearn.base import clone

        for c in np.flatnonzero(self.large_):
            local = clone(emb).set_params(
                epochs=self.epochs, max_minutes=None, checkpoint_dir=None, resume=False
            )
            part = train.filter(self.user_communities_[users] == c)
            self.models_[int(c)] = local.fit(part, init_weight=emb.embedding_weight_)
            logger.info(
                "community %d: %d users, %d interactions", c, self.community_sizes_[c], part.nnz
            )
        return self

    def score(self, users: np.ndarray) -> np.ndarray:
        users = self._check_users(users)
        scores = np.asarray(self.embedder_.score(users), dtype=np.float32)
        comm = self.served_communities_[users]
        for c, model in self.models_.items():
            rows = np.flatnonzero(comm == c)
            if rows.size:
                scores[rows] = model.score(users[rows])
        return scores
