"""Planted-community interaction data with ground truth: the default dataset."""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp

from graphrec._params import Interval, Rule, Seed, check_params, declare_params
from graphrec._registry import datasets
from graphrec._validation import (
    RandomState,
    check_memory,
    check_positive_int,
    check_random_state,
)
from graphrec.data.interactions import Interactions

__all__ = ["PlantedCommunities", "load_synthetic", "planted_communities"]


class PlantedCommunities(NamedTuple):
    """Result of :func:`planted_communities`: the data and the true communities."""

    data: Interactions
    user_labels: np.ndarray
    item_labels: np.ndarray


def planted_communities(
    n_users: int = 1000,
    n_items: int = 500,
    n_communities: int = 5,
    mean_degree: float = 20.0,
    mu: float = 0.2,
    *,
    activity_sigma: float = 0.8,
    popularity_exponent: float = 0.8,
    min_degree: int = 3,
    seed: RandomState = None,
) -> PlantedCommunities:
    """Generate users and items in planted communities.

    Users and items are split into ``n_communities`` groups of near-equal size. Each
    user draws a heavy-tailed (log-normal) number of interactions with mean
    ``mean_degree`` (at least ``min_degree``); each interaction falls outside the
    user's community with probability ``mu`` (spread over the other communities)
    and inside it otherwise. Within a community, items are chosen with power-law
    popularity (Zipf weights ``rank ** -popularity_exponent`` over a random item order).
    Repeated draws of a pair are dropped, so degrees are approximately as drawn.
    Timestamps are uniform over one year, so temporal splits work too.

    Returns
    -------
    PlantedCommunities
        ``data`` (with ``user_features["community"]`` and ``item_features["community"]``),
        ``user_labels`` and ``item_labels``.

    >>> data, users, items = planted_communities(200, 100, 4, mean_degree=10, seed=0)
    >>> data.n_users, len(np.unique(users)), data.user_features["community"].nunique()
    (200, 4, 4)
    """
    n_users = check_positive_int(n_users, "n_users")
    n_items = check_positive_int(n_items, "n_items")
    k = check_positive_int(n_communities, "n_communities")
    if k > min(n_users, n_items):
        raise ValueError(f"n_communities={k} exceeds n_users={n_users} or n_items={n_items}")
    if not 0.0 <= mu <= 1.0:
        raise ValueError(f"mu must be in [0, 1], got {mu}")
    if not mean_degree > 0 or mean_degree > n_items:
        raise ValueError(f"mean_degree must be in (0, n_items={n_items}], got {mean_degree}")
    if activity_sigma < 0:
        raise ValueError(f"activity_sigma must be >= 0, got {activity_sigma}")
    check_memory(  # about ten int64 / float64 arrays over the oversampled draws
        80.0 * n_users * (1.5 * mean_degree + 8) + 64.0 * (n_users + n_items),
        f"synthetic data (n_users={n_users}, n_items={n_items}, mean_degree={mean_degree})",
        "n_users or mean_degree",
    )
    rng = check_random_state(seed)

    user_comm = rng.permutation(np.arange(n_users) % k)
    item_comm = rng.permutation(np.arange(n_items) % k)

    # heavy-tailed activity: log-normal with the requested mean
    raw = rng.lognormal(-(activity_sigma**2) / 2, activity_sigma, n_users) * mean_degree
    degree = np.clip(np.round(raw).astype(np.int64), min(min_degree, n_items), n_items)

    # power-law popularity in a random order; items grouped by community for sampling
    popularity = np.empty(n_items)
    popularity[rng.permutation(n_items)] = np.arange(1, n_items + 1) ** -popularity_exponent
    by_comm = np.argsort(item_comm, kind="stable")
    cum = np.cumsum(popularity[by_comm])
    comm_sizes = np.bincount(item_comm, minlength=k)
    comm_end = np.cumsum(comm_sizes)
    comm_start = comm_end - comm_sizes
    mass_start = np.where(comm_start > 0, cum[np.maximum(comm_start - 1, 0)], 0.0)
    mass = cum[comm_end - 1] - mass_start

    # each user's interactions: Binomial(degree, mu) outside the community, the rest
    # inside; oversample both groups, drop repeated pairs, keep the first draws of each
    n_out = rng.binomial(degree, mu)
    quota = np.stack([degree - n_out, n_out], axis=1)  # (user, outside?) -> count
    draws = np.ceil(quota * 1.5 + 4).astype(np.int64)
    draws[:, 1] = np.where(quota[:, 1] > 0, draws[:, 1], 0)
    users = np.repeat(np.repeat(np.arange(n_users), 2), draws.ravel())
    outside = np.repeat(np.tile([0, 1], n_users), draws.ravel()).astype(bool)
    own = user_comm[users]
    if k > 1:
        target = np.where(outside, (own + rng.integers(1, k, size=len(users))) % k, own)
    else:
        target = own
    x = mass_start[target] + rng.random(len(users)) * mass[target]
    pos = np.minimum(np.searchsorted(cum, x, side="right"), comm_end[target] - 1)
    items = by_comm[pos]

    # draws come user by user, so a stable sort of the (user, item) keys only orders
    # each user's short run (timsort), and every pair's first draw leads its run of repeats
    keys = users * n_items + items
    by_key = np.argsort(keys, kind="stable")
    sorted_keys = keys[by_key]
    lead = np.ones(len(keys), dtype=bool)
    lead[1:] = sorted_keys[1:] != sorted_keys[:-1]
    is_first = np.zeros(len(keys), dtype=bool)
    is_first[by_key[lead]] = True
    first = np.flatnonzero(is_first)  # in draw order, so truncation keeps the earliest draws
    users, items, outside = users[first], items[first], outside[first]
    group = users * 2 + outside  # non-decreasing: the rank of a draw within its group
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    rank = np.arange(len(group)) - np.repeat(starts, np.diff(np.r_[starts, len(group)]))
    keep = rank < quota.ravel()[group]
    users, items = users[keep], items[keep]
    times = 1_600_000_000 + rng.integers(0, 365 * 86_400, size=len(users))
    order = np.argsort(users * n_items + items, kind="stable")  # CSR order, times moved along
    indptr = np.zeros(n_users + 1, dtype=np.int64)
    np.cumsum(np.bincount(users, minlength=n_users), out=indptr[1:])
    matrix = sp.csr_array(
        (np.ones(len(order), np.float32), items[order], indptr), shape=(n_users, n_items)
    )

    data = Interactions(
        matrix,
        timestamps=times[order],
        user_ids=np.arange(n_users),
        item_ids=np.arange(n_items),
        user_features=pd.DataFrame({"community": user_comm}),
        item_features=pd.DataFrame({"community": item_comm}),
        meta={
            "name": "synthetic",
            "params": {
                "n_users": n_users,
                "n_items": n_items,
                "n_communities": k,
                "mean_degree": mean_degree,
                "mu": mu,
                "activity_sigma": activity_sigma,
                "popularity_exponent": popularity_exponent,
                "min_degree": min_degree,
            },
        },
    )
    return PlantedCommunities(data, user_comm, item_comm)


@datasets.register("synthetic")
@declare_params(
    Rule(
        lambda p: p["n_communities"] <= min(p["n_users"], p["n_items"]),
        "n_communities={n_communities} exceeds n_users={n_users} or n_items={n_items}",
    ),
    Rule(
        lambda p: p["mean_degree"] <= p["n_items"],
        "mean_degree={mean_degree} must be at most n_items={n_items}",
    ),
    path=None,
    n_users=Interval(int, 1, None),
    n_items=Interval(int, 1, None),
    n_communities=Interval(int, 1, None),
    mean_degree=Interval(float, 0, None, closed="neither"),
    mu=Interval(float, 0, 1),
    seed=Seed(),
)
def load_synthetic(
    path: None = None,
    n_users: int = 1000,
    n_items: int = 500,
    n_communities: int = 5,
    mean_degree: float = 20.0,
    mu: float = 0.2,
    seed: RandomState = 0,
) -> Interactions:
    """The built-in default dataset: :func:`planted_communities` with a fixed seed.

    The true communities are in ``user_features["community"]`` and
    ``item_features["community"]``. Items also carry ``genres`` so that profiles can name
    communities as they do on real data: each planted item community has a genre of its
    own (:data:`GENRES`, numbered past the 20th), and every fifth item a second genre,
    that of another community. ``path`` is accepted (and must be None) so every dataset
    is loaded the same way.

    >>> data = load_synthetic(n_users=50, n_items=10, n_communities=2, mean_degree=4, seed=0)
    >>> data.item_features["genres"].tolist()[:2]
    [['Jazz', 'Folk'], ['Folk']]
    """
    if path is not None:
        raise ValueError("the synthetic dataset is generated, not read: leave path=None")
    check_params(load_synthetic, dict(locals()), name="dataset 'synthetic'")
    data = planted_communities(n_users, n_items, n_communities, mean_degree, mu, seed=seed).data
    features = data.item_features.copy()
    features["genres"] = synthetic_genres(features["community"].to_numpy(), n_communities)
    return replace(data, item_features=features)


GENRES = (
    "Jazz", "Folk", "Metal", "Classical", "Hip-hop", "Reggae", "Blues", "Techno",
    "Country", "Soul", "Punk", "Opera", "Ambient", "Salsa", "Grunge", "Gospel",
    "Disco", "Ska", "Bluegrass", "K-pop",
)  # fmt: skip


def synthetic_genres(item_communities: np.ndarray, n_communities: int) -> list[list[str]]:
    """Genre lists of the synthetic items: the planted community's genre, and for every
    fifth item the genre of the next community (deterministic, no seed)."""
    names = [
        GENRES[c % len(GENRES)] + (f" {c // len(GENRES) + 1}" if c >= len(GENRES) else "")
        for c in range(n_communities)
    ]
    out = []
    for i, c in enumerate(np.asarray(item_communities, dtype=np.int64).tolist()):
        genres = [names[c]]
        if i % 5 == 0 and n_communities > 1:
            genres.append(names[(c + 1) % n_communities])
        out.append(genres)
    return out
