"""The evaluation protocol: full ranking over all items, batched.

For every user with at least one test interaction, every item is scored, the
items in ``exclude`` (the user's training, and when testing also validation,
interactions) are masked, and the top ``max(k)`` items are compared with the test
items. This is the protocol of the LightGCN paper (He et al., SIGIR 2020) and its
successors. It differs from *sampled* ranking (rank the test item among e.g. 100
sampled negatives), which inflates scores and can reorder methods (Krichene &
Rendle, KDD 2020): numbers from the two are not comparable.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from graphrec._validation import RandomState, check_is_fitted, check_random_state
from graphrec.data.interactions import Interactions
from graphrec.evaluate import metrics as M
from graphrec.evaluate.breakdowns import activity_bands, community_maps, head_items, user_labels
from graphrec.evaluate.diversity import default_item_vectors
from graphrec.evaluate.ranking import mask_matrix, rank_users
from graphrec.evaluate.registry import (
    RankingContext,
    always_metrics,
    default_metrics,
    metric,
    metric_names,
)
from graphrec.evaluate.result import EvalResult
from graphrec.recommend.base import BaseRecommender, default_batch_size

__all__ = ["EvalResult", "evaluate"]

logger = logging.getLogger(__name__)

RANKING = default_metrics()  # the built-in ranking metrics, from the metric registry


def evaluate(
    recommender: Any,
    test: Interactions,
    k: int | Sequence[int] = (10, 20),
    exclude: Interactions | Sequence[Interactions] | None = None,
    *,
    train: Interactions | None = None,
    metrics: Sequence[str] = RANKING,
    item_counts: np.ndarray | None = None,
    item_vectors: np.ndarray | sp.sparray | str | None = "auto",
    communities: Any = None,
    item_communities: np.ndarray | None = None,
    cold_threshold: int = 5,
    hot_quantile: float = 0.9,
    head_share: float = 0.2,
    batch_size: int | None = None,
    sample_users: int | None = None,
    seed: RandomState = 0,
    device: str = "auto",
) -> EvalResult:
    """Evaluate a fitted recommender on ``test`` by full ranking.

    Parameters
    ----------
    recommender
        Fitted; must provide ``score(users) -> (len(users), n_items)`` array.
    test : Interactions
        Held-out interactions in the recommender's user and item index space.
    k : int or list of int
        Cut-offs; every metric is reported at each.
    exclude : Interactions or list of Interactions, optional
        Interactions masked before ranking. Default: ``[train]``; pass
        ``[train, valid]`` when testing a model selected on ``valid``, and ``[]`` to
        mask nothing.
    train : Interactions
        Required (keyword). The training interactions the model learnt from: the
        popularity behind ``novelty`` and the head/tail split, the degrees behind the
        activity bands and ``n_train``, and the default diversity basis all come from
        it, whatever the order of ``exclude``.
    metrics : list of str
        Names from the metric registry (:mod:`graphrec.evaluate.registry`;
        ``graphrec list metrics``). Default: recall, precision, ndcg, hit_rate, map,
        mrr. novelty, diversity, head_hits, tail_hits, outside, coverage, gini and
        communities_reached are always reported when the evaluation has what they
        need (item vectors, communities); a named metric whose needs are missing is
        a ``ValueError``.
    item_counts : ndarray, optional
        Popularity per item for novelty and head/tail; default: ``train``'s item degrees.
    item_vectors : "auto", array (items x d) or None
        Item vectors for intra-list diversity, one space for every recommender so
        that ``diversity@k`` compares across models. ``"auto"``: multi-hot genres of
        ``test.item_features["genres"]`` when present, else the item vectors of a
        64-dimensional ``svd`` embedder (seed 0) of the binary ``train`` matrix;
        None skips diversity. Pass a model's ``item_embeddings_`` to measure it in
        that model's own space.
    communities : array or Communities, optional
        One community label per user index (default: the recommender's
        ``user_communities_``); adds a ``community`` column to ``per_user``.
        Unassigned users (``-1``) are placed in their nearest community and items
        get theirs by the one rule of :func:`graphrec.community.quality.assign_users`
        / :func:`~graphrec.community.quality.assign_items` (the maps the
        community-aware recommenders use), from the training set.
    item_communities : array, optional
        One community per item index (default: the co-clustered items of
        ``communities``, else ``assign_items`` of them, else the recommender's
        ``item_communities_``); adds ``outside@k``, the share of each user's list
        from outside the user's community, and ``communities_reached@k``.
    cold_threshold, hot_quantile : int, float
        Activity bands from ``train``'s user degrees: ``cold`` (<= ``cold_threshold``),
        ``hot`` (above the ``hot_quantile`` quantile), ``warm``.
    head_share : float
        The most popular ``head_share`` of items are the head; ``head_hits@k`` and
        ``tail_hits@k`` count each user's hits among head and tail items.
    batch_size : int, optional
        Users scored at once (default: about 2**24 scores per batch).
    sample_users : int, optional
        Evaluate a seeded uniform sample (without replacement) of this many of the
        test users (those with test interactions) instead of all of them, for large
        data. The result is exactly that of evaluating those users alone;
        ``result.ci`` then holds the 95% confidence interval of each per-user
        metric's mean over all test users that the sample implies (normal, with the
        finite-population correction), and ``result.info["sample"]`` the sample.
    seed : int or Generator
        Seed of the sample (used only with ``sample_users``).
    device : str
        Where masking and top-k run (``"auto"``: CUDA when available); the result
        does not depend on it.

    Returns
    -------
    EvalResult

    Notes
    -----
    A list holds only items that can be recommended: an item masked by ``exclude``
    (or scored ``-inf`` by the recommender) never fills a slot. A user with fewer
    than ``k`` such items gets a shorter list, and ``k`` above the catalogue gives
    lists of at most ``n_items`` (with a warning); ``recommendations`` marks the
    empty slots ``-1``. Empty slots are misses for the ranking metrics (precision@k
    still divides by ``k``); novelty, diversity and ``outside@k`` describe the
    items the list holds (NaN for an empty list, left out of the means).

    Examples
    --------
    User 0 has test items 2 and 3 and gets ``[2, 4]`` (item 0, seen in training, is
    masked): recall@2 is 1/2. User 1 has test item 0 and gets ``[0, 2]``: 1/1.

    >>> import numpy as np, scipy.sparse as sp
    >>> import graphrec as gr
    >>> def inter(rows):
    ...     m = sp.csr_array(np.array(rows, dtype=np.float32))
    ...     return gr.Interactions(m, np.arange(m.shape[0]), np.arange(m.shape[1]))
    >>> train = inter([[1, 0, 0, 0, 0], [0, 1, 0, 0, 0]])
    >>> test = inter([[0, 0, 1, 1, 0], [1, 0, 0, 0, 0]])
    >>> class Fixed(gr.recommend.base.BaseRecommender):
    ...     def fit(self, train):
    ...         self.train_ = train
    ...         return self
    ...     def score(self, users):
    ...         return np.array([[9, 0, 5, 1, 4], [7, 8, 3, 0, 1]], np.float32)[users]
    >>> res = gr.evaluate(Fixed().fit(train), test, k=[2], train=train)
    >>> res.recommendations.tolist(), res.per_user["recall@2"].tolist()
    ([[2, 4], [0, 2]], [0.5, 1.0])
    """
    ks = _check_ks(k)
    requested = _check_metrics(metrics)
    _check_inputs(recommender, test, train)
    exclude = _check_exclude(exclude, train, test)
    n_items = test.n_items
    users = np.flatnonzero(test.user_degrees() > 0)
    if users.size == 0:
        raise ValueError("test has no interactions to evaluate")
    n_test_users = len(users)
    if sample_users is not None:
        users = _sample(users, sample_users, seed)
    if ks[-1] > n_items:
        warnings.warn(
            f"k={ks[-1]} exceeds the catalogue ({n_items} items): lists hold at most "
            f"{n_items} items, minus each user's masked ones",
            UserWarning,
            stacklevel=2,
        )
    batch_size = batch_size or default_batch_size(n_items)

    t0 = time.perf_counter()
    masked = mask_matrix(exclude, test.shape)
    recs = rank_users(recommender, users, n_items, min(ks[-1], n_items), masked, batch_size, device)
    elapsed = time.perf_counter() - t0

    degrees = train.user_degrees()
    table: dict[str, Any] = {
        "user": users,
        "user_id": test.user_ids[users],
        "n_test": test.user_degrees()[users],
        "n_train": degrees[users],
        "activity": activity_bands(degrees, cold_threshold, hot_quantile)[users],
    }
    if item_counts is None:
        item_counts = train.item_degrees()
    elif len(item_counts) != n_items:
        raise ValueError(f"item_counts has {len(item_counts)} entries for {n_items} items")
    user_comm, item_communities = _communities(
        recommender, communities, item_communities, train, test.n_users
    )
    if user_comm is not None:
        table["community"] = user_comm[users]
    ctx = RankingContext(
        recommendations=recs,
        hits=M.hits_matrix(recs, test.matrix[users]),
        n_relevant=table["n_test"],
        n_users=test.n_users,
        n_items=n_items,
        item_counts=item_counts,
        head=head_items(item_counts, head_share),
        item_vectors=_item_vectors(item_vectors, test, train),
        user_communities=None if user_comm is None else user_comm[users],
        item_communities=None if item_communities is None else np.asarray(item_communities),
    )
    summary = _compute(requested, ctx, ks, table)
    info = {
        "n_users": len(users),
        "seconds_ranking": elapsed,
        "batch_size": batch_size,
        "short_lists": int((recs[:, -1] < 0).sum()) if recs.shape[1] else 0,
    }
    ci: dict[str, tuple[float, float]] = {}
    if sample_users is not None:
        info["sample"] = {
            "n_users": len(users),
            "of_test_users": n_test_users,
            "seed": seed if isinstance(seed, (int, np.integer)) else repr(seed),
            "ci": "normal 95%, finite-population corrected",
        }
        ci = {key: _sample_ci(table[key], n_test_users) for key in summary if key in table}
    logger.info("evaluated %d users in %.2fs", len(users), elapsed)
    return EvalResult(summary, pd.DataFrame(table), ks, recs, info, ci)


def _sample(users: np.ndarray, size: Any, seed: RandomState) -> np.ndarray:
    """A seeded uniform sample of ``size`` of ``users`` (without replacement), sorted."""
    n = len(users)
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 1 <= size <= n:
        raise ValueError(
            f"sample_users must be an integer from 1 to the number of test users "
            f"({n} users with test interactions), got {size!r}; sample_users=None "
            "evaluates all of them"
        )
    rng = check_random_state(seed)
    return np.sort(rng.choice(users, size=int(size), replace=False))


def _sample_ci(values: np.ndarray, population: int, z: float = 1.959964) -> tuple[float, float]:
    """The 95% normal interval of the population mean from a sample without replacement."""
    values = np.asarray(values, dtype=np.float64)
    values = values[~np.isnan(values)]
    n = len(values)
    if n == 0:
        return float("nan"), float("nan")
    mean = float(values.mean())
    if n < 2:
        return (mean, mean) if n == population else (float("nan"), float("nan"))
    fpc = max(0.0, (population - n) / max(1, population - 1))
    half = z * float(values.std(ddof=1)) * np.sqrt(fpc / n)
    return mean - half, mean + half


def _check_metrics(metrics: Sequence[str] | None) -> list[str]:
    """The metrics asked for, by registered name (default: the registry's defaults)."""
    names = list(default_metrics() if metrics is None else metrics)
    unknown = [n for n in names if n not in metric_names()]
    if unknown:
        raise ValueError(
            f"unknown metric(s) {unknown}; available: {', '.join(metric_names())} "
            "(graphrec.evaluate.registry.register_metric adds one)"
        )
    return list(dict.fromkeys(names))


def _compute(
    requested: list[str], ctx: RankingContext, ks: list[int], table: dict[str, Any]
) -> dict[str, float]:
    """Each requested metric, then each always-reported one whose needs ``ctx`` holds,
    at each cut-off: per-user ones into ``table`` (and their means), then list-level."""
    for name in requested:
        missing = metric(name).missing(ctx)
        if missing:
            raise ValueError(
                f"metric {name!r} needs {', '.join(missing)}, which this "
                "evaluation lacks (see evaluate's parameters)"
            )
    extra = [n for n in always_metrics() if n not in requested and not metric(n).missing(ctx)]
    chosen = [metric(n) for n in (*requested, *extra)]
    ordered = [m for m in chosen if m.per_user] + [m for m in chosen if not m.per_user]
    n_users = len(ctx.recommendations)
    summary: dict[str, float] = {}
    for kk in ks:
        for m in ordered:
            key = f"{m.name}@{kk}"
            value = m(ctx, kk)
            if not m.per_user:
                summary[key] = float(value)
                continue
            value = np.asarray(value)
            if value.shape != (n_users,):
                raise ValueError(
                    f"metric {m.name!r} returned shape {value.shape}, expected one value "
                    f"per evaluated user ({n_users},)"
                )
            table[key] = value
            summary[key] = _nanmean(value)
    return summary


def _check_inputs(recommender: Any, test: Any, train: Any) -> None:
    if not isinstance(test, Interactions):
        raise ValueError(f"test must be an Interactions object, got {type(test).__name__}")
    if train is None:
        raise TypeError(
            "evaluate() needs train=: the training Interactions the model learnt from. "
            "Novelty and the head/tail split use its item popularity, the activity bands "
            "its user degrees, the default diversity basis its matrix; it is also what "
            "exclude masks by default (exclude=[train]; pass exclude=[train, valid] when "
            "testing a model selected on valid)"
        )
    if not isinstance(train, Interactions) or not train.same_space(test):
        raise ValueError(
            "train must be Interactions over the same users and items as test "
            f"(shape {test.shape}), got {_describe(train)}"
        )
    if not hasattr(recommender, "score"):
        raise ValueError(f"{type(recommender).__name__} has no score(users) method")
    if isinstance(recommender, BaseRecommender) or hasattr(recommender, "train_"):
        check_is_fitted(recommender, "train_")
        if not recommender.train_.same_space(test):
            raise ValueError(
                "test and the recommender's training data use different user/item index "
                f"spaces (shapes {test.shape} vs {recommender.train_.shape})"
            )


def _check_exclude(exclude: Any, train: Interactions, test: Interactions) -> list[Interactions]:
    if exclude is None:
        exclude = [train]
    elif isinstance(exclude, Interactions):
        exclude = [exclude]
    exclude = [e for e in exclude if e is not None]
    for i, part in enumerate(exclude):
        if not isinstance(part, Interactions) or not part.same_space(test):
            raise ValueError(f"exclude[{i}] must be Interactions over the same users and items")
    return exclude


def _communities(
    recommender: Any,
    communities: Any,
    item_communities: Any,
    train: Interactions,
    n_users: int,
) -> tuple[np.ndarray | None, Any]:
    """User labels and item communities: given, else the recommender's own."""
    if communities is not None:  # the one user map and item rule of graphrec.community
        user_comm, derived = community_maps(communities, train, n_users)
        item_communities = derived if item_communities is None else item_communities
    else:
        user_comm = user_labels(getattr(recommender, "user_communities_", None))
        if item_communities is None:
            item_communities = getattr(recommender, "item_communities_", None)
    if user_comm is not None and len(user_comm) != n_users:
        raise ValueError(f"communities has {len(user_comm)} labels for {n_users} users")
    return user_comm, item_communities


def _item_vectors(item_vectors: Any, test: Interactions, train: Interactions) -> Any:
    if isinstance(item_vectors, str):
        if item_vectors != "auto":
            raise ValueError(f'item_vectors must be "auto", an array or None, got {item_vectors!r}')
        return default_item_vectors(test, train)
    if item_vectors is not None and np.shape(item_vectors)[0] != test.n_items:
        raise ValueError(
            f"item_vectors has {np.shape(item_vectors)[0]} rows for {test.n_items} items"
        )
    return item_vectors


def _describe(obj: Any) -> str:
    if isinstance(obj, Interactions):
        return f"Interactions of shape {obj.shape}"
    return type(obj).__name__


def _nanmean(values: np.ndarray) -> float:
    values = np.asarray(values, dtype=np.float64)
    finite = ~np.isnan(values)
    return float(values[finite].mean()) if finite.any() else float("nan")


def _check_ks(k: Any) -> list[int]:
    values = np.atleast_1d(np.asarray(k, dtype=object))
    ok = values.size > 0 and all(
        isinstance(x, (int, np.integer)) and not isinstance(x, bool) and x >= 1 for x in values
    )
    if not ok:
        raise ValueError(f"k must be a positive integer or a list of them, got {k!r}")
    return sorted({int(x) for x in values})
