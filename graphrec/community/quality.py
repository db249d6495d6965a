"""Quality of a user partition: structure, ground truth, side information and stability.

Plain functions over arrays, in the style of ``networkx.algorithms.community.quality``.
The side-information measures (:func:`friend_lift`, :func:`attribute_agreement`) live
in :mod:`graphrec.community.homophily` and are re-exported here.
Every ``labels`` argument takes a label array (one per user index) or a
:class:`~graphrec.community.base.Communities`.

Unassigned users (label ``-1``) are handled the same way throughout:

- **graph measures** (modularity, conductance, internal edge fraction, friend-graph measures) treat
  each unassigned user as a community of its own: its edges are never internal;
- **label comparisons** (NMI, AMI, ARI, attribute agreement) drop the users that are
  unassigned in either labelling; report :func:`size_stats` (``unassigned_share``)
  next to them, since dropping noise users flatters a method that leaves many out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from itertools import combinations
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp

from graphrec._validation import RandomState, check_random_state
from graphrec.community._partition import (
    _labels,
    _modularity,
    _singletons,
    _square,
    assign_items,
    assign_users,
)
from graphrec.community.base import Communities
from graphrec.community.homophily import attribute_agreement, friend_lift

__all__ = [
    "Conductance",
    "ami",
    "ari",
    "assign_items",
    "assign_users",
    "attribute_agreement",
    "barber_modularity",
    "conductance",
    "friend_lift",
    "internal_edge_fraction",
    "item_information",
    "modularity",
    "nmi",
    "silhouette",
    "size_stats",
    "stability",
]

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------- structure
def modularity(graph: Any, labels: Any, resolution: float = 1.0) -> float:
    """Newman-Girvan modularity of a partition of a symmetric weighted graph.

    ``Q = sum_c [ W_c / 2m - resolution * (K_c / 2m)^2 ]`` with ``W_c`` the weight
    inside community ``c`` (both directions), ``K_c`` its total degree and ``2m`` the
    total weight (diagonal entries count once, as in the matrix). Equals
    ``networkx.community.modularity`` on graphs without self-loops.

    >>> g = sp.csr_array([[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 1], [0, 0, 1, 0]])
    >>> round(modularity(g, np.array([0, 0, 0, 1])), 4)
    -0.0312
    """
    g = _square(graph)
    lab = _labels(labels, g.shape[0])
    two_m = float(g.sum())
    if two_m <= 0:
        raise ValueError("modularity is undefined on a graph without edges")
    return _modularity(g.tocoo(), np.asarray(g.sum(axis=1)).ravel(), two_m, lab, resolution)


def barber_modularity(
    data: Any, communities: Any, item_labels: Any = None, resolution: float = 1.0
) -> float:
    """Barber's bipartite modularity of a co-clustering of users and items.

    ``Q_B = (1/m) sum_{u,i} (B_ui - resolution * k_u d_i / m) [c_u = c_i]`` with ``m`` the
    total weight of the biadjacency ``B``, ``k_u`` and ``d_i`` the user and item weighted
    degrees (Barber, Phys. Rev. E 76, 2007). Item labels come from ``item_labels``, else
    from ``communities.item_labels``, else from :func:`assign_items` (the one rule for an
    item's community, shared with the recommenders and ``evaluate``; it is the best item
    labelling for the user labels), so user-only partitions can be compared too.
    Unassigned users and items (``-1``) never match: the partition is scored as found,
    like the other graph measures (:func:`assign_users` places unassigned users for
    serving and for ``evaluate``; item communities always come from the labels as found).

    Parameters
    ----------
    data : Interactions or sparse matrix (n_users, n_items)
    communities : Communities or array of user labels
    item_labels : array of item labels, optional

    >>> b = sp.csr_array([[1, 1, 0], [1, 0, 0], [0, 0, 1]])
    >>> round(barber_modularity(b, np.array([0, 0, 1]), np.array([0, 0, 1])), 4)
    0.375
    """
    b = sp.csr_array(getattr(data, "matrix", data), dtype=np.float64)
    users = _labels(communities, b.shape[0], "user_labels")
    if item_labels is None and isinstance(communities, Communities):
        item_labels = communities.item_labels
    items = assign_items(b, users) if item_labels is None else _labels(item_labels, b.shape[1])
    m = b.sum()
    if m <= 0:
        raise ValueError("Barber modularity is undefined without interactions")
    coo = b.tocoo()
    same = (users[coo.row] == items[coo.col]) & (users[coo.row] >= 0)
    n_labels = int(max(users.max(initial=-1), items.max(initial=-1))) + 1
    ku = np.bincount(users[users >= 0], np.asarray(b.sum(axis=1)).ravel()[users >= 0], n_labels)
    di = np.bincount(items[items >= 0], np.asarray(b.sum(axis=0)).ravel()[items >= 0], n_labels)
    return float(coo.data[same].sum() / m - resolution * (ku @ di) / m**2)


def item_information(data: Any, communities: Any) -> float:
    """How much a user's community says about the items they choose: ``I(C; item) / H(item)``.

    Each interaction of ``data`` is one draw of (the user's community, the item),
    weighted by its weight; the mutual information of the two, divided by the
    entropy of the item, is 0 when every community chooses items like everyone else
    (one community, or fully mixed users) and 1 when the community determines the
    item. Unassigned users (``-1``) are left out. It is the amount of item evidence
    the community-aware recommenders can draw on, and what predicts their gain over
    the single-community control.

    >>> b = sp.csr_array([[1, 0], [1, 0], [0, 1], [0, 1]])
    >>> item_information(b, np.array([0, 0, 1, 1])), item_information(b, np.zeros(4, int))
    (1.0, 0.0)
    """
    b = sp.csr_array(getattr(data, "matrix", data), dtype=np.float64)
    users = _labels(communities, b.shape[0], "user_labels")
    keep = np.flatnonzero(users >= 0)
    b, users = b[keep], users[keep]
    total = b.sum()
    if total <= 0:
        raise ValueError("item information is undefined without interactions")
    k = int(users.max(initial=-1)) + 1
    member = sp.csr_array(
        (np.ones(len(users)), (users, np.arange(len(users)))), shape=(k, len(users))
    )
    joint = (member @ b).tocoo()  # communities x items: the weight of each pair
    p = joint.data / total
    p_c = np.bincount(joint.row, weights=p, minlength=k)
    p_i = np.bincount(joint.col, weights=p, minlength=b.shape[1])
    h_item = float(-(p_i[p_i > 0] * np.log(p_i[p_i > 0])).sum())
    if h_item <= 0:
        return 0.0
    mi = float((p * np.log(p / (p_c[joint.row] * p_i[joint.col]))).sum())
    return max(0.0, mi / h_item)


class Conductance(NamedTuple):
    """Conductance of each community (``nan`` when undefined) and their mean."""

    per_community: np.ndarray
    mean: float


def conductance(graph: Any, labels: Any) -> Conductance:
    """Conductance ``cut(S) / min(vol(S), vol(V \\ S))`` of each community (lower is better).

    Communities are ``0 .. max label``; an empty one, or one whose complement has no
    volume, gets ``nan``, and the mean ignores those.

    >>> g = sp.csr_array([[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 1], [0, 0, 1, 0]])
    >>> conductance(g, np.array([0, 0, 0, 1])).per_community.tolist()
    [1.0, 1.0]
    """
    g = _square(graph)
    lab = _labels(labels, g.shape[0])
    k = int(lab.max(initial=-1)) + 1
    degree = np.asarray(g.sum(axis=1)).ravel()
    total = degree.sum()
    ok = lab >= 0
    volume = np.bincount(lab[ok], weights=degree[ok], minlength=k)
    coo = g.tocoo()
    inside = (lab[coo.row] == lab[coo.col]) & (lab[coo.row] >= 0)
    internal = np.bincount(lab[coo.row[inside]], weights=coo.data[inside], minlength=k)
    denominator = np.minimum(volume, total - volume)
    with np.errstate(invalid="ignore", divide="ignore"):
        per = np.where(denominator > 0, (volume - internal) / denominator, np.nan)
    mean = float(np.nanmean(per)) if np.isfinite(per).any() else float("nan")
    return Conductance(per, mean)


def internal_edge_fraction(graph: Any, labels: Any) -> float:
    """Share of the edge weight that lies inside communities (networkx's *coverage*).

    Named so as not to be confused with the ``coverage@k`` metric of recommendation
    lists (the share of the catalogue recommended).

    >>> g = sp.csr_array([[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 1], [0, 0, 1, 0]])
    >>> internal_edge_fraction(g, np.array([0, 0, 0, 1]))
    0.75
    """
    g = _square(graph)
    lab = _singletons(_labels(labels, g.shape[0]))
    coo = g.tocoo()
    total = coo.data.sum()
    if total <= 0:
        raise ValueError("the internal edge fraction is undefined on a graph without edges")
    return float(coo.data[lab[coo.row] == lab[coo.col]].sum() / total)


def size_stats(labels: Any) -> dict[str, float]:
    """Size distribution: count, largest share, entropy, singletons, unassigned share.

    Shares are of *all* users (unassigned included). ``entropy`` is the Shannon
    entropy (nats) of the community sizes; ``normalized_entropy`` divides it by
    ``log(n_communities)`` (1.0 = equal sizes).

    >>> size_stats(np.array([0, 0, 1, -1]))["largest_share"]
    0.5
    """
    lab = _labels(labels)
    n = len(lab)
    sizes = np.bincount(lab[lab >= 0])
    sizes = sizes[sizes > 0]
    k = len(sizes)
    p = sizes / sizes.sum() if k else np.array([])
    entropy = float(-(p * np.log(p)).sum()) if k else 0.0
    return {
        "n_users": n,
        "n_communities": k,
        "largest": int(sizes.max(initial=0)),
        "largest_share": float(sizes.max(initial=0) / n) if n else float("nan"),
        "median_size": float(np.median(sizes)) if k else float("nan"),
        "singletons": int((sizes == 1).sum()),
        "unassigned_share": float((lab < 0).mean()) if n else float("nan"),
        "entropy": entropy,
        "normalized_entropy": entropy / np.log(k) if k > 1 else float("nan"),
    }


def silhouette(
    vectors: np.ndarray,
    labels: Any,
    sample_size: int | None = 5000,
    metric: str = "euclidean",
    random_state: RandomState = 0,
) -> float:
    """Mean silhouette of the partition in embedding space (scikit-learn).

    Unassigned users are dropped; above ``sample_size`` users a seeded sample is
    scored. ``nan`` when fewer than two communities remain.

    >>> x = np.array([[0.0], [0.1], [5.0], [5.1]])
    >>> round(silhouette(x, np.array([0, 0, 1, 1])), 3)
    0.98
    """
    x = np.asarray(vectors, dtype=np.float64)
    lab = _labels(labels, len(x))
    ok = lab >= 0
    x, lab = x[ok], lab[ok]
    if len(np.unique(lab)) < 2 or len(np.unique(lab)) >= len(lab):
        return float("nan")
    if sample_size is not None and len(lab) > sample_size:
        rng = check_random_state(random_state)
        pick = rng.choice(len(lab), size=sample_size, replace=False)
        x, lab = x[pick], lab[pick]
        if len(np.unique(lab)) < 2:
            return float("nan")
    from sklearn import metrics

    return float(metrics.silhouette_score(x, lab, metric=metric))


# ---------------------------------------------------------------------------- ground truth
def _paired(labels_true: Any, labels_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    a = _labels(labels_true, name="labels_true")
    b = _labels(labels_pred, len(a), "labels_pred")
    keep = (a >= 0) & (b >= 0)
    return a[keep], b[keep]


def nmi(labels_true: Any, labels_pred: Any) -> float:
    """Normalised mutual information (arithmetic mean), users unassigned in either dropped.

    >>> nmi([0, 0, 1, 1], [1, 1, 0, 0])
    1.0
    """
    a, b = _paired(labels_true, labels_pred)
    from sklearn import metrics

    return float(metrics.normalized_mutual_info_score(a, b)) if len(a) else float("nan")


def ami(labels_true: Any, labels_pred: Any) -> float:
    """Adjusted mutual information (chance-corrected), users unassigned in either dropped.

    >>> ami([0, 0, 1, 1], [0, 0, 1, 1])
    1.0
    """
    a, b = _paired(labels_true, labels_pred)
    from sklearn import metrics

    return float(metrics.adjusted_mutual_info_score(a, b)) if len(a) else float("nan")


def ari(labels_true: Any, labels_pred: Any) -> float:
    """Adjusted Rand index, users unassigned in either dropped.

    >>> ari([0, 0, 1, 1], [0, 0, 1, 1])
    1.0
    """
    a, b = _paired(labels_true, labels_pred)
    from sklearn import metrics

    return float(metrics.adjusted_rand_score(a, b)) if len(a) else float("nan")


# ---------------------------------------------------------------------------- stability
def stability(
    detector: Any,
    train: Any,
    seeds: Iterable[int] = (0, 1, 2, 3, 4),
    embedder: Any = None,
) -> dict[str, Any]:
    """Agreement between runs with different seeds: mean and std of pairwise ARI.

    Parameters
    ----------
    detector : detector or callable
        A detector (cloned and given each seed as ``random_state``) or a factory
        ``seed -> detector``.
    train : Interactions
    seeds : iterable of int
        At least two seeds.
    embedder : fitted embedder, optional
        Passed to ``fit`` (embedding-clustering detectors).

    Returns
    -------
    dict
        ``mean_ari``, ``std_ari``, ``min_ari`` over all pairs of runs, ``n_communities``
        (one per run) and ``seeds``.

    Examples
    --------
    >>> import graphrec as gr
    >>> data, _, _ = gr.planted_communities(200, 100, 4, mean_degree=15, mu=0.1, seed=0)
    >>> det = gr.create("detector", "leiden")
    >>> stability(det, data, seeds=[0, 1])["mean_ari"]
    1.0
    """
    from sklearn.base import clone

    seeds = [int(s) for s in seeds]
    if len(seeds) < 2:
        raise ValueError(f"stability needs at least two seeds, got {seeds}")
    factory: Callable[[int], Any]
    if callable(detector) and not hasattr(detector, "fit"):
        factory = detector
    elif not getattr(detector, "takes_seed", True):
        raise ValueError(
            f"{type(detector).__name__} does not depend on a seed (takes_seed=False): "
            "every run gives the same partition, so there is no stability to measure"
        )
    else:
        factory = lambda seed: clone(detector).set_params(random_state=seed)  # noqa: E731
    runs = [factory(seed).fit(train, embedder).labels_ for seed in seeds]
    scores = np.array([ari(a, b) for a, b in combinations(runs, 2)])
    return {
        "mean_ari": float(scores.mean()),
        "std_ari": float(scores.std()),
        "min_ari": float(scores.min()),
        "n_communities": [int(np.unique(r[r >= 0]).size) for r in runs],
        "seeds": seeds,
    }
