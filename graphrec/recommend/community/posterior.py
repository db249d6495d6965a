"""Posterior community assignment: soft membership from a user's few items, with a gate."""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import scipy.sparse as sp

from graphrec._params import Boolean, Interval, check_params, param_constraints
from graphrec._registry import recommenders
from graphrec._validation import check_is_fitted
from graphrec.data.interactions import Interactions
from graphrec.recommend.community._base import (
    BASE,
    SHARED_CONSTRAINTS,
    CommunityRecommender,
    minmax_rows,
)

__all__ = ["CommunityPosterior"]


@recommenders.register("community_posterior", needs=("communities",))
class CommunityPosterior(CommunityRecommender):
    r"""``base + weight * gate * sum_c P(c | items) * popularity_c``: communities as evidence.

    Each community is a multinomial over items, ``p(i | c) = (n_ci + alpha) / (n_c +
    alpha * n_items)`` (``n_ci`` members of ``c`` who chose ``i``, ``n_c`` their
    interactions), and its share of the users is its prior, so a user's items give
    the posterior

    .. math:: P(c \mid items) \propto \frac{|c|}{N} \prod_{i \in items} p(i \mid c)

    (with friends, ``assign_by="friends+items"``, each friend in ``c`` adds
    ``friend_weight * log((f_c + 1) / (f + k))``). The community part is the
    posterior mixture of the communities' item shares (``hard=True``: the argmax
    community's alone), min-max scaled per user and added to the base's min-max
    scaled scores with ``weight``. The gate lets the community part step aside where
    it says little: ``gate = certainty ** certainty_power / (1 + n / n0)``, with
    ``certainty = 1 - H(P) / log k`` (one when there is one community) and ``n`` the
    user's number of items (``n0=None``: no back-off). Tune ``weight``,
    ``certainty_power`` and ``n0`` on validation users. Unlike cosine assignment
    (:meth:`assign`), the posterior keeps the community-size prior, which decides
    the one-item case. With ``communities="single"`` the community part is global
    popularity: the single-community control.

    Parameters
    ----------
    base : recommender or embedder, optional
        Fitted (on this train) or not; ``None`` serves the community part alone.
    communities : Communities, detector, array of int or "single"
    weight : float >= 0
        Weight of the community part (``0``: the base alone).
    alpha : float > 0
        Additive smoothing of the community multinomials.
    hard : bool
        Serve the most probable community only.
    certainty_power : float >= 0
        How strongly the gate follows the posterior's certainty (``0``: not at all).
    n0 : float > 0 or None
        History length at which the community part has halved (``None``: no back-off).
    friend_weight : float >= 0
        Weight of the friends' communities in the posterior (``assign_by`` with friends).
    min_size, reassign_below, assign_by
        See :class:`CommunityPopularity` (``assign_by`` decides which evidence enters
        the posterior: ``"items"`` or ``"friends+items"``; ``"friends"`` uses the
        friends alone where a user has any).

    Examples
    --------
    >>> import graphrec as gr
    >>> data = gr.load_dataset("synthetic", n_users=200, n_items=60, seed=0)
    >>> truth = data.user_features["community"].to_numpy()
    >>> rec = CommunityPosterior(communities=truth).fit(data)
    >>> p = rec.posterior([[3]])  # a user who revealed item 3
    >>> p.shape, bool(abs(p.sum() - 1) < 1e-9)
    ((1, 5), True)
    >>> rec.recommend(k=5, user_items=data.matrix[:2])[0].shape
    (2, 5)
    """

    _param_constraints = param_constraints(
        base=[BASE, None],
        weight=Interval(float, 0, None),
        alpha=Interval(float, 0, None, closed="neither"),
        hard=Boolean(),
        certainty_power=Interval(float, 0, None),
        n0=[Interval(float, 0, None, closed="neither"), None],
        friend_weight=Interval(float, 0, None),
        **SHARED_CONSTRAINTS,
    )

    def __init__(
        self,
        base: Any = None,
        communities: Any = None,
        weight: float = 1.0,
        alpha: float = 0.1,
        hard: bool = False,
        certainty_power: float = 0.0,
        n0: float | None = None,
        friend_weight: float = 1.0,
        min_size: int = 5,
        reassign_below: int = 0,
        assign_by: str = "items",
    ) -> None:
        self.base = base
        self.communities = communities
        self.weight = weight
        self.alpha = alpha
        self.hard = hard
        self.certainty_power = certainty_power
        self.n0 = n0
        self.friend_weight = friend_weight
        self.min_size = min_size
        self.reassign_below = reassign_below
        self.assign_by = assign_by

    def fit(self, train: Interactions) -> Self:
        """Fit the base (when there is one) and the community multinomials."""
        check_params(self)
        self.base_ = None if self.base is None else self._fit_base(train)
        self._fit_communities(train)
        counts = sp.csr_array(self.community_counts_, dtype=np.float64)
        n_items = counts.shape[1]
        alpha = float(self.alpha)
        # log p(i | c) = log(alpha) + log1p(n_ci / alpha) - log(n_c + alpha * n_items):
        # the sparse middle term holds every item a community chose
        self.log_boost_ = sp.csr_array(
            (np.log1p(counts.data / alpha), counts.indices, counts.indptr), shape=counts.shape
        )
        totals = np.asarray(counts.sum(axis=1)).ravel()
        self.log_norm_ = np.log(totals + alpha * n_items) - np.log(alpha)
        sizes = np.asarray(self.community_sizes_, dtype=np.float64)
        with np.errstate(divide="ignore"):
            self.log_prior_ = np.log(sizes / sizes.sum())  # an empty community: -inf
        return self

    # ------------------------------------------------------------------ posterior
    def log_posterior(self, items: Any, users: Any = None) -> np.ndarray:
        """rows x communities: ``log P(c | items[, friends])``, normalised per row."""
        check_is_fitted(self, "log_boost_")
        x = self._as_rows(items)
        if users is not None:
            users = self._check_fold_in_users(users, x.shape[0])
        return self._log_posterior(x, users)

    def posterior(self, items: Any, users: Any = None) -> np.ndarray:
        """rows x communities: ``P(c | items[, friends])`` (each row sums to one).

        ``items`` is a users x items matrix or a list of item-index lists; ``users``
        (training indices) brings the rows' friends in when ``assign_by`` uses them.
        """
        return np.exp(self.log_posterior(items, users))

    def _log_posterior(self, x: sp.csr_array, users: np.ndarray | None) -> np.ndarray:
        n = np.diff(x.indptr).astype(np.float64)[:, None]
        loglik = (x @ self.log_boost_.T).toarray() if x.nnz else np.zeros((x.shape[0], 0))
        if loglik.shape[1] == 0:
            loglik = np.zeros((x.shape[0], len(self.log_prior_)))
        logpost = self.log_prior_[None, :] + loglik - n * self.log_norm_[None, :]
        if self.assign_by != "items":
            if users is None:
                raise ValueError(
                    f"assign_by={self.assign_by!r} needs users= beside user_items= (one "
                    "training index per row) to look up the new users' friends"
                )
            votes = self._friend_votes(users)
            k = votes.shape[1]
            friends = np.log((votes + 1.0) / (votes.sum(axis=1, keepdims=True) + k))
            if self.assign_by == "friends":  # friends alone where there are any
                has = votes.sum(axis=1) > 0
                logpost[has] = self.log_prior_[None, :] + friends[has]
            else:
                logpost += float(self.friend_weight) * friends
        top = logpost.max(axis=1, keepdims=True)
        top = np.where(np.isfinite(top), top, 0.0)
        norm = top + np.log(np.exp(logpost - top).sum(axis=1, keepdims=True))
        return logpost - norm

    def gate(self, posterior: np.ndarray, n: Any) -> np.ndarray:
        """``certainty ** certainty_power / (1 + n / n0)`` per row (see the class)."""
        p = np.asarray(posterior, dtype=np.float64)
        n = np.asarray(n, dtype=np.float64)
        k = p.shape[1]
        if k > 1 and self.certainty_power > 0:
            with np.errstate(divide="ignore", invalid="ignore"):
                entropy = -np.where(p > 0, p * np.log(p), 0.0).sum(axis=1)
            certainty = np.clip(1.0 - entropy / np.log(k), 0.0, 1.0)
            out = certainty ** float(self.certainty_power)
        else:
            out = np.ones(len(p))
        if self.n0 is not None:
            out = out / (1.0 + n / float(self.n0))
        return out

    # ------------------------------------------------------------------ scoring
    def score(self, users: Any = None, *, user_items: Any = None) -> np.ndarray:
        """Scores of training users (from their training items), or of fold-in rows."""
        check_is_fitted(self, "log_boost_")
        if user_items is None:
            users = self._check_users(np.arange(self.train_.n_users) if users is None else users)
            x, who = self._as_rows(self.train_.matrix[users]), users
        else:
            x = self._as_rows(user_items)
            who = None if users is None else self._check_fold_in_users(users, x.shape[0])
        p = np.exp(self._log_posterior(x, who))
        if self.hard:
            one = np.zeros_like(p)
            one[np.arange(len(p)), p.argmax(axis=1)] = 1.0
            p = one
        share = sp.csr_array(self.community_share_, dtype=np.float64)
        community = minmax_rows(np.asarray((share.T @ p.T).T))
        lift = float(self.weight) * self.gate(p, np.diff(x.indptr))[:, None]
        if self.base_ is None:
            return (lift * community).astype(np.float32)
        if user_items is None:
            personal = self._base_scores(users, None)
        else:
            personal = self._base_scores(who, x)
        return (minmax_rows(personal) + lift * community).astype(np.float32)
