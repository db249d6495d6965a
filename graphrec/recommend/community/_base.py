"""Shared machinery of the community-aware recommenders.

All take ``communities`` (a ``Communities`` result, a fitted or unfitted detector, one
label per user index with ``-1`` = unassigned, or ``"single"``: the single-community
control of :func:`graphrec.community.single_community`) and share the community
statistics computed in ``fit``: how many members of each community interacted with
each item.

``user_communities_`` is the one user -> community map of
:func:`graphrec.community.quality.assign_users` (unassigned users go to the community
nearest to their items), the map ``evaluate`` measures ``outside@k`` against;
``item_communities_`` is the one item rule of
:func:`graphrec.community.quality.assign_items`. Users are served from
``served_communities_``: the same map, except that users with at most
``reassign_below`` training interactions are moved to the community :meth:`assign`
gives them. Fold-in rows (``score(user_items=X)``) are assigned the same way, from
their items, their friends (``assign_by="friends"``: the communities of their friends in
``train.user_graph``, falling back to their items) or both (``"friends+items"``).

The models that wrap a base recommender (``base=``: EASE, a graph filter, ItemKNN,
popularity, an embedder, fitted or not) fit it on ``train`` when it is not fitted and
refuse one fitted on another index space; fold-in scores the rows with
``base.score(user_items=X)``.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import scipy.sparse as sp

from graphrec._params import Interval, Options, Satisfies, check_params
from graphrec._validation import check_is_fitted
from graphrec.community._partition import (
    community_affinity,
    community_item_counts,
    nearest_communities,
    normalized_shares,
)
from graphrec.community.quality import assign_items, assign_users
from graphrec.data.interactions import Interactions
from graphrec.recommend.base import BaseRecommender

__all__ = ["ASSIGN", "BASE", "COMMUNITIES", "CommunityRecommender", "minmax_rows"]


def minmax_rows(x: np.ndarray) -> np.ndarray:
    """Each row scaled to [0, 1] (float64); a constant row becomes zeros."""
    x = np.asarray(x, dtype=np.float64)
    lo = x.min(axis=1, keepdims=True)
    span = x.max(axis=1, keepdims=True) - lo
    return np.divide(x - lo, span, out=np.zeros_like(x), where=span > 0)


def _is_communities(value: Any) -> bool:
    if isinstance(value, str):
        return value == "single"
    if value is None:
        return True
    if hasattr(value, "fit") or hasattr(value, "user_labels"):
        return True
    labels = np.asarray(value)
    return labels.ndim == 1 and labels.dtype.kind in "iu"


COMMUNITIES = Satisfies(
    _is_communities,
    "None, 'single', a Communities result, a detector or one integer label per user",
    invalid=["louvain", 3, [0.5, 1.5]],
)
BASE = Satisfies(
    lambda v: v is None or (hasattr(v, "fit") and hasattr(v, "score")),
    "None or a recommender / embedder object (fitted or not), e.g. gr.create('recommender', "
    "'ease')",
    invalid=["ease"],
)
ASSIGN = Options("items", "friends", "friends+items")
# the constraints every community recommender shares (each adds ``base`` and its own)
SHARED_CONSTRAINTS = {
    "communities": COMMUNITIES,
    "min_size": Interval(int, 1, None),
    "reassign_below": Interval(int, 0, None),
    "assign_by": ASSIGN,
}


class CommunityRecommender(BaseRecommender):
    """Shared machinery: community item statistics, assignment of users to communities."""

    supports_fold_in = True
    communities: Any
    reassign_below: int
    min_size: int
    assign_by: str = "items"

    # ------------------------------------------------------------------ fitting
    def fit(self, train: Interactions) -> Self:
        """Check the parameters, fit the base (when the model has one), count communities."""
        check_params(self)
        if "base" in self.get_params(deep=False):
            self._fit_base(train)
        self._fit_communities(train)
        return self

    def _labels(self, train: Interactions) -> tuple[np.ndarray, np.ndarray | None]:
        source = self.communities
        if source is None:
            raise ValueError(
                f"{type(self).__name__} needs communities: a Communities result, a detector, "
                "one label per user or 'single' (the single-community control)"
            )
        if isinstance(source, str) and source == "single":
            return np.zeros(train.n_users, np.int64), None
        if hasattr(source, "fit") and not hasattr(source, "labels_"):
            embedder = getattr(self, "base_", None)
            if embedder is not None and hasattr(embedder, "user_embeddings_"):
                source = source.fit(train, embedder=embedder)
            else:
                source = source.fit(train)
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
        assign = self.assign_by
        if assign != "items" and train.user_graph is None:
            raise ValueError(
                f"assign_by={assign!r} reads the friends of users from train.user_graph, which "
                "this data does not have (e.g. lastfm-hetrec has one); use assign_by='items'"
            )
        sizes, counts = community_item_counts(train, labels)
        self.community_sizes_ = sizes
        self.community_counts_ = counts  # communities x items: members who chose the item
        self.community_share_ = sp.csr_array(
            sp.diags_array(1.0 / np.maximum(sizes, 1)) @ counts, dtype=np.float64
        )
        self.shares_ = normalized_shares(sizes, counts)  # items x communities, for assignment
        self.global_counts_ = np.asarray(train.item_degrees(), dtype=np.int64)
        self.large_ = sizes >= self.min_size
        self._ranks: dict[int, np.ndarray] = {}  # community_scores' cache, per fit
        self.train_ = train
        # the one user -> community map (unassigned users: nearest community), shared
        # with evaluate's outside@k and the experiment runner
        self.user_communities_ = assign_users(train, labels)
        # users whose community is known from training: labelled, with interactions
        self.known_ = (labels >= 0) & (train.user_degrees() > 0)
        served = self.user_communities_.copy()
        short = np.flatnonzero((train.user_degrees() <= self.reassign_below) & (labels >= 0))
        if short.size and self.reassign_below > 0:
            served[short] = self._assign_rows(train.matrix[short], short)
        self.served_communities_ = served
        # the one rule for an item's community (co-clustered items keep their own label)
        self.item_communities_ = (
            assign_items(train, labels)
            if item_labels is None
            else np.asarray(item_labels, dtype=np.int64)
        )

    def _fit_base(self, train: Interactions) -> Any:
        """The base recommender, fitted on ``train`` unless it was fitted (on this space)."""
        base = getattr(self, "base", None)
        if base is None:
            raise ValueError(
                f"{type(self).__name__} needs a base recommender: base=gr.create('recommender', "
                "'ease') (or any recommender / embedder, fitted or not)"
            )
        fitted = getattr(base, "train_", None)
        if fitted is None:
            base = base.fit(train)
        elif not fitted.same_space(train):
            raise ValueError(
                f"base {type(base).__name__} was fitted on a different user/item index space "
                f"({fitted.n_users} x {fitted.n_items}, train is {train.n_users} x "
                f"{train.n_items}); pass it unfitted or fitted on this train"
            )
        self.base_ = base
        return base

    # ------------------------------------------------------------------ assignment
    def assign_users_to(self, items: Any, users: Any = None) -> np.ndarray:
        """The community each row is served from: by ``assign_by``, from its items (and friends).

        ``items`` is a users x items matrix or a list of item-index lists; ``users``
        (one training index per row) says who the rows are, needed by
        ``assign_by="friends"`` / ``"friends+items"``.
        """
        check_is_fitted(self, "community_share_")
        x = self._as_rows(items)
        if users is not None:
            users = self._check_fold_in_users(users, x.shape[0])
        return self._assign_rows(x, users)

    def _assign_rows(self, x: sp.csr_array, users: np.ndarray | None) -> np.ndarray:
        mode = self.assign_by
        if mode == "items":
            return self._nearest(x)
        if users is None:
            raise ValueError(
                f"assign_by={mode!r} needs users= beside user_items= (one training index per "
                "row) to look up the new users' friends"
            )
        votes = self._friend_votes(users)
        has_friends = votes.sum(axis=1) > 0
        if mode == "friends":
            out = self._nearest(x)
            out[has_friends] = votes[has_friends].argmax(axis=1)
            return out
        aff = community_affinity(self.community_sizes_, self.community_counts_, x, self.shares_)
        top = aff.max(axis=1, keepdims=True)
        aff = np.divide(aff, top, out=np.zeros_like(aff), where=top > 0)
        share = votes / np.maximum(votes.sum(axis=1, keepdims=True), 1e-300)
        both = share + aff
        out = self._nearest(x)
        some = has_friends | (top.ravel() > 0)
        out[some] = both[some].argmax(axis=1)
        return out

    def _nearest(self, x: sp.csr_array) -> np.ndarray:
        return nearest_communities(self.community_sizes_, self.community_counts_, x, self.shares_)

    def _friend_votes(self, users: np.ndarray) -> np.ndarray:
        """rows x communities: friendship weight to each community's known members."""
        graph = sp.csr_array(self.train_.user_graph, dtype=np.float64)[users]
        k = len(self.community_sizes_)
        known = np.flatnonzero(self.known_)
        member = sp.csr_array(
            (np.ones(len(known)), (known, self.user_communities_[known])),
            shape=(self.train_.n_users, k),
        )
        return (graph @ member).toarray() if k else np.zeros((len(users), 0))

    def assign(self, items: sp.csr_array | np.ndarray | list[list[int]]) -> np.ndarray:
        """Nearest community for users given only their items.

        ``items`` is a users x items matrix or a list of item-index lists. The score
        of a community is the cosine between the user's items and the community's
        member shares; users with no overlap go to the largest community (the rule of
        :func:`graphrec.community.quality.assign_users`).
        """
        check_is_fitted(self, "community_share_")
        return self._nearest(self._as_rows(items))

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
        if x.ndim != 2 or x.shape[1] != n_items:
            raise ValueError(f"user_items must have {n_items} columns (items), got shape {x.shape}")
        x = x.copy()
        x.data[:] = 1.0
        return x

    # ------------------------------------------------------------------ scoring rows
    def _rows(
        self, users: Any, user_items: Any
    ) -> tuple[np.ndarray | None, sp.csr_array | None, np.ndarray, np.ndarray]:
        """``(users, rows, communities, history lengths)`` of a score call.

        Training users (``user_items`` None) keep their served community and their
        training degree; fold-in rows are assigned from their items (and friends) and
        their length is the row's nnz.
        """
        check_is_fitted(self, "community_share_")
        if user_items is None:
            users = self._check_users(np.arange(self.train_.n_users) if users is None else users)
            return users, None, self.served_communities_[users], self.train_.user_degrees()[users]
        x = self._as_rows(user_items)
        if users is not None:
            users = self._check_fold_in_users(users, x.shape[0])
        return users, x, self._assign_rows(x, users), np.diff(x.indptr)

    def _base_scores(
        self, users: np.ndarray | None, x: sp.csr_array | None, base: Any = None
    ) -> np.ndarray:
        """The base's (or ``base``'s) scores of training users or of fold-in rows (float32)."""
        base = self.base_ if base is None else base
        if x is None:
            return np.asarray(base.score(users), dtype=np.float32)
        if not getattr(base, "supports_fold_in", False):
            raise ValueError(
                f"{type(self).__name__}: base {type(base).__name__} cannot score new users' "
                "rows (user_items=); use a base that folds in (e.g. ease, gfcf, graph_filter)"
            )
        out = base.score(user_items=x) if users is None else base.score(users, user_items=x)
        return np.asarray(out, dtype=np.float32)

    # ------------------------------------------------------------------ popularity
    def _usable(self, communities: np.ndarray) -> np.ndarray:
        return (communities >= 0) & self.large_[np.maximum(communities, 0)]

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
        ok = self._usable(communities)
        if ok.any():
            counts = self.community_counts_[communities[ok]].toarray().astype(np.int64)
            out[ok] += counts * (int(glob.max(initial=0)) + 1)
        return out

    def community_popularity(self, communities: np.ndarray) -> np.ndarray:
        """:meth:`popularity_keys` min-max scaled to [0, 1] per row (once per community)."""
        communities = np.asarray(communities, dtype=np.int64)
        rows, inverse = np.unique(communities, return_inverse=True)
        keys = self.popularity_keys(rows).astype(np.float64)
        return minmax_rows(keys)[inverse.ravel()]

    def community_scores(self, communities: np.ndarray) -> np.ndarray:
        """Community popularity as ranks: the most members first, global popularity on ties.

        Each row holds the dense rank of the items under :meth:`popularity_keys`
        (0 = least popular; equal keys, equal ranks), so the order is exact even in
        float32 (below 2**24 items), whatever the community and item counts.
        """
        communities = np.asarray(communities, dtype=np.int64)
        ok = self._usable(communities)
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
