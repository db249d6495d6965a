"""Agreement of a user partition with side information: friendships and user attributes.

Each measure comes with a seeded permutation baseline (same community sizes, labels
shuffled over users), so a result reads as a lift over chance. Also available as
``graphrec.community.quality.friend_lift`` / ``attribute_agreement``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from graphrec._validation import RandomState, check_positive_int, check_random_state
from graphrec.community._partition import _labels, _modularity, _square

__all__ = ["attribute_agreement", "friend_lift"]


def friend_lift(
    user_graph: Any,
    labels: Any,
    n_permutations: int = 100,
    random_state: RandomState = None,
) -> dict[str, float]:
    """How much a partition agrees with a friendship graph, against a permutation baseline.

    ``share_inside`` is the share of friend pairs whose two users are in one community;
    ``friend_modularity`` is the modularity of the friend graph under the partition
    (comparable across different numbers of communities). The baseline shuffles the
    labels over users ``n_permutations`` times (same community sizes, seeded), so
    ``lift = share_inside / baseline_share`` reads as "x times more friend pairs
    inside than chance".

    Parameters
    ----------
    user_graph : Interactions (its ``user_graph``) or symmetric sparse matrix
    labels : array or Communities
    n_permutations : int
    random_state : int, Generator or None

    Returns
    -------
    dict
        ``n_pairs``, ``share_inside``, ``baseline_share``, ``baseline_share_std``,
        ``lift``, ``p_value`` (share of permutations at least as high, smoothed),
        ``friend_modularity``, ``baseline_modularity``.

    Examples
    --------
    >>> g = sp.csr_array([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])
    >>> out = friend_lift(g, np.array([0, 0, 1, 1]), random_state=0)
    >>> out["share_inside"], out["friend_modularity"]
    (1.0, 0.5)
    """
    g = _square(user_graph, friends=True)
    lab = _labels(labels, g.shape[0])
    n_perm = check_positive_int(n_permutations, "n_permutations")
    upper = sp.triu(g, k=1).tocoo()
    if upper.nnz == 0:
        raise ValueError("the user graph has no edges between different users")
    rows, cols = upper.row, upper.col
    degree = np.asarray(g.sum(axis=1)).ravel()
    coo = g.tocoo()
    two_m = coo.data.sum()

    def share_and_modularity(assign: np.ndarray) -> tuple[float, float]:
        share = float(((assign[rows] == assign[cols]) & (assign[rows] >= 0)).mean())
        return share, _modularity(coo, degree, two_m, assign, 1.0)

    share, q = share_and_modularity(lab)
    rng = check_random_state(random_state)
    base = np.array([share_and_modularity(rng.permutation(lab)) for _ in range(n_perm)])
    baseline_share = float(base[:, 0].mean())
    return {
        "n_pairs": int(upper.nnz),
        "share_inside": share,
        "baseline_share": baseline_share,
        "baseline_share_std": float(base[:, 0].std()),
        "lift": share / baseline_share if baseline_share > 0 else float("inf"),
        "p_value": float((1 + (base[:, 0] >= share).sum()) / (1 + n_perm)),
        "friend_modularity": q,
        "baseline_modularity": float(base[:, 1].mean()),
    }


def _purity(attribute: np.ndarray, labels: np.ndarray) -> float:
    from sklearn import metrics

    table = metrics.cluster.contingency_matrix(attribute, labels, sparse=True)
    return float(table.max(axis=0).toarray().sum() / len(labels))


def attribute_agreement(
    labels: Any,
    attribute: Any,
    n_permutations: int = 100,
    random_state: RandomState = None,
) -> dict[str, float]:
    """NMI and purity between communities and a user attribute, with a permutation baseline.

    ``purity`` is the share of users whose attribute value is the most common one in
    their community. Users with a missing attribute or unassigned (``-1``) are
    dropped. The baseline shuffles the community labels over those users (same
    sizes, seeded); ``nmi_lift`` and ``purity_lift`` divide by it.

    Parameters
    ----------
    labels : array or Communities
    attribute : array-like or pandas Series, one value per user (e.g. age band, gender)
    n_permutations : int
    random_state : int, Generator or None

    Examples
    --------
    >>> out = attribute_agreement([0, 0, 1, 1], ["F", "F", "M", "M"], random_state=0)
    >>> out["nmi"], out["purity"]
    (1.0, 1.0)
    """
    values = pd.Series(np.asarray(attribute, dtype=object))
    lab = _labels(labels, len(values))
    codes, _ = pd.factorize(values, use_na_sentinel=True)
    keep = (codes >= 0) & (lab >= 0)
    if keep.sum() < 2:
        raise ValueError("fewer than two users have both a community and the attribute")
    a, b = codes[keep], lab[keep]
    n_perm = check_positive_int(n_permutations, "n_permutations")
    rng = check_random_state(random_state)
    from sklearn import metrics

    score_nmi = float(metrics.normalized_mutual_info_score(a, b))
    score_purity = _purity(a, b)
    base = np.array(
        [
            (metrics.normalized_mutual_info_score(a, p), _purity(a, p))
            for p in (rng.permutation(b) for _ in range(n_perm))
        ]
    )
    base_nmi, base_purity = float(base[:, 0].mean()), float(base[:, 1].mean())
    return {
        "n_users": int(keep.sum()),
        "nmi": score_nmi,
        "baseline_nmi": base_nmi,
        "nmi_lift": score_nmi / base_nmi if base_nmi > 0 else float("inf"),
        "purity": score_purity,
        "baseline_purity": base_purity,
        "purity_lift": score_purity / base_purity if base_purity > 0 else float("inf"),
    }
